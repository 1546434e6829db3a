package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/secrets"
	"github.com/elt-dev/elt/runner"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// dbtVersion is the dbt-core version whose behaviour and artifact schemas elt follows.
const dbtVersion = compiler.DBTVersion

// Exit codes, as dbt's: 0 success, 1 a node errored or a test failed, 2 usage or project errors.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitSIGINT  = 130
	exitSIGTERM = 143
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// flags shared by commands.
type flags struct {
	// dbtOnly are dbt's flags elt takes for dbt's command lines (dbtflags.go).
	dbtOnly       dbtOnly
	projectDir    string
	profilesDir   string
	target        string
	profile       string
	vars          string
	logFormat     string
	threads       int
	selectors     []string
	excludes      []string
	resourceTypes []string
	// warnError: --warn-error, a data test that would warn fails.
	warnError bool
	// excludeResourceTypes: --exclude-resource-type, the types left out.
	excludeResourceTypes []string
	failFast             bool
	fullRefresh          bool
	output               string
	outputKeys           []string // ls --output-keys
	noColor              bool
	indirect             string
	eventStart           string
	eventEnd             string
	macroArgs            string
	storeFailures        bool
	noCheck              bool                       // skip the static checks before compile, run and build
	junitXML             string                     // --junit-xml PATH
	noHistory            bool                       // --no-history: record nothing in the run history
	retryBatches         map[string][]runner.Window // set by elt retry
	retrySuccessful      map[string][][2]string     // set by elt retry: a partial success's batches that succeeded
	retryIDs             []string                   // set by elt retry: the selection of compile and clone
	state                string                     // --state: an earlier run's target folder
	selector             string                     // --selector: a named selector of selectors.yml
	deferState           string                     // --defer-state: the run to defer to, when not --state
	deferFlag            bool                       // --defer
	favorState           bool                       // --favor-state
	empty                bool                       // --empty
	// docs generate: --compile/--no-compile, --empty-catalog, --static.
	docsCompile, docsNoCompile, emptyCatalog, static bool
	// cleanProjectFilesOnly: clean's --clean-project-files-only /
	// --no-clean-project-files-only (DBT_CLEAN_PROJECT_FILES_ONLY), on
	// unless set false; off, clean deletes clean-targets outside the
	// project too, as dbt's does.
	cleanProjectFilesOnly optBool
	// renderCache: the command keeps renders in the target directory
	// for the next invocation (compile, ls, and the commands that run
	// nodes); noPartialParse turns it off.
	renderCache    bool
	noPartialParse bool
	// introspect (--introspect, default on; --no-introspect or
	// DBT_INTROSPECT=false turn it off): elt compile answers run_query,
	// the adapter's introspection and is_incremental() from the warehouse.
	introspect, noIntrospect bool
	// inline is elt compile --inline: a query compiled in the project's
	// context and printed.
	inline string
	// compileOutput is elt compile --output: text or json.
	compileOutput string
	// commandArgs are a command's own options that dbt's args_to_dict
	// records with their defaults (show's limit and output, compile's
	// output), by dbt's names, for invocation_args_dict and
	// run_results.json's args.
	commandArgs map[string]any
	// explicit are the flags given on the command line or by their
	// environment variable: they win over dbt_project.yml's flags:.
	explicit map[string]bool
	// dbt.log: --log-path, --log-level-file, --log-format-file.
	logPath, logLevelFile, logFormatFile string
	targetPath                           string // --target-path, DBT_TARGET_PATH
	quiet                                bool   // --quiet, DBT_QUIET: errors and what the command prints alone
	// print (--print, DBT_PRINT, default on) and noPrint (--no-print, or
	// the older DBT_NO_PRINT): whether {{ print() }} prints.
	print, noPrint bool
	// renamedEnvVars are the deprecated variables dbt still reads in place
	// of their new names (DBT_ARTIFACT_STATE_PATH...) that were set: each
	// is a deprecation warning once the log is open, as in dbt.
	renamedEnvVars []renamedEnvVar
	// which is the command as dbt's flags.WHICH names it (the name it was
	// called by: "run", "ls", "generate", "freshness"); argv is the
	// command line after "elt"; macro is run-operation's macro.
	which string
	argv  []string
	macro string
	// hasFlag says whether the command has a flag (by its long name), for
	// the args dbt records of a command's options not given.
	hasFlag func(name string) bool
	// commandPath is the command as cobra names it ("elt docs generate"),
	// for dbt's CommandCompleted.
	commandPath string
	// log is the command's session logger; when closesLog (runWith),
	// runWith ends it with dbt's CommandCompleted event and then closes
	// it (dbt.log included), where the session closes it otherwise.
	log       *logger
	closesLog bool
	// dbt are dbt's global flags elt had no option for; projectFlags the
	// ones given that are project flags (project.Options.Flags).
	dbt          dbtGlobals
	projectFlags map[string]any
	// sqlLog logs a statement sent to the warehouse (dbt's SQLQuery);
	// set when the session's log opens.
	sqlLog func(ctx context.Context, sql string)
}

