package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters/duckdb"
)

// replaceDataMacros replace the rows of the model target_t the way
// elementary's replace_table_data does on Postgres: a temporary table
// made by one run_query (in one hook), then begin, delete, insert from
// the temporary table and commit, each its own run_query (in the next
// hook). keep_uncommitted begins and deletes but never commits.
const replaceDataMacros = `
{% macro make_tmp(value) %}
  {% if execute %}
  {% do run_query("create temporary table tmp_rows as select " ~ value ~ " as a") %}
  {% endif %}
{% endmacro %}

{% macro replace_data() %}
  {% if execute %}
  {% set tgt = ref('target_t') %}
  {% do run_query("begin") %}
  {% do run_query("delete from " ~ tgt) %}
  {% do run_query("insert into " ~ tgt ~ " select * from tmp_rows") %}
  {% do run_query("commit") %}
  {% endif %}
{% endmacro %}

{% macro replace_via_operation(value) %}
  {% do make_tmp(value) %}
  {% do replace_data() %}
{% endmacro %}

{% macro delete_uncommitted() %}
  {% do run_query("begin") %}
  {% do run_query("delete from " ~ ref('target_t')) %}
{% endmacro %}
`

// writeReplaceDataProject writes a project whose on-run-end hooks replace
// target_t's one row (a=1) by a=2 through a temporary table and an
// explicit transaction.
func writeReplaceDataProject(t *testing.T, dir, profile string) {
	t.Helper()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\non-run-end:\n  - \"{{ make_tmp(2) }}\"\n  - \"{{ replace_data() }}\"\n")
	writeFile(t, dir, "profiles.yml", profile)
	writeFile(t, dir, "models/target_t.sql", "{{ config(materialized='table') }}\nselect 1 as a\n")
	writeFile(t, dir, "macros/replace.sql", replaceDataMacros)
}

