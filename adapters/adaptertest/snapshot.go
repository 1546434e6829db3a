package adaptertest

import (
	"crypto/md5"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/lazyre"
)

// RunSnapshot runs the snapshot cases against adapters that implement
// adapters.Snapshotter (the others are skipped). Like Run, each case gets a
// fresh adapter from open and a schema of its own.
//
// Timestamps are expected back as time.Time; the cases compare them as
// "2006-01-02 15:04:05" text in UTC.
func RunSnapshot(t *testing.T, open func(t *testing.T) adapters.Adapter) {
	for _, sc := range snapshotScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			testSnapshotScenario(t, newSnapshotEnv(t, open), sc)
		})
	}
	cases := []struct {
		name string
		fn   func(t *testing.T, e *env, sn adapters.Snapshotter)
	}{
		{"ChangedRowKeepsOldVersionWithValidToSet", testSnapshotKeepsOldVersion},
		{"CustomMetaColumnNames", testSnapshotCustomColumns},
		{"NewSourceColumn", testSnapshotNewSourceColumn},
		{"ConfigErrors", testSnapshotConfigErrors},
		{"CheckColumnNotInSource", testSnapshotCheckColumnNotInSource},
		{"DuplicateUniqueKey", testSnapshotDuplicateKey},
		{"DuplicateUniqueKeyCheck", testSnapshotDuplicateKeyCheck},
		{"FailureLeavesTableUnchanged", testSnapshotAtomic},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newSnapshotEnv(t, open)
			c.fn(t, e, e.a.(adapters.Snapshotter))
		})
	}
}

func newSnapshotEnv(t *testing.T, open func(t *testing.T) adapters.Adapter) *env {
	t.Helper()
	e := newEnv(t, open)
	if _, ok := e.a.(adapters.Snapshotter); !ok {
		t.Skipf("%T does not implement adapters.Snapshotter", e.a)
	}
	return e
}

// snapshotStep is one run of a snapshot: the source's rows at that moment,
// the run's time, and every row of the snapshot table afterwards.
type snapshotStep struct {
	now    string // the run's Now, "2006-01-02 15:04"
	source string // select producing the source rows
	want   [][]any
}

type snapshotScenario struct {
	name string
	// snap's Relation, SQL, Now and UniqueID are filled in per step.
	snap adapters.Snapshot
	// cols are the snapshot table's columns to compare, in order; order
	// sorts the rows ("id, dbt_valid_from" when empty).
	cols, order string
	steps       []snapshotStep
}

// timestampSQL is a portable timestamp literal.
func timestampSQL(s string) string { return "cast('" + s + "' as timestamp)" }

