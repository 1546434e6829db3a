package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/docs"
	"github.com/elt-dev/elt/project"
)

// templateInvocation is what templates learn of this command: dbt's flags object
// (flags.WHICH and the rest of its flag_attr), invocation_args_dict and
// dbt_metadata_envs, with the values elt runs with. A name dbt's flags
// has and elt has no such setting for carries dbt's default.
func (s *session) templateInvocation(p *project.Project, vars map[string]any) compiler.Invocation {
	f := s.f
	which := f.which
	command := "elt"
	if len(f.argv) > 0 {
		command += " " + strings.Join(f.argv, " ")
	}
	// The command line may carry a secret (--vars with a password): it
	// is scrubbed as everything elt prints is.
	command = s.env.secrets.Scrub(command)
	logFormat := "default"
	if f.logFormat == "json" {
		logFormat = "json"
	}
	indirect := f.indirect
	if indirect == "" {
		indirect = "eager"
	}
	profilesDir := ""
	if p.Target != nil && p.Target.File != "" {
		file := p.Target.File
		if !filepath.IsAbs(file) {
			file = filepath.Join(p.Root, file)
		}
		profilesDir = filepath.Dir(file)
	}
	orNil := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	noPrint := f.noPrint || !f.print
	logPath := p.Config.LogPath
	if f.logPath != "" {
		logPath = f.logPath
	}
	if logPath == "" {
		logPath = "logs"
	}
	logPath = filepath.Join(p.Root, logPath)
	// --debug and --warn-error (or their variables, or the project's
	// flags:), as dbt's flags object and args_to_dict keep them: true
	// when given, else DEBUG false and WARN_ERROR None.
	debug, _ := p.Config.FlagBool("debug")
	warnError := f.warnError
	if v, _ := p.Config.FlagBool("warn_error"); v {
		warnError = true
	}
	var warnErrorFlag any
	if warnError {
		warnErrorFlag = true
	}
	flagsObj := map[string]any{
		"WHICH":                      which,
		"INVOCATION_COMMAND":         command,
		"USE_EXPERIMENTAL_PARSER":    false,
		"STATIC_PARSER":              true,
		"WARN_ERROR":                 warnErrorFlag,
		"WARN_ERROR_OPTIONS":         map[string]any{"error": []any{}, "warn": []any{}, "silence": []any{}},
		"WRITE_JSON":                 true,
		"PARTIAL_PARSE":              !f.noPartialParse,
		"USE_COLORS":                 !f.noColor,
		"PROFILES_DIR":               orNil(profilesDir),
		"DEBUG":                      debug,
		"LOG_FORMAT":                 logFormat,
		"VERSION_CHECK":              true,
		"FAIL_FAST":                  f.failFast,
		"SEND_ANONYMOUS_USAGE_STATS": false, // elt sends none
		"PRINTER_WIDTH":              80,
		"INDIRECT_SELECTION":         indirect,
		"LOG_CACHE_EVENTS":           false,
		"QUIET":                      f.quiet,
		"NO_PRINT":                   noPrint,
		"CACHE_SELECTED_ONLY":        false,
		"INTROSPECT":                 !f.noIntrospect,
		"TARGET_PATH":                orNil(f.targetPath),
		"LOG_PATH":                   logPath,
	}

	// invocation_args_dict: dbt's args_to_dict drops None values, the
	// false ones of full_refresh, fail_fast, store_failures and the
	// like, and an empty --vars.
	args := map[string]any{
		"which":                      which,
		"invocation_command":         command,
		"project_dir":                p.Root,
		"static_parser":              true,
		"write_json":                 true,
		"partial_parse":              !f.noPartialParse,
		"use_colors":                 !f.noColor,
		"log_format":                 logFormat,
		"version_check":              true,
		"send_anonymous_usage_stats": false,
		"printer_width":              80,
		"indirect_selection":         indirect,
		"quiet":                      f.quiet,
		"print":                      !noPrint,
		"cache_selected_only":        false,
		"introspect":                 !f.noIntrospect,
		"log_path":                   logPath,
		"vars":                       vars,
		"log_level":                  firstSet(strings.ToLower(f.dbt.logLevel), flagString(p, "log_level"), "info"),
		"log_level_file":             firstSet(f.logLevelFile, flagString(p, "log_level_file"), "debug"),
		// dbt's default log_format_file is "debug", its dbt.log line format.
		"log_format_file":                firstSet(f.logFormatFile, flagString(p, "log_format_file"), "debug"),
		"use_colors_file":                !f.dbt.useColorsLog.set || f.dbt.useColorsLog.value,
		"log_file_max_bytes":             10 * 1024 * 1024,
		"warn_error_options":             warnErrorOptionsDict(p.Config.WarnErrorOptions()),
		"populate_cache":                 true,
		"partial_parse_file_diff":        true,
		"show_resource_report":           false,
		"macro_debugging":                false,
		"use_fast_test_edges":            false,
		"show_all_deprecations":          f.dbt.showAllDeprecations,
		"strict_mode":                    false,
		"upload_to_artifacts_ingest_api": false,
	}
	// dbt's project-only flags (ProjectFlags.project_only_flags), as the
	// project sets them or by dbt's defaults.
	for name, def := range map[string]bool{
		"require_batched_execution_for_custom_microbatch_strategy":        false,
		"require_explicit_package_overrides_for_builtin_materializations": true,
		"require_resource_names_without_spaces":                           true,
		"source_freshness_run_project_hooks":                              true,
		"skip_nodes_if_on_run_start_fails":                                false,
		"state_modified_compare_more_unrendered_values":                   false,
		"state_modified_compare_vars":                                     false,
		"require_yaml_configuration_for_mf_time_spines":                   false,
		"require_nested_cumulative_type_params":                           false,
		"validate_macro_args":                                             false,
		"require_all_warnings_handled_by_warn_error":                      false,
		"require_generic_test_arguments_property":                         true,
	} {
		if v, ok := p.Config.FlagBool(name); ok {
			def = v
		}
		args[name] = def
	}
	// A command's own options dbt defaults to something other than None
	// are in its args even when not given: no selection is [], --empty,
	// --defer and --favor-state false.
	if f.hasFlag != nil {
		for flag, key := range map[string]string{"select": "select", "exclude": "exclude"} {
			if f.hasFlag(flag) {
				args[key] = []any{}
			}
		}
		for flag, key := range map[string]string{"empty": "empty", "defer": "defer", "favor-state": "favor_state"} {
			if f.hasFlag(flag) {
				args[key] = false
			}
		}
	}
	if f.noPrint {
		args["no_print"] = true
	}
	if vars == nil {
		args["vars"] = map[string]any{}
	}
	set := func(key string, v any) {
		switch v := v.(type) {
		case string:
			if v == "" {
				return
			}
		case bool:
			if !v {
				return
			}
		case int:
			if v == 0 {
				return
			}
		case []string:
			if len(v) == 0 {
				return
			}
			l := make([]any, len(v))
			for i, s := range v {
				l[i] = s
			}
			args[key] = l
			return
		}
		args[key] = v
	}
	set("profiles_dir", profilesDir)
	set("target_path", f.targetPath)
	set("target", f.target)
	set("profile", f.profile)
	set("threads", f.threads)
	set("select", f.selectors)
	set("exclude", f.excludes)
	set("selector", f.selector)
	set("resource_types", f.resourceTypes)
	set("full_refresh", f.fullRefresh)
	set("fail_fast", f.failFast)
	set("debug", debug)
	set("warn_error", warnError)
	set("store_failures", f.storeFailures)
	set("state", f.state)
	set("empty", f.empty)
	set("event_time_start", f.eventStart)
	set("event_time_end", f.eventEnd)
	set("defer", f.deferFlag)
	set("favor_state", f.favorState)
	set("defer_state", f.deferState)
	set("macro", f.macro)
	for k, v := range f.commandArgs {
		args[k] = v
	}
	// --args is a YAML option (params.py args, type YAML()): args_to_dict
	// holds the dict it parsed, and no key when it is not given (None).
	if f.macro != "" && f.macroArgs != "" {
		if a, err := parseDictFlag("--args", f.macroArgs); err == nil {
			if a == nil {
				a = map[string]any{}
			}
			args["args"] = a
		}
	}
	if s.sample != nil {
		// dbt's args_to_dict keeps the SampleWindow object, which prints
		// as its attrs repr.
		args["sample"] = pySampleWindow(s.sample)
	}
	return compiler.Invocation{Flags: flagsObj, Args: args, MetadataEnvs: metadataEnvs(os.Environ())}
}

