package project

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/elt-dev/elt/internal/diag"
)

// dbt110Flags are dbt-core 1.10's ProjectFlags fields (contracts/project.py).
var dbt110Flags = []string{
	"cache_selected_only", "debug", "fail_fast", "indirect_selection", "log_format", "log_format_file",
	"log_level", "log_level_file", "partial_parse", "populate_cache", "printer_width",
	"send_anonymous_usage_stats", "static_parser", "use_colors", "use_colors_file",
	"use_experimental_parser", "version_check", "warn_error", "warn_error_options", "write_json",
	"require_batched_execution_for_custom_microbatch_strategy", "require_event_names_in_deprecations",
	"require_explicit_package_overrides_for_builtin_materializations", "require_resource_names_without_spaces",
	"source_freshness_run_project_hooks", "skip_nodes_if_on_run_start_fails",
	"state_modified_compare_more_unrendered_values", "state_modified_compare_vars",
	"require_yaml_configuration_for_mf_time_spines", "require_nested_cumulative_type_params",
	"validate_macro_args", "require_all_warnings_handled_by_warn_error", "require_generic_test_arguments_property",
	// Adapter behaviour flags: dbt-adapters' base ones, dbt-postgres's.
	"enable_truthy_nulls_equals_macro", "postgres_skip_autocommit_transaction_statements",
}

func TestProjectFlagsCoverDBT(t *testing.T) {
	got := knownFlagNames()
	want := append([]string(nil), dbt110Flags...)
	sort.Strings(want)
	if err := wantValue("flags elt knows", got, want); err != nil {
		t.Fatal(err)
	}
}

