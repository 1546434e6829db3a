package project

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/textdist"
	"github.com/elt-dev/elt/internal/yamlsafe"
)

// flagKind is the YAML type a dbt flag takes.
type flagKind int

const (
	flagBool flagKind = iota
	flagInt
	flagString
	flagMapping
)

// flagSpec says what elt does with one of dbt-core 1.10's project flags
// (contracts/project.py ProjectFlags). supported returns "" when elt acts
// on the value as dbt documents it, else what elt does instead: the load
// then stops at the flag's line.
type flagSpec struct {
	kind      flagKind
	supported func(v any) string
}

// anyValue: every value behaves the same in elt, as the reason says (the
// flag tunes something elt does not have, so no value changes a result).
func anyValue(string) func(any) string { return func(any) string { return "" } }

// onlyValue: elt behaves as the flag's value want; the other is rejected
// with instead.
func onlyValue(want any, instead string) func(any) string {
	return func(v any) string {
		if v == want {
			return ""
		}
		return instead
	}
}

func oneOf(values []string, instead string) func(any) string {
	return func(v any) string {
		s, _ := v.(string)
		for _, w := range values {
			if s == w {
				return ""
			}
		}
		return instead
	}
}

// projectFlags are dbt-core 1.10's flags: keys. Flags with a CLI option or
// environment variable in elt are read by cmd/elt, which lets those win.
var projectFlags = map[string]flagSpec{
	// elt keeps no relation cache: every value gives the same results.
	"cache_selected_only": {flagBool, anyValue("no relation cache")},
	"populate_cache":      {flagBool, anyValue("no relation cache")},
	// elt has one Jinja renderer; the parser choice changes no result.
	"static_parser":           {flagBool, anyValue("one renderer")},
	"use_experimental_parser": {flagBool, anyValue("one renderer")},
	"debug":                   {flagBool, anyValue("cmd/elt: true shows debug events on the console and in dbt.log")},
	"fail_fast":               {flagBool, anyValue("cmd/elt: default of --fail-fast")},
	"indirect_selection":      {flagString, oneOf([]string{"eager", "cautious", "buildable", "empty"}, "indirect_selection must be eager, cautious, buildable or empty")},
	"log_format": {flagString, oneOf([]string{"text", "json", "default"},
		"elt writes text or json logs (default means text); debug is not supported")},
	"log_format_file": {flagString, oneOf([]string{"text", "json", "default"},
		"elt writes dbt.log as text or json (default means text); debug is not supported")},
	"log_level":      {flagString, oneOf([]string{"debug", "info", "warn", "error", "none"}, "log_level must be debug, info, warn, error or none")},
	"log_level_file": {flagString, oneOf([]string{"debug", "info", "warn", "error", "none"}, "log_level_file must be debug, info, warn, error or none")},
	"partial_parse":  {flagBool, anyValue("cmd/elt: false turns the render cache off")},
	"printer_width":  {flagInt, func(v any) string { return positiveInt(v) }},
	"send_anonymous_usage_stats": {flagBool, onlyValue(false,
		"elt never sends usage statistics; set send_anonymous_usage_stats: false or remove it")},
	"use_colors": {flagBool, anyValue("cmd/elt: false turns colours off")},
	"use_colors_file": {flagBool, onlyValue(false,
		"elt writes dbt.log without colours; set use_colors_file: false or remove it")},
	"version_check": {flagBool, anyValue("cmd/elt: false skips the require-dbt-version check")},
	"warn_error":    {flagBool, anyValue("cmd/elt: true fails the data tests that would warn; elt's other warnings stay warnings")},
	"warn_error_options": {flagMapping, func(v any) string {
		if _, err := ParseWarnErrorOptions(v); err != nil {
			return err.Error()
		}
		return ""
	}},
	"write_json": {flagBool, anyValue("cmd/elt: false writes no manifest.json, run_results.json or sources.json")},

	// Behaviour-change flags (dbt's docs/guides/behavior-change-flags.md).
	// Decides only how dbt runs a project's own get_incremental_microbatch_sql:
	// once per model (false) or once per batch (true).
	"require_batched_execution_for_custom_microbatch_strategy": {flagBool, anyValue("compiler, runner: a custom microbatch strategy runs once per batch when true")},
	// Only renames deprecation events in warn_error_options; elt emits
	// no deprecation events.
	"require_event_names_in_deprecations":                             {flagBool, anyValue("names in warn_error_options")},
	"require_explicit_package_overrides_for_builtin_materializations": {flagBool, anyValue("compiler: package materialization overrides")},
	"require_resource_names_without_spaces": {flagBool, onlyValue(true,
		"elt refuses resource names with spaces (they become file and relation names); rename the resource")},
	"source_freshness_run_project_hooks":            {flagBool, anyValue("cmd/elt: elt source freshness runs on-run-start/on-run-end")},
	"skip_nodes_if_on_run_start_fails":              {flagBool, anyValue("cmd/elt: a failing on-run-start hook skips the nodes")},
	"state_modified_compare_more_unrendered_values": {flagBool, anyValue("project, compiler: unrendered_config; state: sources' database and schema")},
	"state_modified_compare_vars": {flagBool, onlyValue(false,
		"elt's state:modified does not compare the vars a node uses")},
	// False only adds a deprecation warning, which elt does not emit.
	"require_yaml_configuration_for_mf_time_spines": {flagBool, anyValue("deprecation events")},
	"require_nested_cumulative_type_params":         {flagBool, anyValue("compiler: checkNestedCumulative")},
	"validate_macro_args":                           {flagBool, anyValue("compiler: checkMacroArguments; docs: macros' arguments")},
	"require_all_warnings_handled_by_warn_error": {flagBool, onlyValue(false,
		"elt does not turn warnings into errors")},
	"require_generic_test_arguments_property": {flagBool, anyValue("project: a test's arguments: property")},

	// Adapter behaviour flags (dbt-adapters' DEFAULT_BASE_BEHAVIOR_FLAGS,
	// dbt-postgres's): macros read them as adapter.behavior.<name>.
	"enable_truthy_nulls_equals_macro":                {flagBool, anyValue("compiler: dbt's equals macro matches NULL with NULL when true; elt's incremental builds refuse NULL unique keys either way")},
	"postgres_skip_autocommit_transaction_statements": {flagBool, anyValue("elt sends no BEGIN/COMMIT around statements that commit alone")},
}

