package duckdb

import (
	"context"
	"crypto/md5"
	"encoding/hex"
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

func TestSnapshotConformance(t *testing.T) {
	adaptertest.RunSnapshot(t, func(t *testing.T) adapters.Adapter {
		return openFile(t, filepath.Join(t.TempDir(), "warehouse.duckdb"))
	})
}

func snapshotExec(t *testing.T, a *Adapter, sql string) {
	t.Helper()
	if err := a.Exec(context.Background(), sql); err != nil {
		t.Fatalf("Exec(%s): %v", sql, err)
	}
}

func snapshotRows(t *testing.T, a *Adapter, sql string) [][]any {
	t.Helper()
	res, err := a.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("Query(%s): %v", sql, err)
	}
	return res.Rows
}

func snapshotMD5(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestSnapshotResults checks the messages and row counts, the scd_id
// values (dbt's construction) and the meta column types, run by run.
func TestSnapshotResults(t *testing.T) {
	now := func(day int) time.Time { return time.Date(2024, 2, day, 12, 30, 0, 0, time.UTC) }
	type run struct {
		source string
		want   adapters.RunResult
	}
	tests := []struct {
		name string
		snap adapters.Snapshot
		runs []run
	}{
		{
			name: "timestamp",
			snap: adapters.Snapshot{Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "updated_at"},
			runs: []run{
				{"select * from (values (1, 'a', timestamp '2024-01-01 10:00:00'), (2, 'b', timestamp '2024-01-01 10:00:00'), (3, 'c', timestamp '2024-01-01 10:00:00')) v(id, status, updated_at)",
					adapters.RunResult{Message: "INSERT 3", RowsAffected: 3}},
				{"select * from (values (1, 'a2', timestamp '2024-01-02 10:00:00'), (2, 'b', timestamp '2024-01-01 10:00:00'), (4, 'd', timestamp '2024-01-02 10:00:00'), (5, 'e', timestamp '2024-01-02 10:00:00')) v(id, status, updated_at)",
					adapters.RunResult{Message: "SNAPSHOT 2 new, 1 changed", RowsAffected: 4}},
				{"select * from (values (1, 'a2', timestamp '2024-01-02 10:00:00')) v(id, status, updated_at)",
					adapters.RunResult{Message: "SNAPSHOT 0 new, 0 changed", RowsAffected: 0}},
			},
		},
		{
			name: "check with new_record",
			snap: adapters.Snapshot{Strategy: "check", UniqueKey: []string{"id"}, CheckCols: []string{"status"}, HardDeletes: "new_record"},
			runs: []run{
				{"select * from (values (1, 'a'), (2, 'b')) v(id, status)", adapters.RunResult{Message: "INSERT 2", RowsAffected: 2}},
				{"select * from (values (1, 'a2')) v(id, status)", adapters.RunResult{Message: "SNAPSHOT 0 new, 1 changed, 1 deleted", RowsAffected: 4}},
				{"select * from (values (1, 'a2')) v(id, status)", adapters.RunResult{Message: "SNAPSHOT 0 new, 0 changed, 0 deleted", RowsAffected: 0}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := openTemp(t)
			s := tt.snap
			s.UniqueID = "snapshot.shop.results"
			s.Relation = adapters.Relation{Identifier: "snap"}
			for i, r := range tt.runs {
				s.SQL = r.source
				s.Now = now(i + 1)
				got, err := a.Snapshot(context.Background(), s)
				if err != nil {
					t.Fatalf("run %d: %v", i+1, err)
				}
				if !reflect.DeepEqual(got, r.want) {
					t.Errorf("run %d: result:\nwant %+v\n got %+v", i+1, r.want, got)
				}
			}
		})
	}
}

func TestSnapshotScdID(t *testing.T) {
	a := openTemp(t)
	ctx := context.Background()
	s := adapters.Snapshot{
		UniqueID: "snapshot.shop.orders", Relation: adapters.Relation{Identifier: "orders_snapshot"},
		SQL:      "select 'eu' as region, 1 as id, timestamp '2024-01-01 10:00:00' as updated_at union all select 'us', null, timestamp '2024-01-01 10:00:00'",
		Strategy: "timestamp", UniqueKey: []string{"region", "id"}, UpdatedAt: "updated_at",
		Now: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC),
	}
	if _, err := a.Snapshot(ctx, s); err != nil {
		t.Fatal(err)
	}
	got := snapshotRows(t, a, "select region, dbt_scd_id from orders_snapshot order by region")
	want := [][]any{
		{"eu", snapshotMD5("eu|1|2024-01-01 10:00:00")},
		{"us", snapshotMD5("us||2024-01-01 10:00:00")}, // a NULL key part hashes as ''
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("scd ids:\nwant %v\n got %v", want, got)
	}

	// Check strategy: the run's time, microseconds kept.
	s.Relation.Identifier = "checked"
	s.Strategy, s.UpdatedAt, s.CheckAll = "check", "", true
	s.UniqueKey = []string{"id"}
	s.SQL = "select 7 as id, 'x' as status"
	s.Now = time.Date(2024, 2, 1, 13, 14, 15, 123456000, time.FixedZone("CET", 3600))
	if _, err := a.Snapshot(ctx, s); err != nil {
		t.Fatal(err)
	}
	got = snapshotRows(t, a, "select dbt_scd_id, dbt_valid_from, typeof(dbt_valid_from), typeof(dbt_valid_to), typeof(dbt_updated_at) from checked")
	want = [][]any{{snapshotMD5("7|2024-02-01 12:14:15.123456"), time.Date(2024, 2, 1, 12, 14, 15, 123456000, time.UTC), "TIMESTAMP", "TIMESTAMP", "TIMESTAMP"}}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("check strategy meta values:\nwant %v\n got %v", want, got)
	}
}

