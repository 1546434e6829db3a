package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestPostgresLastStatementStatusAsDBT: a statement string of several
// statements reports the last one's status and rows, as psycopg2's
// cursor does after executing it (libpq keeps the last result) and
// dbt-postgres's get_response reads it (cursor.statusmessage, rowcount):
// a model's main statement with its sql_header ("set local ...;") before
// the create table ... as says SELECT 3 in run_results.json's
// adapter_response and on the log line, not SET; run_query of such a
// string returns the last statement's rows.
func TestPostgresLastStatementStatusAsDBT(t *testing.T) {
	schema := "last_status_pg"
	ctx, conn := pgSchema(t, schema)
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "macros/mat.sql", `{% materialization header_table, adapter='postgres' %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {% do adapter.drop_relation(target_relation) %}
  {% call statement('main') -%}
    {{ get_create_table_as_sql(False, target_relation, sql) }}
  {%- endcall %}
  {% do adapter.commit() %}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
`)
	header := `sql_header="set local work_mem = '8MB';"`
	writeFile(t, dir, "models/custom.sql", "{{ config(materialized='header_table', "+header+") }}\nselect g as id from generate_series(1, 3) g\n")
	writeFile(t, dir, "models/plain.sql", "{{ config(materialized='table', "+header+") }}\nselect g as id from generate_series(1, 3) g\n")
	writeFile(t, dir, "models/fetched.sql", `{% if execute %}{% set r = run_query("set local work_mem = '8MB'; select 42 as x") %}{% endif %}
select {{ r.rows[0][0] if execute else 0 }} as x
`)
	res := elt(t, dir, "run")
	if res.code != 0 {
		t.Errorf("run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var rr struct {
		Results []struct {
			UniqueID        string         `json:"unique_id"`
			AdapterResponse map[string]any `json:"adapter_response"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "run_results.json"))), &rr); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"model.p.custom": "map[_message:SELECT 3 code:SELECT rows_affected:3]",
		"model.p.plain":  "map[_message:SELECT 3 code:SELECT rows_affected:3]",
	}
	for _, r := range rr.Results {
		if w, ok := want[r.UniqueID]; ok {
			if got := fmt.Sprint(r.AdapterResponse); got != w {
				t.Errorf("%s: adapter_response %s, want %s", r.UniqueID, got, w)
			}
			delete(want, r.UniqueID)
		}
	}
	if len(want) > 0 {
		t.Errorf("no results for %v", want)
	}
	for _, line := range strings.Split(res.stdout, "\n") {
		if strings.Contains(line, "OK created sql header_table model "+schema+".custom ") && !strings.Contains(line, "[SELECT 3 in ") {
			t.Errorf("log line: %s", line)
		}
	}
	wantAll(t, res.stdout, "OK created sql header_table model "+schema+".custom ")
	var x int
	if err := conn.QueryRow(ctx, "select x from "+schema+".fetched").Scan(&x); err != nil || x != 42 {
		t.Errorf("fetched: %d, %v; want 42 (run_query's rows are the last statement's)", x, err)
	}
}
