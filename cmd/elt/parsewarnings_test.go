package main

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestParseWarningsUnderWarnError: the parse-time warnings dbt raises
// through warn_or_error (UnusedResourceConfigPath, config/runtime.py;
// NoNodeForYamlKey, parser/schemas.py; NodeNotFoundOrDisabled,
// parser/manifest.py invalid_target_fail_unless_test) end the command
// (exit 2) under --warn-error or a --warn-error-options that names them,
// and are not shown when silenced.
func TestParseWarningsUnderWarnError(t *testing.T) {
	for _, c := range []struct {
		event, project, file, body, message string
	}{
		{"UnusedResourceConfigPath", "models:\n  p:\n    nope:\n      +tags: [x]\n", "", "",
			"- models.p.nope (dbt_project.yml:5:5)"},
		{"NoNodeForYamlKey", "", "models/props.yml", "models:\n  - name: missing\n",
			// dbt's NoNodeForYamlKey message (events/types.py)
			"Did not find matching node for patch with name 'missing' in the 'models' section of file 'models/props.yml'"},
		{"NodeNotFoundOrDisabled", "", "tests/t.sql", "select * from {{ ref('missing') }}\n",
			// dbt's NodeNotFoundOrDisabled message (events/types.py)
			"Test 'test.p.t' (tests/t.sql) depends on a node named 'missing' in package '' which was not found"},
		// dbt's check_for_model_deprecations (parser/manifest.py;
		// tests/functional/configs/test_warn_error_options.py)
		{"DeprecatedModel", "", "models/props.yml", "models:\n  - name: a\n    deprecation_date: 2020-01-01\n",
			"Model a has passed its deprecation date of 2020-01-01."},
		{"UpcomingReferenceDeprecation", "", "models/props.yml", "models:\n  - name: a\n    deprecation_date: 2999-01-01\n",
			"While compiling 'b': Found a reference to a, which is slated for deprecation on '2999-01-01'."},
	} {
		t.Run(c.event, func(t *testing.T) {
			dir := miniProject(t, c.project)
			writeFile(t, dir, "models/a.sql", "select 1 as id\n")
			if c.event == "UpcomingReferenceDeprecation" {
				writeFile(t, dir, "models/b.sql", "select * from {{ ref('a') }}\n")
			}
			if c.file != "" {
				writeFile(t, dir, c.file, c.body)
			}
			if res := mustElt(t, dir, "parse"); !strings.Contains(res.stdout, c.message) {
				t.Errorf("no warning %q:\n%s", c.message, res.stdout)
			}
			for _, args := range [][]string{
				{"--warn-error", "parse"},
				{"parse", "--warn-error-options", `{"error": ["` + c.event + `"]}`},
				{"parse", "--warn-error-options", `{"error": "all"}`},
			} {
				res := elt(t, dir, args...)
				if res.code != exitUsage || !strings.Contains(res.stderr, c.message) {
					t.Errorf("elt %s: exit %d, want %d with %q\n%s%s", strings.Join(args, " "), res.code, exitUsage, c.message, res.stdout, res.stderr)
				}
			}
			for _, opts := range []string{`{"error": ["Other"]}`, `{"error": "all", "warn": ["` + c.event + `"]}`} {
				if res := mustElt(t, dir, "parse", "--warn-error-options", opts); !strings.Contains(res.stdout, c.message) {
					t.Errorf("--warn-error-options %s: no warning %q:\n%s", opts, c.message, res.stdout)
				}
			}
			if res := mustElt(t, dir, "parse", "--warn-error-options", `{"silence": ["`+c.event+`"]}`); strings.Contains(res.stdout, c.message) {
				t.Errorf("a silenced warning is shown:\n%s", res.stdout)
			}
		})
	}
}

