package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// testOutcomes are run_results.json's status, failures and message of
// each test, by name (test.<package>.<name>.<hash>).
func testOutcomes(t *testing.T, dir string) map[string][3]any {
	t.Helper()
	var rr struct {
		Results []struct {
			UniqueID string `json:"unique_id"`
			Status   string `json:"status"`
			Failures *int64 `json:"failures"`
			Message  string `json:"message"`
		} `json:"results"`
	}
	readJSON(t, filepath.Join(dir, "target", "run_results.json"), &rr)
	out := map[string][3]any{}
	for _, r := range rr.Results {
		var f any
		if r.Failures != nil {
			f = *r.Failures
		}
		parts := strings.Split(r.UniqueID, ".")
		out[parts[len(parts)-2]] = [3]any{r.Status, f, r.Message}
	}
	return out
}

// A project's get_test_sql computes test verdicts, as dbt's test
// materialization calls it; should_warn and should_error that are not
// booleans are read as dbt's TestResultData reads them (0/1, strtobool
// text), and text strtobool refuses makes the test an error.
func TestProjectGetTestSQL(t *testing.T) {
	cases := []struct {
		name, macro, yes, no string
		want                 map[string]string
	}{
		{"numbers", "get_test_sql", "1", "0", map[string]string{"fail": "fail", "warn": "warn", "pass": "pass"}},
		{"strtobool text", "get_test_sql", "'yes'", "'off'", map[string]string{"fail": "fail", "warn": "warn", "pass": "pass"}},
		// 'y' is strtobool's yes: the test whose thresholds are not met
		// fails all the same, as in dbt.
		{"text that is no boolean", "get_test_sql", "'x'", "'y'", map[string]string{"fail": "error", "warn": "error", "pass": "fail"}},
	}
	// dbt's get_test_sql dispatches: a project's default__get_test_sql
	// replaces dbt's as well.
	cases = append(cases, cases[0])
	cases[len(cases)-1].name, cases[len(cases)-1].macro = "dispatched", "default__get_test_sql"
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, "macros/get_test_sql.sql", `{% macro `+tc.macro+`(main_sql, fail_calc, warn_if, error_if, limit) -%}
    select
      100 + {{ fail_calc }} as failures,
      case when {{ fail_calc }} {{ warn_if }} then `+tc.yes+` else `+tc.no+` end as should_warn,
      case when {{ fail_calc }} {{ error_if }} then `+tc.yes+` else `+tc.no+` end as should_error
    from (
      {{ main_sql }}
      {{ "limit " ~ limit if limit != none }}
    ) dbt_internal_test
{%- endmacro %}
`)
			writeFile(t, dir, "models/m.sql", "select 1 as id union all select 1 union all select null")
			// The override adds 100 to failures, so that its use shows.
			writeFile(t, dir, "models/s.yml", `models:
  - name: m
    columns:
      - name: id
        data_tests:
          - not_null: {name: fail}
          - unique: {name: warn, config: {warn_if: ">= 1", error_if: "> 5"}}
          - not_null: {name: pass, config: {error_if: "> 1", warn_if: "> 1"}}
`)
			mustElt(t, dir, "run")
			res := elt(t, dir, "test")
			got := testOutcomes(t, dir)
			for name, status := range tc.want {
				o := got[name]
				if o[0] != status {
					t.Errorf("%s: status %v, want %s (%v)\n%s", name, o[0], status, o, res.stdout)
				}
				switch {
				case status == "error":
					wantAll(t, o[2].(string), "Macro 'get_test_sql' returns 'x'")
				case status == "pass":
					// As dbt's build_test_run_result: a pass counts none.
					if o[1] != int64(0) {
						t.Errorf("%s: failures %v, want 0 (a pass)", name, o[1])
					}
				case o[1] != int64(101):
					t.Errorf("%s: failures %v, want 101 (the override's)", name, o[1])
				}
			}
		})
	}
}
