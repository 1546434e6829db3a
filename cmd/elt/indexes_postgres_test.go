package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestIndexesPostgres builds an incremental model, a seed and a snapshot
// with indexes on a real Postgres: each gets its indexes when its table is
// created, and an incremental run adds none.
func TestIndexesPostgres(t *testing.T) {
	schema := "indexes_pg"
	ctx, conn := pgSchema(t, schema)
	indexes := func() string { t.Helper(); return pgIndexes(t, ctx, conn, schema) }
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nseeds:\n  p:\n    +indexes: [{columns: [id], unique: true}]\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "seeds/people.csv", "id,name\n1,Ada\n2,Grace\n")
	writeFile(t, dir, "models/ledger.sql", `{{ config(materialized='incremental', unique_key='id', indexes=[{'columns': ['name'], 'type': 'hash'}]) }}
select id, name from {{ ref('people') }}
{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}
`)
	writeFile(t, dir, "snapshots/people_snap.sql", `{% snapshot people_snap %}
{{ config(unique_key='id', strategy='check', check_cols='all', indexes=[{'columns': ['id', 'dbt_valid_to']}]) }}
select * from {{ ref('people') }}
{% endsnapshot %}
`)
	want := "ledger: USING hash (name)\npeople: unique USING btree (id)\npeople_snap: USING btree (id, dbt_valid_to)"
	mustElt(t, dir, "build")
	if got := indexes(); got != want {
		t.Errorf("indexes after the first build:\n%s\nwant:\n%s", got, want)
	}
	writeFile(t, dir, "seeds/people.csv", "id,name\n1,Ada\n2,Grace\n3,Edsger\n")
	res := mustElt(t, dir, "build")
	if got := indexes(); got != want {
		t.Errorf("indexes after an incremental build:\n%s\nwant:\n%s\n%s", got, want, res.stdout)
	}
	mustElt(t, dir, "build", "--full-refresh")
	if got := indexes(); got != want {
		t.Errorf("indexes after a full refresh:\n%s\nwant:\n%s", got, want)
	}
}

// pgIndexes lists the indexes of schema's tables, one "table: [unique ]USING
// method (columns)" line each, in order.
func pgIndexes(t *testing.T, ctx context.Context, conn *pgx.Conn, schema string) string {
	t.Helper()
	rows, err := conn.Query(ctx, "select tablename || ': ' || case when indexdef like 'CREATE UNIQUE%' then 'unique ' else '' end || substr(indexdef, strpos(indexdef, ' USING ') + 1) from pg_indexes where schemaname = $1 order by 1", schema)
	if err != nil {
		t.Fatal(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(list, "\n")
}