// TestInvalidMacroAnnotationEvent: with validate_macro_args, a macros:
// entry whose arguments do not match the macro warns through dbt's
// warn_or_error as InvalidMacroAnnotation (parser/schemas.py
// _fire_macro_arg_warning): named so in the JSON log, an error under
// --warn-error, hidden when silenced (macros/test_macro_annotations.py).
func TestInvalidMacroAnnotationEvent(t *testing.T) {
	dir := miniProject(t, "flags:\n  validate_macro_args: true\n")
	writeFile(t, dir, "macros/m.sql", "{% macro my_macro(my_arg_1, my_arg_2) %}{% endmacro %}\n")
	writeFile(t, dir, "macros/m.yml", "macros:\n  - name: my_macro\n    arguments:\n      - name: my_arg_1\n        type: string\n      - name: my_misnamed_arg_2\n        type: invalid_type\n")
	res := mustElt(t, dir, "--log-format", "json", "parse")
	var names []string
	for _, line := range strings.Split(res.stdout, "\n") {
		if strings.Contains(line, `"name":"InvalidMacroAnnotation"`) {
			names = append(names, line)
		}
	}
	if len(names) != 2 || !strings.Contains(names[0]+names[1], "Argument my_misnamed_arg_2 in yaml for macro my_macro does not match the jinja") ||
		!strings.Contains(names[0]+names[1], "Argument my_misnamed_arg_2 in the yaml for macro my_macro has an invalid type") {
		t.Errorf("want two InvalidMacroAnnotation events:\n%s", res.stdout)
	}
	if res := elt(t, dir, "--warn-error", "parse"); res.code != exitUsage || !strings.Contains(res.stderr, "does not match the jinja") {
		t.Errorf("--warn-error: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := mustElt(t, dir, "parse", "--warn-error-options", `{"silence": ["InvalidMacroAnnotation"]}`); strings.Contains(res.stdout, "my_misnamed_arg_2") {
		t.Errorf("a silenced warning is shown:\n%s", res.stdout)
	}
}

// TestUnusedConfigPathsOneWarning: dbt raises one UnusedResourceConfigPath
// listing every unused path, by resource type (config/runtime.py
// warn_for_unused_resource_config_paths), so --warn-error names them all
// (dbt's tests/functional/configs/test_unused_configs.py).
func TestUnusedConfigPathsOneWarning(t *testing.T) {
	dir := miniProject(t, "models:\n  p:\n    enabled: true\nseeds:\n  quote_columns: false\n"+
		"sources:\n  p:\n    enabled: true\ndata_tests:\n  p:\n    enabled: true\n")
	writeFile(t, dir, "seeds/seed.csv", "id,value\n4,2\n")
	res := elt(t, dir, "--warn-error", "seed")
	want := "Configuration paths exist in your dbt_project.yml file which do not apply to any resources.\n" +
		"There are 3 unused configuration paths:\n" +
		"- models.p (dbt_project.yml:4:3)\n- sources.p (dbt_project.yml:9:3)\n- data_tests.p (dbt_project.yml:12:3)"
	if res.code != exitUsage || !strings.Contains(res.stderr, want) {
		t.Errorf("elt --warn-error seed: exit %d, want %d with\n%s\ngot:\n%s%s", res.code, exitUsage, want, res.stdout, res.stderr)
	}
	mustElt(t, dir, "seed")
}

// TestYAMLCannotEnableOneOfSeveralDisabled: properties YAML that enables
// a model defined more than once, each definition disabled in its SQL,
// stops parsing, as dbt's parse_patch does (parser/schemas.py; dbt's
// tests/functional/configs/test_disabled_model.py
// TestMultipleDisabledNodesForUniqueIDFailure). One disabled definition
// stays disabled.
func TestYAMLCannotEnableOneOfSeveralDisabled(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/schema.yml", "models:\n  - name: m2\n    config:\n      enabled: true\n")
	for _, f := range []string{"a", "b", "c"} {
		writeFile(t, dir, "models/"+f+"/m2.sql", "{{ config(enabled=false) }}\nselect 1 as id\n")
	}
	res := elt(t, dir, "parse")
	want := "models/schema.yml:2:5: Found 3 matching disabled nodes for model 'm2'. Multiple nodes for the same unique id cannot be enabled in the schema file. " +
		"They must be enabled in `dbt_project.yml` or in the sql files."
	if res.code != exitUsage || !strings.Contains(res.stderr, want) {
		t.Errorf("parse: exit %d, want %d with %q\n%s%s", res.code, exitUsage, want, res.stdout, res.stderr)
	}
	writeFile(t, dir, "models/schema.yml", "models:\n  - name: m2\n    config:\n      enabled: false\n")
	mustElt(t, dir, "parse")
}

// TestBadDataTestsSectionWarns: a problem in the data_tests: section of
// properties YAML (singular test patches) is a warning, and the project
// parses, as dbt's parse_file turns its ParsingError into a WARN Note
// (parser/schemas.py; dbt's
// tests/functional/data_test_patch/test_singular_test_patch.py
// TestPatchSingularTestMalformedYaml).
func TestBadDataTestsSectionWarns(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "tests/my_singular_test.sql", "select 1 as id where 1 = 0\n")
	writeFile(t, dir, "tests/schema.yml", "data_tests: &not_null\n  - not_null:\n      where: some_condition\n")
	res := mustElt(t, dir, "compile")
	if want := "tests/schema.yml:2:5: warning: Unable to parse 'data_tests' section of file 'tests/schema.yml'"; !strings.Contains(res.stdout, want) {
		t.Errorf("no warning %q:\n%s", want, res.stdout)
	}
}