// run is the whole CLI; tests call it in-process. hugePages advises more
// of the heap for a large project (nil: never).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, hugePages func(int) (bool, error)) int {
	env := environment{
		lookupEnv: os.LookupEnv,
		workDir:   mustGetwd(),
		homeDir:   homeDir(),
		secrets:   secrets.FromEnviron(os.Environ()),
		hugePages: hugePages,
	}
	return runWith(ctx, args, stdout, stderr, env)
}

// environment is what elt reads from the process; tests may substitute it.
type environment struct {
	lookupEnv func(string) (string, bool)
	workDir   string
	homeDir   string
	// secrets are scrubbed from everything elt prints or writes; the
	// profile's secret fields join them once it is read.
	secrets *secrets.Set
	// hugePages, when set, advises that much more of the heap be backed
	// by huge pages (hugepages.Advise); main sets it when the start-up
	// advice took.
	hugePages func(int) (bool, error)
}

func mustGetwd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

func homeDir() string {
	h, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return h
}

func runWith(ctx context.Context, args []string, stdout, stderr io.Writer, env environment) int {
	if env.secrets == nil {
		env.secrets = secrets.FromEnviron(os.Environ())
	}
	stdout, stderr = env.secrets.Writer(stdout), env.secrets.Writer(stderr)
	f := &flags{argv: args, closesLog: true}
	// Every statement an adapter sends is logged at debug level, once
	// the command has its log, as dbt's SQLQuery event.
	ctx = adapters.WithStatementObserver(ctx, func(ctx context.Context, sql string) {
		if f.sqlLog != nil {
			f.sqlLog(ctx, sql)
		}
	})
	root := newRootCmd(ctx, f, stdout, stderr, env)
	root.SetArgs(hoistFlags(root, expandMultiValueFlags(args)))
	started := time.Now()
	err := root.ExecuteContext(ctx)
	if f.log != nil {
		var ee *exitError
		ok := err == nil || errors.As(err, &ee) && ee.code == exitOK
		f.log.commandCompleted(f.commandPath, ok, time.Since(started))
		f.log.closeFile()
	}
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			printError(stderr, ee.err)
			annotateError(stdout, env, f.projectDir, ee.err)
		}
		return ee.code
	}
	// Anything cobra itself returns is a usage problem.
	fmt.Fprintf(stderr, "Error: %v\nRun 'elt --help' for usage.\n", err)
	return exitUsage
}

func printError(w io.Writer, err error) {
	if list, ok := diag.AsList(err); ok {
		for _, d := range list {
			fmt.Fprintln(w, d.Error())
		}
		return
	}
	fmt.Fprintf(w, "Error: %v\n", err)
}

