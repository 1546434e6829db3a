package main

import (
	"strings"
	"testing"
)

// leftoverProject writes a project with a view, a table, an incremental
// model and a table whose name is 55 characters long, and a macro that
// makes the relations a stopped dbt run leaves beside them.
func leftoverProject(t *testing.T, dir, profile, schema string) string {
	t.Helper()
	long := strings.Repeat("l", 55)
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", profile)
	writeFile(t, dir, "models/v.sql", "select 1 as id\n")
	writeFile(t, dir, "models/t.sql", "{{ config(materialized='table') }}\nselect 1 as id\n")
	writeFile(t, dir, "models/i.sql", "{{ config(materialized='incremental') }}\nselect 1 as id\n")
	writeFile(t, dir, "models/"+long+".sql", "{{ config(materialized='table') }}\nselect 1 as id\n")
	// PostgreSQL keeps 63 characters: dbt cuts the identifier so that
	// the suffix fits (postgres__make_relation_with_suffix).
	longTmp, longBackup := long+"__dbt_tmp", long+"__dbt_backup"
	if strings.Contains(profile, "postgres") {
		longTmp, longBackup = long[:63-9]+"__dbt_tmp", long[:63-12]+"__dbt_backup"
	}
	writeFile(t, dir, "macros/leftovers.sql", "{% macro leftovers() %}\n"+
		"{% do run_query('create view "+schema+".v__dbt_tmp as select 1 as x') %}\n"+
		"{% do run_query('create table "+schema+".v__dbt_backup as select 1 as x') %}\n"+
		"{% do run_query('create table "+schema+".t__dbt_tmp as select 1 as x') %}\n"+
		// On PostgreSQL a materialized view, as dbt's materialized_view
		// materialization leaves.
		"{% do run_query('create ' ~ ('materialized ' if target.type == 'postgres' else '') ~ 'view "+schema+".i__dbt_tmp as select 1 as x') %}\n"+
		"{% do run_query('create table "+schema+"."+longTmp+" as select 1 as x') %}\n"+
		"{% do run_query('create table "+schema+"."+longBackup+" as select 1 as x') %}\n"+
		"{% do run_query('commit') if target.type == 'postgres' %}\n"+
		"{% endmacro %}\n")
	return long
}

// TestLeftoverRelationsDropped: dbt's table, view and incremental
// materializations drop a model's <name>__dbt_tmp and __dbt_backup
// relations, left by a run that stopped half way, before they build.
func TestLeftoverRelationsDropped(t *testing.T) {
	dir := t.TempDir()
	leftoverProject(t, dir, "p:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: p.duckdb}\n", "main")
	mustElt(t, dir, "run-operation", "leftovers")
	mustElt(t, dir, "run")
	res := mustElt(t, dir, "show", "--inline", "select table_name from information_schema.tables where table_name like '%dbt%' order by 1")
	if strings.Contains(res.stdout, "__dbt_") {
		t.Errorf("leftover relations remain after the run:\n%s", res.stdout)
	}
}

// TestLeftoverRelationsDroppedPostgres is TestLeftoverRelationsDropped on
// PostgreSQL, where a long model's leftovers have cut names.
func TestLeftoverRelationsDroppedPostgres(t *testing.T) {
	schema := "leftovers"
	ctx, conn := pgSchema(t, schema)
	if _, err := conn.Exec(ctx, "create schema "+schema); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	leftoverProject(t, dir, pgProfile, schema)
	mustElt(t, dir, "run-operation", "leftovers")
	var n int
	if err := conn.QueryRow(ctx, "select count(*) from pg_class c join pg_namespace s on s.oid = c.relnamespace where s.nspname = $1 and c.relname like '%dbt%'", schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Fatalf("%d leftover relations made, want 6", n)
	}
	mustElt(t, dir, "run")
	rows, err := conn.Query(ctx, "select c.relname from pg_class c join pg_namespace s on s.oid = c.relnamespace where s.nspname = $1 and c.relname like '%dbt%'", schema)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		t.Errorf("leftover %s remains after the run", name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