// snapshotTime parses "2006-01-02 15:04" as UTC.
func snapshotTime(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// Timestamps used by the scenarios: upd* are source updated_at values, run*
// the times the snapshot runs.
const (
	upd1 = "2024-01-01 10:00:00"
	upd2 = "2024-01-02 09:30:00"
	upd3 = "2024-01-03 08:15:00"
	run1 = "2024-02-01 00:00"
	run2 = "2024-02-02 00:00"
	run3 = "2024-02-03 00:00"
	run4 = "2024-02-04 00:00"
)

// runText is a run time as the table returns it.
func runText(n string) string { return n + ":00" }

func unionAll(rows ...string) string { return "select " + strings.Join(rows, "\nunion all select ") }

func snapshotScenarios() []snapshotScenario {
	timestamp := adapters.Snapshot{Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "updated_at"}
	const tsCols = "id, status, dbt_updated_at, dbt_valid_from, dbt_valid_to"
	row := func(id int, status, upd string) string {
		return fmt.Sprintf("%d as id, '%s' as status, %s as updated_at", id, status, timestampSQL(upd))
	}
	checkRow := func(id int, status, note string) string {
		n := "cast(null as varchar)"
		if note != "" {
			n = "'" + note + "'"
		}
		return fmt.Sprintf("%d as id, '%s' as status, %s as note", id, status, n)
	}
	withDeletes := func(s adapters.Snapshot, mode string) adapters.Snapshot {
		s.HardDeletes = mode
		return s
	}
	checkAll := adapters.Snapshot{Strategy: "check", UniqueKey: []string{"id"}, CheckAll: true}
	validTo9999 := timestamp
	validTo9999.ValidToCurrent = "'9999-12-31'"
	validTo9999.HardDeletes = "invalidate"
	const forever = "9999-12-31 00:00:00"

	return []snapshotScenario{
		{
			name: "TimestampStrategy", snap: timestamp, cols: tsCols,
			steps: []snapshotStep{
				{run1, unionAll(row(1, "pending", upd1), row(2, "pending", upd1)), [][]any{
					{int64(1), "pending", upd1, upd1, nil},
					{int64(2), "pending", upd1, upd1, nil},
				}},
				// 1 changes, 2 does not, 3 is new.
				{run2, unionAll(row(1, "shipped", upd2), row(2, "pending", upd1), row(3, "pending", upd2)), [][]any{
					{int64(1), "pending", upd1, upd1, upd2},
					{int64(1), "shipped", upd2, upd2, nil},
					{int64(2), "pending", upd1, upd1, nil},
					{int64(3), "pending", upd2, upd2, nil},
				}},
				// 2 changes; 3's status changes but not its updated_at, which
				// the timestamp strategy does not see.
				{run3, unionAll(row(1, "shipped", upd2), row(2, "returned", upd3), row(3, "edited", upd2)), [][]any{
					{int64(1), "pending", upd1, upd1, upd2},
					{int64(1), "shipped", upd2, upd2, nil},
					{int64(2), "pending", upd1, upd1, upd3},
					{int64(2), "returned", upd3, upd3, nil},
					{int64(3), "pending", upd2, upd2, nil},
				}},
			},
		},
		{
			name: "CheckStrategyColumns",
			snap: adapters.Snapshot{Strategy: "check", UniqueKey: []string{"id"}, CheckCols: []string{"status"}},
			cols: "id, status, note, dbt_updated_at, dbt_valid_from, dbt_valid_to",
			steps: []snapshotStep{
				{run1, unionAll(checkRow(1, "a", "x"), checkRow(2, "b", "x")), [][]any{
					{int64(1), "a", "x", runText(run1), runText(run1), nil},
					{int64(2), "b", "x", runText(run1), runText(run1), nil},
				}},
				// note is not checked: 2's new note is not recorded.
				{run2, unionAll(checkRow(1, "a2", "x"), checkRow(2, "b", "y")), [][]any{
					{int64(1), "a", "x", runText(run1), runText(run1), runText(run2)},
					{int64(1), "a2", "x", runText(run2), runText(run2), nil},
					{int64(2), "b", "x", runText(run1), runText(run1), nil},
				}},
				{run3, unionAll(checkRow(1, "a2", "x"), checkRow(2, "b2", "y"), checkRow(3, "c", "")), [][]any{
					{int64(1), "a", "x", runText(run1), runText(run1), runText(run2)},
					{int64(1), "a2", "x", runText(run2), runText(run2), nil},
					{int64(2), "b", "x", runText(run1), runText(run1), runText(run3)},
					{int64(2), "b2", "y", runText(run3), runText(run3), nil},
					{int64(3), "c", nil, runText(run3), runText(run3), nil},
				}},
			},
		},
		{
			name: "CheckStrategyAll", snap: checkAll,
			cols: "id, status, note, dbt_valid_from, dbt_valid_to",
			steps: []snapshotStep{
				{run1, unionAll(checkRow(1, "a", ""), checkRow(2, "b", "x")), [][]any{
					{int64(1), "a", nil, runText(run1), nil},
					{int64(2), "b", "x", runText(run1), nil},
				}},
				// NULL to NULL is no change; x to y is.
				{run2, unionAll(checkRow(1, "a", ""), checkRow(2, "b", "y")), [][]any{
					{int64(1), "a", nil, runText(run1), nil},
					{int64(2), "b", "x", runText(run1), runText(run2)},
					{int64(2), "b", "y", runText(run2), nil},
				}},
				// NULL to a value is a change.
				{run3, unionAll(checkRow(1, "a", "z"), checkRow(2, "b", "y")), [][]any{
					{int64(1), "a", nil, runText(run1), runText(run3)},
					{int64(1), "a", "z", runText(run3), nil},
					{int64(2), "b", "x", runText(run1), runText(run2)},
					{int64(2), "b", "y", runText(run2), nil},
				}},
			},
		},
		{
			name:  "CompositeUniqueKey",
			snap:  adapters.Snapshot{Strategy: "timestamp", UniqueKey: []string{"region", "id"}, UpdatedAt: "updated_at"},
			cols:  "region, id, status, dbt_valid_from, dbt_valid_to",
			order: "region, id, dbt_valid_from",
			steps: []snapshotStep{
				// id alone is not unique; (region, id) is.
				{run1, unionAll("'eu' as region, "+row(1, "a", upd1), "'us' as region, "+row(1, "a", upd1)), [][]any{
					{"eu", int64(1), "a", upd1, nil},
					{"us", int64(1), "a", upd1, nil},
				}},
				{run2, unionAll("'eu' as region, "+row(1, "a", upd1), "'us' as region, "+row(1, "b", upd2), "'us' as region, "+row(2, "c", upd2)), [][]any{
					{"eu", int64(1), "a", upd1, nil},
					{"us", int64(1), "a", upd1, upd2},
					{"us", int64(1), "b", upd2, nil},
					{"us", int64(2), "c", upd2, nil},
				}},
				{run3, unionAll("'eu' as region, "+row(1, "d", upd3), "'us' as region, "+row(1, "b", upd2), "'us' as region, "+row(2, "c", upd2)), [][]any{
					{"eu", int64(1), "a", upd1, upd3},
					{"eu", int64(1), "d", upd3, nil},
					{"us", int64(1), "a", upd1, upd2},
					{"us", int64(1), "b", upd2, nil},
					{"us", int64(2), "c", upd2, nil},
				}},
			},
		},
		{
			name: "HardDeletesIgnore", snap: withDeletes(timestamp, "ignore"), cols: tsCols,
			steps: []snapshotStep{
				{run1, unionAll(row(1, "a", upd1), row(2, "b", upd1)), [][]any{
					{int64(1), "a", upd1, upd1, nil},
					{int64(2), "b", upd1, upd1, nil},
				}},
				// 2 leaves the source: nothing is recorded.
				{run2, unionAll(row(1, "a", upd1)), [][]any{
					{int64(1), "a", upd1, upd1, nil},
					{int64(2), "b", upd1, upd1, nil},
				}},
				// 2 comes back changed: an ordinary change.
				{run3, unionAll(row(1, "a", upd1), row(2, "b2", upd3)), [][]any{
					{int64(1), "a", upd1, upd1, nil},
					{int64(2), "b", upd1, upd1, upd3},
					{int64(2), "b2", upd3, upd3, nil},
				}},
			},
		},
		{
			name: "HardDeletesInvalidate", snap: withDeletes(checkAll, "invalidate"),
			cols: "id, status, dbt_valid_from, dbt_valid_to",
			steps: []snapshotStep{
				{run1, unionAll(checkRow(1, "a", "x"), checkRow(2, "b", "x")), [][]any{
					{int64(1), "a", runText(run1), nil},
					{int64(2), "b", runText(run1), nil},
				}},
				// 2 leaves the source: its current row ends now.
				{run2, unionAll(checkRow(1, "a", "x")), [][]any{
					{int64(1), "a", runText(run1), nil},
					{int64(2), "b", runText(run1), runText(run2)},
				}},
				// Still gone: nothing more.
				{run3, unionAll(checkRow(1, "a", "x")), [][]any{
					{int64(1), "a", runText(run1), nil},
					{int64(2), "b", runText(run1), runText(run2)},
				}},
				// 2 comes back: a new current row.
				{run4, unionAll(checkRow(1, "a", "x"), checkRow(2, "b", "x")), [][]any{
					{int64(1), "a", runText(run1), nil},
					{int64(2), "b", runText(run1), runText(run2)},
					{int64(2), "b", runText(run4), nil},
				}},
			},
		},
		{
			name: "HardDeletesNewRecord", snap: withDeletes(checkAll, "new_record"),
			cols: "id, status, dbt_updated_at, dbt_valid_from, dbt_valid_to, dbt_is_deleted",
			steps: []snapshotStep{
				{run1, unionAll(checkRow(1, "a", "x"), checkRow(2, "b", "x")), [][]any{
					{int64(1), "a", runText(run1), runText(run1), nil, "False"},
					{int64(2), "b", runText(run1), runText(run1), nil, "False"},
				}},
				// 2 leaves the source: its row ends now and a deletion row,
				// with its last values, begins.
				{run2, unionAll(checkRow(1, "a", "x")), [][]any{
					{int64(1), "a", runText(run1), runText(run1), nil, "False"},
					{int64(2), "b", runText(run1), runText(run1), runText(run2), "False"},
					{int64(2), "b", runText(run2), runText(run2), nil, "True"},
				}},
				// Still gone: the deletion is not recorded twice.
				{run3, unionAll(checkRow(1, "a", "x")), [][]any{
					{int64(1), "a", runText(run1), runText(run1), nil, "False"},
					{int64(2), "b", runText(run1), runText(run1), runText(run2), "False"},
					{int64(2), "b", runText(run2), runText(run2), nil, "True"},
				}},
				// 2 comes back: the deletion row ends, a new current row begins.
				{run4, unionAll(checkRow(1, "a", "x"), checkRow(2, "b2", "x")), [][]any{
					{int64(1), "a", runText(run1), runText(run1), nil, "False"},
					{int64(2), "b", runText(run1), runText(run1), runText(run2), "False"},
					{int64(2), "b", runText(run2), runText(run2), runText(run4), "True"},
					{int64(2), "b2", runText(run4), runText(run4), nil, "False"},
				}},
			},
		},
		{
			name: "ValidToCurrent", snap: validTo9999, cols: tsCols,
			steps: []snapshotStep{
				{run1, unionAll(row(1, "a", upd1), row(2, "b", upd1)), [][]any{
					{int64(1), "a", upd1, upd1, forever},
					{int64(2), "b", upd1, upd1, forever},
				}},
				// Current rows are found by their far-future dbt_valid_to.
				{run2, unionAll(row(1, "a2", upd2), row(2, "b", upd1)), [][]any{
					{int64(1), "a", upd1, upd1, upd2},
					{int64(1), "a2", upd2, upd2, forever},
					{int64(2), "b", upd1, upd1, forever},
				}},
				// 2 is deleted (invalidate); 1 is unchanged.
				{run3, unionAll(row(1, "a2", upd2)), [][]any{
					{int64(1), "a", upd1, upd1, upd2},
					{int64(1), "a2", upd2, upd2, forever},
					{int64(2), "b", upd1, upd1, runText(run3)},
				}},
			},
		},
	}
}

func testSnapshotScenario(t *testing.T, e *env, sc snapshotScenario) {
	sn := e.a.(adapters.Snapshotter)
	scd := sc.snap.Columns.ScdID
	if scd == "" {
		scd = "dbt_scd_id"
	}
	for i, step := range sc.steps {
		e.materialize(t, "source", "table", step.source)
		s := sc.snap
		s.UniqueID = "snapshot.adaptertest." + strings.ToLower(sc.name)
		s.Relation = e.rel("snap")
		s.SQL = "select * from " + e.render("source")
		s.Now = snapshotTime(step.now)
		if _, err := sn.Snapshot(e.ctx, s); err != nil {
			t.Fatalf("run %d: Snapshot: %v", i+1, err)
		}
		order := sc.order
		if order == "" {
			order = "id, dbt_valid_from"
		}
		got := timesAsText(e.rows(t, "select "+sc.cols+" from "+e.render("snap")+" order by "+order))
		equal(t, fmt.Sprintf("run %d: rows", i+1), step.want, got)
		e.checkScdIDs(t, fmt.Sprintf("run %d", i+1), "snap", scd)
	}
	e.noLeftovers(t)
}

var plainIdent = lazyre.New(`^[a-z_][a-z0-9_]*$`)

// checkScdIDs checks that every row has a dbt_scd_id and no two share one.
func (e *env) checkScdIDs(t *testing.T, what, ident, scd string) {
	t.Helper()
	// Plain names stay unquoted, as the scenarios' own selects write them:
	// warehouses that fold unquoted names (Snowflake upper-cases them) find
	// the column either way, while a quoted lower-case name would miss it.
	q := scd
	if !plainIdent().MatchString(scd) {
		q = e.d.Quote(scd)
	}
	got := e.rows(t, "select count(*), count("+q+"), count(distinct "+q+") from "+e.render(ident))
	if len(got) != 1 || got[0][0] != got[0][1] || got[0][0] != got[0][2] {
		t.Errorf("%s: %s must be set and distinct on every row: rows, non-null, distinct = %v", what, scd, got)
	}
}

// timesAsText turns time values into "2006-01-02 15:04:05" text (UTC, with
// fractional seconds only when there are some), for readable comparisons.
func timesAsText(rows [][]any) [][]any {
	for _, r := range rows {
		for i, v := range r {
			if tv, ok := v.(time.Time); ok {
				r[i] = tv.UTC().Format("2006-01-02 15:04:05.999999")
			}
		}
	}
	return rows
}

func (e *env) snapshot(t *testing.T, sn adapters.Snapshotter, s adapters.Snapshot) adapters.RunResult {
	t.Helper()
	res, err := sn.Snapshot(e.ctx, s)
	if err != nil {
		t.Fatalf("Snapshot %s: %v", s.UniqueID, err)
	}
	return res
}

func testSnapshotKeepsOldVersion(t *testing.T, e *env, sn adapters.Snapshotter) {
	s := adapters.Snapshot{
		UniqueID: "snapshot.adaptertest.orders_snapshot", Relation: e.rel("orders_snapshot"),
		SQL:      "select * from " + e.render("orders"),
		Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "updated_at",
	}
	e.materialize(t, "orders", "table", "select 1 as id, 'pending' as status, "+timestampSQL(upd1)+" as updated_at")
	s.Now = snapshotTime(run1)
	e.snapshot(t, sn, s)
	e.materialize(t, "orders", "table", "select 1 as id, 'shipped' as status, "+timestampSQL(upd2)+" as updated_at")
	s.Now = snapshotTime(run2)
	e.snapshot(t, sn, s)

	// The old version is kept, closed where the new one begins.
	old := timesAsText(e.rows(t, "select dbt_valid_to from "+e.render("orders_snapshot")+" where status = 'pending'"))
	equal(t, "old version's dbt_valid_to", [][]any{{upd2}}, old)
	cur := timesAsText(e.rows(t, "select dbt_valid_from, dbt_valid_to from "+e.render("orders_snapshot")+" where status = 'shipped'"))
	equal(t, "new version", [][]any{{upd2, nil}}, cur)
}

func testSnapshotCustomColumns(t *testing.T, e *env, sn adapters.Snapshotter) {
	s := adapters.Snapshot{
		UniqueID: "snapshot.adaptertest.custom", Relation: e.rel("custom"),
		SQL:      "select * from " + e.render("source"),
		Strategy: "check", UniqueKey: []string{"id"}, CheckAll: true, HardDeletes: "new_record",
		Columns: adapters.SnapshotColumns{ScdID: "scd_id", UpdatedAt: "modified_date", ValidFrom: "start_date", ValidTo: "end_date", IsDeleted: "is_deleted"},
	}
	e.materialize(t, "source", "table", "select 1 as id, 'a' as status union all select 2 as id, 'b' as status")
	s.Now = snapshotTime(run1)
	e.snapshot(t, sn, s)
	cols, err := e.a.Columns(e.ctx, e.rel("custom"))
	if err != nil {
		t.Fatalf("Columns: %v", err)
	}
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	equal(t, "columns", []string{"id", "status", "scd_id", "modified_date", "start_date", "end_date", "is_deleted"}, names)

	e.materialize(t, "source", "table", "select 1 as id, 'a2' as status")
	s.Now = snapshotTime(run2)
	e.snapshot(t, sn, s)
	got := timesAsText(e.rows(t, "select id, status, modified_date, start_date, end_date, is_deleted from "+e.render("custom")+" order by id, start_date"))
	want := [][]any{
		{int64(1), "a", runText(run1), runText(run1), runText(run2), "False"},
		{int64(1), "a2", runText(run2), runText(run2), nil, "False"},
		{int64(2), "b", runText(run1), runText(run1), runText(run2), "False"},
		{int64(2), "b", runText(run2), runText(run2), nil, "True"},
	}
	equal(t, "rows", want, got)
	e.checkScdIDs(t, "custom names", "custom", "scd_id")
}

func testSnapshotNewSourceColumn(t *testing.T, e *env, sn adapters.Snapshotter) {
	s := adapters.Snapshot{
		UniqueID: "snapshot.adaptertest.grow", Relation: e.rel("grow"),
		SQL:      "select * from " + e.render("source"),
		Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "updated_at",
	}
	e.materialize(t, "source", "table", unionAll("1 as id, 'a' as status, "+timestampSQL(upd1)+" as updated_at", "2 as id, 'b' as status, "+timestampSQL(upd1)+" as updated_at"))
	s.Now = snapshotTime(run1)
	e.snapshot(t, sn, s)

	// The source gains a column: the snapshot table gains it too; old
	// versions hold NULL in it.
	e.materialize(t, "source", "table", unionAll("1 as id, 'a2' as status, "+timestampSQL(upd2)+" as updated_at, 'high' as priority", "2 as id, 'b' as status, "+timestampSQL(upd1)+" as updated_at, 'low' as priority"))
	s.Now = snapshotTime(run2)
	e.snapshot(t, sn, s)
	got := timesAsText(e.rows(t, "select id, status, priority, dbt_valid_from, dbt_valid_to from "+e.render("grow")+" order by id, dbt_valid_from"))
	want := [][]any{
		{int64(1), "a", nil, upd1, upd2},
		{int64(1), "a2", "high", upd2, nil},
		{int64(2), "b", nil, upd1, nil},
	}
	equal(t, "rows", want, got)
	cols, err := e.a.Columns(e.ctx, e.rel("grow"))
	if err != nil {
		t.Fatalf("Columns: %v", err)
	}
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	equal(t, "columns", []string{"id", "status", "updated_at", "dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to", "priority"}, names)
}

func testSnapshotConfigErrors(t *testing.T, e *env, sn adapters.Snapshotter) {
	e.materialize(t, "source", "table", "select 1 as id, 'a' as status, "+timestampSQL(upd1)+" as updated_at")
	base := adapters.Snapshot{
		Relation: e.rel("bad"), SQL: "select * from " + e.render("source"),
		Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "updated_at", Now: snapshotTime(run1),
	}
	tests := []struct {
		name   string
		change func(s *adapters.Snapshot)
		want   string // in the message
	}{
		{"missing unique_key", func(s *adapters.Snapshot) { s.UniqueKey = nil }, "unique_key"},
		{"unknown strategy", func(s *adapters.Snapshot) { s.Strategy = "latest" }, "latest"},
		{"no strategy", func(s *adapters.Snapshot) { s.Strategy = "" }, "strategy"},
		{"timestamp without updated_at", func(s *adapters.Snapshot) { s.UpdatedAt = "" }, "updated_at"},
		{"check without check_cols", func(s *adapters.Snapshot) { s.Strategy = "check" }, "check_cols"},
		{"unknown hard_deletes", func(s *adapters.Snapshot) { s.HardDeletes = "forget" }, "forget"},
		{"unique_key not in source", func(s *adapters.Snapshot) { s.UniqueKey = []string{"order_id"} }, "order_id"},
		{"updated_at not in source", func(s *adapters.Snapshot) { s.UpdatedAt = "modified" }, "modified"},
		{"same meta name twice", func(s *adapters.Snapshot) { s.Columns.ValidFrom = "dbt_valid_to" }, "dbt_valid_to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			s.UniqueID = "snapshot.adaptertest." + strings.ReplaceAll(tt.name, " ", "_")
			tt.change(&s)
			_, err := sn.Snapshot(e.ctx, s)
			if err == nil {
				t.Fatalf("Snapshot succeeded, want an error")
			}
			if !errors.Is(err, adapters.ErrSnapshotConfig) {
				t.Errorf("error does not wrap adapters.ErrSnapshotConfig: %v", err)
			}
			for _, w := range []string{s.UniqueID, tt.want} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q: %v", w, err)
				}
			}
			equal(t, "no table made", adapters.KindNone, e.kind(t, "bad"))
		})
	}
	e.noLeftovers(t)
}