func newRootCmd(ctx context.Context, f *flags, stdout, stderr io.Writer, env environment) *cobra.Command {
	root := &cobra.Command{
		Use:           "elt",
		Short:         "elt builds, tests and documents a dbt-format project",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	// Checks of flag values every command shares, before any work starts.
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		f.which = cmd.CalledAs()
		f.commandPath = cmd.CommandPath()
		f.hasFlag = func(name string) bool { return cmd.Flags().Lookup(name) != nil }
		if fl := cmd.Flags().Lookup("threads"); fl != nil && fl.Changed && f.threads < 1 {
			return usageErr(fmt.Errorf("--threads must be a whole number of at least 1, not %d", f.threads))
		}
		if err := flagsFromEnv(cmd, env); err != nil {
			return err
		}
		renamed, err := flagsFromRenamedEnv(cmd, env)
		if err != nil {
			return err
		}
		f.renamedEnvVars = renamed
		if err := f.dbtOnly.check(); err != nil {
			return err
		}
		if err := checkEventTimeFlags(f); err != nil {
			return err
		}
		if f.projectFlags, err = f.dbt.projectFlagValues(cmd, f, env); err != nil {
			return err
		}
		if f.resourceTypes, err = resourceTypes("--resource-type", f.resourceTypes); err != nil {
			return err
		}
		if f.excludeResourceTypes, err = resourceTypes("--exclude-resource-type", f.excludeResourceTypes); err != nil {
			return err
		}
		f.explicit = map[string]bool{}
		for _, name := range []string{"fail-fast", "log-format", "indirect-selection", "no-color", "no-partial-parse"} {
			if fl := cmd.Flags().Lookup(name); fl != nil && fl.Changed {
				f.explicit[name] = true
			}
			if v, ok := lookupEnvFlag(env, name); ok && v != "" {
				f.explicit[name] = true
			}
		}
		return nil
	}
	root.SetVersionTemplate("elt version {{.Version}} (dbt-core " + dbtVersion + " compatible)\n")
	pf := root.PersistentFlags()
	pf.StringVar(&f.projectDir, "project-dir", "", "folder holding dbt_project.yml (default: search upward from the working directory)")
	pf.StringVar(&f.profilesDir, "profiles-dir", "", "folder holding profiles.yml (default: $DBT_PROFILES_DIR, the project folder, the working directory, ~/.dbt)")
	pf.StringVarP(&f.target, "target", "t", "", "profile target to use (default: the profile's target)")
	pf.BoolVar(&f.warnError, "warn-error", false, "a data test that would warn fails instead, as under dbt's --warn-error (elt's other warnings stay warnings)")
	pf.StringVar(&f.profile, "profile", "", "profile to use (default: dbt_project.yml's profile)")
	pf.StringVar(&f.vars, "vars", "", "variables as a YAML or JSON dict, e.g. '{start_date: 2024-01-01}'")
	pf.StringVar(&f.logFormat, "log-format", "text", "output format: text or json (one event per line)")
	pf.BoolVar(&f.noColor, "no-color", false, "never colour the output")
	pf.BoolVar(&f.print, "print", true, "{{ print() }} in templates prints its message (--no-print: nothing)")
	pf.BoolVar(&f.noPrint, "no-print", false, "{{ print() }} in templates prints nothing")
	pf.BoolVarP(&f.quiet, "quiet", "q", false, "show only errors and what the command prints (compile's SQL, show's rows, ls's list)")
	pf.StringVar(&f.targetPath, "target-path", "", "folder for compiled SQL, artifacts and caches, relative to the project folder (default: target-path in dbt_project.yml, else target)")
	pf.StringVar(&f.logPath, "log-path", "", "write dbt.log into this folder inside the project (default: log-path in dbt_project.yml, else no log file)")
	pf.StringVar(&f.logLevelFile, "log-level-file", "", "least severe level written to dbt.log: debug (default), info, warn, error or none")
	pf.StringVar(&f.logFormatFile, "log-format-file", "", "dbt.log's format: text (default) or json")
	addDBTGlobalFlags(pf, &f.dbt)

	sel := func(c *cobra.Command) {
		c.Flags().StringArrayVarP(&f.selectors, "select", "s", nil, "nodes to include (dbt selection syntax)")
		addModelsFlags(c.Flags(), &f.selectors)
		c.Flags().StringArrayVar(&f.excludes, "exclude", nil, "nodes to exclude")
		c.Flags().IntVar(&f.threads, "threads", 0, "parallel threads (default: the profile's threads)")
		c.Flags().StringVar(&f.indirect, "indirect-selection", "eager", "which tests of selected nodes run: eager, cautious, buildable or empty")
		c.Flags().StringVar(&f.state, "state", "", "folder holding an earlier run's manifest.json (and run_results.json, sources.json) for state:, result: and source_status: selectors and --defer")
		c.Flags().StringVar(&f.selector, "selector", "", "a named selector of selectors.yml (replaces --select and --exclude)")
	}
	deferFlags := func(c *cobra.Command) { addDeferFlags(c.Flags(), f) }
	emptyFlag := func(c *cobra.Command) {
		c.Flags().BoolVar(&f.empty, "empty", false, "read no rows: every ref() and source() becomes an empty subquery, so models build with zero rows")
	}
	runFlags := func(c *cobra.Command) {
		sel(c)
		c.Flags().BoolVarP(&f.failFast, "fail-fast", "x", false, "stop at the first failure")
		c.Flags().BoolVarP(&f.fullRefresh, "full-refresh", "f", false, "rebuild seeds and incremental models from scratch")
		c.Flags().StringVar(&f.eventStart, "event-time-start", "", "microbatch models: first batch time (YYYY-MM-DD[ HH:MM:SS])")
		c.Flags().StringVar(&f.eventEnd, "event-time-end", "", "microbatch models: end of the last batch (exclusive)")
		c.Flags().BoolVar(&f.storeFailures, "store-failures", false, "store the failing rows of every test in the <schema>_dbt_test__audit schema")
		c.Flags().StringSliceVar(&f.resourceTypes, "resource-type", nil, "only these resource types (e.g. unit_test, test, model)")
		c.Flags().StringSliceVar(&f.excludeResourceTypes, "exclude-resource-type", nil, "leave these resource types out (e.g. unit_test)")
		c.Flags().StringVar(&f.junitXML, "junit-xml", "", "also write the results as a JUnit XML report to PATH (for CI systems)")
		c.Flags().BoolVar(&f.noHistory, "no-history", false, "do not record this run in the run history (also: ELT_NO_HISTORY=1)")
	}

	mk := func(use, short string, kinds []string, build bool) *cobra.Command {
		c := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				f.renderCache = true
				return execute(cmd.Context(), f, env, stdout, stderr, use, kinds, build, nil)
			},
		}
		runFlags(c)
		deferFlags(c)
		if use == "build" || use == "run" || use == "snapshot" {
			emptyFlag(c)
		}
		if use == "build" || use == "run" {
			c.Flags().BoolVar(&f.noCheck, "no-check", false, "skip the static checks (elt check) that run before the models")
		}
		return c
	}
	root.AddCommand(
		mk("build", "Seed, run, snapshot and test the selected nodes in dependency order", []string{"seed", "model", "snapshot", "test", "unit_test", "exposure", "saved_query"}, true),
		mk("run", "Materialize the selected models", []string{"model"}, false),
		mk("seed", "Load the CSV seeds into the warehouse", []string{"seed"}, false),
		mk("test", "Run the data tests and unit tests", []string{"test", "unit_test"}, false),
		mk("snapshot", "Record changes to the selected snapshots", []string{"snapshot"}, false),
	)

	retryCmd := &cobra.Command{
		Use:   "retry",
		Short: "Re-run the nodes that errored, failed or were skipped in the last run (from target/run_results.json)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return retryCommand(cmd.Context(), f, env, stdout, stderr)
		},
	}
	retryCmd.Flags().IntVar(&f.threads, "threads", 0, "parallel threads (default: the profile's threads)")
	retryCmd.Flags().BoolVarP(&f.failFast, "fail-fast", "x", false, "stop at the first failure")

	opCmd := &cobra.Command{
		Use:   "run-operation MACRO",
		Short: "Run a macro, e.g. to grant access or vacuum tables",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.macro = args[0]
			return runOperationCommand(cmd.Context(), f, env, stdout, stderr, args[0])
		},
	}
	opCmd.Flags().StringVar(&f.macroArgs, "args", "", "the macro's arguments as a YAML or JSON dict, e.g. '{days: 7}'")
	addDeferFlags(opCmd.Flags(), f)
	root.AddCommand(retryCmd, opCmd)

	compileCmd := &cobra.Command{
		Use:   "compile",
		Short: "Render the selected nodes' SQL into target/compiled without running it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.renderCache = true
			return compileCommand(cmd.Context(), f, env, stdout, stderr)
		},
	}
	sel(compileCmd)
	deferFlags(compileCmd)
	emptyFlag(compileCmd)
	compileCmd.Flags().BoolVar(&f.noCheck, "no-check", false, "skip the static checks (elt check) that run after compiling")
	compileCmd.Flags().BoolVar(&f.introspect, "introspect", true, "answer run_query, adapter introspection and is_incremental() from the warehouse, connecting on the first such call")
	compileCmd.Flags().BoolVar(&f.noIntrospect, "no-introspect", false, "never connect: a render that queries the warehouse fails")
	compileCmd.Flags().StringVar(&f.inline, "inline", "", "compile this SQL, with Jinja (ref, source, var...) as in a model, and print it; no artifact is written")
	compileCmd.Flags().BoolVarP(&f.fullRefresh, "full-refresh", "f", false, "render is_incremental() as false, as a full refresh would")
	compileCmd.Flags().StringVar(&f.compileOutput, "output", "text", "how the SQL of one selected node or of --inline is printed: text or json")

	lsCmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the selected nodes",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.renderCache = true
			// dbt's list: --models (-m, --model) lists models only, and
			// takes no --select or --resource-type beside it.
			if fl := cmd.Flags(); fl.Changed("models") || fl.Changed("model") {
				if fl.Changed("select") || fl.Changed("resource-type") {
					return usageErr(fmt.Errorf("--models cannot be given with --select or --resource-type: use --select with --resource-type, or --models alone"))
				}
				f.resourceTypes = []string{"model"}
			}
			return lsCommand(cmd.Context(), f, env, stdout, stderr)
		},
	}
	sel(lsCmd)
	addDeferFlags(lsCmd.Flags(), f) // as dbt's: taken, and nothing for ls to defer
	lsCmd.Flags().StringSliceVar(&f.resourceTypes, "resource-type", nil, "only these resource types (model, seed, snapshot, test, source, analysis, exposure, ...)")
	lsCmd.Flags().StringSliceVar(&f.excludeResourceTypes, "exclude-resource-type", nil, "leave these resource types out")
	lsCmd.Flags().StringVarP(&f.output, "output", "o", "selector", "output: selector, name, path or json")
	lsCmd.Flags().StringSliceVar(&f.outputKeys, "output-keys", nil, "with --output json, the keys of each resource to print (e.g. --output-keys name resource_type description; default: dbt's list keys)")

	debugCmd := &cobra.Command{
		Use:   "debug",
		Short: "Show the project and profile in use and check the connection",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return debugCommand(cmd.Context(), f, env, stdout, stderr)
		},
	}
	cleanCmd := &cobra.Command{
		Use:   "clean",
		Short: "Delete the folders listed in clean-targets (default: the target path)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cleanCommand(cmd.Context(), f, env, stdout, stderr)
		},
	}
	boolPair(cleanCmd.Flags(), &f.cleanProjectFilesOnly, "clean-project-files-only", "",
		"refuse clean-targets outside the project (the default; --no-clean-project-files-only deletes them too, never the project folder or a folder holding it)")
	initCmd := &cobra.Command{
		Use:   "init [project_name]",
		Short: "Create a working starter project that runs on embedded DuckDB",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "my_project"
			if len(args) == 1 {
				name = args[0]
			}
			return initCommand(f, env, stdout, name)
		},
	}
	root.AddCommand(compileCmd, lsCmd, debugCmd, cleanCmd, initCmd)
	root.AddCommand(newDepsCmd(f, env, stdout, stderr))
	root.AddCommand(newLineageCmd(f, env, stdout, stderr))
	root.AddCommand(newCheckCmd(f, env, stdout, stderr))
	root.AddCommand(newDiffCmd(f, env, stdout, stderr))
	root.AddCommand(newDocsCmd(f, env, stdout, stderr))
	root.AddCommand(newShowCmd(f, env, stdout, stderr))
	root.AddCommand(newParseCmd(f, env, stdout, stderr))
	root.AddCommand(newSourceCmd(f, env, stdout, stderr))
	root.AddCommand(newLoadCmd(f, env, stdout, stderr))
	root.AddCommand(newCloneCmd(f, env, stdout, stderr))
	root.AddCommand(newProfileCmd(f, env, stdout, stderr))
	root.AddCommand(newQualityCmd(f, env, stdout, stderr))
	root.AddCommand(newServeCmd(f, env, stdout, stderr), newJobsCmd(f, env, stdout, stderr), newAnalyzeCmd(f, env, stdout, stderr))
	addDBTOnlyFlags(root, f)
	rejectUnknownSubcommands(root)
	// dbt's other spellings of two flags.
	root.SetGlobalNormalizationFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		switch name {
		case "resource-types":
			name = "resource-type"
		case "exclude-resource-types":
			name = "exclude-resource-type"
		}
		return pflag.NormalizedName(name)
	})
	return root
}

