package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// dbtOnly are dbt 1.10's flags that elt takes so that a dbt command line
// runs unchanged, where they change nothing in elt or are refused with a
// reason (dbtOnly.check): each is hidden from elt's help.
type dbtOnly struct {
	// Global flags steering parts of dbt elt does not have: its Python
	// macro debugger, partial-parse file, experimental parser, test edges.
	macroDebugging, partialParseFileDiff, experimentalParser, fastTestEdges optBool
	logFileMaxBytes                                                         int
	partialParseFilePath                                                    string
	// uploadArtifacts is dbt Cloud's artifact upload: refused when asked.
	uploadArtifacts optBool
	// On commands where dbt takes and ignores them.
	ignoredString string
	ignoredBool   optBool
	// --sample (dbt's sample mode, hidden in dbt 1.10 too), read by the
	// session (sample.go).
	sample string
	// seed --show prints a sample of each seed, as dbt's (seedshow.go).
	// Refused when asked: build's --show (dbt's build takes it and shows
	// nothing), saved query exports, SQL without ephemeral CTEs.
	show, buildShow   bool
	exportSavedQuery  optBool
	includeSavedQuery optBool
	injectCTEs        optBool
	// debug --connection (elt's debug tests the connection anyway) and
	// --config-dir (prints where profiles.yml is read from).
	connection, configDir bool
}