// testSnapshotCheckColumnNotInSource: as dbt's
// snapshot_check_all_get_existing_columns, a first run compares no columns,
// so a check column the source lacks builds the table; the next run, which
// compares them, fails.
func testSnapshotCheckColumnNotInSource(t *testing.T, e *env, sn adapters.Snapshotter) {
	e.materialize(t, "source", "table", "select 1 as id, 'a' as status")
	s := adapters.Snapshot{
		UniqueID: "snapshot.adaptertest.colour", Relation: e.rel("colour"), SQL: "select * from " + e.render("source"),
		Strategy: "check", CheckCols: []string{"status", "colour"}, UniqueKey: []string{"id"}, Now: snapshotTime(run1),
	}
	if _, err := sn.Snapshot(e.ctx, s); err != nil {
		t.Fatalf("first run: %v", err)
	}
	equal(t, "first run made the table", adapters.KindTable, e.kind(t, "colour"))
	s.Now = snapshotTime(run2)
	_, err := sn.Snapshot(e.ctx, s)
	if err == nil {
		t.Fatalf("second run succeeded, want an error naming colour")
	}
	if !strings.Contains(err.Error(), "colour") {
		t.Errorf("error does not mention colour: %v", err)
	}
	e.noLeftovers(t)
}

// updateInsertMerge says whether the adapter's dbt counterpart writes a
// snapshot's changes with an UPDATE then an INSERT (dbt-postgres' and
// dbt-duckdb's snapshot_merge_sql) rather than one MERGE. With a repeated
// unique_key the two give different rows, and the MERGE can fail; the
// MERGE adapters' statements are checked by their golden SQL instead.
func (e *env) updateInsertMerge() bool {
	switch e.d.Type() {
	case "duckdb", "postgres":
		return true
	}
	return false
}

