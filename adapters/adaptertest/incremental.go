package adaptertest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
)

// RunIncremental runs the incremental-model cases against an adapter that
// implements adapters.Incrementaler. Like Run, open returns a fresh adapter
// for each case and the suite closes it.
//
// Every case builds the target with a plain Materialize (a model's first
// run), then calls Incremental with changed inputs and checks the exact
// rows, columns and RunResult after each run. Failing runs must leave the
// target's columns and rows as they were.
func RunIncremental(t *testing.T, open func(t *testing.T) adapters.Adapter) {
	cases := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"Strategies", testIncrementalStrategies},
		{"Microbatch", testIncrementalMicrobatch},
		{"OnSchemaChange", testIncrementalOnSchemaChange},
		{"UniqueKeyErrors", testIncrementalUniqueKeyErrors},
		{"BadConfig", testIncrementalBadConfig},
		{"FailingSQL", testIncrementalFailingSQL},
		{"SameAsFullRebuild", testIncrementalSameAsFullRebuild},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, newEnv(t, open))
		})
	}
}

// values is a portable select of literal rows: values("id, name", "1, 'a'").
func values(cols string, rows ...string) string {
	return "select * from (values (" + strings.Join(rows, "), (") + ")) as v(" + cols + ")"
}

func (e *env) incrementaler(t *testing.T) adapters.Incrementaler {
	t.Helper()
	inc, ok := e.a.(adapters.Incrementaler)
	if !ok {
		t.Fatalf("%T does not implement adapters.Incrementaler", e.a)
	}
	return inc
}

// newIncremental is an Incremental for ident with the given strategy.
func (e *env) newIncremental(ident, strategy, sql string) adapters.Incremental {
	return adapters.Incremental{UniqueID: "model.adaptertest." + ident, Relation: e.rel(ident), Strategy: strategy, SQL: sql}
}

func (e *env) incremental(t *testing.T, inc adapters.Incremental) adapters.RunResult {
	t.Helper()
	res, err := e.incrementaler(t).Incremental(e.ctx, inc)
	if err != nil {
		t.Fatalf("Incremental %s (%s): %v", inc.Relation.Identifier, inc.Strategy, err)
	}
	return res
}

// incrementalFails runs inc, wants an error, and checks that the target's
// columns and rows did not change.
func (e *env) incrementalFails(t *testing.T, inc adapters.Incremental) error {
	t.Helper()
	query := "select * from " + e.render(inc.Relation.Identifier) + " order by 1, 2"
	before := e.query(t, query)
	_, err := e.incrementaler(t).Incremental(e.ctx, inc)
	if err == nil {
		t.Fatalf("Incremental %s (%s) succeeded, want an error", inc.Relation.Identifier, inc.Strategy)
	}
	t.Logf("error, as wanted: %v", err)
	after := e.query(t, query)
	equal(t, "columns after a failed run", before.Columns, after.Columns)
	equal(t, "rows after a failed run", before.Rows, after.Rows)
	e.noLeftovers(t)
	return err
}

func containsAll(t *testing.T, err error, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error does not contain %q:\n%v", p, err)
		}
	}
}

// incrementalRun is one Incremental call and what the target holds after it.
type incrementalRun struct {
	sql    string
	result adapters.RunResult
	rows   [][]any
}

