package duckdb

import (
	"context"
	"fmt"
	"testing"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/adaptertest"
)

// TestDescribeManySameAsDescribe: DescribeMany reads, for every kind of
// relation and name, what one Describe each reads, with two catalog scans
// however many relations are asked for.
func TestDescribeManySameAsDescribe(t *testing.T) {
	a, columnScans := openCountingSQL(t, "duckdb_columns()")
	ctx := context.Background()
	for _, stmt := range []string{
		`create schema other`,
		`create type mood as enum ('ok', 'sad')`,
		`create table "Orders" (id integer, "Total Amount" decimal(18,3), tags varchar[], m mood, s struct(a int, b varchar))`,
		`insert into "Orders" values (1, 2.5, ['x'], 'ok', {'a': 1, 'b': 'y'})`,
		`comment on table "Orders" is 'all orders'`,
		`comment on column "Orders".id is 'the key'`,
		`create view order_ids as select id from "Orders"`,
		`comment on view order_ids is 'ids only'`,
		`create table other.customers (id bigint, name varchar)`,
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
	var rels []adapters.Relation
	for _, r := range [][3]string{
		{"shop", "main", "Orders"},
		{"SHOP", "MAIN", "orders"}, // names compare case-insensitively
		{"shop", "main", "order_ids"},
		{"", "", "order_ids"}, // the current database and schema
		{"shop", "", "Orders"},
		{"shop", "other", "customers"},
		{"shop", "other", "broken"}, // a view whose table is gone
		{"shop", "other", "Orders"}, // another schema: absent
		{"shop", "main", "missing"},
		{"shop", "nosuch", "x"},
		{"nosuchdb", "main", "x"},
		{"temp", "main", "scratch"}, // temporary: not described
		{"shop", "main", "scratch"},
		{"ext", "main", "remote"},
		{"shop", "main", "Orders"}, // asked twice
	} {
		rels = append(rels, adapters.Relation{Database: r[0], Schema: r[1], Identifier: r[2]})
	}
	for i := range 50 {
		ident := fmt.Sprintf("t%02d", i)
		if err := a.Exec(ctx, fmt.Sprintf("create table %s as select %d as n, 'x' as s", ident, i)); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, adapters.Relation{Database: "shop", Schema: "main", Identifier: ident})
	}
	before := columnScans.Load()
	if _, err := a.DescribeMany(ctx, rels); err != nil {
		t.Fatal(err)
	}
	if n := columnScans.Load() - before; n != 1 {
		t.Errorf("DescribeMany of %d relations read duckdb_columns() %d times; want once", len(rels), n)
	}
	got := adaptertest.CompareDescribeMany(t, ctx, a, rels)
	present := 0
	for _, info := range got {
		if info != nil {
			present++
		}
	}
	// What the comparison covered: the tables and views that exist.
	if present != 9+50 {
		t.Errorf("%d of the relations asked for exist; want 59", present)
	}
	if got[0].Comment != "all orders" || got[0].Columns[0].Comment != "the key" || len(got[0].Columns) != 5 {
		t.Errorf("Orders described as %+v", got[0])
	}
}

// TestDescribeManyFallsBack: adapters.DescribeMany reads through
// ManyDescriber, and one relation at a time when it fails.
func TestDescribeManyFallsBack(t *testing.T) {
	a := openTemp(t)
	ctx := context.Background()
	if err := a.Exec(ctx, `create table t as select 1 as id`); err != nil {
		t.Fatal(err)
	}
	rels := []adapters.Relation{{Database: "shop", Schema: "main", Identifier: "t"}, {Database: "shop", Schema: "main", Identifier: "u"}}
	infos, errs := adapters.DescribeMany(ctx, a, rels)
	if errs[0] != nil || errs[1] != nil || infos[0] == nil || infos[1] != nil || infos[0].Columns[0].Name != "id" {
		t.Fatalf("DescribeMany: %+v, %v", infos, errs)
	}
	// A cancelled context fails the one query; each relation is then
	// asked alone and the caller sees the context's error.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	infos, errs = adapters.DescribeMany(cctx, a, rels)
	if infos[0] != nil || infos[1] != nil || errs[0] != nil || errs[1] != nil || cctx.Err() == nil {
		t.Fatalf("cancelled DescribeMany: %+v, %v", infos, errs)
	}
}