// rejectUnknownSubcommands makes each command that only groups others
// (source, docs, jobs...) print its help when called alone and refuse an
// unknown subcommand (exit 2), as dbt's click groups do: cobra runs
// neither check on a command with nothing to run.
func rejectUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		rejectUnknownSubcommands(sub)
	}
	if c.HasParent() && c.HasSubCommands() && !c.Runnable() {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErr(fmt.Errorf("unknown command %q for %q (its commands: %s)", args[0], cmd.CommandPath(), subcommandNames(cmd)))
			}
			return nil
		}
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
}

func subcommandNames(c *cobra.Command) string {
	var names []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	return strings.Join(names, ", ")
}

// envFlags are the flags dbt also reads from environment variables, which
// a CI job sets once: the flag, when given, wins.
var envFlags = map[string]string{
	"state": "DBT_STATE", "defer": "DBT_DEFER", "favor-state": "DBT_FAVOR_STATE", "empty": "DBT_EMPTY",
	"defer-state": "DBT_DEFER_STATE", "fail-fast": "DBT_FAIL_FAST", "log-format": "DBT_LOG_FORMAT",
	"indirect-selection": "DBT_INDIRECT_SELECTION", "log-path": "DBT_LOG_PATH", "log-level-file": "DBT_LOG_LEVEL_FILE",
	"log-format-file": "DBT_LOG_FORMAT_FILE", "introspect": "DBT_INTROSPECT", "target-path": "DBT_TARGET_PATH",
	"project-dir": "DBT_PROJECT_DIR", "profile": "DBT_PROFILE", "target": "DBT_TARGET", "full-refresh": "DBT_FULL_REFRESH",
	"store-failures": "DBT_STORE_FAILURES", "event-time-start": "DBT_EVENT_TIME_START", "event-time-end": "DBT_EVENT_TIME_END",
	"resource-type": "DBT_RESOURCE_TYPES", "exclude-resource-type": "DBT_EXCLUDE_RESOURCE_TYPES", "quiet": "DBT_QUIET", "print": "DBT_PRINT",
	// dbt's global flags that are no project flags: project.Load reads
	// the others' variables (DBT_LOG_LEVEL, DBT_DEBUG, DBT_WRITE_JSON...).
	"single-threaded": "DBT_SINGLE_THREADED", "log-cache-events": "DBT_LOG_CACHE_EVENTS",
	"clean-project-files-only": "DBT_CLEAN_PROJECT_FILES_ONLY",
	"sample":                   "DBT_SAMPLE",
}