func testIncrementalStrategies(t *testing.T, e *env) {
	cases := []struct {
		name   string
		build  string // run 1: a plain table build
		config func(inc *adapters.Incremental)
		query  string // %s is the target
		rows   [][]any
		runs   []incrementalRun
	}{
		{
			name:  "append",
			build: values("id, name", "1, 'a'", "2, 'b'"),
			config: func(inc *adapters.Incremental) {
				inc.Strategy = adapters.StrategyAppend
				inc.UniqueKey = []string{"id"} // ignored: append never looks at keys
			},
			query: "select id, name from %s order by id, name",
			rows:  [][]any{{int64(1), "a"}, {int64(2), "b"}},
			runs: []incrementalRun{
				{values("id, name", "3, 'c'"), e.want("INSERT 1", 1),
					[][]any{{int64(1), "a"}, {int64(2), "b"}, {int64(3), "c"}}},
				// Columns are matched by name, not position; repeats are kept.
				{values("name, id", "'d', 4", "'b', 2"), e.want("INSERT 2", 2),
					[][]any{{int64(1), "a"}, {int64(2), "b"}, {int64(2), "b"}, {int64(3), "c"}, {int64(4), "d"}}},
			},
		},
		{
			name:  "merge",
			build: values("id, name, amount", "1, 'a', 10", "2, 'b', 20"),
			config: func(inc *adapters.Incremental) {
				inc.Strategy = adapters.StrategyMerge
				inc.UniqueKey = []string{"id"}
			},
			query: "select id, name, amount from %s order by id",
			rows:  [][]any{{int64(1), "a", int64(10)}, {int64(2), "b", int64(20)}},
			runs: []incrementalRun{
				{values("id, name, amount", "2, 'B', 21", "3, 'c', 30"), e.want("MERGE 2", 2),
					[][]any{{int64(1), "a", int64(10)}, {int64(2), "B", int64(21)}, {int64(3), "c", int64(30)}}},
				{values("amount, id, name", "11, 1, 'A'", "40, 4, 'd'"), e.want("MERGE 2", 2),
					[][]any{{int64(1), "A", int64(11)}, {int64(2), "B", int64(21)}, {int64(3), "c", int64(30)}, {int64(4), "d", int64(40)}}},
			},
		},
		{
			name:  "merge composite key",
			build: values("region, id, name", "'eu', 1, 'a'", "'us', 1, 'b'"),
			config: func(inc *adapters.Incremental) {
				inc.Strategy = adapters.StrategyMerge
				inc.UniqueKey = []string{"region", "id"}
			},
			query: "select region, id, name from %s order by region, id",
			rows:  [][]any{{"eu", int64(1), "a"}, {"us", int64(1), "b"}},
			runs: []incrementalRun{
				{values("region, id, name", "'eu', 1, 'A'", "'us', 2, 'c'"), e.want("MERGE 2", 2),
					[][]any{{"eu", int64(1), "A"}, {"us", int64(1), "b"}, {"us", int64(2), "c"}}},
				{values("region, id, name", "'us', 1, 'B'", "'eu', 2, 'd'"), e.want("MERGE 2", 2),
					[][]any{{"eu", int64(1), "A"}, {"eu", int64(2), "d"}, {"us", int64(1), "B"}, {"us", int64(2), "c"}}},
			},
		},
		{
			name:  "merge_update_columns",
			build: values("id, name, amount", "1, 'a', 10", "2, 'b', 20"),
			config: func(inc *adapters.Incremental) {
				inc.Strategy = adapters.StrategyMerge
				inc.UniqueKey = []string{"id"}
				inc.MergeUpdateColumns = []string{"name"}
			},
			query: "select id, name, amount from %s order by id",
			rows:  [][]any{{int64(1), "a", int64(10)}, {int64(2), "b", int64(20)}},
			runs: []incrementalRun{
				// Matched rows get only the new name; new rows get every column.
				{values("id, name, amount", "2, 'B', 99", "3, 'c', 30"), e.want("MERGE 2", 2),
					[][]any{{int64(1), "a", int64(10)}, {int64(2), "B", int64(20)}, {int64(3), "c", int64(30)}}},
				{values("id, name, amount", "1, 'A', 0", "3, 'C', 0"), e.want("MERGE 2", 2),
					[][]any{{int64(1), "A", int64(10)}, {int64(2), "B", int64(20)}, {int64(3), "C", int64(30)}}},
			},
		},
		{
			name:  "merge_exclude_columns",
			build: values("id, name, amount, created", "1, 'a', 10, 100", "2, 'b', 20, 200"),
			config: func(inc *adapters.Incremental) {
				inc.Strategy = adapters.StrategyMerge
				inc.UniqueKey = []string{"id"}
				inc.MergeExcludeColumns = []string{"created"}
			},
			query: "select id, name, amount, created from %s order by id",
			rows:  [][]any{{int64(1), "a", int64(10), int64(100)}, {int64(2), "b", int64(20), int64(200)}},
			runs: []incrementalRun{
				{values("id, name, amount, created", "2, 'B', 21, 999", "3, 'c', 30, 300"), e.want("MERGE 2", 2),
					[][]any{{int64(1), "a", int64(10), int64(100)}, {int64(2), "B", int64(21), int64(200)}, {int64(3), "c", int64(30), int64(300)}}},
				{values("id, name, amount, created", "1, 'A', 11, 999"), e.want("MERGE 1", 1),
					[][]any{{int64(1), "A", int64(11), int64(100)}, {int64(2), "B", int64(21), int64(200)}, {int64(3), "c", int64(30), int64(300)}}},
			},
		},
		{
			name:   "merge without unique_key appends",
			build:  values("id, name", "1, 'a'"),
			config: func(inc *adapters.Incremental) { inc.Strategy = adapters.StrategyMerge },
			query:  "select id, name from %s order by id, name",
			rows:   [][]any{{int64(1), "a"}},
			runs: []incrementalRun{
				{values("id, name", "1, 'b'"), e.want("INSERT 1", 1),
					[][]any{{int64(1), "a"}, {int64(1), "b"}}},
			},
		},
		{
			name:  "merge with a quoted key",
			build: `select 1 as "Order ID", 'a' as "Full Name"`,
			config: func(inc *adapters.Incremental) {
				inc.Strategy = adapters.StrategyMerge
				inc.UniqueKey = []string{"Order ID"}
				inc.OnSchemaChange = adapters.SchemaChangeFail
			},
			query: `select "Order ID", "Full Name" from %s order by 1`,
			rows:  [][]any{{int64(1), "a"}},
			runs: []incrementalRun{
				{`select 1 as "Order ID", 'A' as "Full Name" union all select 2, 'b'`, e.want("MERGE 2", 2),
					[][]any{{int64(1), "A"}, {int64(2), "b"}}},
			},
		},
		{
			name: "delete+insert",
			// The target may hold several rows of one key: all are replaced.
			build: values("id, name", "1, 'a'", "1, 'a2'", "2, 'b'"),
			config: func(inc *adapters.Incremental) {
				inc.Strategy = adapters.StrategyDeleteInsert
				inc.UniqueKey = []string{"id"}
			},
			query: "select id, name from %s order by id, name",
			rows:  [][]any{{int64(1), "a"}, {int64(1), "a2"}, {int64(2), "b"}},
			runs: []incrementalRun{
				{values("id, name", "1, 'x'", "3, 'c'"), e.want("DELETE+INSERT 2", 2),
					[][]any{{int64(1), "x"}, {int64(2), "b"}, {int64(3), "c"}}},
				{values("name, id", "'y', 2", "'z', 3"), e.want("DELETE+INSERT 2", 2),
					[][]any{{int64(1), "x"}, {int64(2), "y"}, {int64(3), "z"}}},
			},
		},
		{
			name:  "delete+insert composite key",
			build: values("region, id, name", "'eu', 1, 'a'", "'us', 1, 'b'"),
			config: func(inc *adapters.Incremental) {
				inc.Strategy = adapters.StrategyDeleteInsert
				inc.UniqueKey = []string{"region", "id"}
			},
			query: "select region, id, name from %s order by region, id",
			rows:  [][]any{{"eu", int64(1), "a"}, {"us", int64(1), "b"}},
			runs: []incrementalRun{
				{values("region, id, name", "'us', 1, 'B'", "'eu', 2, 'c'"), e.want("DELETE+INSERT 2", 2),
					[][]any{{"eu", int64(1), "a"}, {"eu", int64(2), "c"}, {"us", int64(1), "B"}}},
				{values("region, id, name", "'eu', 1, 'A'"), e.want("DELETE+INSERT 1", 1),
					[][]any{{"eu", int64(1), "A"}, {"eu", int64(2), "c"}, {"us", int64(1), "B"}}},
			},
		},
		{
			name:  "default strategy with unique_key is delete+insert",
			build: values("id, name", "1, 'a'", "1, 'a2'"),
			config: func(inc *adapters.Incremental) {
				inc.Strategy = ""
				inc.UniqueKey = []string{"id"}
			},
			query: "select id, name from %s order by id, name",
			rows:  [][]any{{int64(1), "a"}, {int64(1), "a2"}},
			runs: []incrementalRun{
				{values("id, name", "1, 'b'"), e.want("DELETE+INSERT 1", 1),
					[][]any{{int64(1), "b"}}},
			},
		},
		{
			name:   "default strategy without unique_key is append",
			build:  values("id, name", "1, 'a'"),
			config: func(inc *adapters.Incremental) { inc.Strategy = "" },
			query:  "select id, name from %s order by id, name",
			rows:   [][]any{{int64(1), "a"}},
			runs: []incrementalRun{
				{values("id, name", "1, 'b'"), e.want("INSERT 1", 1),
					[][]any{{int64(1), "a"}, {int64(1), "b"}}},
			},
		},
		{
			// dbt's delete+insert deletes only with a unique_key
			// (default__get_delete_insert_merge_sql, dbt-duckdb's): without
			// one it inserts the new rows, and predicates do nothing.
			name:  "delete+insert without unique_key appends",
			build: values("id, name", "1, 'a'"),
			config: func(inc *adapters.Incremental) {
				inc.Strategy = adapters.StrategyDeleteInsert
				inc.Predicates = []string{"1 = 0"}
			},
			query: "select id, name from %s order by id, name",
			rows:  [][]any{{int64(1), "a"}},
			runs: []incrementalRun{
				{values("id, name", "1, 'b'"), e.want("INSERT 1", 1),
					[][]any{{int64(1), "a"}, {int64(1), "b"}}},
			},
		},
		{
			name:  "no new rows",
			build: values("id, name", "1, 'a'"),
			config: func(inc *adapters.Incremental) {
				inc.Strategy = adapters.StrategyMerge
				inc.UniqueKey = []string{"id"}
			},
			query: "select id, name from %s order by id",
			rows:  [][]any{{int64(1), "a"}},
			runs: []incrementalRun{
				{"select id, name from (" + values("id, name", "2, 'b'") + ") as n where id > 5", e.want("MERGE 0", 0),
					[][]any{{int64(1), "a"}}},
			},
		},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ident := fmt.Sprintf("inc_%d", i)
			e.materialize(t, ident, "table", c.build)
			query := fmt.Sprintf(c.query, e.render(ident))
			equal(t, "rows after run 1", c.rows, e.rows(t, query))
			for j, run := range c.runs {
				inc := e.newIncremental(ident, "", run.sql)
				c.config(&inc)
				res := e.incremental(t, inc)
				equal(t, fmt.Sprintf("result of run %d", j+2), run.result, res)
				equal(t, fmt.Sprintf("rows after run %d", j+2), run.rows, e.rows(t, query))
			}
			e.noLeftovers(t)
		})
	}
}

