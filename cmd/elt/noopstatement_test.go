package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// loopInsertBlock is a materialization in the manner of automate-dv's
// vault_insert_by_period: it builds the table in a loop of statements,
// stores each step's result with store_raw_result, reads them back with
// load_result, and reports the whole with noop_statement('main', ...)
// instead of running a statement('main').
const loopInsertBlock = `{% materialization loop_insert, default %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set audit = this.incorporate(path={'identifier': 'loop_audit'}) -%}
  {% call statement('drop') %}drop table if exists {{ target_relation }}{% endcall %}
  {% call statement('create') %}create table {{ target_relation }} as select * from ({{ sql }}) as s where 1 = 0{% endcall %}
  {% for i in range(1, 4) %}
    {% call statement('insert') %}insert into {{ target_relation }} select * from ({{ sql }}) as s where s.id = {{ i }}{% endcall %}
    {% do store_raw_result('period_' ~ i, message='INSERT 1', code='INSERT', rows_affected=1) %}
  {% endfor %}
  {%- set total = namespace(n=0, p2=none) -%}
  {% for i in range(1, 4) %}
    {#- a result loads once, as in dbt -#}
    {%- set period = load_result('period_' ~ i) -%}
    {%- set total.n = total.n + period.response.rows_affected -%}
    {%- if i == 2 %}{% set total.p2 = period %}{% endif -%}
  {% endfor %}
  {%- set counted = run_query('select count(*) as n from ' ~ target_relation) -%}
  {% do store_result('count', response='counted', agate_table=counted) %}
  {% call statement('audit') %}create table if not exists {{ audit }} (step varchar(20), message varchar(20), code varchar(20), total integer, counted integer){% endcall %}
  {% call statement('audit') %}
    insert into {{ audit }} values ('{{ model.name }}', '{{ total.p2.response }}', '{{ total.p2.response.code }}', {{ total.n }}, {{ load_result('count').data[0][0] }})
  {% endcall %}
  {% call noop_statement('main', 'INSERT 3', 'INSERT', 3) -%}
    {{ sql }}
  {%- endcall %}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
`

const loopInsertModel = "select 1 as id, 'a' as name union all select 2, 'b' union all select 3, 'c'"

// loopInsertProject writes the project with loopInsertBlock and one model
// that uses it.
func loopInsertProject(t *testing.T, dir string) {
	t.Helper()
	writeFile(t, dir, "macros/loop_insert.sql", loopInsertBlock)
	writeFile(t, dir, "models/periods.sql", "{{ config(materialized='loop_insert') }}"+loopInsertModel)
}

// checkNoopStatement runs the loop_insert project twice: each run builds
// the table, reads back what it stored, and reports noop_statement's
// result as the node's, as dbt does; query returns a query's rows, one
// line each, columns joined by |.
func checkNoopStatement(t *testing.T, dir string, query func(string) string) {
	t.Helper()
	for run := 1; run <= 2; run++ {
		res := mustElt(t, dir, "run")
		wantAll(t, res.stdout, "OK created sql loop_insert model", "[INSERT 3 in ")
		if got := query("select id, name from periods order by id"); got != "1|a\n2|b\n3|c" {
			t.Errorf("run %d: periods:\n%s", run, got)
		}
		want := strings.TrimSpace(strings.Repeat("periods|INSERT 1|INSERT|3|3\n", run))
		if got := query("select step, message, code, total, counted from loop_audit"); got != want {
			t.Errorf("run %d: load_result of the stored results:\n%s\nwant\n%s", run, got, want)
		}

		b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Results []struct {
				UniqueID        string         `json:"unique_id"`
				Status          string         `json:"status"`
				Message         string         `json:"message"`
				AdapterResponse map[string]any `json:"adapter_response"`
			} `json:"results"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Results) != 1 {
			t.Fatalf("run %d: %d results in run_results.json", run, len(doc.Results))
		}
		r := doc.Results[0]
		wantResponse := map[string]any{"_message": "INSERT 3", "code": "INSERT", "rows_affected": float64(3)}
		if r.Status != "success" || r.Message != "INSERT 3" || !reflect.DeepEqual(r.AdapterResponse, wantResponse) {
			t.Errorf("run %d: run result %+v, want message INSERT 3 and adapter_response %v", run, r, wantResponse)
		}

		// The run file holds the SQL noop_statement('main') wrote, as dbt's.
		runSQL, err := os.ReadFile(filepath.Join(dir, "target", "run", "p", "models", "periods.sql"))
		if err != nil {
			t.Fatal(err)
		}
		if string(runSQL) != loopInsertModel {
			t.Errorf("run %d: target/run/p/models/periods.sql:\n%q\nwant\n%q", run, runSQL, loopInsertModel)
		}
	}
}

// TestNoopStatementDuckDB: a materialization that loops over statements
// and ends with noop_statement('main', 'INSERT 3', 'INSERT', 3), on DuckDB.
func TestNoopStatementDuckDB(t *testing.T) {
	dir := miniProject(t, "")
	loopInsertProject(t, dir)
	checkNoopStatement(t, dir, func(q string) string {
		t.Helper()
		db := openDB(t, filepath.Join(dir, "p.duckdb"))
		defer db.Close()
		return queryRows(t, db, "select concat_ws('|', *columns(*)) from ("+q+")")
	})
}

// TestNoopStatementPostgres: the same on Postgres.
func TestNoopStatementPostgres(t *testing.T) {
	schema := "noop_statement_pg"
	ctx, conn := pgSchema(t, schema)
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	loopInsertProject(t, dir)
	checkNoopStatement(t, dir, pgRowLines(t, ctx, conn, schema))
}
