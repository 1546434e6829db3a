package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestMaterializedViewPostgres builds a materialized view on a real
// Postgres through elt run: created, then refreshed by a second run.
func TestMaterializedViewPostgres(t *testing.T) {
	schema := "matview_pg"
	pgEnv(t, schema)
	conn, err := pgx.Connect(context.Background(), os.Getenv("ELT_TEST_POSTGRES_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	exec := func(sql string) {
		t.Helper()
		if _, err := conn.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}
	exec("drop schema if exists " + schema + " cascade")
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "drop schema if exists "+schema+" cascade") })

	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "models/base.sql", "{{ config(materialized='table') }}\nselect 1 as x")
	writeFile(t, dir, "models/totals.sql", "{{ config(materialized='materialized_view', on_configuration_change='apply') }}\nselect count(*) as n from {{ ref('base') }}")
	mustElt(t, dir, "run")
	var kind string
	var n int64
	read := func() {
		t.Helper()
		err := conn.QueryRow(context.Background(), "select c.relkind::text from pg_class c join pg_namespace s on s.oid = c.relnamespace where s.nspname = $1 and c.relname = 'totals'", schema).Scan(&kind)
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(context.Background(), "select n from "+schema+".totals").Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if kind != "m" || n != 1 {
		t.Fatalf("totals: relkind %q, n %d; want a materialized view with n = 1", kind, n)
	}
	// Rows added behind the model's back show after the next run's refresh.
	exec("insert into " + schema + ".base values (2), (3)")
	mustElt(t, dir, "run", "-s", "totals")
	read()
	if kind != "m" || n != 3 {
		t.Errorf("after refresh: relkind %q, n %d; want n = 3", kind, n)
	}
}

// TestMaterializedViewDuckDB: DuckDB has no materialized views; the load
// stops at the model's config with a positioned error.
func TestMaterializedViewDuckDB(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n")
	writeFile(t, dir, "models/m.sql", "-- totals\n{{ config(materialized='materialized_view') }}\nselect 1 as n")
	res := elt(t, dir, "run")
	want := "models/m.sql:2: model m: DuckDB has no materialized views"
	if res.code == 0 || !strings.Contains(res.stdout+res.stderr, want) {
		t.Errorf("exit %d, want an error %q:\n%s%s", res.code, want, res.stdout, res.stderr)
	}
}

// TestClonePostgres clones a prod schema's relations into a dev schema on
// a real Postgres: views over prod's tables.
func TestClonePostgres(t *testing.T) {
	pgEnv(t, "clone_prod")
	conn, err := pgx.Connect(context.Background(), os.Getenv("ELT_TEST_POSTGRES_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, s := range []string{"clone_prod", "clone_dev"} {
		if _, err := conn.Exec(context.Background(), "drop schema if exists "+s+" cascade"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "drop schema if exists "+s+" cascade") })
	}
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	dev := strings.Replace(strings.Replace(pgProfile, "    pg:", "    dev:", 1), `schema: "{{ env_var('ELT_PG_SCHEMA') }}"`, "schema: clone_dev", 1)
	dev = dev[strings.Index(dev, "    dev:"):]
	writeFile(t, dir, "profiles.yml", pgProfile+dev)
	writeFile(t, dir, "models/totals.sql", "{{ config(materialized='table') }}\nselect 42 as n")
	mustElt(t, dir, "run")
	state := t.TempDir()
	data, err := os.ReadFile(dir + "/target/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, state, "manifest.json", string(data))
	res := mustElt(t, dir, "clone", "--state", state, "--target", "dev")
	if !strings.Contains(res.stdout, "OK model.p.totals: cloned") {
		t.Fatalf("clone:\n%s", res.stdout)
	}
	var n int
	var kind string
	if err := conn.QueryRow(context.Background(), "select n from clone_dev.totals").Scan(&n); err != nil || n != 42 {
		t.Errorf("clone_dev.totals: %d, %v; want 42", n, err)
	}
	if err := conn.QueryRow(context.Background(), "select table_type from information_schema.tables where table_schema = 'clone_dev' and table_name = 'totals'").Scan(&kind); err != nil || kind != "VIEW" {
		t.Errorf("clone_dev.totals: %q, %v; want a VIEW", kind, err)
	}
}