func testIncrementalMicrobatch(t *testing.T, e *env) {
	if e.d.Type() == "postgres" {
		testMicrobatchMerges(t, e)
		return
	}
	ts := func(s string) string { return "cast('" + s + "' as timestamp)" }
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	e.materialize(t, "events", "table", values("id, event_time, what",
		"1, "+ts("2024-01-01 10:00:00")+", 'day 1'",
		"2, "+ts("2024-01-02 00:00:00")+", 'start of day 2'",
		"3, "+ts("2024-01-02 23:59:59")+", 'end of day 2'",
		"4, "+ts("2024-01-03 00:00:00")+", 'start of day 3'",
	))
	query := "select id, what from " + e.render("events") + " order by id"
	runs := []struct {
		name       string
		start, end time.Time
		sql        string
		result     adapters.RunResult
		rows       [][]any
	}{
		{"replace day 2", day(2), day(3),
			values("id, event_time, what", "5, "+ts("2024-01-02 12:00:00")+", 'day 2 again'"),
			e.want("DELETE+INSERT 1", 1),
			[][]any{{int64(1), "day 1"}, {int64(4), "start of day 3"}, {int64(5), "day 2 again"}}},
		{"new day 4", day(4), day(5),
			values("id, event_time, what", "6, "+ts("2024-01-04 01:00:00")+", 'day 4'", "7, "+ts("2024-01-04 02:00:00")+", 'day 4 too'"),
			e.want("DELETE+INSERT 2", 2),
			[][]any{{int64(1), "day 1"}, {int64(4), "start of day 3"}, {int64(5), "day 2 again"}, {int64(6), "day 4"}, {int64(7), "day 4 too"}}},
		{"day 1 now empty", day(1), day(2),
			"select id, event_time, what from " + e.render("events") + " where 1 = 0",
			e.want("DELETE+INSERT 0", 0),
			[][]any{{int64(4), "start of day 3"}, {int64(5), "day 2 again"}, {int64(6), "day 4"}, {int64(7), "day 4 too"}}},
	}
	for _, r := range runs {
		inc := e.newIncremental("events", adapters.StrategyMicrobatch, r.sql)
		inc.EventTime, inc.BatchStart, inc.BatchEnd = "event_time", r.start, r.end
		res := e.incremental(t, inc)
		equal(t, r.name+": result", r.result, res)
		equal(t, r.name+": rows", r.rows, e.rows(t, query))
	}

	// Without event_time, or with an empty window, nothing happens.
	inc := e.newIncremental("events", adapters.StrategyMicrobatch, values("id, event_time, what", "9, "+ts("2024-01-04 01:00:00")+", 'x'"))
	containsAll(t, e.incrementalFails(t, inc), "event_time")
	inc.EventTime, inc.BatchStart, inc.BatchEnd = "event_time", day(4), day(4)
	e.incrementalFails(t, inc)
	inc.BatchStart, inc.BatchEnd = day(4), day(5)
	inc.EventTime = "no_such_column"
	containsAll(t, e.incrementalFails(t, inc), "no_such_column")
	e.noLeftovers(t)
}