func lookupEnvFlag(env environment, name string) (string, bool) {
	variable, ok := envFlags[name]
	if !ok || env.lookupEnv == nil {
		return "", false
	}
	return env.lookupEnv(variable)
}

func flagsFromEnv(cmd *cobra.Command, env environment) error {
	for name, variable := range envFlags {
		fl := cmd.Flags().Lookup(name)
		if fl == nil || fl.Changed || env.lookupEnv == nil {
			continue
		}
		v, ok := env.lookupEnv(variable)
		if !ok || v == "" {
			continue
		}
		if fl.Value.Type() == "stringSlice" {
			// A list, as dbt reads it: separated by spaces.
			v = strings.Join(strings.Fields(v), ",")
		}
		if err := fl.Value.Set(v); err != nil {
			return usageErr(fmt.Errorf("%s=%q: %v (the --%s flag's value)", variable, v, err, name))
		}
	}
	return nil
}

// renamedEnvVar is a flag's environment variable that dbt renamed and
// still reads (cli/params.py's hidden --deprecated-* options, mapped to
// their flags by cli/flags.py DEPRECATED_PARAMS).
type renamedEnvVar struct{ flag, old, new string }

var renamedEnvVars = []renamedEnvVar{
	{"state", "DBT_ARTIFACT_STATE_PATH", "DBT_STATE"},
	{"defer", "DBT_DEFER_TO_STATE", "DBT_DEFER"},
	{"favor-state", "DBT_FAVOR_STATE_MODE", "DBT_FAVOR_STATE"},
	{"no-print", "DBT_NO_PRINT", "DBT_PRINT"},
}