// TestSnapshotMetaTypes checks that valid_from and valid_to take the type of
// updated_at, with and without dbt_valid_to_current.
func TestSnapshotMetaTypes(t *testing.T) {
	tests := []struct {
		name, updatedAt, validToCurrent, wantType string
		wantValidTo                               any
	}{
		{"date", "date '2024-01-01'", "", "DATE", nil},
		{"timestamptz", "timestamptz '2024-01-01 10:00:00+00'", "", "TIMESTAMP WITH TIME ZONE", nil},
		{"date with valid_to_current", "date '2024-01-01'", "'9999-12-31'", "DATE", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := openTemp(t)
			_, err := a.Snapshot(context.Background(), adapters.Snapshot{
				UniqueID: "snapshot.shop.typed", Relation: adapters.Relation{Identifier: "typed"},
				SQL:      "select 1 as id, " + tt.updatedAt + " as updated_at",
				Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "updated_at", ValidToCurrent: tt.validToCurrent,
			})
			if err != nil {
				t.Fatal(err)
			}
			got := snapshotRows(t, a, "select typeof(dbt_valid_from), typeof(dbt_valid_to), dbt_valid_to from typed")
			want := [][]any{{tt.wantType, tt.wantType, tt.wantValidTo}}
			if tv, ok := got[0][2].(time.Time); ok {
				got[0][2] = tv.UTC()
			}
			if !reflect.DeepEqual(want, got) {
				t.Errorf("want %v\n got %v", want, got)
			}
		})
	}
}