// testMicrobatchMerges: on PostgreSQL each batch merges on the
// unique_key, as dbt-postgres' postgres__get_incremental_microbatch_sql
// does (a row whose event moved to a later batch is updated, not kept
// twice), and a microbatch model without a unique_key is refused.
func testMicrobatchMerges(t *testing.T, e *env) {
	ts := func(s string) string { return "cast('" + s + "' as timestamp)" }
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	e.materialize(t, "events", "table", values("id, event_time, what",
		"1, "+ts("2024-01-01 10:00:00")+", 'day 1'",
		"2, "+ts("2024-01-02 00:00:00")+", 'start of day 2'",
		"3, "+ts("2024-01-02 23:59:59")+", 'end of day 2'",
	))
	query := "select id, what from " + e.render("events") + " order by id"
	runs := []struct {
		name       string
		start, end time.Time
		sql        string
		result     adapters.RunResult
		rows       [][]any
	}{
		{"day 2: one row updated, one new", day(2), day(3),
			values("id, event_time, what", "2, "+ts("2024-01-02 12:00:00")+", 'day 2 again'", "5, "+ts("2024-01-02 13:00:00")+", 'new'"),
			e.want("MERGE 2", 2),
			[][]any{{int64(1), "day 1"}, {int64(2), "day 2 again"}, {int64(3), "end of day 2"}, {int64(5), "new"}}},
		{"day 4: a row whose event moved there", day(4), day(5),
			values("id, event_time, what", "3, "+ts("2024-01-04 01:00:00")+", 'moved'"),
			e.want("MERGE 1", 1),
			[][]any{{int64(1), "day 1"}, {int64(2), "day 2 again"}, {int64(3), "moved"}, {int64(5), "new"}}},
	}
	for _, r := range runs {
		inc := e.newIncremental("events", adapters.StrategyMicrobatch, r.sql)
		inc.EventTime, inc.BatchStart, inc.BatchEnd, inc.UniqueKey = "event_time", r.start, r.end, []string{"id"}
		res := e.incremental(t, inc)
		equal(t, r.name+": result", r.result, res)
		equal(t, r.name+": rows", r.rows, e.rows(t, query))
	}
	inc := e.newIncremental("events", adapters.StrategyMicrobatch, values("id, event_time, what", "9, "+ts("2024-01-04 01:00:00")+", 'x'"))
	inc.EventTime, inc.BatchStart, inc.BatchEnd = "event_time", day(4), day(5)
	containsAll(t, e.incrementalFails(t, inc), "requires a unique_key")
	e.noLeftovers(t)
}