// flagsFromRenamedEnv applies the renamed variables that are set, as dbt's
// flags do: the flag given on the command line wins, the old variable wins
// over the new one. It returns those set, each a deprecation to warn of
// (set to its flag's default, too).
func flagsFromRenamedEnv(cmd *cobra.Command, env environment) ([]renamedEnvVar, error) {
	if env.lookupEnv == nil {
		return nil, nil
	}
	var set []renamedEnvVar
	for _, r := range renamedEnvVars {
		fl := cmd.Flags().Lookup(r.flag)
		v, ok := env.lookupEnv(r.old)
		if fl == nil || !ok || v == "" {
			continue
		}
		set = append(set, r)
		if fl.Changed {
			continue
		}
		switch r.flag {
		case "state":
			// Its option resolves the path (click.Path resolve_path), as
			// --state's does not.
			if abs, err := filepath.Abs(v); err == nil {
				v = abs
			}
		case "favor-state":
			// Its option is a string, not a bool: any value turns
			// favor_state on, "false" too.
			v = "true"
		}
		if err := fl.Value.Set(v); err != nil {
			return nil, usageErr(fmt.Errorf("%s=%q: %v (the --%s flag's value)", r.old, v, err, r.flag))
		}
	}
	return set, nil
}

// message is dbt's EnvironmentVariableRenamed (D009) warning, wrapped as
// its line_wrap_message wraps it.
func (r renamedEnvVar) message() string {
	return "[WARNING]: Deprecated functionality\n" + fillText(fmt.Sprintf(
		"The environment variable `%s` has been renamed as `%s`. If `%s` is currently set, its value will be used instead of `%s`. "+
			"Set `%s` and unset `%s` to avoid this deprecation warning and ensure it works properly in a future release.",
		r.old, r.new, r.old, r.new, r.new, r.old), 80)
}

