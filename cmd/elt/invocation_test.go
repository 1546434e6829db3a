package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInvocationContext: templates see the command running them as
// dbt's do: flags.WHICH (which Fivetran's packages and elementary branch
// on: a model that pivots on a query's result only under run or build),
// the rest of dbt's flags object, invocation_args_dict, dbt_metadata_envs
// and thread_id, each with the values of this invocation, also when the
// render is kept for the next one.
func TestInvocationContext(t *testing.T) {
	t.Setenv("DBT_ENV_CUSTOM_ENV_team", "core")
	t.Setenv("DBT_ENV_SECRET_PW", "hunter22")
	dir := miniProject(t, "")
	writeFile(t, dir, "models/inv.sql", `{{ config(materialized='table') }}
select '{{ flags.WHICH }}' as which, '{{ invocation_args_dict.which }}' as args_which,
  '{{ invocation_args_dict.get("select", []) | join(",") }}' as sel,
  '{{ invocation_args_dict.get("full_refresh", false) }}' as full_refresh,
  '{{ flags.FULL_REFRESH }}' as flag_full_refresh,
  '{{ invocation_args_dict.vars.get("day", "") }}' as day,
  '{{ thread_id }}' as thread, '{{ dbt_metadata_envs.get("team", "") }}' as team,
  '{{ flags.INVOCATION_COMMAND | replace("'", "''") }}' as command,
  '{{ flags.TARGET_PATH }}|{{ flags.INDIRECT_SELECTION }}|{{ flags.PARTIAL_PARSE }}' as more
`)
	writeFile(t, dir, "macros/which.sql", `{% macro which(n) %}{{ print(flags.WHICH ~ ' ' ~ invocation_args_dict.macro ~ ' ' ~ invocation_args_dict.args) }}{% endmacro %}`)

	res := mustElt(t, dir, "compile", "-s", "inv")
	wantAll(t, res.stdout, "'compile' as which", "'compile' as args_which", "'inv' as sel", "'False' as full_refresh", "'MainThread' as thread", "'core' as team", "'elt compile -s inv' as command", "'None|eager|True' as more")

	// The run's compile renders each node on its worker thread; the
	// render kept from the compile above is not reused with its values.
	mustElt(t, dir, "run", "-s", "inv", "--full-refresh", "--vars", "{day: '2024-01-01', pw: hunter22}")
	got := rowsOf(t, dir, "main.inv")
	wantAll(t, got, "run|run|inv|True|True|2024-01-01|Thread-1 (worker)|core|", "elt run -s inv --full-refresh --vars {day: '2024-01-01', pw: *****}")
	if strings.Contains(got, "hunter22") {
		t.Errorf("a secret reached the warehouse: %s", got)
	}

	res = mustElt(t, dir, "build", "-s", "inv", "--target-path", "out")
	got = rowsOf(t, dir, "main.inv")
	if !strings.HasPrefix(got, "build|build|inv|False|False||Thread-1 (worker)|core|elt build -s inv --target-path out|out|eager|True") {
		t.Errorf("build: row %s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "manifest.json")); err != nil {
		t.Errorf("--target-path: %v", err)
	}

	res = mustElt(t, dir, "run-operation", "which", "--args", "{n: 1}")
	if !strings.Contains(res.stdout, "run-operation which {'n': 1}") {
		t.Errorf("run-operation:\n%s", res.stdout)
	}
	// Without --args, args_to_dict has no args (dbt's option is None).
	res = mustElt(t, dir, "run-operation", "which")
	if !strings.Contains(res.stdout, "run-operation which \n") {
		t.Errorf("run-operation without --args:\n%s", res.stdout)
	}
}

// TestInvocationIDIsUUID4: dbt's invocation_id is a version 4 UUID, which
// tools reading the artifacts may check.
func TestInvocationIDIsUUID4(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for range 50 {
		if id := newInvocationID(); !re.MatchString(id) {
			t.Fatalf("%q is not a version 4 UUID", id)
		}
	}
}

// TestDebugAndWarnErrorFlagsInTemplates: --debug and --warn-error reach
// flags.DEBUG / flags.WARN_ERROR and invocation_args_dict (and
// run_results.json's args) as dbt's flags and args_to_dict keep them:
// true when given, else False and None and no key.
func TestDebugAndWarnErrorFlagsInTemplates(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/f.sql", `select '{{ flags.DEBUG }}|{{ flags.WARN_ERROR }}|{{ invocation_args_dict.get("debug") }}|{{ invocation_args_dict.get("warn_error") }}' as f`)
	for _, c := range []struct {
		flag, want, key string
	}{
		{"", "'False|None|None|None'", ""},
		{"--debug", "'True|None|True|None'", "debug"},
		{"--warn-error", "'False|True|None|True'", "warn_error"},
	} {
		args := []string{"compile", "-s", "f"}
		if c.flag != "" {
			args = append(args, c.flag)
		}
		mustElt(t, dir, args...)
		got, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "p", "models", "f.sql"))
		if err != nil || !strings.Contains(string(got), c.want) {
			t.Errorf("%q: compiled %s (%v), want %s", c.flag, got, err, c.want)
		}
		var rr struct {
			Args map[string]any `json:"args"`
		}
		readJSON(t, filepath.Join(dir, "target", "run_results.json"), &rr)
		for _, key := range []string{"debug", "warn_error"} {
			v, ok := rr.Args[key]
			if want := key == c.key; ok != want || (ok && v != true) {
				t.Errorf("%q: run_results.json args[%s] = %v (set %v), want set %v", c.flag, key, v, ok, want)
			}
		}
	}
}

// TestMetadataEnvsInEnvironmentOrder: dbt_metadata_envs prints its
// variables in the environment's order, as dbt's get_metadata_vars
// builds it from os.environ (context_methods/test_builtin_functions.py).
func TestMetadataEnvsInEnvironmentOrder(t *testing.T) {
	t.Setenv("DBT_ENV_CUSTOM_ENV_RUN_ID", "1234")
	t.Setenv("DBT_ENV_CUSTOM_ENV_JOB_ID", "5678")
	t.Setenv("DBT_ENV_RUN_ID", "91011")
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/m.sql", `{% macro envs() %}{{ log("envs:" ~ dbt_metadata_envs, info=true) }}{% endmacro %}`)
	res := mustElt(t, dir, "run-operation", "envs")
	wantAll(t, res.stdout, "envs:{'RUN_ID': '1234', 'JOB_ID': '5678'}")
}