// TestSnapshotErrors checks the DuckDB-specific failures and that every
// error names the snapshot and its table.
func TestSnapshotErrors(t *testing.T) {
	a := openTemp(t)
	ctx := context.Background()
	snapshotExec(t, a, "create view v as select 1 as id, timestamp '2024-01-01' as updated_at")
	snapshotExec(t, a, "create table not_a_snapshot as select 1 as id, timestamp '2024-01-01' as updated_at")
	base := adapters.Snapshot{
		UniqueID: "snapshot.shop.broken", SQL: "select 1 as id, timestamp '2024-01-01' as updated_at",
		Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "updated_at",
	}
	tests := []struct {
		name   string
		change func(s *adapters.Snapshot)
		want   string
	}{
		{"target is a view", func(s *adapters.Snapshot) { s.Relation.Identifier = "v" }, "is a view"},
		{"target lacks meta columns", func(s *adapters.Snapshot) { s.Relation.Identifier = "not_a_snapshot" }, `Snapshot target is missing configured columns (missing "dbt_scd_id", "dbt_valid_from", "dbt_valid_to")`},
		{"source has a meta column", func(s *adapters.Snapshot) {
			s.Relation.Identifier = "fresh"
			s.SQL = "select 1 as id, timestamp '2024-01-01' as updated_at, 'x' as DBT_VALID_TO"
		}, "DBT_VALID_TO"},
		{"only a semicolon", func(s *adapters.Snapshot) { s.Relation.Identifier = "fresh"; s.SQL = ";" }, "empty SQL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			tt.change(&s)
			_, err := a.Snapshot(ctx, s)
			if err == nil {
				t.Fatal("Snapshot succeeded, want an error")
			}
			for _, w := range []string{"duckdb: snapshot snapshot.shop.broken into", s.Relation.Identifier, tt.want} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q: %v", w, err)
				}
			}
		})
	}
	if k, _ := a.RelationKind(ctx, adapters.Relation{Identifier: "fresh"}); k != adapters.KindNone {
		t.Errorf("a failed first run left a %s", k)
	}

	// Cancellation is reported as such.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	s := base
	s.Relation.Identifier = "cancelled"
	if _, err := a.Snapshot(cctx, s); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: want context.Canceled in the chain, got %v", err)
	}
}

// TestSnapshotNoTempTablesLeft checks that the temporary tables a snapshot
// uses do not outlive it on the pooled connection.
func TestSnapshotNoTempTablesLeft(t *testing.T) {
	a := openTemp(t)
	a.db.SetMaxOpenConns(1) // every statement on the one connection
	ctx := context.Background()
	s := adapters.Snapshot{
		UniqueID: "snapshot.shop.temps", Relation: adapters.Relation{Identifier: "temps"},
		Strategy: "check", UniqueKey: []string{"id"}, CheckAll: true, HardDeletes: "new_record",
	}
	for i, src := range []string{"select 1 as id, 'a' as x union all select 2, 'b'", "select 1 as id, 'c' as x", "select 1 as id, 'c' as x, 3 as y"} {
		s.SQL = src
		s.Now = time.Date(2024, 2, i+1, 0, 0, 0, 0, time.UTC)
		if _, err := a.Snapshot(ctx, s); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if got := snapshotRows(t, a, "select count(*) from duckdb_tables() where temporary"); got[0][0] != int64(0) {
			t.Errorf("run %d: %v temporary tables left", i+1, got[0][0])
		}
	}
	// A failing run leaves none either: the source is read, but its text
	// y cannot be written to the integer column.
	s.SQL = "select 2 as id, 'c' as x, 'not a number' as y"
	if _, err := a.Snapshot(ctx, s); err == nil {
		t.Fatal("text into an integer column: want an error")
	}
	if got := snapshotRows(t, a, "select count(*) from duckdb_tables() where temporary"); got[0][0] != int64(0) {
		t.Errorf("after a failure: %v temporary tables left", got[0][0])
	}
}