// fillText breaks text between words into lines of at most width
// characters (a longer word is a line of its own), as Python's
// textwrap.fill does with break_on_hyphens off.
func fillText(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		switch {
		case n == 0:
		case n+1+len(w) > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// usageErr wraps err as a usage or project error (exit 2).
func usageErr(err error) error { return &exitError{code: exitUsage, err: err} }

func joinLower(s []string) string { return strings.ToLower(strings.Join(s, ",")) }

// addDeferFlags adds dbt's --defer, --favor-state and --defer-state, and
// --state where the command has none: dbt takes them on every command.
func addDeferFlags(fs *pflag.FlagSet, f *flags) {
	if fs.Lookup("state") == nil {
		fs.StringVar(&f.state, "state", "", "folder holding an earlier run's manifest.json (and run_results.json, sources.json) for state:, result: and source_status: selectors and --defer")
	}
	fs.BoolVar(&f.deferFlag, "defer", false, "resolve refs to nodes that are not selected to the --state run's relations when they do not exist here")
	fs.BoolVar(&f.favorState, "favor-state", false, "with --defer: use the --state run's relations for every node that is not selected, even when they exist here")
	fs.StringVar(&f.deferState, "defer-state", "", "with --defer: the earlier run to defer to, when it is not the --state run")
}

// addModelsFlags adds dbt's older names for --select, which every command
// of dbt's that selects still takes: --models, -m and --model (hidden).
func addModelsFlags(fs *pflag.FlagSet, selectors *[]string) {
	fs.StringArrayVarP(selectors, "models", "m", nil, "the older name of --select")
	fs.StringArrayVar(selectors, "model", nil, "the older name of --select")
	_ = fs.MarkHidden("models")
	_ = fs.MarkHidden("model")
}

// multiValueFlags take several space-separated values, as dbt's do:
// `elt run --select a b --exclude c`.
var multiValueFlags = map[string]bool{"--select": true, "-s": true, "--models": true, "-m": true, "--model": true,
	"--exclude": true, "--resource-type": true, "--exclude-resource-type": true, "--resource-types": true, "--exclude-resource-types": true,
	"--output-keys": true}

// knownResourceTypes are the values --resource-type takes: dbt's, and
// elt's loaders.
var knownResourceTypes = []string{"all", "analysis", "default", "exposure", "loader", "metric", "model",
	"saved_query", "seed", "semantic_model", "snapshot", "source", "test", "unit_test"}

// resourceTypes reads a resource type flag's values as dbt does: one
// value may hold several types separated by spaces ("seed model"), and a
// type dbt does not know is an error, not an empty selection.
func resourceTypes(flag string, values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		for _, t := range strings.Fields(v) {
			if !slices.Contains(knownResourceTypes, t) {
				return nil, usageErr(fmt.Errorf("%s: %q is not a resource type (use %s)", flag, t, strings.Join(knownResourceTypes, ", ")))
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// hoistFlags moves the flags written before the subcommand after it, as
// dbt takes its flags on either side (elt --fail-fast build, elt
// --no-partial-parse run): most of elt's flags are the subcommand's. A
// root flag's value is not mistaken for the subcommand.
func hoistFlags(root *cobra.Command, args []string) []string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return args
		}
		if strings.HasPrefix(a, "-") {
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			var fl *pflag.Flag
			if strings.HasPrefix(a, "--") {
				fl = root.PersistentFlags().Lookup(name)
			} else if len(name) == 1 {
				fl = root.PersistentFlags().ShorthandLookup(name)
			}
			if fl != nil && fl.NoOptDefVal == "" {
				i++ // its value
			}
			continue
		}
		for _, c := range root.Commands() {
			if c.Name() == a || slices.Contains(c.Aliases, a) {
				if i == 0 {
					return args
				}
				out := make([]string, 0, len(args))
				return append(append(out, args[i:]...), args[:i]...)
			}
		}
		// A value of the subcommand's flag (--threads 4), or a word
		// that is no command, which cobra reports.
	}
	return args
}

// expandMultiValueFlags rewrites `--select a b` as `--select a --select b`,
// which is what the flag library understands.
func expandMultiValueFlags(args []string) []string {
	out := make([]string, 0, len(args))
	current := "" // the multi-value flag whose values are being read
	taken := false
	for _, a := range args {
		switch {
		case multiValueFlags[a]:
			current, taken = a, false
		case strings.HasPrefix(a, "-"):
			current = ""
		case current != "":
			if taken {
				out = append(out, current)
			}
			taken = true
		}
		out = append(out, a)
	}
	return out
}