// scdIDText is dbt_scd_id as dbt's default snapshot_hash_arguments computes
// it on DuckDB and PostgreSQL: the md5 of the values as text, joined by '|'.
func scdIDText(values ...string) string {
	return fmt.Sprintf("%x", md5.Sum([]byte(strings.Join(values, "|"))))
}

// duplicateWarning returns res's one *adapters.DuplicateKeyWarning, failing
// when there is none.
func duplicateWarning(t *testing.T, what string, res adapters.RunResult) *adapters.DuplicateKeyWarning {
	t.Helper()
	var found *adapters.DuplicateKeyWarning
	for _, w := range res.Warnings {
		if d, ok := w.(*adapters.DuplicateKeyWarning); ok {
			found = d
		}
	}
	if found == nil || len(res.Warnings) != 1 {
		t.Fatalf("%s: want one *adapters.DuplicateKeyWarning, got %v", what, res.Warnings)
	}
	return found
}

// testSnapshotDuplicateKey: dbt does not check that unique_key is unique
// in the source, and neither do we beyond a warning: the snapshot is built
// exactly as dbt builds it. The timestamp strategy's rows.
func testSnapshotDuplicateKey(t *testing.T, e *env, sn adapters.Snapshotter) {
	s := adapters.Snapshot{
		UniqueID: "snapshot.adaptertest.dups", Relation: e.rel("dups"),
		SQL:      "select * from " + e.render("source"),
		Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "updated_at",
	}
	row := func(id int, status, upd string) string {
		return fmt.Sprintf("%d as id, '%s' as status, %s as updated_at", id, status, timestampSQL(upd))
	}
	query := "select id, status, dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to from " + e.render("dups") +
		" order by id, dbt_valid_from, status, dbt_valid_to"
	scd := func(id int, upd string) string { return scdIDText(fmt.Sprint(id), upd) }

	// First run: every source row is inserted, the repeats included; two
	// identical rows share their dbt_scd_id.
	e.materialize(t, "source", "table", unionAll(
		row(1, "a", upd1),
		row(2, "b", upd1), row(2, "b", upd1),
		row(3, "c", upd1), row(3, "d", upd2)))
	s.Now = snapshotTime(run1)
	res := e.snapshot(t, sn, s)
	w := duplicateWarning(t, "run 1", res)
	equal(t, "warning: snapshot", s.UniqueID, w.Snapshot)
	equal(t, "warning: key", []string{"id"}, w.Key)
	equal(t, "warning: samples", []string{"id=2 (2 rows)", "id=3 (2 rows)"}, w.Samples)
	for _, want := range []string{s.UniqueID, "unique_key (id)", "id=2 (2 rows)", "id=3 (2 rows)"} {
		if !strings.Contains(w.String(), want) {
			t.Errorf("warning does not mention %q: %s", want, w)
		}
	}
	equal(t, "run 1: rows affected", int64(5), res.RowsAffected)
	got := timesAsText(e.rows(t, "select id, status, dbt_updated_at, dbt_valid_from, dbt_valid_to from "+e.render("dups")+
		" order by id, dbt_valid_from, status"))
	equal(t, "run 1: rows", [][]any{
		{int64(1), "a", upd1, upd1, nil},
		{int64(2), "b", upd1, upd1, nil},
		{int64(2), "b", upd1, upd1, nil},
		{int64(3), "c", upd1, upd1, nil},
		{int64(3), "d", upd2, upd2, nil},
	}, got)
	if !e.updateInsertMerge() {
		t.Skipf("%s writes snapshot changes with one MERGE, as its dbt adapter does; later runs over repeated keys are checked by its golden SQL", e.d.Type())
	}
	equal(t, "run 1: rows with dbt_scd_id", [][]any{
		{int64(1), "a", scd(1, upd1), upd1, upd1, nil},
		{int64(2), "b", scd(2, upd1), upd1, upd1, nil},
		{int64(2), "b", scd(2, upd1), upd1, upd1, nil},
		{int64(3), "c", scd(3, upd1), upd1, upd1, nil},
		{int64(3), "d", scd(3, upd2), upd2, upd2, nil},
	}, timesAsText(e.rows(t, query)))

	// Second run. 2 changes, once: the source row pairs with each of 2's
	// two current versions, so both are closed (matched by dbt_scd_id) and
	// the new version is inserted twice. 3's rows did not change, but "d"
	// (upd2) is newer than the current "c" (upd1): dbt closes "c" and
	// inserts "d" again, beside the "d" already current.
	e.materialize(t, "source", "table", unionAll(
		row(1, "a", upd1),
		row(2, "b2", upd3),
		row(3, "c", upd1), row(3, "d", upd2)))
	s.Now = snapshotTime(run2)
	res = e.snapshot(t, sn, s)
	w = duplicateWarning(t, "run 2", res)
	equal(t, "run 2: warning samples", []string{"id=3 (2 rows)"}, w.Samples)
	equal(t, "run 2: result", e.snapshotResult("SNAPSHOT 0 new, 3 changed", 3), res.Message)
	afterRun2 := [][]any{
		{int64(1), "a", scd(1, upd1), upd1, upd1, nil},
		{int64(2), "b", scd(2, upd1), upd1, upd1, upd3},
		{int64(2), "b", scd(2, upd1), upd1, upd1, upd3},
		{int64(2), "b2", scd(2, upd3), upd3, upd3, nil},
		{int64(2), "b2", scd(2, upd3), upd3, upd3, nil},
		{int64(3), "c", scd(3, upd1), upd1, upd1, upd2},
		{int64(3), "d", scd(3, upd2), upd2, upd2, nil},
		{int64(3), "d", scd(3, upd2), upd2, upd2, nil},
	}
	equal(t, "run 2: rows", afterRun2, timesAsText(e.rows(t, query)))

	// Third run: the source is unique now and nothing is newer than the
	// current versions, so nothing is written and nothing is warned; the
	// repeated versions stay, as in dbt.
	e.materialize(t, "source", "table", unionAll(row(1, "a", upd1), row(2, "b2", upd3), row(3, "d", upd2)))
	s.Now = snapshotTime(run3)
	res = e.snapshot(t, sn, s)
	equal(t, "run 3: warnings", 0, len(res.Warnings))
	equal(t, "run 3: result", e.snapshotResult("SNAPSHOT 0 new, 0 changed", 0), res.Message)
	equal(t, "run 3: rows", afterRun2, timesAsText(e.rows(t, query)))
	e.noLeftovers(t)
}

