package adaptertest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/lazyre"
)

// update is -update: rewrite golden files instead of comparing with them.
// It is defined here once, for every adapter's golden tests; a test package
// that imports adaptertest must not define its own -update flag.
var update = flag.Bool("update", false, "rewrite golden files (adaptertest.RunGolden) instead of comparing with them")

// goldenCase is one fixed scenario: setup runs untraced, run is recorded.
type goldenCase struct {
	name  string
	setup func(t *testing.T, e *env)
	run   func(t *testing.T, e *env)
}

// RunGolden runs a fixed list of cases on a fresh schema each, records the
// SQL the adapter runs for the part under test (open must pass trace to the
// adapter, called with every statement), normalises what changes from run
// to run, and compares it with dir/<case>.sql. With -update it rewrites the
// files instead.
//
// Normalised: unique temporary names (__elt_tmp_<id>), the case's schema
// (<schema>), the database ("<database>"), the seed file's folder (<dir>)
// and timestamps of the current day (<now>); the cases pass fixed times to
// snapshots and batches, so those stay as they are.
func RunGolden(t *testing.T, open func(t *testing.T, trace func(string)) adapters.Adapter, dir string) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			e := newEnv(t, func(t *testing.T) adapters.Adapter { return open(t, rec.trace) })
			csvDir := t.TempDir()
			e.goldenDir = csvDir
			if c.setup != nil {
				c.setup(t, e)
			}
			rec.start()
			c.run(t, e)
			got := normaliseSQL(rec.stop(), e, csvDir)
			path := filepath.Join(dir, c.name+".sql")
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run the test with -update to write it)", err)
			}
			if string(want) != got {
				t.Errorf("SQL differs from %s (if the change is intended, rerun with -update):\n%s", path, lineDiff(string(want), got))
			}
		})
	}
}

// recorder collects traced statements while it is on.
type recorder struct {
	mu    sync.Mutex
	on    bool
	stmts []string
}

func (r *recorder) trace(sql string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.stmts = append(r.stmts, sql)
	}
}

func (r *recorder) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on, r.stmts = true, nil
}

func (r *recorder) stop() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.stmts
}

var tempIDPattern = lazyre.New(`__elt_tmp_[0-9a-f]{12}`)

func normaliseSQL(stmts []string, e *env, csvDir string) string {
	today := []string{time.Now().UTC().Format("2006-01-02"), time.Now().Format("2006-01-02")}
	nowPattern := regexp.MustCompile(`(` + regexp.QuoteMeta(today[0]) + `|` + regexp.QuoteMeta(today[1]) + `)[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?`)
	var b strings.Builder
	for _, s := range stmts {
		s = strings.TrimSpace(s)
		s = tempIDPattern().ReplaceAllString(s, "__elt_tmp_<id>")
		s = strings.ReplaceAll(s, csvDir, "<dir>")
		s = strings.ReplaceAll(s, e.schema, "<schema>")
		if e.database != "" {
			s = strings.ReplaceAll(s, e.d.Quote(e.database), e.d.Quote("<database>"))
		}
		s = nowPattern.ReplaceAllString(s, "<now>")
		b.WriteString(s)
		b.WriteString(";\n\n")
	}
	return b.String()
}

// lineDiff shows the first differing line and both texts.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("first difference at line %d:\nwant %q\n got %q\n--- got in full:\n%s", i+1, wl, gl, got)
		}
	}
	return "(no line differs)"
}

// Fixed times, so the recorded SQL does not change from run to run.
var (
	goldenRun1 = time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	goldenRun2 = time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC)
)