func testIncrementalOnSchemaChange(t *testing.T, e *env) {
	// The target has id, a (integer), b (text); the new rows update id 1
	// and add id 3, with a column added, removed or retyped.
	build := values("id, a, b", "1, 10, 'x'", "2, 20, 'y'")
	changes := map[string]string{
		"added":   values("id, a, b, c", "1, 11, 'x1', 'c1'", "3, 30, 'z', 'c3'"),
		"removed": values("id, a", "1, 11", "3, 30"),
		"retyped": values("id, a, b", "1, '11', 'x1'", "3, '30', 'z'"),
	}
	cases := []struct {
		mode, change string
		cols         []string
		rows         [][]any
		errParts     []string // on_schema_change fail
	}{
		{mode: "ignore", change: "added", cols: []string{"id", "a", "b"},
			rows: [][]any{{int64(1), int64(11), "x1"}, {int64(2), int64(20), "y"}, {int64(3), int64(30), "z"}}},
		{mode: "ignore", change: "removed", cols: []string{"id", "a", "b"},
			rows: [][]any{{int64(1), int64(11), "x"}, {int64(2), int64(20), "y"}, {int64(3), int64(30), nil}}},
		{mode: "ignore", change: "retyped", cols: []string{"id", "a", "b"},
			rows: [][]any{{int64(1), int64(11), "x1"}, {int64(2), int64(20), "y"}, {int64(3), int64(30), "z"}}},

		{mode: "fail", change: "added", errParts: []string{"added columns [c]"}},
		{mode: "fail", change: "removed", errParts: []string{"removed columns [b]"}},
		{mode: "fail", change: "retyped", errParts: []string{"changed types [a "}},

		{mode: "append_new_columns", change: "added", cols: []string{"id", "a", "b", "c"},
			rows: [][]any{{int64(1), int64(11), "x1", "c1"}, {int64(2), int64(20), "y", nil}, {int64(3), int64(30), "z", "c3"}}},
		{mode: "append_new_columns", change: "removed", cols: []string{"id", "a", "b"},
			rows: [][]any{{int64(1), int64(11), "x"}, {int64(2), int64(20), "y"}, {int64(3), int64(30), nil}}},
		{mode: "append_new_columns", change: "retyped", cols: []string{"id", "a", "b"},
			rows: [][]any{{int64(1), int64(11), "x1"}, {int64(2), int64(20), "y"}, {int64(3), int64(30), "z"}}},

		{mode: "sync_all_columns", change: "added", cols: []string{"id", "a", "b", "c"},
			rows: [][]any{{int64(1), int64(11), "x1", "c1"}, {int64(2), int64(20), "y", nil}, {int64(3), int64(30), "z", "c3"}}},
		{mode: "sync_all_columns", change: "removed", cols: []string{"id", "a"},
			rows: [][]any{{int64(1), int64(11)}, {int64(2), int64(20)}, {int64(3), int64(30)}}},
		// The old values are converted to the new type.
		{mode: "sync_all_columns", change: "retyped", cols: []string{"id", "a", "b"},
			rows: [][]any{{int64(1), "11", "x1"}, {int64(2), "20", "y"}, {int64(3), "30", "z"}}},
	}
	for i, c := range cases {
		t.Run(c.mode+"/"+c.change, func(t *testing.T) {
			ident := fmt.Sprintf("osc_%d", i)
			e.materialize(t, ident, "table", build)
			inc := e.newIncremental(ident, adapters.StrategyMerge, changes[c.change])
			inc.UniqueKey = []string{"id"}
			inc.OnSchemaChange = c.mode
			if c.errParts != nil {
				err := e.incrementalFails(t, inc)
				containsAll(t, err, append(c.errParts, inc.UniqueID, "out of sync", "on_schema_change")...)
				var sce *adapters.SchemaChangeError
				if !errors.As(err, &sce) {
					t.Errorf("error is not an *adapters.SchemaChangeError: %v", err)
				}
				return
			}
			res := e.incremental(t, inc)
			equal(t, "result", e.want("MERGE 2", 2), res)
			got := e.query(t, "select * from "+e.render(ident)+" order by id")
			equal(t, "columns", c.cols, got.Columns)
			equal(t, "rows", c.rows, got.Rows)
			e.noLeftovers(t)
		})
	}

	t.Run("append strategy", func(t *testing.T) {
		e.materialize(t, "osc_append", "table", build)
		inc := e.newIncremental("osc_append", adapters.StrategyAppend, values("c, id", "'c3', 3"))
		inc.OnSchemaChange = adapters.SchemaChangeSyncAll
		equal(t, "result", e.want("INSERT 1", 1), e.incremental(t, inc))
		got := e.query(t, "select * from "+e.render("osc_append")+" order by id")
		equal(t, "columns", []string{"id", "c"}, got.Columns)
		equal(t, "rows", [][]any{{int64(1), nil}, {int64(2), nil}, {int64(3), "c3"}}, got.Rows)
	})
}

