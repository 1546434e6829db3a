package duckdb

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/adaptertest"
)

func TestIncrementalConformance(t *testing.T) {
	adaptertest.RunIncremental(t, func(t *testing.T) adapters.Adapter {
		return openFile(t, filepath.Join(t.TempDir(), "warehouse.duckdb"))
	})
}

// incTarget builds main.orders from sql and returns an Incremental for it.
func incTarget(t *testing.T, a *Adapter, sql string) adapters.Incremental {
	t.Helper()
	rel := adapters.Relation{Identifier: "orders"}
	if _, err := a.Materialize(context.Background(), adapters.Model{Relation: rel, Materialized: "table", SQL: sql}); err != nil {
		t.Fatalf("Materialize: %v", err)
	}
	return adapters.Incremental{UniqueID: "model.shop.orders", Relation: rel}
}

func queryRows(t *testing.T, a *Adapter, sql string) *adapters.Result {
	t.Helper()
	res, err := a.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("Query(%s): %v", sql, err)
	}
	return res
}

// DuckDB resolves names case-insensitively, even quoted ones, so the new
// rows' "ORDER ID" is the target's "Order ID": no schema change.
func TestIncrementalNamesDifferingInCase(t *testing.T) {
	a := openTemp(t)
	inc := incTarget(t, a, `select 1 as "Order ID", 'a' as "Full Name"`)
	inc.SQL = `select 1 as "ORDER ID", 'A' as "full name" union all select 2, 'b'`
	inc.Strategy, inc.UniqueKey, inc.OnSchemaChange = "merge", []string{"order id"}, "fail"
	res, err := a.Incremental(context.Background(), inc)
	if err != nil {
		t.Fatalf("Incremental: %v", err)
	}
	if want := (adapters.RunResult{Message: "MERGE 2", RowsAffected: 2}); !reflect.DeepEqual(res, want) {
		t.Errorf("result: want %+v, got %+v", want, res)
	}
	got := queryRows(t, a, "select * from orders order by 1")
	want := &adapters.Result{Columns: []string{"Order ID", "Full Name"}, Types: []string{"INTEGER", "VARCHAR"}, Rows: [][]any{{int64(1), "A"}, {int64(2), "b"}}}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("want %+v\n got %+v", want, got)
	}
}

// The column types DuckDB gives added and retyped columns.
func TestIncrementalSchemaChangeTypes(t *testing.T) {
	a := openTemp(t)
	inc := incTarget(t, a, "select 1 as id, 1 as n, 'x' as s")
	inc.SQL = "select 2 as id, cast(2 as bigint) as n, 'y' as s, cast(1.5 as decimal(4, 1)) as d, date '2024-01-02' as day"
	inc.Strategy, inc.OnSchemaChange = "append", "sync_all_columns"
	if _, err := a.Incremental(context.Background(), inc); err != nil {
		t.Fatalf("Incremental: %v", err)
	}
	cols, err := a.Columns(context.Background(), adapters.Relation{Identifier: "orders"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cols {
		got = append(got, c.Name+" "+c.DataType)
	}
	want := []string{"id INTEGER", "n BIGINT", "s VARCHAR", "d DECIMAL(4,1)", "day DATE"}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("columns:\nwant %q\n got %q", want, got)
	}
}

func TestIncrementalErrorMessages(t *testing.T) {
	tests := []struct {
		name  string
		build string
		inc   adapters.Incremental
		want  string // the whole message after the "duckdb: incremental <relation>: " prefix
	}{
		{"repeated key", "select 1 as order_id",
			adapters.Incremental{Strategy: "merge", UniqueKey: []string{"order_id"},
				SQL: "select unnest([17, 42, 99, 17, 42, 99, 5]) as order_id"},
			"model.shop.orders: unique_key (order_id) is not unique in the new rows: 3 keys appear more than once, e.g. 17, 42, 99; deduplicate the model's select or choose a unique key"},
		{"NULL key", "select 1 as order_id",
			adapters.Incremental{Strategy: "delete+insert", UniqueKey: []string{"order_id"},
				SQL: "select cast(null as integer) as order_id"},
			"model.shop.orders: unique_key (order_id) is NULL in 1 of the new rows; filter out or fill in NULL keys in the model's select, or choose a unique key without NULLs"},
		{"schema change", "select 1 as id, 'a' as y",
			adapters.Incremental{Strategy: "append", OnSchemaChange: "fail", SQL: "select 1 as id, 2 as x"},
			"model.shop.orders: The source and target schemas on this incremental model are out of sync: added columns [x], removed columns [y]; set on_schema_change to append_new_columns or sync_all_columns, or run with --full-refresh"},
		{"type change", "select 1 as id",
			adapters.Incremental{Strategy: "append", OnSchemaChange: "fail", SQL: "select 'a' as id"},
			"model.shop.orders: The source and target schemas on this incremental model are out of sync: changed types [id INTEGER -> VARCHAR]; set on_schema_change to append_new_columns or sync_all_columns, or run with --full-refresh"},
		{"unknown strategy", "select 1 as id",
			adapters.Incremental{Strategy: "insert_overwrite", SQL: "select 1 as id"},
			`invalid incremental config: incremental_strategy "insert_overwrite" is not supported; use one of append, merge, delete+insert, microbatch`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := openTemp(t)
			inc := incTarget(t, a, tt.build)
			tt.inc.UniqueID, tt.inc.Relation = inc.UniqueID, inc.Relation
			_, err := a.Incremental(context.Background(), tt.inc)
			if err == nil {
				t.Fatal("Incremental succeeded, want an error")
			}
			want := `duckdb: incremental "shop"."main"."orders": ` + tt.want
			if err.Error() != want {
				t.Errorf("error:\nwant %s\n got %s", want, err)
			}
		})
	}
}

