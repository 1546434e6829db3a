package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSchemaChangeMacrosAsDBT: the macros dbt's incremental
// materializations handle on_schema_change with (dbt-adapters'
// on_schema_change.sql and columns.sql), for a project's copy of such a
// materialization: incremental_validate_on_schema_change falls back to
// its default for an unknown value, process_schema_changes returns {} for
// ignore, else the new rows' columns after it added (append_new_columns)
// or added and dropped (sync_all_columns) the table's columns, or stops
// with dbt's message (fail).
func TestSchemaChangeMacrosAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	db := filepath.Join(dir, "p.duckdb")
	reset := func() {
		execDuckDB(t, db, "create or replace table main.target_t (id integer, gone varchar)", "insert into main.target_t values (1, 'x')",
			"create or replace table main.source_t (id integer, added varchar)")
	}
	writeFile(t, dir, "macros/probe.sql", `
{% macro probe(mode) %}
  {%- set source = api.Relation.create(database='p', schema='main', identifier='source_t', type='table') -%}
  {%- set target = api.Relation.create(database='p', schema='main', identifier='target_t', type='table') -%}
  {%- set mode = incremental_validate_on_schema_change(mode, default='ignore') -%}
  {%- set cols = process_schema_changes(mode, source, target) -%}
  {{ log('mode=' ~ mode ~ ' columns=' ~ (cols | map(attribute='name') | join(',')), info=true) }}
{% endmacro %}
`)
	columns := func() string {
		conn := openDB(t, db)
		defer conn.Close()
		return queryRows(t, conn, "select column_name from information_schema.columns where table_name = 'target_t' order by ordinal_position")
	}
	for _, c := range []struct {
		mode, log, columns string
	}{
		{"bogus", "mode=ignore columns=", "id\ngone"},
		{"ignore", "mode=ignore columns=", "id\ngone"},
		{"append_new_columns", "mode=append_new_columns columns=id,added", "id\ngone\nadded"},
		{"sync_all_columns", "mode=sync_all_columns columns=id,added", "id\nadded"},
	} {
		t.Run(c.mode, func(t *testing.T) {
			reset()
			res := mustElt(t, dir, "run-operation", "probe", "--args", "{mode: "+c.mode+"}")
			wantAll(t, res.stdout, c.log)
			if got := columns(); got != c.columns {
				t.Errorf("columns of target_t: want %q, got %q", c.columns, got)
			}
		})
	}
	t.Run("fail", func(t *testing.T) {
		reset()
		res := elt(t, dir, "run-operation", "probe", "--args", "{mode: fail}")
		out := res.stdout + res.stderr
		if res.code == 0 || !strings.Contains(out, "The source and target schemas on this incremental model are out of sync!") {
			t.Errorf("exit %d:\n%s", res.code, out)
		}
		if got := columns(); got != "id\ngone" {
			t.Errorf("columns of target_t: %q", got)
		}
	})
}