// TestSnapshotCheckWithUpdatedAt: the check strategy takes its timestamps
// from updated_at when it is configured, a NULL one included, as dbt's
// snapshot_check_strategy: a row whose updated_at is NULL gets a NULL
// dbt_valid_from, and its change closes it with that NULL, so both
// versions look current, as under dbt.
func TestSnapshotCheckWithUpdatedAt(t *testing.T) {
	a := openTemp(t)
	ctx := context.Background()
	s := adapters.Snapshot{
		UniqueID: "snapshot.shop.checked", Relation: adapters.Relation{Identifier: "checked"},
		Strategy: "check", UniqueKey: []string{"id"}, CheckCols: []string{"status"}, UpdatedAt: "changed_at",
	}
	runs := []string{
		"select 1 as id, 'a' as status, timestamp '2024-01-01 10:00:00' as changed_at union all select 2, 'b', null",
		"select 1 as id, 'a2' as status, timestamp '2024-01-05 10:00:00' as changed_at union all select 2, 'b2', null",
	}
	for i, src := range runs {
		s.SQL = src
		s.Now = time.Date(2024, 2, i+1, 0, 0, 0, 0, time.UTC)
		if _, err := a.Snapshot(ctx, s); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
	day := func(m time.Month, d int, h int) time.Time { return time.Date(2024, m, d, h, 0, 0, 0, time.UTC) }
	got := snapshotRows(t, a, "select id, status, dbt_valid_from, dbt_valid_to from checked order by id, dbt_valid_from, status")
	want := [][]any{
		{int64(1), "a", day(1, 1, 10), day(1, 5, 10)},
		{int64(1), "a2", day(1, 5, 10), nil},
		{int64(2), "b", nil, nil},
		{int64(2), "b2", nil, nil},
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("rows:\nwant %v\n got %v", want, got)
	}
}

// TestSnapshotSwitchToNewRecord: an existing snapshot that starts using
// hard_deletes: new_record fails, its table unchanged, until the
// is-deleted column is added (dbt's
// assert_valid_snapshot_target_given_strategy). Added by hand, the column
// is NULL on the rows so far, and as dbt's deletes CTE (not
// (dbt_is_deleted = 'True' and ...)) a version from before the switch is
// never recorded as deleted, when its key leaves the source; one inserted
// after the switch is.
func TestSnapshotSwitchToNewRecord(t *testing.T) {
	a := openTemp(t)
	ctx := context.Background()
	s := adapters.Snapshot{
		UniqueID: "snapshot.shop.switch", Relation: adapters.Relation{Identifier: "switch"},
		Strategy: "check", UniqueKey: []string{"id"}, CheckAll: true,
		SQL: "select 1 as id union all select 2", Now: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC),
	}
	if _, err := a.Snapshot(ctx, s); err != nil {
		t.Fatal(err)
	}
	s.HardDeletes = "new_record"
	s.Now = time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC)
	_, err := a.Snapshot(ctx, s)
	if want := `Snapshot target is missing configured columns (missing "dbt_is_deleted")`; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("the switch: want %s, got %v", want, err)
	}
	if err := a.Exec(ctx, "alter table switch add column dbt_is_deleted varchar"); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct{ sql, want string }{
		{"select 1 as id union all select 3", "SNAPSHOT 1 new, 0 changed, 0 deleted"},
		{"select 1 as id", "SNAPSHOT 0 new, 0 changed, 1 deleted"},
	} {
		s.SQL, s.Now = tc.sql, time.Date(2024, 2, 2+i, 0, 0, 0, 0, time.UTC)
		res, err := a.Snapshot(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if res.Message != tc.want {
			t.Errorf("run %d: %q, want %q", i+2, res.Message, tc.want)
		}
	}
	got := snapshotRows(t, a, "select id, dbt_is_deleted, dbt_valid_to is null from switch order by id, dbt_valid_from")
	want := [][]any{{int64(1), nil, true}, {int64(2), nil, true}, {int64(3), "False", false}, {int64(3), "True", true}}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("rows:\nwant %v\n got %v", want, got)
	}
	// As in dbt, the deletion row's dbt_scd_id hashes the closed version's
	// dbt_scd_id and the run's time.
	closed := md5.Sum([]byte("3|2024-02-02 00:00:00"))
	deletion := md5.Sum([]byte(fmt.Sprintf("%x|2024-02-03 00:00:00", closed)))
	got = snapshotRows(t, a, "select dbt_scd_id from switch where id = 3 order by dbt_valid_from")
	if want := [][]any{{fmt.Sprintf("%x", closed)}, {fmt.Sprintf("%x", deletion)}}; !reflect.DeepEqual(want, got) {
		t.Errorf("dbt_scd_id of the closed and deletion rows:\nwant %v\n got %v", want, got)
	}
}