// testSnapshotDuplicateKeyCheck: the check strategy over a key repeated
// with different values. Each row differs from the other's current
// version, so every run closes both and inserts both again, as dbt does;
// invalidated, both versions close.
func testSnapshotDuplicateKeyCheck(t *testing.T, e *env, sn adapters.Snapshotter) {
	s := adapters.Snapshot{
		UniqueID: "snapshot.adaptertest.dups_check", Relation: e.rel("dups_check"),
		SQL:      "select * from " + e.render("source"),
		Strategy: "check", UniqueKey: []string{"id"}, CheckCols: []string{"status"}, HardDeletes: "invalidate",
	}
	query := "select id, status, dbt_scd_id, dbt_valid_from, dbt_valid_to from " + e.render("dups_check") +
		" order by id, dbt_valid_from, status"
	e.materialize(t, "source", "table", unionAll("1 as id, 'x' as status", "1 as id, 'y' as status"))
	s.Now = snapshotTime(run1)
	res := e.snapshot(t, sn, s)
	equal(t, "run 1: warning samples", []string{"id=1 (2 rows)"}, duplicateWarning(t, "run 1", res).Samples)
	if !e.updateInsertMerge() {
		t.Skipf("%s writes snapshot changes with one MERGE, as its dbt adapter does; later runs over repeated keys are checked by its golden SQL", e.d.Type())
	}
	r1, r2, r3 := runText(run1), runText(run2), runText(run3)
	scd := func(run string) string { return scdIDText("1", run) }
	equal(t, "run 1: rows", [][]any{
		{int64(1), "x", scd(r1), r1, nil},
		{int64(1), "y", scd(r1), r1, nil},
	}, timesAsText(e.rows(t, query)))

	s.Now = snapshotTime(run2)
	res = e.snapshot(t, sn, s)
	duplicateWarning(t, "run 2", res)
	equal(t, "run 2: result", e.snapshotResult("SNAPSHOT 0 new, 2 changed, 0 deleted", 2), res.Message)
	equal(t, "run 2: rows", [][]any{
		{int64(1), "x", scd(r1), r1, r2},
		{int64(1), "y", scd(r1), r1, r2},
		{int64(1), "x", scd(r2), r2, nil},
		{int64(1), "y", scd(r2), r2, nil},
	}, timesAsText(e.rows(t, query)))

	// 1 leaves the source: both its current versions are closed.
	e.materialize(t, "source", "table", "select 2 as id, 'z' as status")
	s.Now = snapshotTime(run3)
	res = e.snapshot(t, sn, s)
	equal(t, "run 3: warnings", 0, len(res.Warnings))
	equal(t, "run 3: result", e.snapshotResult("SNAPSHOT 1 new, 0 changed, 2 deleted", 1), res.Message)
	equal(t, "run 3: rows", [][]any{
		{int64(1), "x", scd(r1), r1, r2},
		{int64(1), "y", scd(r1), r1, r2},
		{int64(1), "x", scd(r2), r2, r3},
		{int64(1), "y", scd(r2), r2, r3},
		{int64(2), "z", scdIDText("2", r3), r3, nil},
	}, timesAsText(e.rows(t, query)))
	e.noLeftovers(t)
}

