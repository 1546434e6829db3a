package main

import (
	"strings"
	"testing"
)

// TestIncrementalWidensStringColumnsPostgres: before an incremental run
// writes its rows, dbt widens the target's string columns that are
// shorter than the new rows' (adapter.expand_target_column_types, dbt's
// tests/functional/basic/test_varchar_widening.py). A longer value is
// kept whole, never cut to the old length; the widened column is re-made
// at the end of the table, as dbt's default__alter_column_type does.
// Numbers are not widened.
func TestIncrementalWidensStringColumnsPostgres(t *testing.T) {
	schema := "inc_widen"
	ctx, conn := pgSchema(t, schema)
	exec := func(q string) {
		t.Helper()
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("create schema " + schema)
	exec("create table " + schema + ".src (id int, g varchar(10), t text, n numeric(10,2))")
	exec("insert into " + schema + ".src values (1, 'short', 'x', 1.5)")
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "models/inc.sql", "{{ config(materialized='incremental') }}\n"+
		"select id, g, t::varchar(5) as t, n from "+schema+".src\n"+
		"{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}\n")
	if res := elt(t, dir, "run"); res.code != 0 {
		t.Fatalf("first run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	exec("alter table " + schema + ".src alter column g type varchar(300)")
	exec("insert into " + schema + ".src values (2, 'Preferred Pharmaceuticals, Inc.', 'x', 2.5)")
	writeFile(t, dir, "models/inc.sql", "{{ config(materialized='incremental') }}\n"+
		"select id, g, t, n::numeric(12,3) as n from "+schema+".src\n"+
		"{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}\n")
	if res := elt(t, dir, "run"); res.code != 0 {
		t.Fatalf("second run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var g string
	if err := conn.QueryRow(ctx, "select g from "+schema+".inc where id = 2").Scan(&g); err != nil {
		t.Fatal(err)
	}
	if g != "Preferred Pharmaceuticals, Inc." {
		t.Errorf("new row's g = %q, want the whole value", g)
	}
	cols := pgColumnTypes(ctx, t, conn, schema+".inc")
	// t was varchar(5); the new rows' t is text, which dbt counts as 256
	// characters long. n stays numeric(10,2).
	want := "id integer, n numeric(10,2), g character varying(300), t character varying(256)"
	if got := strings.Join(cols, ", "); got != want {
		t.Errorf("columns after the second run:\n got %s\nwant %s", got, want)
	}
}

// TestIncrementalContractDoesNotWidenPostgres: with an enforced contract
// dbt leaves the target's columns as declared, so a longer new value fails
// the run (PostgreSQL refuses it on insert) rather than being cut short.
func TestIncrementalContractDoesNotWidenPostgres(t *testing.T) {
	schema := "inc_nowiden"
	ctx, conn := pgSchema(t, schema)
	for _, q := range []string{
		"create schema " + schema,
		"create table " + schema + ".src (id int, g varchar(300))",
		"insert into " + schema + ".src values (1, 'short')",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "models/inc.sql", "{{ config(materialized='incremental') }}\n"+
		"select id, g from "+schema+".src\n"+
		"{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}\n")
	writeFile(t, dir, "models/inc.yml", "models:\n  - name: inc\n    config: {contract: {enforced: true}, on_schema_change: append_new_columns}\n"+
		"    columns:\n      - {name: id, data_type: integer}\n      - {name: g, data_type: varchar(10)}\n")
	if res := elt(t, dir, "run"); res.code != 0 {
		t.Fatalf("first run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if _, err := conn.Exec(ctx, "insert into "+schema+".src values (2, 'Preferred Pharmaceuticals, Inc.')"); err != nil {
		t.Fatal(err)
	}
	res := elt(t, dir, "run")
	if res.code == 0 || !strings.Contains(res.stdout+res.stderr, "value too long") {
		t.Errorf("second run: exit %d, want PostgreSQL's \"value too long\" error\n%s%s", res.code, res.stdout, res.stderr)
	}
	var n int
	if err := conn.QueryRow(ctx, "select count(*) from "+schema+".inc").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("target has %d rows, want the first run's 1", n)
	}
}