func testIncrementalUniqueKeyErrors(t *testing.T, e *env) {
	e.materialize(t, "keyed", "table", values("region, id, name", "'eu', 1, 'a'", "'us', 2, 'b'"))
	cases := []struct {
		name     string
		strategy string
		key      []string
		sql      string
		problem  adapters.UniqueKeyProblem
		parts    []string
		absent   []string
	}{
		{"merge: NULL key", adapters.StrategyMerge, []string{"id"},
			values("region, id, name", "'eu', 1, 'x'", "'eu', NULL, 'y'", "'us', NULL, 'z'"),
			adapters.KeyNull, []string{"unique_key (id)", "NULL in 2 of the new rows"}, nil},
		{"delete+insert: NULL in one part of a composite key", adapters.StrategyDeleteInsert, []string{"region", "id"},
			values("region, id, name", "'eu', NULL, 'x'", "NULL, 7, 'y'", "'us', 3, 'z'"),
			adapters.KeyNull, []string{"unique_key (region, id)", "NULL in 2 of the new rows", "('eu', NULL)", "(NULL, 7)"}, nil},
		{"merge: repeated key", adapters.StrategyMerge, []string{"id"},
			values("region, id, name", "'eu', 42, 'a'", "'eu', 17, 'b'", "'eu', 42, 'c'", "'eu', 99, 'd'", "'eu', 17, 'e'", "'eu', 99, 'f'", "'eu', 42, 'g'", "'eu', 5, 'h'"),
			adapters.KeyRepeated, []string{"unique_key (id) is not unique in the new rows: 3 keys appear more than once, e.g. 17, 42, 99;"}, []string{" 5"}},
		{"delete+insert: repeated composite key", adapters.StrategyDeleteInsert, []string{"region", "id"},
			values("region, id, name", "'eu', 1, 'a'", "'eu', 1, 'b'", "'us', 1, 'c'"),
			adapters.KeyRepeated, []string{"unique_key (region, id) is not unique in the new rows: 1 key appears more than once, e.g. ('eu', 1);"}, nil},
		{"merge: at most 5 samples", adapters.StrategyMerge, []string{"id"},
			"select region, id, name from (" + values("region, id, name", "'eu', 1, 'a'", "'eu', 2, 'a'", "'eu', 3, 'a'", "'eu', 4, 'a'", "'eu', 5, 'a'", "'eu', 6, 'a'", "'eu', 7, 'a'") + ") as once cross join (" + values("n", "1", "2") + ") as twice",
			adapters.KeyRepeated, []string{"7 keys appear more than once, e.g. 1, 2, 3, 4, 5;"}, []string{"6", "7"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inc := e.newIncremental("keyed", c.strategy, c.sql)
			inc.UniqueKey = c.key
			err := e.incrementalFails(t, inc)
			containsAll(t, err, append(c.parts, "model.adaptertest.keyed")...)
			for _, a := range c.absent {
				if strings.Contains(samplesOf(err), a) {
					t.Errorf("error's samples contain %q:\n%v", a, err)
				}
			}
			var ke *adapters.UniqueKeyError
			if !errors.As(err, &ke) {
				t.Fatalf("error is not an *adapters.UniqueKeyError: %v", err)
			}
			equal(t, "problem", c.problem, ke.Problem)
		})
	}

	// Appends never check keys.
	inc := e.newIncremental("keyed", adapters.StrategyAppend, values("region, id, name", "'eu', 1, 'a'", "'eu', NULL, 'b'"))
	inc.UniqueKey = []string{"id"}
	equal(t, "append with repeated and NULL keys", e.want("INSERT 2", 2), e.incremental(t, inc))
}