// checkReplaceData runs the project writeReplaceDataProject wrote and its
// operations, checking target_t's rows (rows) after each.
func checkReplaceData(t *testing.T, dir string, rows func() string) {
	t.Helper()
	res := elt(t, dir, "run")
	if res.code != 0 {
		t.Fatalf("run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if got := rows(); got != "1 rows, max 2" {
		t.Errorf("after run: %s, want 1 rows, max 2 (the hooks replaced a=1 by a=2)", got)
	}
	res = elt(t, dir, "run-operation", "replace_via_operation", "--args", "{value: 3}")
	if res.code != 0 {
		t.Fatalf("run-operation: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if got := rows(); got != "1 rows, max 3" {
		t.Errorf("after run-operation: %s, want 1 rows, max 3", got)
	}
	res = elt(t, dir, "run-operation", "delete_uncommitted")
	if res.code != 0 {
		t.Fatalf("run-operation delete_uncommitted: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if got := rows(); got != "1 rows, max 3" {
		t.Errorf("after an uncommitted delete: %s, want 1 rows, max 3 (rolled back at release, as dbt's close)", got)
	}
}

// TestPostgresProjectHooksShareOneSession: as dbt runs all on-run-end
// hooks on its one "master" connection and a run-operation on its
// "macro_<name>" connection, a temporary table one run_query makes is
// seen by the next (also in the next hook), and run_query("begin") ...
// run_query("commit") is one transaction; a transaction the macro leaves
// open is rolled back when the connection is released.
func TestPostgresProjectHooksShareOneSession(t *testing.T) {
	schema := fmt.Sprintf("hooksession_%d", time.Now().UnixNano()%1_000_000_000)
	ctx, conn := pgSchema(t, schema)
	dir := t.TempDir()
	writeReplaceDataProject(t, dir, strings.Replace(pgProfile, "threads: 1", "threads: 4", 1))
	rows := func() string {
		t.Helper()
		var n int
		var a *int
		if err := conn.QueryRow(ctx, "select count(*), max(a) from "+schema+".target_t").Scan(&n, &a); err != nil {
			t.Fatal(err)
		}
		if a == nil {
			return fmt.Sprintf("%d rows", n)
		}
		return fmt.Sprintf("%d rows, max %d", n, *a)
	}
	checkReplaceData(t, dir, rows)
}

// TestDuckDBProjectHooksShareOneConnection is the Postgres test on
// DuckDB, whose temporary tables and transactions also live on one
// connection (dbt-duckdb: one cursor per dbt connection).
func TestDuckDBProjectHooksShareOneConnection(t *testing.T) {
	dir := t.TempDir()
	writeReplaceDataProject(t, dir, "p:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: p.duckdb, threads: 4}\n")
	rows := func() string {
		t.Helper()
		a, err := duckdb.Open(context.Background(), duckdb.Config{Path: filepath.Join(dir, "p.duckdb")})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		res, err := a.Query(context.Background(), "select count(*), max(a) from main.target_t")
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%v rows, max %v", res.Rows[0][0], res.Rows[0][1])
	}
	checkReplaceData(t, dir, rows)
}

// writeSameTempTableProject writes a project whose on-run-start hook and
// three models' pre-hooks each create the temporary table same_tmp: dbt
// closes each connection when its hooks or node end, so none of them
// finds the table already there, even on one thread.
func writeSameTempTableProject(t *testing.T, dir, profile string) {
	t.Helper()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\non-run-start:\n  - \"{% do run_query('create temporary table same_tmp as select 1 as b') %}\"\n")
	writeFile(t, dir, "profiles.yml", profile)
	for _, m := range []string{"m1", "m2", "m3"} {
		writeFile(t, dir, "models/"+m+".sql", "{{ config(materialized='table', pre_hook='create temporary table same_tmp as select 5 as b') }}\nselect b from same_tmp\n")
	}
}

// TestPostgresTempTablesEndWithTheirConnection: a node's (or a hook
// phase's) temporary tables do not outlive it on a pooled connection.
func TestPostgresTempTablesEndWithTheirConnection(t *testing.T) {
	schema := fmt.Sprintf("samelocal_%d", time.Now().UnixNano()%1_000_000_000)
	pgSchema(t, schema)
	dir := t.TempDir()
	writeSameTempTableProject(t, dir, strings.Replace(pgProfile, "threads: 2", "threads: 1", 1))
	if res := elt(t, dir, "run"); res.code != 0 {
		t.Fatalf("run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestDuckDBTempTablesEndWithTheirConnection is the Postgres test on DuckDB.
func TestDuckDBTempTablesEndWithTheirConnection(t *testing.T) {
	dir := t.TempDir()
	writeSameTempTableProject(t, dir, "p:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: p.duckdb, threads: 1}\n")
	if res := elt(t, dir, "run"); res.code != 0 {
		t.Fatalf("run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// writeModelTransactionProject writes a model whose body, when it runs,
// inserts a row into log_t inside its own run_query("begin") ...
// run_query("commit"): dbt renders it on the node's connection, where the
// commit is real, so the row and the model both stay.
func writeModelTransactionProject(t *testing.T, dir, profile string) {
	t.Helper()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", profile)
	writeFile(t, dir, "models/log_t.sql", "{{ config(materialized='table') }}\nselect 0 as a\n")
	writeFile(t, dir, "models/m.sql", `{{ config(materialized='table') }}
-- depends_on: {{ ref('log_t') }}
{% if execute %}
{% do run_query("begin") %}
{% do run_query("insert into " ~ ref('log_t') ~ " values (1)") %}
{% do run_query("commit") %}
{% endif %}
select 1 as x
`)
}

// TestPostgresModelRunQueryTransaction: a model body's begin/commit is a
// real transaction on the node's connection.
func TestPostgresModelRunQueryTransaction(t *testing.T) {
	schema := fmt.Sprintf("modeltx_%d", time.Now().UnixNano()%1_000_000_000)
	ctx, conn := pgSchema(t, schema)
	dir := t.TempDir()
	writeModelTransactionProject(t, dir, pgProfile)
	if res := elt(t, dir, "run"); res.code != 0 {
		t.Fatalf("run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var logRows, mRows int
	if err := conn.QueryRow(ctx, "select (select count(*) from "+schema+".log_t), (select count(*) from "+schema+".m)").Scan(&logRows, &mRows); err != nil {
		t.Fatal(err)
	}
	if logRows != 2 || mRows != 1 {
		t.Errorf("log_t has %d rows, m %d; want 2 (the model's insert committed) and 1", logRows, mRows)
	}
}

// TestDuckDBModelRunQueryTransaction is the Postgres test on DuckDB.
func TestDuckDBModelRunQueryTransaction(t *testing.T) {
	dir := t.TempDir()
	writeModelTransactionProject(t, dir, "p:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: p.duckdb, threads: 2}\n")
	if res := elt(t, dir, "run"); res.code != 0 {
		t.Fatalf("run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	a, err := duckdb.Open(context.Background(), duckdb.Config{Path: filepath.Join(dir, "p.duckdb")})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	res, err := a.Query(context.Background(), "select (select count(*) from main.log_t), (select count(*) from main.m)")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Rows[0]...); got != "2 1" {
		t.Errorf("log_t rows, m rows = %s, want 2 1 (the model's insert committed, the model built)", got)
	}
}
