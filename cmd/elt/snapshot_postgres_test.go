package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestSnapshotWidensStringColumnsPostgres: before a snapshot's changes
// are merged, dbt widens the snapshot table's string columns that are
// shorter than the source's (adapter.expand_target_column_types in its
// snapshot materialization), so a longer value is recorded whole.
func TestSnapshotWidensStringColumnsPostgres(t *testing.T) {
	schema := "snap_widen"
	ctx, conn := pgSchema(t, schema)
	exec := func(q string) {
		t.Helper()
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("create schema " + schema)
	exec("create table " + schema + ".src (id int, g varchar(10))")
	exec("insert into " + schema + ".src values (1, 'short')")
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "snapshots/s.sql", "{% snapshot s %}\n"+
		"{{ config(unique_key='id', strategy='check', check_cols='all', target_schema=target.schema) }}\n"+
		"select * from "+schema+".src\n{% endsnapshot %}\n")
	if res := elt(t, dir, "snapshot"); res.code != 0 {
		t.Fatalf("first snapshot: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	exec("alter table " + schema + ".src alter column g type varchar(300)")
	exec("update " + schema + ".src set g = 'Preferred Pharmaceuticals, Inc.'")
	if res := elt(t, dir, "snapshot"); res.code != 0 {
		t.Fatalf("second snapshot: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var g string
	if err := conn.QueryRow(ctx, "select g from "+schema+".s where dbt_valid_to is null").Scan(&g); err != nil {
		t.Fatal(err)
	}
	if g != "Preferred Pharmaceuticals, Inc." {
		t.Errorf("current version's g = %q, want the whole value", g)
	}
	cols := pgColumnTypes(ctx, t, conn, schema+".s")
	// The widened column is re-made at the end of the table.
	want := "id integer, dbt_scd_id text, dbt_updated_at timestamp without time zone, " +
		"dbt_valid_from timestamp without time zone, dbt_valid_to timestamp without time zone, g character varying(300)"
	if got := strings.Join(cols, ", "); got != want {
		t.Errorf("columns after the second snapshot:\n got %s\nwant %s", got, want)
	}
}

// pgColumnTypes lists rel's columns as "name type", in order.
func pgColumnTypes(ctx context.Context, t *testing.T, conn *pgx.Conn, rel string) []string {
	t.Helper()
	rows, err := conn.Query(ctx, "select a.attname || ' ' || format_type(a.atttypid, a.atttypmod) from pg_attribute a "+
		"where a.attrelid = '"+rel+"'::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cols
}