// TestModelFreshnessWithoutBuildAfterDropped: a model's freshness config
// is its build_after alone; one without build_after is dropped, as dbt
// 1.10's ModelConfig.__pre_deserialize__ drops it (elt warns), and
// updates_on defaults to any (dbt's
// tests/functional/model_config/test_freshness_config.py).
func TestModelFreshnessWithoutBuildAfterDropped(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/b.sql", "{{ config(freshness={'build_after': {'count': 1, 'period': 'day'}, 'warn_after': {'count': 2, 'period': 'hour'}}) }}\nselect 1 as id\n")
	writeFile(t, dir, "models/e.sql", "{{ config(freshness={'warn_after': {'count': 24, 'period': 'hour'}}) }}\nselect 1 as id\n")
	res := mustElt(t, dir, "parse")
	if want := "models/e.sql:1: warning: model e: a freshness config without build_after is dropped"; !strings.Contains(res.stdout, want) {
		t.Errorf("no warning %q:\n%s", want, res.stdout)
	}
	var m struct {
		Nodes map[string]struct {
			Config map[string]any `json:"config"`
		} `json:"nodes"`
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
	if got := m.Nodes["model.p.e"].Config["freshness"]; got != nil {
		t.Errorf("model e freshness %v, want null", got)
	}
	want := map[string]any{"build_after": map[string]any{"count": float64(1), "period": "day", "updates_on": "any"}}
	if got := m.Nodes["model.p.b"].Config["freshness"]; !reflect.DeepEqual(got, want) {
		t.Errorf("model b freshness %v, want %v", got, want)
	}
}

// TestPropertiesYAMLListRefused: properties YAML that is a list stops the
// parse with dbt's "Dictionary expected" (parser/schemas.py; dbt's
// tests/functional/configs/test_configs_in_schema_files.py
// TestListSchemaFile).
func TestPropertiesYAMLListRefused(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/my_model.sql", "select 1 as id\n")
	writeFile(t, dir, "models/schema.yml", "- name: my_name\n- name: alt_name\n")
	res := elt(t, dir, "parse")
	if want := "models/schema.yml:1:1: Contents of file 'models/schema.yml' are not valid. Dictionary expected"; res.code != exitUsage || !strings.Contains(res.stderr, want) {
		t.Errorf("parse: exit %d, want %d with %q\n%s%s", res.code, exitUsage, want, res.stdout, res.stderr)
	}
}