// samplesOf is the part of a UniqueKeyError's message that lists sample keys.
func samplesOf(err error) string {
	_, after, _ := strings.Cut(err.Error(), "e.g. ")
	samples, _, _ := strings.Cut(after, ";")
	return samples
}

func testIncrementalBadConfig(t *testing.T, e *env) {
	e.materialize(t, "target", "table", values("id, name", "1, 'a'"))
	newRows := values("id, name", "1, 'b'", "2, 'c'")
	cases := []struct {
		name   string
		config func(inc *adapters.Incremental)
		parts  []string
	}{
		{"unknown strategy", func(inc *adapters.Incremental) { inc.Strategy = "insert_overwrite" },
			[]string{"insert_overwrite", "append, merge, delete+insert, microbatch"}},
		{"unknown on_schema_change", func(inc *adapters.Incremental) { inc.OnSchemaChange = "full_refresh" },
			[]string{"full_refresh", "ignore, fail, append_new_columns, sync_all_columns"}},
		{"unique_key not in the new rows", func(inc *adapters.Incremental) { inc.UniqueKey = []string{"order_id"} },
			[]string{"order_id"}},
		{"merge_update_columns and merge_exclude_columns", func(inc *adapters.Incremental) {
			inc.MergeUpdateColumns, inc.MergeExcludeColumns = []string{"name"}, []string{"name"}
		}, []string{"merge_update_columns", "merge_exclude_columns"}},
		{"merge_update_columns names an unknown column", func(inc *adapters.Incremental) { inc.MergeUpdateColumns = []string{"nmae"} },
			[]string{"nmae"}},
		{"merge_exclude_columns names an unknown column", func(inc *adapters.Incremental) { inc.MergeExcludeColumns = []string{"nmae"} },
			[]string{"nmae"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inc := e.newIncremental("target", adapters.StrategyMerge, newRows)
			inc.UniqueKey = []string{"id"}
			c.config(&inc)
			err := e.incrementalFails(t, inc)
			containsAll(t, err, c.parts...)
			if !errors.Is(err, adapters.ErrIncrementalConfig) {
				t.Errorf("error does not wrap adapters.ErrIncrementalConfig: %v", err)
			}
		})
	}

	t.Run("target is a view", func(t *testing.T) {
		e.materialize(t, "a_view", "view", "select 1 as id, 'a' as name")
		_, err := e.incrementaler(t).Incremental(e.ctx, e.newIncremental("a_view", adapters.StrategyAppend, newRows))
		if err == nil {
			t.Fatalf("Incremental into a view succeeded, want an error")
		}
		equal(t, "kind", adapters.KindView, e.kind(t, "a_view"))
	})
}