// metadataEnvs is dbt_metadata_envs from environ: docs.CustomEnv's
// variables in environ's order.
func metadataEnvs(environ []string) []compiler.MetadataEnv {
	vals := docs.CustomEnv(environ)
	var out []compiler.MetadataEnv
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		name := strings.TrimPrefix(k, "DBT_ENV_CUSTOM_ENV_")
		v, ok := vals[name]
		if !ok || name == k {
			continue
		}
		delete(vals, name) // a name given twice is listed once
		out = append(out, compiler.MetadataEnv{Name: name, Value: v})
	}
	return out
}

// firstSet is the first of values that is not "".
func firstSet(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// flagString is a flags: string of dbt_project.yml, "" when not set.
func flagString(p *project.Project, name string) string {
	v, _ := p.Config.FlagString(name)
	return v
}

// warnErrorOptionsDict is dbt's WarnErrorOptionsV2.to_dict, as
// args_to_dict records it: error ("all" or the names), warn, silence.
func warnErrorOptionsDict(o project.WarnErrorOptions) map[string]any {
	list := func(names []string) []any {
		out := make([]any, len(names))
		for i, n := range names {
			out[i] = n
		}
		return out
	}
	var errs any = list(o.Error)
	if o.ErrorAll {
		errs = "all"
	}
	return map[string]any{"error": errs, "warn": list(o.Warn), "silence": list(o.Silence)}
}
