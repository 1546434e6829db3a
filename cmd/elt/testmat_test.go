package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// testMatProject is a project whose {% materialization test %} block
// replaces dbt's, as elementary's users write it: it logs, then either
// runs dbt.materialization_test_default() or its own statement('main').
func testMatProject(t *testing.T, profile string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"dbt_project.yml": "name: tm\nversion: '1.0'\nprofile: p\n",
		"profiles.yml":    profile,
		"models/m.sql":    "select 1 as id union all select 2 union all select null",
		"models/schema.yml": `models:
  - name: m
    columns:
      - name: id
        data_tests:
          - not_null
          - unique
          - not_null:
              name: nn_stored
              config: {store_failures: true, severity: warn}
`,
		"tests/own.sql": "{{ config(tags=['own']) }}\nselect * from {{ ref('m') }} where id > 1\n",
		"macros/materializations.sql": `{% materialization test, default %}
  {% do log("block for " ~ model.name ~ " tags=" ~ model.tags ~ " ns=" ~ model.get('test_metadata', {}).get('namespace'), info=True) %}
  {% if 'own' in model.tags %}
    {% call statement('main', fetch_result=True) -%}
      {{ get_test_sql(sql, 'count(*)', '>0', '>5', none) }}
    {%- endcall %}
    {{ return({'relations': []}) }}
  {% endif %}
  {% set result = dbt.materialization_test_default() %}
  {% do log("main of " ~ model.name ~ ": " ~ (load_result('main').table.rows[0].values() | list) ~ " relations " ~ (result.relations | map('string') | list), info=True) %}
  {{ return(result) }}
{% endmaterialization %}
`,
	})
	return dir
}

// checkTestMaterialization builds the project: every data test runs
// through the block, with dbt's verdicts (a failure, a warning stored in
// its audit table, a pass, and the block's own fail_calc and thresholds).
func checkTestMaterialization(t *testing.T, dir string, query func(string) string) {
	t.Helper()
	res := elt(t, dir, "build")
	if res.code != 1 {
		t.Fatalf("build: exit %d, want 1 (one test fails)\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout,
		"block for not_null_m_id tags=[] ns=None",
		"block for own tags=['own'] ns=None",
		"main of not_null_m_id: [1, True, True] relations []",
		"main of unique_m_id: [0, False, False] relations []",
		"main of nn_stored: [1, True, True] relations [")
	rr := readRunResults(t, filepath.Join(dir, "target", "run_results.json"))
	for name, want := range map[string]rrEntry{
		"not_null_m_id": {Status: "fail", Failures: 1},
		"unique_m_id":   {Status: "pass"},
		"nn_stored":     {Status: "warn", Failures: 1},
		"own":           {Status: "warn", Failures: 1}, // count(*) > 0 warns, > 5 does not fail
	} {
		if got := rr[name]; got.Status != want.Status || got.Failures != want.Failures {
			t.Errorf("%s: %s with %d failures, want %s with %d", name, got.Status, got.Failures, want.Status, want.Failures)
		}
	}
	if got := query("select count(*) from nn_stored"); got != "1" {
		t.Errorf("stored failures of nn_stored: %q, want one row", got)
	}
}

// TestTestMaterializationAsDBT: a root project's test materialization
// runs every data test, as dbt's TestRunner finds it before its own
// (elementary's integration project; dbt-core 1.10.9 task/test.py
// execute_data_test).
func TestTestMaterializationAsDBT(t *testing.T) {
	t.Run("duckdb", func(t *testing.T) {
		dir := testMatProject(t, "p:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: tm.duckdb}\n")
		checkTestMaterialization(t, dir, func(q string) string {
			t.Helper()
			db := openDB(t, filepath.Join(dir, "tm.duckdb"))
			defer db.Close()
			return queryRows(t, db, strings.Replace(q, "from nn_stored", "from main_dbt_test__audit.nn_stored", 1))
		})
	})
	t.Run("postgres", func(t *testing.T) {
		ctx, conn := pgSchema(t, "elt_testmat")
		t.Cleanup(func() { _, _ = conn.Exec(ctx, "drop schema if exists elt_testmat_dbt_test__audit cascade") })
		dir := testMatProject(t, pgProfile)
		checkTestMaterialization(t, dir, func(q string) string {
			t.Helper()
			var n int64
			if err := conn.QueryRow(ctx, strings.Replace(q, "from nn_stored", "from elt_testmat_dbt_test__audit.nn_stored", 1)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return strconv.FormatInt(n, 10)
		})
	})
}