func positiveInt(v any) string {
	if i, ok := v.(int); ok && i > 0 {
		return ""
	}
	return "printer_width must be a whole number of columns, at least 1"
}

// CompareMoreUnrendered is dbt's state_modified_compare_more_unrendered_values
// (default false): true keeps configs as written in unrendered_config
// (and compares sources' database and schema as written); false records
// config() calls' and properties YAML's values as rendered, as dbt did
// before the flag.
func (c *ProjectConfig) CompareMoreUnrendered() bool {
	v, _ := c.FlagBool("state_modified_compare_more_unrendered_values")
	return v
}

// FlagBool is a flags: boolean as declared, and whether it is declared.
func (c *ProjectConfig) FlagBool(name string) (value, ok bool) {
	value, ok = c.Flags[name].(bool)
	return value, ok
}

// FlagString is a flags: string as declared.
func (c *ProjectConfig) FlagString(name string) (string, bool) {
	s, ok := c.Flags[name].(string)
	return s, ok
}

// FlagInt is a flags: whole number as declared.
func (c *ProjectConfig) FlagInt(name string) (int, bool) {
	i, ok := c.Flags[name].(int)
	return i, ok
}

// checkFlags validates the flags: block, node being its YAML and values
// the rendered mapping. dbt passes unknown flags to the adapter, which
// reads its own behaviour flags there; elt has no such adapter flags, so
// an unknown one is a warning naming it.
func (l *loader) checkFlags(file string, node *yaml.Node, values map[string]any) {
	for _, p := range pairs(node) {
		spec, ok := projectFlags[p.Key]
		if !ok {
			hint := "remove it, or check its name against dbt's flags"
			if c := textdist.Closest(p.Key, knownFlagNames()); c != "" {
				hint = fmt.Sprintf("did you mean %s?", c)
			}
			l.diags.Add(diag.Warnf(file, posOf(p.KeyNode), hint,
				"unknown flag %q: elt ignores it (dbt passes unknown flags to the adapter, which reads its own behaviour flags there)", p.Key))
			continue
		}
		v := values[p.Key]
		if v == nil {
			continue
		}
		var typeOK bool
		var want string
		switch spec.kind {
		case flagBool:
			_, typeOK = v.(bool)
			want = "true or false"
		case flagInt:
			_, typeOK = v.(int)
			want = "a whole number"
		case flagString:
			_, typeOK = v.(string)
			want = "a string"
		case flagMapping:
			_, typeOK = v.(map[string]any)
			want = "a mapping"
		}
		if !typeOK {
			l.diags.Add(diag.Errorf(file, posOf(p.Val), fmt.Sprintf("write %s: %s", p.Key, want),
				"flag %s must be %s, not %s", p.Key, want, kindName(p.Val)))
			continue
		}
		if instead := spec.supported(v); instead != "" {
			l.diags.Add(diag.Errorf(file, posOf(p.Val), instead,
				"flag %s: %v is not supported by elt", p.Key, pyStr(v)))
		}
	}
}