// TestProjectFlags loads a project with one flag and checks that it loads
// (and is kept for the code that acts on it) or stops at the flag's line.
func TestProjectFlags(t *testing.T) {
	cases := []struct {
		flag, value string
		reject      string // part of the error; "" when the value loads
	}{
		{"cache_selected_only", "true", ""},
		{"populate_cache", "false", ""},
		{"static_parser", "false", ""},
		{"use_experimental_parser", "true", ""},
		{"debug", "false", ""},
		{"debug", "true", ""},
		{"fail_fast", "true", ""},
		{"fail_fast", "yes please", "must be true or false"},
		{"indirect_selection", "cautious", ""},
		{"indirect_selection", "lazy", "eager, cautious, buildable or empty"},
		{"log_format", "json", ""},
		{"log_format", "debug", "debug is not supported"},
		{"log_format_file", "text", ""},
		{"log_level", "warn", ""},
		{"log_level", "loud", "debug, info, warn, error or none"},
		{"log_level_file", "debug", ""},
		{"partial_parse", "false", ""},
		{"printer_width", "120", ""},
		{"printer_width", "0", "at least 1"},
		{"printer_width", "wide", "must be a whole number"},
		{"send_anonymous_usage_stats", "false", ""},
		{"send_anonymous_usage_stats", "true", "never sends usage statistics"},
		{"use_colors", "false", ""},
		{"use_colors_file", "false", ""},
		{"use_colors_file", "true", "without colours"},
		{"version_check", "false", ""},
		{"warn_error", "false", ""},
		{"warn_error", "true", ""},
		{"warn_error_options", "{include: all, exclude: [NoNodesForSelectionCriteria]}", ""},
		{"warn_error_options", "{exclude: [NoNodesForSelectionCriteria]}", "`warn` can only be specified"},
		{"warn_error_options", "{include: all}", ""},
		{"warn_error_options", "{error: all, warn: [NoNodesForSelectionCriteria], silence: [NothingToDo]}", ""},
		{"warn_error_options", "{error: some}", "error must be one of ('all', '*')"},
		{"warn_error_options", "{errors: all}", "unknown key errors"},
		{"warn_error_options", "{error: all, include: all}", "only `include` or `error`"},
		{"warn_error_options", "{error: [LogTestResult], warn: [LogTestResult]}", "`warn` can only be specified"},
		{"warn_error_options", "{error: [Deprecations, LogTestResult], warn: [LogTestResult]}", "both in error and in warn"},
		{"warn_error_options", "{error: [Deprecations]}", ""},
		{"write_json", "true", ""},
		{"write_json", "false", ""},
		{"require_batched_execution_for_custom_microbatch_strategy", "false", ""},
		{"require_batched_execution_for_custom_microbatch_strategy", "true", ""},
		{"require_event_names_in_deprecations", "true", ""},
		{"require_explicit_package_overrides_for_builtin_materializations", "false", ""},
		{"require_resource_names_without_spaces", "true", ""},
		{"require_resource_names_without_spaces", "false", "refuses resource names with spaces"},
		{"source_freshness_run_project_hooks", "false", ""},
		{"skip_nodes_if_on_run_start_fails", "true", ""},
		{"state_modified_compare_more_unrendered_values", "true", ""},
		{"state_modified_compare_more_unrendered_values", "false", ""},
		{"state_modified_compare_vars", "false", ""},
		{"state_modified_compare_vars", "true", "does not compare the vars"},
		{"require_yaml_configuration_for_mf_time_spines", "false", ""},
		{"require_yaml_configuration_for_mf_time_spines", "true", ""},
		{"require_nested_cumulative_type_params", "false", ""},
		{"require_nested_cumulative_type_params", "true", ""},
		{"validate_macro_args", "false", ""},
		{"validate_macro_args", "true", ""},
		{"require_all_warnings_handled_by_warn_error", "false", ""},
		{"require_all_warnings_handled_by_warn_error", "true", "does not turn warnings into errors"},
		{"require_generic_test_arguments_property", "false", ""},
		{"enable_truthy_nulls_equals_macro", "true", ""},
		{"postgres_skip_autocommit_transaction_statements", "false", ""},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.flag] = true
		t.Run(c.flag+"="+c.value, func(t *testing.T) {
			dir := newProject(t, map[string]string{
				"dbt_project.yml": baseProject + "flags:\n  " + c.flag + ": " + c.value + "\n",
				"models/m.sql":    "select 1 as id",
			})
			line := strings.Count(baseProject, "\n") + 2
			p, err := loadDir(t, dir, Options{})
			if c.reject == "" {
				if err != nil {
					t.Fatalf("load: %v", err)
				}
				if _, ok := p.Config.Flags[c.flag]; !ok {
					t.Fatalf("flag %s not kept in Config.Flags: %#v", c.flag, p.Config.Flags)
				}
				return
			}
			l, ok := diag.AsList(err)
			if !ok {
				t.Fatalf("want an error at dbt_project.yml:%d, got %v", line, err)
			}
			for _, d := range l {
				full := d.Summary + " " + d.Hint
				if d.File == "dbt_project.yml" && d.Pos.Line == line && strings.Contains(d.Summary, c.flag) && strings.Contains(full, c.reject) {
					return
				}
			}
			t.Fatalf("want an error at dbt_project.yml:%d naming %s and saying %q, got:\n%v", line, c.flag, c.reject, err)
		})
	}
	for _, f := range dbt110Flags {
		if !seen[f] {
			t.Errorf("flag %s has no case", f)
		}
	}
}

