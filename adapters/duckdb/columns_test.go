package duckdb

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
)

// TestColumnsByName: Columns finds a relation by name and reads what
// duckdb_columns() says of it (comments aside), without reading the whole
// catalog; a relation the kind cache knows is absent has none without
// either; where the name does not bind otherwise (a view whose table is
// gone, an empty part, a quote) it asks duckdb_columns() as before.
func TestColumnsByName(t *testing.T) {
	a, scans := openCountingSQL(t, "duckdb_columns()")
	ctx := context.Background()
	for _, stmt := range []string{
		`create schema other`,
		`create type mood as enum ('ok', 'sad')`,
		`create table "Orders" (id integer, "Total Amount" decimal(18,3), tags varchar[], m mood, s struct(a int, b varchar), u union(n int, s varchar), fixed double[3], mp map(varchar, int), ts timestamptz)`,
		`comment on column "Orders".id is 'the key'`,
		`create view order_ids as select id, "Total Amount" from "Orders"`,
		`create table "it's ""quoted""" (x int)`,
		`create table "dotted.name" (x int, y int)`,
		`create table dotted (x int)`,
		`create table other.gone (x int)`,
		`create view other.broken as select x from other.gone`,
		`drop table other.gone`,
		`create temp table scratch (z int)`,
		`attach ':memory:' as ext`,
		`create table ext.main.remote (k varchar)`,
	} {
		if err := a.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	for _, c := range []struct {
		rel   [3]string
		fast  bool // found by name
		ncols int
	}{
		{[3]string{"shop", "main", "Orders"}, true, 9},
		{[3]string{"SHOP", "Main", "ORDERS"}, true, 9},
		{[3]string{"shop", "main", "order_ids"}, true, 2},
		// A name with a double quote is asked the long way: DuckDB does
		// not read "" back as a quote in pragma_table_info's name.
		{[3]string{"shop", "main", `it's "quoted"`}, false, 1},
		{[3]string{"shop", "main", "dotted.name"}, true, 2},
		{[3]string{"temp", "main", "scratch"}, true, 1},
		{[3]string{"ext", "main", "remote"}, true, 1},
		{[3]string{"shop", "other", "broken"}, false, 1},
		{[3]string{"shop", "main", "scratch"}, true, 0},
		{[3]string{"shop", "main", "missing"}, true, 0},
		{[3]string{"shop", "nosuch", "x"}, true, 0},
		{[3]string{"nosuchdb", "main", "x"}, true, 0},
		{[3]string{"", "", "Orders"}, false, 9},
	} {
		rel := adapters.Relation{Database: c.rel[0], Schema: c.rel[1], Identifier: c.rel[2]}
		before := scans.Load()
		got, err := a.Columns(ctx, rel)
		if err != nil {
			t.Fatalf("Columns %v: %v", rel, err)
		}
		if scanned := scans.Load() > before; scanned == c.fast {
			t.Errorf("Columns %v read duckdb_columns(): %v; want %v", rel, scanned, !c.fast)
		}
		want, err := columns(ctx, a.db, rel)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			want[i].Comment = ""
		}
		if len(got) != c.ncols || !reflect.DeepEqual(got, want) {
			t.Errorf("Columns %v:\n got %+v\nwant %+v (%d columns)", rel, got, want, c.ncols)
		}
	}
	// Relations created after the kind cache read their schema, named in
	// full (the cache follows) or not (it forgets), have their columns.
	for _, c := range []struct{ stmt, ident string }{
		{`create table shop.main.missing (a int, b int)`, "missing"},
		{`create view later as select 1 as a, 2 as b`, "later"},
	} {
		rel := adapters.Relation{Database: "shop", Schema: "main", Identifier: c.ident}
		if got, err := a.Columns(ctx, rel); err != nil || len(got) != 0 {
			t.Fatalf("Columns %v before %q: %v, %v", rel, c.stmt, got, err)
		}
		if err := a.Exec(ctx, c.stmt); err != nil {
			t.Fatal(err)
		}
		if got, err := a.Columns(ctx, rel); err != nil || len(got) != 2 {
			t.Errorf("Columns %v after %q: %+v, %v; want 2 columns", rel, c.stmt, got, err)
		}
	}
}

// TestIncrementalReadsColumnsByName: an incremental run reads its new
// rows' and its table's columns by name, not by listing every column of
// the catalog, and still sees a column on_schema_change added.
func TestIncrementalReadsColumnsByName(t *testing.T) {
	a, scans := openCountingSQL(t, "duckdb_columns()")
	ctx := context.Background()
	rel := adapters.Relation{Database: "shop", Schema: "main", Identifier: "events"}
	if _, err := a.Materialize(ctx, adapters.Model{Relation: rel, Materialized: "table", SQL: "select 1 as id, 'a' as name"}); err != nil {
		t.Fatal(err)
	}
	before := scans.Load()
	res, err := a.Incremental(ctx, adapters.Incremental{UniqueID: "model.shop.events", Relation: rel, Strategy: "merge", UniqueKey: []string{"id"},
		OnSchemaChange: "append_new_columns", SQL: "select 1 as id, 'b' as name, 2.5 as amount union all select 2, 'c', 3.5"})
	if err != nil {
		t.Fatal(err)
	}
	if n := scans.Load() - before; n != 0 {
		t.Errorf("the incremental run read duckdb_columns() %d times; want none", n)
	}
	got, err := a.Query(ctx, "select id, name, amount::varchar from events order by id")
	if err != nil {
		t.Fatal(err)
	}
	const want = "[[1 b 2.5] [2 c 3.5]]"
	if fmt.Sprint(got.Rows) != want || res.RowsAffected != 2 {
		t.Errorf("after the run: %v (%d rows affected); want %v", got.Rows, res.RowsAffected, want)
	}
}

// TestSnapshotReadsColumnsByName: a snapshot's runs read their source
// rows' and their table's columns by name too, and a second run still
// adds a column the source gained.
func TestSnapshotReadsColumnsByName(t *testing.T) {
	a, scans := openCountingSQL(t, "duckdb_columns()")
	ctx := context.Background()
	rel := adapters.Relation{Database: "shop", Schema: "main", Identifier: "orders_snapshot"}
	snap := adapters.Snapshot{UniqueID: "snapshot.shop.orders_snapshot", Relation: rel, Strategy: "check", UniqueKey: []string{"id"}, CheckAll: true}
	for i, sql := range []string{
		"select 1 as id, 'new' as status",
		"select 1 as id, 'shipped' as status, 'x' as note",
	} {
		snap.SQL = sql
		snap.Now = time.Date(2024, 1, i+1, 0, 0, 0, 0, time.UTC)
		if _, err := a.Snapshot(ctx, snap); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
	if n := scans.Load(); n != 0 {
		t.Errorf("two snapshot runs read duckdb_columns() %d times; want none", n)
	}
	got, err := a.Query(ctx, "select id, status, coalesce(note, '-'), dbt_valid_to is null from orders_snapshot order by dbt_valid_from")
	if err != nil {
		t.Fatal(err)
	}
	if want := "[[1 new - false] [1 shipped x true]]"; fmt.Sprint(got.Rows) != want {
		t.Errorf("snapshot rows %v; want %s", got.Rows, want)
	}
}