func goldenCases() []goldenCase {
	orders := values("id, name, amount", "1, 'a', 10", "2, 'b', 20")
	incremental := func(strategy string, key []string) func(t *testing.T, e *env) {
		return func(t *testing.T, e *env) {
			inc := e.newIncremental("orders", strategy, values("id, name, amount", "2, 'B', 21", "3, 'c', 30"))
			inc.UniqueKey = key
			e.incremental(t, inc)
		}
	}
	buildOrders := func(t *testing.T, e *env) { e.materialize(t, "orders", "table", orders) }
	snap := func(e *env, strategy string) adapters.Snapshot {
		s := adapters.Snapshot{
			UniqueID: "snapshot.golden.orders_snapshot", Relation: e.rel("orders_snapshot"),
			SQL:      "select * from " + e.render("source"),
			Strategy: strategy, UniqueKey: []string{"id"},
		}
		if strategy == adapters.SnapshotTimestamp {
			s.UpdatedAt = "updated_at"
		} else {
			s.CheckCols = []string{"status"}
		}
		return s
	}
	source := func(status2, upd2 string) string {
		return unionAll("1 as id, 'pending' as status, "+timestampSQL(upd1)+" as updated_at",
			"2 as id, '"+status2+"' as status, "+timestampSQL(upd2)+" as updated_at")
	}
	snapshotRun := func(t *testing.T, e *env, s adapters.Snapshot, now time.Time) {
		s.Now = now
		e.snapshot(t, e.a.(adapters.Snapshotter), s)
	}
	return []goldenCase{
		{name: "table_create", run: buildOrders},
		{name: "table_replace", setup: buildOrders, run: func(t *testing.T, e *env) {
			e.materialize(t, "orders", "table", "select id, name from "+e.render("orders")+" where id > 1")
		}},
		{name: "view", setup: buildOrders, run: func(t *testing.T, e *env) {
			e.materialize(t, "orders_view", "view", "select id, amount * 2 as doubled from "+e.render("orders"))
		}},
		{name: "seed", run: func(t *testing.T, e *env) {
			path := filepath.Join(e.goldenDir, "customers.csv")
			if err := os.WriteFile(path, []byte(customersCSV), 0o644); err != nil {
				t.Fatal(err)
			}
			e.seed(t, adapters.Seed{UniqueID: "seed.golden.customers", Relation: e.rel("customers"), Path: path,
				ColumnTypes: map[string]string{"code": "varchar"}})
		}},
		{name: "incremental_append", setup: buildOrders, run: incremental(adapters.StrategyAppend, nil)},
		{name: "incremental_merge", setup: buildOrders, run: incremental(adapters.StrategyMerge, []string{"id"})},
		{name: "incremental_delete_insert", setup: buildOrders, run: incremental(adapters.StrategyDeleteInsert, []string{"id"})},
		{name: "incremental_microbatch", setup: func(t *testing.T, e *env) {
			e.materialize(t, "orders", "table", values("id, event_time", "1, "+timestampSQL("2024-01-01 10:00:00"), "2, "+timestampSQL("2024-01-02 10:00:00")))
		}, run: func(t *testing.T, e *env) {
			inc := e.newIncremental("orders", adapters.StrategyMicrobatch, values("id, event_time", "3, "+timestampSQL("2024-01-02 12:00:00")))
			inc.EventTime = "event_time"
			if e.d.Type() == "postgres" {
				inc.UniqueKey = []string{"id"} // dbt-postgres' microbatch merges on it
			}
			inc.BatchStart = time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
			inc.BatchEnd = time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)
			e.incremental(t, inc)
		}},
		{name: "snapshot_timestamp_first", setup: func(t *testing.T, e *env) {
			e.materialize(t, "source", "table", source("pending", upd1))
		}, run: func(t *testing.T, e *env) {
			snapshotRun(t, e, snap(e, adapters.SnapshotTimestamp), goldenRun1)
		}},
		{name: "snapshot_timestamp_second", setup: func(t *testing.T, e *env) {
			e.materialize(t, "source", "table", source("pending", upd1))
			snapshotRun(t, e, snap(e, adapters.SnapshotTimestamp), goldenRun1)
			e.materialize(t, "source", "table", source("shipped", upd2))
		}, run: func(t *testing.T, e *env) {
			snapshotRun(t, e, snap(e, adapters.SnapshotTimestamp), goldenRun2)
		}},
		{name: "snapshot_check", setup: func(t *testing.T, e *env) {
			e.materialize(t, "source", "table", source("pending", upd1))
			snapshotRun(t, e, snap(e, adapters.SnapshotCheck), goldenRun1)
			e.materialize(t, "source", "table", source("shipped", upd1))
		}, run: func(t *testing.T, e *env) {
			s := snap(e, adapters.SnapshotCheck)
			s.HardDeletes = adapters.HardDeletesInvalidate
			snapshotRun(t, e, s, goldenRun2)
		}},
	}
}
