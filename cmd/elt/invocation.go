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
	flagsObj := map[string]any{
		"WHICH":                      which,
		"INVOCATION_COMMAND":         command,
		"USE_EXPERIMENTAL_PARSER":    false,
		"STATIC_PARSER":              true,
		"WARN_ERROR":                 nil,
		"WARN_ERROR_OPTIONS":         map[string]any{"error": []any{}, "warn": []any{}, "silence": []any{}},
		"WRITE_JSON":                 true,
		"PARTIAL_PARSE":              !f.noPartialParse,
		"USE_COLORS":                 !f.noColor,
		"PROFILES_DIR":               orNil(profilesDir),
		"DEBUG":                      false,
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
		"no_print":                   noPrint,
		"print":                      !noPrint,
		"cache_selected_only":        false,
		"introspect":                 !f.noIntrospect,
		"log_path":                   logPath,
		"empty":                      f.empty,
		"vars":                       vars,
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
	set("store_failures", f.storeFailures)
	set("state", f.state)
	set("defer", f.deferFlag)
	set("favor_state", f.favorState)
	set("defer_state", f.deferState)
	set("macro", f.macro)
	if f.macro != "" {
		a := f.macroArgs
		if a == "" {
			a = "{}"
		}
		args["args"] = a
	}
	return compiler.Invocation{Flags: flagsObj, Args: args, MetadataEnvs: docs.CustomEnv(os.Environ())}
}