func testIncrementalFailingSQL(t *testing.T, e *env) {
	e.materialize(t, "keep", "table", values("id, name", "1, 'a'", "2, 'b'"))
	failing := []struct{ name, sql string }{
		{"unknown relation", "select * from " + e.render("no_such_relation")},
		{"syntax error", "select from where"},
		{"empty", " ; "},
		// Fails while rows are produced, not while planning.
		{"runtime error", "select id, cast(name as integer) as name from " + e.render("keep")},
		// Fails while the rows are written: text that is no integer.
		{"bad value for the target's type", values("id, name", "'x', 'c'")},
	}
	for _, strategy := range []string{adapters.StrategyAppend, adapters.StrategyMerge, adapters.StrategyDeleteInsert} {
		for _, f := range failing {
			t.Run(strategy+"/"+f.name, func(t *testing.T) {
				inc := e.newIncremental("keep", strategy, f.sql)
				inc.UniqueKey = []string{"id"}
				e.incrementalFails(t, inc)
			})
		}
	}
	// A schema change that cannot convert the old values rolls back the
	// whole run, the added column included.
	inc := e.newIncremental("keep", adapters.StrategyMerge, values("id, name, extra", "1, 5, 'e'"))
	inc.UniqueKey = []string{"id"}
	inc.OnSchemaChange = adapters.SchemaChangeSyncAll
	e.incrementalFails(t, inc)
}

// testIncrementalSameAsFullRebuild: an incremental model run twice with new
// source rows in between ends with exactly the rows of a full rebuild.
func testIncrementalSameAsFullRebuild(t *testing.T, e *env) {
	cases := []struct {
		name      string
		strategy  string
		key       []string
		sources   []string // the source table before runs 1, 2 and 3
		increment string   // %s is the target
	}{
		{
			name:     "append",
			strategy: adapters.StrategyAppend,
			sources: []string{
				values("id, v, updated", "1, 'a', 1", "2, 'b', 1"),
				values("id, v, updated", "1, 'a', 1", "2, 'b', 1", "3, 'c', 2", "4, 'd', 2"),
				values("id, v, updated", "1, 'a', 1", "2, 'b', 1", "3, 'c', 2", "4, 'd', 2", "5, 'e', 3"),
			},
			increment: "where id > (select max(id) from %s)",
		},
		{
			name:     "merge",
			strategy: adapters.StrategyMerge,
			key:      []string{"id"},
			sources: []string{
				values("id, v, updated", "1, 'a', 1", "2, 'b', 1"),
				values("id, v, updated", "1, 'a', 1", "2, 'B', 2", "3, 'c', 2"),
				values("id, v, updated", "1, 'A', 3", "2, 'B', 2", "3, 'c', 2", "4, 'd', 3"),
			},
			increment: "where updated >= (select max(updated) from %s)",
		},
		{
			name:     "delete+insert",
			strategy: adapters.StrategyDeleteInsert,
			key:      []string{"id"},
			sources: []string{
				values("id, v, updated", "1, 'a', 1", "2, 'b', 1"),
				values("id, v, updated", "1, 'a', 1", "2, 'B', 2", "3, 'c', 2"),
				values("id, v, updated", "1, 'A', 3", "2, 'B', 2", "3, 'c', 2", "4, 'd', 3"),
			},
			increment: "where updated >= (select max(updated) from %s)",
		},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, model, rebuilt := fmt.Sprintf("src_%d", i), fmt.Sprintf("model_%d", i), fmt.Sprintf("rebuilt_%d", i)
			full := "select id, v, updated from " + e.render(src)
			e.materialize(t, src, "table", c.sources[0])
			e.materialize(t, model, "table", full)
			for _, s := range c.sources[1:] {
				e.materialize(t, src, "table", s)
				inc := e.newIncremental(model, c.strategy, full+" "+fmt.Sprintf(c.increment, e.render(model)))
				inc.UniqueKey = c.key
				e.incremental(t, inc)
			}
			e.materialize(t, rebuilt, "table", full)
			query := "select id, v, updated from %s order by id, v, updated"
			want := e.rows(t, fmt.Sprintf(query, e.render(rebuilt)))
			equal(t, "incremental rows vs full rebuild", want, e.rows(t, fmt.Sprintf(query, e.render(model))))
			if len(want) < 4 {
				t.Errorf("the rebuild has %d rows, want at least 4", len(want))
			}
		})
	}
}
