package main

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestUnloggedPostgres: unlogged: true makes PostgreSQL tables UNLOGGED,
// as dbt-postgres's create_table_as does: a table model, a contracted
// one, a snapshot and a test's stored failures; a table without it stays
// logged.
func TestUnloggedPostgres(t *testing.T) {
	schema := "unlogged_pg"
	ctx, conn := pgSchema(t, schema)
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "models/m.sql", "{{ config(materialized='table', unlogged=True) }} select 1 as id, 'blue' as color")
	writeFile(t, dir, "models/logged.sql", "{{ config(materialized='table') }} select 1 as id")
	writeFile(t, dir, "models/contracted.sql", "select 1 as id")
	writeFile(t, dir, "snapshots/snap.yml", `snapshots:
  - name: snap
    relation: ref('logged')
    config: {unique_key: id, strategy: check, check_cols: all, unlogged: true, target_schema: `+schema+`}
`)
	writeFile(t, dir, "models/s.yml", `models:
  - name: contracted
    config: {materialized: table, unlogged: true, contract: {enforced: true}}
    columns:
      - {name: id, data_type: int}
  - name: m
    columns:
      - name: color
        data_tests:
          - accepted_values:
              name: color_red
              values: [red]
              config: {store_failures: true, unlogged: true}
`)
	elt(t, dir, "build")
	rows, err := conn.Query(ctx, `select c.relname || '=' || c.relpersistence::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname like $1 and c.relkind = 'r' order by 1`, schema+"%")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := "color_red=u contracted=u logged=p m=u snap=u"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("relpersistence:\n want %s\n  got %s", want, g)
	}
}
