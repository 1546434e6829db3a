package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/elt-dev/elt/internal/yamlsafe"
	"github.com/elt-dev/elt/project"
)

// optBool is one of dbt's --x/--no-x flag pairs: unset until either is
// given (on the command line or by its environment variable); the last
// one given wins, as in click.
type optBool struct{ set, value bool }

// optBoolFlag is one side of an optBool: --x sets value, --no-x its
// opposite.
type optBoolFlag struct {
	b    *optBool
	sets bool
}

func (f optBoolFlag) String() string { return strconv.FormatBool(f.b.set && f.b.value == f.sets) }
func (f optBoolFlag) Type() string   { return "bool" }

func (f optBoolFlag) Set(s string) error {
	v, err := parseDBTBool(s)
	if err != nil {
		return err
	}
	f.b.set, f.b.value = true, v == f.sets
	return nil
}

// parseDBTBool reads a boolean as click does: 1/0, true/false, t/f,
// yes/no, y/n, on/off, in any case.
func parseDBTBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "t", "yes", "y", "on":
		return true, nil
	case "0", "false", "f", "no", "n", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a valid boolean", s)
}

// boolPair adds --name and --no-name for b; shorthand is --name's.
func boolPair(fs *pflag.FlagSet, b *optBool, name, shorthand, usage string) {
	on := fs.VarPF(optBoolFlag{b: b, sets: true}, name, shorthand, usage)
	on.NoOptDefVal = "true"
	off := fs.VarPF(optBoolFlag{b: b, sets: false}, "no-"+name, "", "the opposite of --"+name)
	off.NoOptDefVal = "true"
}

// dbtGlobals are dbt-core 1.10's global flags (cli/main.py global_flags)
// that elt had no option for. The ones that are also project flags reach
// the project's flags (project.Options.Flags), where the command line
// wins over DBT_ variables and dbt_project.yml's flags:, as in dbt.
type dbtGlobals struct {
	debug        optBool // --debug/-d: the console (and dbt.log) at debug level
	logLevel     string  // --log-level: the console's least severe level
	useColors    optBool // --use-colors: colour the console (false: never)
	useColorsLog optBool // --use-colors-file: elt writes dbt.log without colours, so only false
	warnErrorOpt string  // --warn-error-options: a YAML or JSON mapping
	writeJSON    optBool // --write-json: false writes no manifest.json, run_results.json, sources.json
	versionCheck optBool // --version-check: false skips require-dbt-version
	partialParse optBool // --partial-parse: false renders every node again (no render cache)
	printerWidth int     // --printer-width: where result lines end
	// sendStats: elt never sends usage statistics, so only false.
	sendStats optBool
	// staticParser, populateCache, cacheSelected: elt has one Jinja
	// renderer and no relation cache, so no value changes a result.
	staticParser, populateCache, cacheSelected optBool
	// logCacheEvents: elt has no relation cache whose events could be logged.
	logCacheEvents optBool
	// showAllDeprecations: elt emits no dbt deprecation warnings to
	// repeat or not.
	showAllDeprecations bool
	// singleThreaded runs one node at a time (threads 1), as dbt's
	// single-threaded pool does.
	singleThreaded optBool
	// recordTimingInfo: dbt's Python cProfile file, which elt cannot write.
	recordTimingInfo string
}

