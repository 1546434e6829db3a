package duckdb

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/elt-dev/elt/adapters"
)

// TestTableBuiltInPlace: a table model over an absent relation or a table
// is one CREATE OR REPLACE TABLE outside any explicit transaction; over a
// view it is built under a temporary name in a transaction, which drops
// the view. Every build leaves the rows its SQL selects, a model may read
// its own previous rows, and a failed build leaves the old table.
func TestTableBuiltInPlace(t *testing.T) {
	var mu sync.Mutex
	var stmts []string
	a, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "shop.duckdb"), Threads: 2, Trace: func(sql string) {
		mu.Lock()
		stmts = append(stmts, sql)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ctx := context.Background()
	rel := adapters.Relation{Database: "shop", Schema: "main", Identifier: "t"}
	build := func(mat, sql string) (adapters.RunResult, []string, error) {
		mu.Lock()
		stmts = nil
		mu.Unlock()
		res, err := a.Materialize(ctx, adapters.Model{Relation: rel, Materialized: mat, SQL: sql})
		mu.Lock()
		defer mu.Unlock()
		var run []string
		for _, s := range stmts {
			if !strings.Contains(s, "duckdb_tables()") {
				run = append(run, strings.Join(strings.Fields(s), " "))
			}
		}
		return res, run, err
	}
	rows := func() [][]any {
		t.Helper()
		res, err := a.Query(ctx, `select v from "shop"."main"."t" order by v`)
		if err != nil {
			t.Fatal(err)
		}
		return res.Rows
	}
	inPlace := func(sql string) []string {
		return []string{`create or replace table "shop"."main"."t" as ( ` + sql + ` )`}
	}

	// Absent, then a table: one statement each, no transaction.
	res, run, err := build("table", "select 1 as v union all select 2")
	if err != nil {
		t.Fatal(err)
	}
	if want := inPlace("select 1 as v union all select 2"); !reflect.DeepEqual(run, want) {
		t.Errorf("statements over an absent relation:\nwant %q\ngot  %q", want, run)
	}
	if res.RowsAffected != 2 {
		t.Errorf("rows affected: want 2, got %d", res.RowsAffected)
	}
	// The model reads its own previous rows.
	const self = `select v * 10 as v from "shop"."main"."t"`
	if _, run, err = build("table", self); err != nil {
		t.Fatal(err)
	}
	if want := inPlace(self); !reflect.DeepEqual(run, want) {
		t.Errorf("statements over a table:\nwant %q\ngot  %q", want, run)
	}
	if got, want := rows(), [][]any{{int64(10)}, {int64(20)}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows after reading its own rows: want %v, got %v", want, got)
	}
	// A failed build leaves the old table and rows.
	if _, _, err = build("table", "select v from nowhere"); err == nil {
		t.Fatal("a build from a missing table succeeded")
	}
	if got, want := rows(), [][]any{{int64(10)}, {int64(20)}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows after a failed build: want %v, got %v", want, got)
	}
	if k := kindOf(t, a, "t"); k != adapters.KindTable {
		t.Errorf("kind after a failed build: want table, got %s", k)
	}

	// A view becomes a table in one transaction, under a temporary name.
	if _, _, err = build("view", "select 7 as v"); err != nil {
		t.Fatal(err)
	}
	if _, run, err = build("table", "select 8 as v"); err != nil {
		t.Fatal(err)
	}
	if len(run) < 4 || run[0] != "begin" || !strings.HasPrefix(run[1], `create table "shop"."main"."t__elt_tmp_`) ||
		run[2] != `drop view "shop"."main"."t"` || run[len(run)-1] != "commit" {
		t.Errorf("statements over a view: %q", run)
	}
	if k := kindOf(t, a, "t"); k != adapters.KindTable {
		t.Errorf("kind after replacing the view: want table, got %s", k)
	}
	if got, want := rows(), [][]any{{int64(8)}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows after replacing the view: want %v, got %v", want, got)
	}
}