func knownFlagNames() []string {
	names := make([]string, 0, len(projectFlags))
	for k := range projectFlags {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// envFlagNames are the project flags dbt also reads from an environment
// variable, DBT_ and the name in capitals (dbt's cli/params.py); flags
// that are options of elt's commands (fail_fast, log_format...) are read
// with those options by cmd/elt.
var envFlagNames = []string{
	"cache_selected_only", "debug", "log_level", "partial_parse", "populate_cache", "printer_width",
	"send_anonymous_usage_stats", "static_parser", "use_colors", "use_colors_file",
	"use_experimental_parser", "version_check", "warn_error", "warn_error_options", "write_json",
}

// envFlags sets cfg's flags from their environment variables, which win
// over the flags: block as in dbt. A value elt cannot honour, or one
// that is not of the flag's type, is an error naming the variable.
func (l *loader) envFlags(cfg *ProjectConfig) {
	copied := false
	for _, name := range envFlagNames {
		variable := "DBT_" + strings.ToUpper(name)
		raw, ok := l.lookupSetting(variable)
		if !ok || raw == "" {
			continue
		}
		spec := projectFlags[name]
		v, want := envFlagValue(spec.kind, raw)
		if want != "" {
			l.diags.Add(diag.Errorf(variable, diag.Pos{}, fmt.Sprintf("set %s to %s, or unset it", variable, want),
				"%s=%q: flag %s must be %s", variable, raw, name, want))
			continue
		}
		if instead := spec.supported(v); instead != "" {
			l.diags.Add(diag.Errorf(variable, diag.Pos{}, instead+"; or unset "+variable,
				"flag %s: %v is not supported by elt", name, pyStr(v)))
			continue
		}
		if !copied {
			// The mapping may be the YAML's own: set values in a copy.
			cfg.Flags, copied = copyFlags(cfg.Flags), true
		}
		cfg.Flags[name] = v
	}
}

// commandLineFlags sets cfg's flags from the command line's values,
// which win over the environment and the flags: block.
func (l *loader) commandLineFlags(cfg *ProjectConfig) {
	if len(l.opts.Flags) == 0 {
		return
	}
	cfg.Flags = copyFlags(cfg.Flags)
	for name, v := range l.opts.Flags {
		cfg.Flags[name] = v
	}
}

// CheckFlag says whether elt honours value for dbt's flag name (its
// flags: name): "" when it does, else what elt does instead.
func CheckFlag(name string, value any) string {
	spec, ok := projectFlags[name]
	if !ok {
		return "elt does not know the flag " + name
	}
	return spec.supported(value)
}

// copyFlags copies a flags: mapping (nil gives an empty one).
func copyFlags(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// envFlagValue reads an environment variable's text as a flag of kind,
// as dbt's command line does (a boolean is 1/0, true/false, t/f, yes/no,
// y/n or on/off in any case; a mapping is YAML or JSON); want says what
// the text should be when it cannot be read.
func envFlagValue(kind flagKind, raw string) (v any, want string) {
	switch kind {
	case flagBool:
		switch strings.ToLower(strings.TrimSpace(raw)) {
		case "1", "true", "t", "yes", "y", "on":
			return true, ""
		case "0", "false", "f", "no", "n", "off":
			return false, ""
		}
		return nil, "true or false"
	case flagInt:
		i, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil {
			return nil, "a whole number"
		}
		return i, ""
	case flagMapping:
		var m map[string]any
		if err := yamlsafe.Unmarshal11([]byte(raw), &m); err != nil || m == nil {
			return nil, "a YAML or JSON mapping"
		}
		return m, ""
	}
	return raw, ""
}
