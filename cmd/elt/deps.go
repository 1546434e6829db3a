package main

import (
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/deps"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// depsFlags are the flags of `elt deps`, as dbt's.
type depsFlags struct {
	upgrade        bool
	lock           bool
	addPackage     string
	source         string
	noVersionCheck bool
}

func newDepsCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	df := &depsFlags{}
	c := &cobra.Command{
		Use:   "deps",
		Short: "Install the dbt packages listed in packages.yml (or dependencies.yml), pinned by package-lock.yml",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return depsCommand(cmd.Context(), f, df, env, stdout)
		},
	}
	c.Flags().BoolVar(&df.upgrade, "upgrade", false, "re-resolve every package to the newest version its requirements allow, rewriting package-lock.yml")
	c.Flags().BoolVar(&df.lock, "lock", false, "write package-lock.yml without installing anything")
	c.Flags().StringVar(&df.addPackage, "add-package", "", "add a package to packages.yml first, as NAME@VERSION (a range as >=1.0.0,<2.0.0)")
	c.Flags().StringVar(&df.source, "source", "hub", "source of --add-package: hub, git or local")
	c.Flags().BoolVar(&df.noVersionCheck, "no-version-check", false, "install packages whatever their require-dbt-version says")
	return c
}

func depsCommand(ctx context.Context, f *flags, df *depsFlags, env environment, stdout io.Writer) error {
	root, err := project.FindRoot(project.Options{ProjectDir: f.projectDir, WorkDir: env.workDir})
	if err != nil {
		return usageErr(err)
	}
	vars, err := parseDictFlag("--vars", f.vars)
	if err != nil {
		return usageErr(err)
	}
	log := newLogger(stdout, f.logFormat, newInvocationID())
	if f.quiet {
		log.level = levelRank["error"]
	}
	hub, _ := env.lookupEnv("DBT_PACKAGE_HUB_URL")
	_, err = deps.Run(ctx, deps.Options{
		ProjectRoot: root, DBTVersion: dbtVersion, HubURL: hub,
		Env: env.lookupEnv, Vars: vars,
		Upgrade: df.upgrade, LockOnly: df.lock, AddPackage: df.addPackage, Source: df.source,
		NoVersionCheck: df.noVersionCheck,
		// dbt retries a failed connection five times, a second apart.
		Retries: 5, RetryBackoff: time.Second,
		Report: func(e deps.Event) {
			switch e.Level {
			case "warn":
				log.warn(e.Name, e.Msg, e.Data)
			case "debug":
			default:
				log.info(e.Name, e.Msg, e.Data)
			}
		},
	})
	if err == nil {
		return nil
	}
	if _, ok := diag.AsList(err); ok {
		return usageErr(err)
	}
	// Fetching or installing failed (deps.InstallError, deps.HubError, a
	// cancelled context): exit 2, as dbt's deps, which has no results
	// and ends in an exception (cli/requires.py ExceptionExit).
	return &exitError{code: exitUsage, err: err}
}