func testSnapshotAtomic(t *testing.T, e *env, sn adapters.Snapshotter) {
	s := adapters.Snapshot{
		UniqueID: "snapshot.adaptertest.keep", Relation: e.rel("keep"),
		SQL:      "select * from " + e.render("source"),
		Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "updated_at", HardDeletes: "new_record", Now: snapshotTime(run1),
	}
	// code is an integer in the snapshot table.
	e.materialize(t, "source", "table", unionAll("1 as id, 7 as code, "+timestampSQL(upd1)+" as updated_at", "2 as id, 8 as code, "+timestampSQL(upd1)+" as updated_at"))
	e.snapshot(t, sn, s)
	query := "select * from " + e.render("keep") + " order by id, dbt_valid_from"
	before := e.rows(t, query)

	failing := []struct{ name, sql string }{
		{"unknown relation", "select * from " + e.render("no_such_relation")},
		{"syntax error", "select from where"},
		{"runtime error in the source", "select id, cast('x' || cast(code as varchar) as integer) as code, updated_at from " + e.render("source")},
		// The source is fine, but its changed row cannot be written: the
		// text does not fit the integer column. Rows closed before the
		// insert fails must be reopened by the rollback; 2's deletion must
		// not be recorded.
		{"failing insert after closing rows", "select 1 as id, 'not a number' as code, " + timestampSQL(upd3) + " as updated_at"},
	}
	for _, f := range failing {
		t.Run(f.name, func(t *testing.T) {
			s := s
			s.SQL = f.sql
			s.Now = snapshotTime(run2)
			_, err := sn.Snapshot(e.ctx, s)
			if err == nil {
				t.Fatalf("Snapshot succeeded, want an error")
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), s.UniqueID) {
				t.Errorf("error does not name the snapshot %s: %v", s.UniqueID, err)
			}
			equal(t, "rows unchanged", before, e.rows(t, query))
		})
	}
	// And the snapshot still works afterwards.
	s.Now = snapshotTime(run2)
	e.snapshot(t, sn, s)
	equal(t, "rows after a no-change run", before, e.rows(t, query))
	e.noLeftovers(t)
}

// snapshotResult is a later snapshot run's response: elt's count of new,
// changed and deleted keys, or on PostgreSQL the tag of dbt's
// snapshot_merge_sql's closing insert, INSERT 0 <rows inserted>, as
// dbt-postgres reports it.
func (e *env) snapshotResult(counts string, inserted int) string {
	if e.d.Type() == "postgres" {
		return fmt.Sprintf("INSERT 0 %d", inserted)
	}
	return counts
}