func addDBTGlobalFlags(pf *pflag.FlagSet, g *dbtGlobals) {
	boolPair(pf, &g.debug, "debug", "d", "show debug events on the console and in dbt.log, as --log-level debug")
	pf.StringVar(&g.logLevel, "log-level", "", "least severe level shown on the console: debug, info (default), warn, error or none; dbt.log follows it unless --log-level-file is given")
	boolPair(pf, &g.useColors, "use-colors", "", "colour the console output even when it is not a terminal (--no-use-colors: never, as --no-color)")
	boolPair(pf, &g.useColorsLog, "use-colors-file", "", "elt writes dbt.log without colours: only --no-use-colors-file is accepted")
	pf.StringVar(&g.warnErrorOpt, "warn-error-options", "", `warnings that fail the run, as a YAML or JSON mapping, e.g. '{"error": "all", "warn": ["NoNodesForSelectionCriteria"]}'`)
	boolPair(pf, &g.writeJSON, "write-json", "", "write manifest.json, run_results.json and sources.json (default; --no-write-json: none of them)")
	boolPair(pf, &g.versionCheck, "version-check", "", "check dbt_project.yml's require-dbt-version (default; --no-version-check: skip it)")
	boolPair(pf, &g.partialParse, "partial-parse", "", "reuse unchanged renders kept in the target directory (default; --no-partial-parse: render every node again)")
	pf.IntVar(&g.printerWidth, "printer-width", 0, "width of the result lines (default 80)")
	boolPair(pf, &g.sendStats, "send-anonymous-usage-stats", "", "elt never sends usage statistics: only --no-send-anonymous-usage-stats is accepted")
	boolPair(pf, &g.staticParser, "static-parser", "", "accepted for dbt: elt has one Jinja renderer, whichever is asked")
	boolPair(pf, &g.populateCache, "populate-cache", "", "accepted for dbt: elt keeps no relation cache")
	boolPair(pf, &g.cacheSelected, "cache-selected-only", "", "accepted for dbt: elt keeps no relation cache")
	boolPair(pf, &g.logCacheEvents, "log-cache-events", "", "accepted for dbt: elt keeps no relation cache, so there are no cache events")
	pf.BoolVar(&g.showAllDeprecations, "show-all-deprecations", false, "accepted for dbt: elt emits no dbt deprecation warnings")
	boolPair(pf, &g.singleThreaded, "single-threaded", "", "run one node at a time (threads 1)")
	pf.StringVarP(&g.recordTimingInfo, "record-timing-info", "r", "", "dbt's Python timing profile; elt cannot write it (set ELT_CPUPROFILE=PATH for a Go CPU profile)")
	for _, name := range []string{"no-debug", "no-use-colors-file", "no-static-parser", "no-populate-cache",
		"no-cache-selected-only", "no-log-cache-events", "no-single-threaded", "use-colors-file", "static-parser",
		"populate-cache", "cache-selected-only", "log-cache-events", "show-all-deprecations", "single-threaded",
		"send-anonymous-usage-stats", "no-send-anonymous-usage-stats", "record-timing-info"} {
		// Accepted for dbt's command lines; elt's help shows what it acts on.
		_ = pf.MarkHidden(name)
	}
}

// projectFlagValues checks the dbt global flags given and returns those
// that are project flags, by their flags: name, for project.Options.Flags.
// A value elt cannot honour is a usage error, as in dbt_project.yml.
func (g *dbtGlobals) projectFlagValues(cmd *cobra.Command, f *flags, env environment) (map[string]any, error) {
	if g.recordTimingInfo != "" {
		return nil, usageErr(fmt.Errorf("--record-timing-info %s: elt cannot write dbt's Python timing profile; set ELT_CPUPROFILE=%s for a Go CPU profile (go tool pprof) instead", g.recordTimingInfo, g.recordTimingInfo))
	}
	out := map[string]any{}
	for name, b := range map[string]*optBool{
		"debug": &g.debug, "use_colors": &g.useColors, "use_colors_file": &g.useColorsLog, "write_json": &g.writeJSON,
		"version_check": &g.versionCheck, "partial_parse": &g.partialParse, "send_anonymous_usage_stats": &g.sendStats,
		"static_parser": &g.staticParser, "populate_cache": &g.populateCache, "cache_selected_only": &g.cacheSelected,
	} {
		if b.set {
			out[name] = b.value
		}
	}
	if changed(cmd, "log-level") {
		out["log_level"] = strings.ToLower(g.logLevel)
	}
	if changed(cmd, "printer-width") {
		out["printer_width"] = g.printerWidth
	}
	if changed(cmd, "warn-error-options") {
		var m any
		if err := yamlsafe.Unmarshal11([]byte(g.warnErrorOpt), &m); err != nil {
			return nil, usageErr(fmt.Errorf("--warn-error-options: %q is not YAML or JSON: %w", g.warnErrorOpt, err))
		}
		if m == nil {
			m = map[string]any{} // an empty value: no options
		}
		if _, err := project.ParseWarnErrorOptions(m); err != nil {
			return nil, usageErr(fmt.Errorf("--warn-error-options: %w", err))
		}
		out["warn_error_options"] = m
	}
	names := slices.Sorted(maps.Keys(out))
	for _, name := range names {
		if instead := project.CheckFlag(name, out[name]); instead != "" {
			return nil, usageErr(fmt.Errorf("--%s=%v: %s", strings.ReplaceAll(name, "_", "-"), out[name], instead))
		}
	}
	// dbt: --warn-error and --warn-error-options, each given on the command
	// line or by its variable, are mutually exclusive.
	weo := changed(cmd, "warn-error-options") || envSet(env, "DBT_WARN_ERROR_OPTIONS")
	we := f.warnError || envSet(env, "DBT_WARN_ERROR")
	if we && weo {
		return nil, usageErr(fmt.Errorf("warn_error_options: not allowed with argument warn_error (--warn-error, DBT_WARN_ERROR)"))
	}
	if g.partialParse.set {
		f.noPartialParse = !g.partialParse.value
	}
	return out, nil
}

func changed(cmd *cobra.Command, name string) bool {
	fl := cmd.Flags().Lookup(name)
	return fl != nil && fl.Changed
}

func envSet(env environment, variable string) bool {
	if env.lookupEnv == nil {
		return false
	}
	v, ok := env.lookupEnv(variable)
	return ok && v != ""
}