// addDBTOnlyFlags adds them to root and its commands.
func addDBTOnlyFlags(root *cobra.Command, f *flags) {
	d := &f.dbtOnly
	pf := root.PersistentFlags()
	boolPair(pf, &d.macroDebugging, "macro-debugging", "", "accepted for dbt: elt has no Python macro debugger")
	boolPair(pf, &d.partialParseFileDiff, "partial-parse-file-diff", "", "accepted for dbt: elt's caches find changed files themselves")
	boolPair(pf, &d.experimentalParser, "use-experimental-parser", "", "accepted for dbt: elt has one Jinja renderer")
	boolPair(pf, &d.fastTestEdges, "use-fast-test-edges", "", "accepted for dbt: elt's graph is the same either way")
	boolPair(pf, &d.uploadArtifacts, "upload-to-artifacts-ingest-api", "", "dbt Cloud's artifact upload, which elt cannot do")
	pf.IntVar(&d.logFileMaxBytes, "log-file-max-bytes", 0, "accepted for dbt: elt does not rotate dbt.log")
	pf.StringVar(&d.partialParseFilePath, "partial-parse-file-path", "", "accepted for dbt: elt keeps its caches in the target path")
	if pf.Lookup("no-show-all-deprecations") == nil {
		pf.BoolVar(&d.ignoredBool.value, "no-show-all-deprecations", false, "accepted for dbt: elt emits no dbt deprecation warnings")
	}
	for _, name := range []string{"macro-debugging", "no-macro-debugging", "partial-parse-file-diff", "no-partial-parse-file-diff",
		"use-experimental-parser", "no-use-experimental-parser", "use-fast-test-edges", "no-use-fast-test-edges",
		"upload-to-artifacts-ingest-api", "no-upload-to-artifacts-ingest-api", "log-file-max-bytes", "partial-parse-file-path",
		"no-show-all-deprecations"} {
		_ = pf.MarkHidden(name)
	}

	byPath := map[string]*cobra.Command{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		byPath[c.CommandPath()] = c
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	// hidden adds a flag where the command lacks it.
	hidden := func(cmd string, add func(fs *pflag.FlagSet), names ...string) {
		c := byPath["elt "+cmd]
		if c == nil {
			return
		}
		fs := c.Flags()
		for _, n := range names {
			if fs.Lookup(n) != nil || c.InheritedFlags().Lookup(n) != nil {
				return
			}
		}
		add(fs)
		for _, n := range names {
			_ = fs.MarkHidden(n)
		}
	}
	// What dbt takes and ignores on these commands.
	for _, cmd := range []string{"clean", "debug", "deps", "init", "parse", "docs serve", "retry"} {
		hidden(cmd, func(fs *pflag.FlagSet) { fs.StringVar(&d.ignoredString, "defer-state", "", "accepted for dbt") }, "defer-state")
		hidden(cmd, func(fs *pflag.FlagSet) { boolPair(fs, &d.ignoredBool, "defer", "", "accepted for dbt") }, "defer", "no-defer")
		hidden(cmd, func(fs *pflag.FlagSet) { boolPair(fs, &d.ignoredBool, "favor-state", "", "accepted for dbt") }, "favor-state", "no-favor-state")
		if cmd != "retry" {
			hidden(cmd, func(fs *pflag.FlagSet) { fs.StringVar(&d.ignoredString, "state", "", "accepted for dbt") }, "state")
		}
	}
	for _, cmd := range []string{"clean", "docs serve", "compile", "show", "debug", "deps", "init", "ls", "parse", "clone", "run-operation"} {
		hidden(cmd, func(fs *pflag.FlagSet) {
			fs.BoolVarP(&d.ignoredBool.value, "fail-fast", "x", false, "accepted for dbt")
		}, "fail-fast")
	}
	for _, cmd := range []string{"clean", "docs serve", "show", "debug", "deps", "init", "parse", "retry", "clone", "run-operation"} {
		hidden(cmd, func(fs *pflag.FlagSet) { fs.StringVar(&d.ignoredString, "indirect-selection", "", "accepted for dbt") }, "indirect-selection")
	}
	hidden("retry", func(fs *pflag.FlagSet) {
		fs.BoolVarP(&d.ignoredBool.value, "full-refresh", "f", false, "accepted for dbt: the retried run's own")
	}, "full-refresh")
	// What dbt takes there and elt honours.
	for _, cmd := range []string{"show", "parse", "clone", "run-operation", "docs generate", "source freshness"} {
		hidden(cmd, func(fs *pflag.FlagSet) { fs.IntVar(&f.threads, "threads", 0, "parallel threads") }, "threads")
	}
	for _, cmd := range []string{"show", "clone", "source freshness", "docs generate"} {
		hidden(cmd, func(fs *pflag.FlagSet) {
			fs.StringVar(&f.selector, "selector", "", "a named selector of selectors.yml")
		}, "selector")
	}
	hidden("show", func(fs *pflag.FlagSet) {
		fs.BoolVarP(&f.fullRefresh, "full-refresh", "f", false, "compile as a full refresh would (is_incremental() false)")
	}, "full-refresh")
	hidden("show", func(fs *pflag.FlagSet) {
		fs.BoolVar(&f.introspect, "introspect", true, "accepted for dbt: show connects to run the query")
		fs.BoolVar(&f.noIntrospect, "no-introspect", false, "never connect for a render")
	}, "introspect", "no-introspect")
	hidden("retry", func(fs *pflag.FlagSet) {
		fs.StringVar(&f.state, "state", "", "the folder holding the run_results.json to retry (default: the target path)")
	}, "state")
	hidden("debug", func(fs *pflag.FlagSet) {
		fs.BoolVar(&d.connection, "connection", false, "test the connection (elt's debug always does)")
		fs.BoolVar(&d.configDir, "config-dir", false, "print the folder profiles.yml is read from")
	}, "connection", "config-dir")
	// What dbt takes there and elt refuses with a reason.
	for _, cmd := range []string{"run", "build"} {
		hidden(cmd, func(fs *pflag.FlagSet) {
			fs.StringVar(&d.sample, "sample", "", "dbt's sample mode: refs and sources with event_time read only this window ('3 days', or {'start': ..., 'end': ...})")
		}, "sample")
	}
	hidden("seed", func(fs *pflag.FlagSet) {
		fs.BoolVar(&d.show, "show", false, "print a random sample of each seed loaded, as dbt's seed --show")
	}, "show")
	hidden("build", func(fs *pflag.FlagSet) {
		fs.BoolVar(&d.buildShow, "show", false, "dbt's build takes --show and shows nothing")
	}, "show")
	hidden("build", func(fs *pflag.FlagSet) {
		boolPair(fs, &d.exportSavedQuery, "export-saved-queries", "", "dbt Cloud's saved query exports")
		boolPair(fs, &d.includeSavedQuery, "include-saved-query", "", "dbt Cloud's saved query exports")
	}, "export-saved-queries", "no-export-saved-queries", "include-saved-query", "no-include-saved-query")
	hidden("compile", func(fs *pflag.FlagSet) {
		boolPair(fs, &d.injectCTEs, "inject-ephemeral-ctes", "", "ephemeral models as CTEs (the default)")
	},
		"inject-ephemeral-ctes", "no-inject-ephemeral-ctes")
	// --no-x for dbt's --x/--no-x flags elt has as plain booleans.
	for _, c := range byPath {
		for _, fs := range []*pflag.FlagSet{c.LocalNonPersistentFlags(), c.PersistentFlags()} {
			addNegations(c, fs, "fail-fast", "defer", "favor-state", "quiet", "empty")
		}
	}
}

// addNegations adds a hidden --no-x setting x false, for each x of names
// that fs has as a plain boolean without its --no-x.
func addNegations(c *cobra.Command, fs *pflag.FlagSet, names ...string) {
	for _, name := range names {
		fl := fs.Lookup(name)
		if fl == nil || fl.Value.Type() != "bool" || fs.Lookup("no-"+name) != nil || c.Flags().Lookup("no-"+name) != nil {
			continue
		}
		if _, pair := fl.Value.(optBoolFlag); pair {
			continue
		}
		neg := &pflag.Flag{Name: "no-" + name, Usage: "the opposite of --" + name, Value: negation{fl}, NoOptDefVal: "true", Hidden: true}
		fs.AddFlag(neg)
		if fs != c.PersistentFlags() {
			c.Flags().AddFlag(neg)
		}
	}
}

// negation is --no-x: given, it sets x false (and x counts as given).
type negation struct{ of *pflag.Flag }

func (n negation) String() string { return "false" }
func (n negation) Type() string   { return "bool" }
func (n negation) Set(s string) error {
	v, err := parseDBTBool(s)
	if err != nil {
		return err
	}
	if err := n.of.Value.Set(fmt.Sprint(!v)); err != nil {
		return err
	}
	n.of.Changed = true
	return nil
}

// check refuses what elt cannot do that a dbt flag (or its variable) asks.
func (d *dbtOnly) check() error {
	switch {
	case d.uploadArtifacts.set && d.uploadArtifacts.value:
		return usageErr(fmt.Errorf("--upload-to-artifacts-ingest-api: elt cannot upload artifacts to dbt Cloud; leave it out"))
	case d.buildShow:
		return usageErr(fmt.Errorf("--show: dbt's build takes it and shows no seed; run elt seed --show to see samples of the seeds, or leave it out"))
	case (d.exportSavedQuery.set && d.exportSavedQuery.value) || (d.includeSavedQuery.set && d.includeSavedQuery.value):
		return usageErr(fmt.Errorf("--export-saved-queries: elt does not run saved query exports (dbt Cloud's semantic layer); leave it out"))
	case d.injectCTEs.set && !d.injectCTEs.value:
		return usageErr(fmt.Errorf("--no-inject-ephemeral-ctes: elt always compiles ephemeral models into CTEs; leave it out"))
	}
	return nil
}

// checkEventTimeFlags is dbt's _validate_event_time_configs: each of
// --event-time-start and --event-time-end needs the other, and the start
// must come before the end, before anything runs.
func checkEventTimeFlags(f *flags) error {
	if f.eventStart == "" && f.eventEnd == "" {
		return nil
	}
	switch {
	case f.eventStart == "":
		return usageErr(fmt.Errorf("The flag `--event-time-end` was specified, but `--event-time-start` was not. When specifying `--event-time-end`, `--event-time-start` must also be present."))
	case f.eventEnd == "":
		return usageErr(fmt.Errorf("The flag `--event-time-start` was specified, but `--event-time-end` was not. When specifying `--event-time-start`, `--event-time-end` must also be present."))
	}
	start, err := parseFlagTime(f.eventStart)
	if err != nil {
		return usageErr(fmt.Errorf("--event-time-start: %w", err))
	}
	end, err := parseFlagTime(f.eventEnd)
	if err != nil {
		return usageErr(fmt.Errorf("--event-time-end: %w", err))
	}
	if !start.Before(end) {
		return usageErr(fmt.Errorf("Value for `--event-time-start` must be less than `--event-time-end`"))
	}
	return nil
}