func TestIncrementalMicrobatchTimeZones(t *testing.T) {
	a := openTemp(t)
	ctx := context.Background()
	if err := a.Exec(ctx, "set TimeZone = 'America/New_York'"); err != nil {
		t.Skipf("no ICU time zones: %v", err)
	}
	// The session time zone must not shift the window: bounds are instants.
	inc := incTarget(t, a, `select 1 as id, timestamptz '2024-01-01 23:30:00+00' as at, timestamp '2024-01-01 23:30:00' as local_at
		union all select 2, timestamptz '2024-01-02 00:30:00+00', timestamp '2024-01-02 00:30:00'`)
	inc.Strategy = "microbatch"
	inc.BatchStart = time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	inc.BatchEnd = inc.BatchStart.Add(24 * time.Hour)
	for _, col := range []string{"at", "local_at"} {
		inc.EventTime = col
		inc.SQL = "select * from orders where 1 = 0"
		if _, err := a.Incremental(ctx, inc); err != nil {
			t.Fatalf("Incremental by %s: %v", col, err)
		}
		got := queryRows(t, a, "select id from orders order by id").Rows
		if want := [][]any{{int64(1)}}; !reflect.DeepEqual(want, got) {
			t.Errorf("by %s: want %v, got %v", col, want, got)
		}
		if err := a.Exec(ctx, "insert into orders values (2, timestamptz '2024-01-02 00:30:00+00', timestamp '2024-01-02 00:30:00')"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestIncrementalMicrobatchAsDBTDuckDB: a batch inserts only the new rows
// in its window (a batch's query over an upstream without event_time
// returns them all) and its incremental_predicates narrow the delete, as
// dbt-duckdb's duckdb__get_incremental_microbatch_sql does; a unique_key
// is refused, as there.
func TestIncrementalMicrobatchAsDBTDuckDB(t *testing.T) {
	a := openTemp(t)
	ctx := context.Background()
	inc := incTarget(t, a, `select 1 as id, timestamp '2024-01-01 10:00:00' as at, 'a' as kind
		union all select 2, timestamp '2024-01-02 10:00:00', 'a'
		union all select 3, timestamp '2024-01-02 11:00:00', 'b'`)
	inc.Strategy, inc.EventTime = "microbatch", "at"
	inc.BatchStart = time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	inc.BatchEnd = inc.BatchStart.Add(24 * time.Hour)
	inc.Predicates = []string{"kind = 'a'"}
	inc.SQL = `select 10 as id, timestamp '2024-01-01 09:00:00' as at, 'a' as kind
		union all select 20, timestamp '2024-01-02 09:00:00', 'a'
		union all select 30, timestamp '2024-01-03 09:00:00', 'a'`
	res, err := a.Incremental(ctx, inc)
	if err != nil {
		t.Fatalf("Incremental: %v", err)
	}
	if res.RowsAffected != 1 {
		t.Errorf("rows: %+v", res)
	}
	// 2 deleted (in the window, kind a); 3 kept (kind b); 20 inserted.
	got := queryRows(t, a, "select id from orders order by id").Rows
	if want := "[[1] [3] [20]]"; fmt.Sprint(got) != want {
		t.Errorf("want %v, got %v", want, got)
	}
	inc.UniqueKey = []string{"id"}
	if _, err := a.Incremental(ctx, inc); err == nil || !strings.Contains(err.Error(), "does not support 'unique_key'") {
		t.Errorf("unique_key: %v", err)
	}
}

// TestIncrementalDeleteInsertNamesAsDBTDuckDB: incremental_predicates of a
// delete+insert refer to the target as dbt-duckdb's delete names it:
// DBT_INCREMENTAL_TARGET with a key of several columns, the table itself
// with one.
func TestIncrementalDeleteInsertNamesAsDBTDuckDB(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		keys []string
		pred string
	}{
		{[]string{"a", "b"}, "DBT_INCREMENTAL_TARGET.a != 2"},
		{[]string{"a"}, "orders.a != 2"},
		{[]string{"a"}, "a != 2"},
	} {
		a := openTemp(t)
		inc := incTarget(t, a, "select 1 as a, 1 as b, 'old' as v union all select 2, 2, 'old'")
		inc.Strategy, inc.UniqueKey, inc.Predicates = "delete+insert", c.keys, []string{c.pred}
		inc.SQL = "select 1 as a, 1 as b, 'new' as v union all select 2, 2, 'new'"
		if _, err := a.Incremental(ctx, inc); err != nil {
			t.Fatalf("%s: %v", c.pred, err)
		}
		// Row 2 is kept (the predicate leaves it) beside its new version.
		if got := fmt.Sprint(queryRows(t, a, "select a, v from orders order by a, v").Rows); got != "[[1 new] [2 new] [2 old]]" {
			t.Errorf("%s: %s", c.pred, got)
		}
	}
}

// A cancelled context rolls the run back and says so.
func TestIncrementalCancelled(t *testing.T) {
	a := openTemp(t)
	inc := incTarget(t, a, "select 1 as id")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	inc.Strategy, inc.SQL = "append", "select 2 as id"
	_, err := a.Incremental(ctx, inc)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	got := queryRows(t, a, "select id from orders").Rows
	if want := [][]any{{int64(1)}}; !reflect.DeepEqual(want, got) {
		t.Errorf("want %v, got %v", want, got)
	}
}

// No staging table outlives a run, failed or not, on any pooled connection.
func TestIncrementalDropsStagingTable(t *testing.T) {
	a := openTemp(t)
	ctx := context.Background()
	inc := incTarget(t, a, "select 1 as id")
	inc.Strategy, inc.UniqueKey = "merge", []string{"id"}
	for _, sql := range []string{"select 2 as id", "select 3 as id union all select 3"} {
		inc.SQL = sql
		_, _ = a.Incremental(ctx, inc)
	}
	// Hold every pooled connection at once, so each is asked.
	var conns []interface{ Close() error }
	for range a.cfg.Threads + 1 {
		c, err := a.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var n int
		if err := c.QueryRowContext(ctx, "select count(*) from duckdb_tables() where temporary").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d temporary tables left on a connection", n)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	got := queryRows(t, a, "select id from orders order by id").Rows
	if want := [][]any{{int64(1)}, {int64(2)}}; !reflect.DeepEqual(want, got) {
		t.Errorf("rows: want %v, got %v", want, got)
	}
}