func TestUnknownProjectFlagWarns(t *testing.T) {
	dir := newProject(t, map[string]string{
		"dbt_project.yml": baseProject + "flags:\n  partial_prase: false\n  restrict_direct_pg_catalog_access: true\n",
		"models/m.sql":    "select 1 as id",
	})
	p, err := loadDir(t, dir, Options{})
	if err != nil {
		t.Fatalf("dbt loads a project with unknown flags; elt refused: %v", err)
	}
	var got []string
	for _, w := range p.Warnings {
		got = append(got, fmt.Sprintf("%s:%d %s / %s", w.File, w.Pos.Line, w.Summary, w.Hint))
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		`dbt_project.yml:6 unknown flag "partial_prase"`, "did you mean partial_parse?",
		`dbt_project.yml:7 unknown flag "restrict_direct_pg_catalog_access"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
}

// A package's flags: are not read, as in dbt.
func TestPackageFlagsIgnoredAsInDBT(t *testing.T) {
	dir := newProject(t, map[string]string{
		"models/m.sql":                      "select 1 as id",
		"dbt_packages/pkg/dbt_project.yml":  "name: pkg\nversion: '1.0'\nconfig-version: 2\nflags:\n  write_json: false\n",
		"dbt_packages/pkg/models/pkg_m.sql": "select 1 as id",
	})
	if _, err := loadDir(t, dir, Options{}); err != nil {
		t.Fatalf("load: %v", err)
	}
}

// require_generic_test_arguments_property: false passes arguments: to the
// test as one argument named arguments, as dbt does.
func TestGenericTestArgumentsFlag(t *testing.T) {
	props := "version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        data_tests:\n" +
		"          - accepted_values:\n              arguments:\n                values: [1]\n"
	for _, tc := range []struct {
		flags string
		want  map[string]any
	}{
		{"", map[string]any{"values": []any{1}}},
		{"flags:\n  require_generic_test_arguments_property: false\n", map[string]any{"arguments": map[string]any{"values": []any{1}}}},
	} {
		dir := newProject(t, map[string]string{
			"dbt_project.yml":  baseProject + tc.flags,
			"models/m.sql":     "select 1 as id",
			"models/props.yml": props,
		})
		p, err := loadDir(t, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		for _, d := range p.GenericTests {
			got = map[string]any{}
			for k, v := range d.Args {
				if k != "column_name" && k != "model" {
					got[k] = v
				}
			}
		}
		if err := wantValue("test args with "+tc.flags, got, tc.want); err != nil {
			t.Error(err)
		}
	}
}

// With require_generic_test_arguments_property, dbt merges the keys under
// arguments: into the test's entry, over those of the same name, and only
// then takes out its config: a config: or where: under arguments: is the
// test's config, not an argument of its macro.
func TestGenericTestConfigUnderArgumentsAsDBT(t *testing.T) {
	props := "version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        data_tests:\n" +
		"          - accepted_values:\n              arguments:\n                values: [1]\n                where: \"id > 0\"\n" +
		"                config: {severity: warn}\n              values: [2]\n              limit: 5\n"
	dir := newProject(t, map[string]string{
		"dbt_project.yml":  baseProject + "flags:\n  require_generic_test_arguments_property: true\n",
		"models/m.sql":     "select 1 as id",
		"models/props.yml": props,
	})
	p, err := loadDir(t, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.GenericTests) != 1 {
		t.Fatalf("%d tests, want 1", len(p.GenericTests))
	}
	d := p.GenericTests[0]
	args := map[string]any{}
	for k, v := range d.Args {
		if k != "column_name" && k != "model" {
			args[k] = v
		}
	}
	if err := wantValue("test args", args, map[string]any{"values": []any{1}}); err != nil {
		t.Error(err)
	}
	if err := wantValue("test config", d.Config, Config{"where": "id > 0", "severity": "warn", "limit": 5}); err != nil {
		t.Error(err)
	}
}

// TestNullPathsAreDefaults: dbt's ProjectContract holds its paths as
// Optional, so a path key set to null is its default (config/project.py
// value_or and flag_or; cli/resolvers.py default_log_path for log-path),
// as if the key were not there.
func TestNullPathsAreDefaults(t *testing.T) {
	base := newProject(t, map[string]string{"dbt_project.yml": baseProject, "models/m.sql": "select 1 as id"})
	want, err := loadDir(t, base, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"model-paths", "seed-paths", "test-paths", "macro-paths", "snapshot-paths", "analysis-paths",
		"docs-paths", "asset-paths", "clean-targets", "target-path", "log-path", "packages-install-path"} {
		dir := newProject(t, map[string]string{"dbt_project.yml": baseProject + key + ": null\n", "models/m.sql": "select 1 as id"})
		p, err := loadDir(t, dir, Options{})
		if err != nil {
			t.Errorf("%s: null: %v", key, err)
			continue
		}
		got, exp := p.Config, want.Config
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"model-paths", got.ModelPaths, exp.ModelPaths}, {"seed-paths", got.SeedPaths, exp.SeedPaths},
			{"test-paths", got.TestPaths, exp.TestPaths}, {"macro-paths", got.MacroPaths, exp.MacroPaths},
			{"snapshot-paths", got.SnapshotPaths, exp.SnapshotPaths}, {"analysis-paths", got.AnalysisPaths, exp.AnalysisPaths},
			{"docs-paths", got.DocsPaths, exp.DocsPaths}, {"asset-paths", got.AssetPaths, exp.AssetPaths},
			{"clean-targets", got.CleanTargets, exp.CleanTargets}, {"target-path", got.TargetPath, exp.TargetPath},
			{"log-path", got.LogPath, exp.LogPath}, {"packages-install-path", got.PackagesInstallPath, exp.PackagesInstallPath},
		} {
			if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
				t.Errorf("%s: null: %s = %v, want %v", key, c.name, c.got, c.want)
			}
		}
	}
}

func TestLogPath(t *testing.T) {
	for _, tc := range []struct {
		value, want, reject string
	}{
		{"logs", "logs", ""},
		{"var/log", "var/log", ""},
		{"../logs", "", "outside the project folder"},
		{"/tmp/logs", "", "outside the project folder"},
		{"[a]", "", "must be a folder name"},
	} {
		dir := newProject(t, map[string]string{
			"dbt_project.yml": baseProject + "log-path: " + tc.value + "\n",
			"models/m.sql":    "select 1 as id",
		})
		line := strings.Count(baseProject, "\n") + 1
		p, err := loadDir(t, dir, Options{})
		if tc.reject == "" {
			if err != nil {
				t.Fatalf("%s: %v", tc.value, err)
			}
			if p.Config.LogPath != tc.want {
				t.Errorf("%s: LogPath = %q, want %q", tc.value, p.Config.LogPath, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("dbt_project.yml:%d:", line)) || !strings.Contains(err.Error(), tc.reject) {
			t.Errorf("%s: want an error at dbt_project.yml:%d saying %q, got %v", tc.value, line, tc.reject, err)
		}
	}
}

// TestEnvFlags: DBT_ variables set the project flags dbt reads from the
// environment, over the flags: block; a value elt cannot honour, or one of
// the wrong type, stops the load naming the variable.
func TestEnvFlags(t *testing.T) {
	if err := wantValue("flags read from DBT_ variables", envFlagNames, []string{
		"cache_selected_only", "debug", "log_level", "partial_parse", "populate_cache", "printer_width",
		"send_anonymous_usage_stats", "static_parser", "use_colors", "use_colors_file",
		"use_experimental_parser", "version_check", "warn_error", "warn_error_options", "write_json",
	}); err != nil {
		t.Fatal(err)
	}
	dir := newProject(t, map[string]string{
		"dbt_project.yml": "name: p\nprofile: shop\nflags:\n  printer_width: 80\n  use_colors: true\n",
	})
	p, err := loadDir(t, dir, Options{SkipProfile: true, Env: envOf(
		"DBT_PRINTER_WIDTH", "120", "DBT_USE_COLORS", "False", "DBT_PARTIAL_PARSE", "0",
		"DBT_WARN_ERROR_OPTIONS", "{include: all, exclude: [NoNodesForSelectionCriteria]}", "DBT_LOG_LEVEL", "")})
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := p.Config.FlagInt("printer_width"); w != 120 {
		t.Errorf("printer_width %d, want DBT_PRINTER_WIDTH's 120", w)
	}
	if c, ok := p.Config.FlagBool("use_colors"); !ok || c {
		t.Errorf("use_colors %v (%v), want DBT_USE_COLORS's false", c, ok)
	}
	if pp, ok := p.Config.FlagBool("partial_parse"); !ok || pp {
		t.Errorf("partial_parse %v (%v), want DBT_PARTIAL_PARSE's false", pp, ok)
	}
	if _, ok := p.Config.FlagString("log_level"); ok {
		t.Error("an empty DBT_LOG_LEVEL set log_level")
	}
	for _, c := range []struct{ variable, value, want string }{
		{"DBT_SEND_ANONYMOUS_USAGE_STATS", "true", "flag send_anonymous_usage_stats: True is not supported"},
		{"DBT_WARN_ERROR_OPTIONS", `{"error": "some"}`, "flag warn_error_options"},
		{"DBT_PRINTER_WIDTH", "wide", `DBT_PRINTER_WIDTH="wide": flag printer_width must be a whole number`},
		{"DBT_DEBUG", "maybe", "flag debug must be true or false"},
		{"DBT_LOG_LEVEL", "loud", "flag log_level: loud is not supported"},
	} {
		_, err := loadDir(t, dir, Options{SkipProfile: true, Env: envOf(c.variable, c.value)})
		l := diagList(t, err)
		d, ok := findDiag(l, c.want)
		if !ok || d.File != c.variable {
			t.Errorf("%s=%s: %v; want an error at %s holding %q", c.variable, c.value, l, c.variable, c.want)
		}
	}
}
