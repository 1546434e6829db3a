package history

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// backends returns a fresh store config per backend that can run here:
// SQLite always, Postgres when ELT_TEST_POSTGRES_URL names a server (each
// test in its own schema).
func backends(t *testing.T) map[string]func(t *testing.T) Config {
	t.Helper()
	out := map[string]func(t *testing.T) Config{
		"sqlite": func(t *testing.T) Config {
			return Config{Path: filepath.Join(t.TempDir(), ".elt", "history.db")}
		},
	}
	if u := os.Getenv("ELT_TEST_POSTGRES_URL"); u != "" {
		out["postgres"] = func(t *testing.T) Config {
			var b [6]byte
			rand.Read(b[:])
			schema := "elt_history_test_" + hex.EncodeToString(b[:])
			t.Cleanup(func() {
				db, err := sql.Open("pgx", u)
				if err == nil {
					db.Exec(`DROP SCHEMA IF EXISTS ` + quoteIdent(schema) + ` CASCADE`)
					db.Close()
				}
			})
			return Config{URL: u, Schema: schema}
		}
	} else {
		t.Log("ELT_TEST_POSTGRES_URL is unset: Postgres cases skipped (start one with scripts/postgres.sh start)")
	}
	return out
}

func forEachBackend(t *testing.T, fn func(t *testing.T, cfg Config)) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) { fn(t, mk(t)) })
	}
}

func mustOpen(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func f64(v float64) *float64 { return &v }
func i64(v int64) *int64     { return &v }

func TestRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, cfg Config) {
		ctx := context.Background()
		s := mustOpen(t, cfg)
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 123456000, time.UTC)
		inv := Invocation{ID: "inv-1", Command: "build", Args: map[string]any{"select": []any{"orders"}}, StartedAt: t0, Status: "running",
			EltVersion: "0.1.0", Project: "shop", Target: "dev"}
		if err := s.RecordInvocation(ctx, inv); err != nil {
			t.Fatal(err)
		}
		inv.EndedAt, inv.Status = t0.Add(5*time.Second), "success"
		if err := s.RecordInvocation(ctx, inv); err != nil {
			t.Fatal(err)
		}
		results := []NodeResult{
			{InvocationID: "inv-1", UniqueID: "model.shop.orders", ResourceType: "model", Status: "success", StartedAt: t0, EndedAt: t0.Add(time.Second), ExecutionTime: 1, RowsAffected: i64(42)},
			{InvocationID: "inv-1", UniqueID: "test.shop.not_null_orders_id", ResourceType: "test", Status: "fail", StartedAt: t0.Add(time.Second), EndedAt: t0.Add(2 * time.Second), ExecutionTime: 1, Failures: i64(3), Message: "Got 3 results, configured to fail if != 0"},
		}
		if err := s.RecordNodeResults(ctx, results); err != nil {
			t.Fatal(err)
		}
		var ms []Metric
		for i := range 5 {
			ms = append(ms, Metric{InvocationID: fmt.Sprint("inv-", i), UniqueID: "model.shop.orders", Relation: `"main"."orders"`, Name: "row_count", Value: f64(float64(100 + i)), MeasuredAt: t0.Add(time.Duration(i) * time.Hour)})
		}
		ms = append(ms, Metric{InvocationID: "inv-1", UniqueID: "model.shop.orders", Column: "email", Name: "null_rate", Value: f64(0.25), MeasuredAt: t0},
			Metric{InvocationID: "inv-1", UniqueID: "model.shop.orders", Name: "row_count", Value: nil, MeasuredAt: t0.Add(10 * time.Hour)})
		if err := s.RecordMetrics(ctx, ms); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordProfile(ctx, Profile{InvocationID: "inv-1", UniqueID: "model.shop.orders", Relation: "orders", JSON: json.RawMessage(`{"row_count":42}`), MeasuredAt: t0}); err != nil {
			t.Fatal(err)
		}

		invs, err := s.Invocations(ctx, "shop", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(invs) != 1 || invs[0].Status != "success" || !invs[0].StartedAt.Equal(t0) || !invs[0].EndedAt.Equal(t0.Add(5*time.Second)) ||
			invs[0].Target != "dev" || fmt.Sprint(invs[0].Args["select"]) != "[orders]" {
			t.Fatalf("invocations: got %+v", invs)
		}
		got, err := s.NodeResults(ctx, "inv-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || *got[0].RowsAffected != 42 || got[0].Failures != nil || *got[1].Failures != 3 || got[1].Message != results[1].Message || !got[1].EndedAt.Equal(t0.Add(2*time.Second)) {
			t.Fatalf("node results: got %+v", got)
		}
		series, err := s.Series(ctx, SeriesQuery{UniqueID: "model.shop.orders", Metric: "row_count"})
		if err != nil {
			t.Fatal(err)
		}
		if len(series) != 5 {
			t.Fatalf("series: want 5 non-null points, got %d: %+v", len(series), series)
		}
		for i, p := range series {
			if p.Value != float64(100+i) || !p.At.Equal(t0.Add(time.Duration(i)*time.Hour)) {
				t.Errorf("point %d: got %+v", i, p)
			}
		}
		last2, err := s.Series(ctx, SeriesQuery{UniqueID: "model.shop.orders", Metric: "row_count", Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(last2) != 2 || last2[0].Value != 103 || last2[1].Value != 104 {
			t.Fatalf("last 2 points: got %+v", last2)
		}
		window, err := s.Series(ctx, SeriesQuery{UniqueID: "model.shop.orders", Metric: "row_count", Since: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if len(window) != 2 || window[0].Value != 101 {
			t.Fatalf("window: got %+v", window)
		}
		keys, err := s.MetricKeys(ctx, "model.shop.orders")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(keys) != "[{model.shop.orders  row_count} {model.shop.orders email null_rate}]" {
			t.Fatalf("metric keys: got %v", keys)
		}
		profs, err := s.LatestProfiles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(profs) != 1 || string(profs[0].JSON) != `{"row_count":42}` {
			t.Fatalf("profiles: got %+v", profs)
		}
		// An invocation of a job run is found by the job run's id.
		if err := s.RecordInvocation(ctx, Invocation{ID: "inv-job", Command: "build", StartedAt: t0, Status: "success", Project: "shop", JobRunID: 17}); err != nil {
			t.Fatal(err)
		}
		byRun, err := s.JobRunInvocations(ctx, 17)
		if err != nil || len(byRun) != 1 || byRun[0].ID != "inv-job" || byRun[0].JobRunID != 17 {
			t.Fatalf("invocations of job run 17: %+v %v", byRun, err)
		}
		if none, err := s.JobRunInvocations(ctx, 18); err != nil || len(none) != 0 {
			t.Fatalf("invocations of job run 18: %+v %v", none, err)
		}
		// The latest non-null table-level value per node: the null at +10h
		// and the column metric do not count.
		if err := s.RecordMetrics(ctx, []Metric{{InvocationID: "inv-9", UniqueID: "model.shop.customers", Name: "row_count", Value: f64(7), MeasuredAt: t0}}); err != nil {
			t.Fatal(err)
		}
		latest, err := s.LatestValues(ctx, "row_count")
		if err != nil {
			t.Fatal(err)
		}
		if len(latest) != 2 || latest["model.shop.orders"].Value != 104 || latest["model.shop.orders"].InvocationID != "inv-4" ||
			!latest["model.shop.orders"].At.Equal(t0.Add(4*time.Hour)) || latest["model.shop.customers"].Value != 7 {
			t.Fatalf("latest row_count: got %+v", latest)
		}
	})
}

func TestConcurrentWriters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, cfg Config) {
		ctx := context.Background()
		const writers, perWriter = 2, 40
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		// Both open the new store at once too: the migrations must be
		// applied exactly once.
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := Open(ctx, cfg)
				if err != nil {
					errs <- err
					return
				}
				defer s.Close()
				for i := range perWriter {
					id := fmt.Sprintf("w%d-%d", w, i)
					now := time.Now()
					if err := s.RecordInvocation(ctx, Invocation{ID: id, Command: "run", StartedAt: now, Status: "running"}); err != nil {
						errs <- err
						return
					}
					if err := s.RecordNodeResults(ctx, []NodeResult{{InvocationID: id, UniqueID: "model.p.a", Status: "success", StartedAt: now}, {InvocationID: id, UniqueID: "model.p.b", Status: "success", StartedAt: now}}); err != nil {
						errs <- err
						return
					}
					if err := s.RecordMetrics(ctx, []Metric{{InvocationID: id, UniqueID: "model.p.a", Name: "row_count", Value: f64(float64(i))}}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("writer: %v", err)
		}
		s := mustOpen(t, cfg)
		for table, want := range map[string]int{"invocations": writers * perWriter, "node_results": 2 * writers * perWriter, "metrics": writers * perWriter, "elt_history_migrations": len(coreMigrations())} {
			var n int
			if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("%s: want %d rows, got %d", table, want, n)
			}
		}
	})
}

func TestMigrateFromOlderSchema(t *testing.T) {
	forEachBackend(t, func(t *testing.T, cfg Config) {
		ctx := context.Background()
		old, err := open(ctx, cfg, coreMigrations()[:1])
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := old.SchemaVersion(ctx, CoreComponent); v != 1 {
			t.Fatalf("old store: want schema version 1, got %d", v)
		}
		// Written as the version 1 code wrote it (today's code writes columns version 1 lacks).
		if _, err := old.DB().ExecContext(ctx, `INSERT INTO invocations (id, command, started_at, status) VALUES ($1, $2, $3, $4)`,
			"before", "build", old.T(time.Now()), "success"); err != nil {
			t.Fatal(err)
		}
		if _, err := old.DB().ExecContext(ctx, `SELECT count(*) FROM incidents`); err == nil {
			t.Fatal("the version 1 schema has no incidents table, yet it was queried")
		}
		old.Close()

		// The scheduler's way in: its own component, versioned on its own.
		jobs := Migration{Component: "schedule", Version: 1, Name: "job runs",
			SQLite:   []string{`CREATE TABLE job_runs (job TEXT NOT NULL, run_id TEXT PRIMARY KEY, status TEXT NOT NULL)`},
			Postgres: []string{`CREATE TABLE job_runs (job TEXT NOT NULL, run_id TEXT PRIMARY KEY, status TEXT NOT NULL)`}}
		cfg.Migrations = []Migration{jobs}
		s := mustOpen(t, cfg)
		if v, _ := s.SchemaVersion(ctx, CoreComponent); v != len(coreMigrations()) {
			t.Fatalf("want schema version %d after upgrade, got %d", len(coreMigrations()), v)
		}
		if v, _ := s.SchemaVersion(ctx, "schedule"); v != 1 {
			t.Fatalf("want schedule schema version 1, got %d", v)
		}
		invs, err := s.Invocations(ctx, "", 10)
		if err != nil || len(invs) != 1 || invs[0].ID != "before" {
			t.Fatalf("invocation recorded before the upgrade: got %+v, %v", invs, err)
		}
		opened, err := s.OpenIncident(ctx, "test_failure", "model.p.a", "failed", time.Now())
		if err != nil || !opened {
			t.Fatalf("incidents after upgrade: opened=%v err=%v", opened, err)
		}
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO job_runs (job, run_id, status) VALUES ($1, $2, $3)`, "nightly", "r1", "success"); err != nil {
			t.Fatal(err)
		}
		s.Close()

		// A second version of the component's migrations applies only the new one.
		cfg.Migrations = append(cfg.Migrations, Migration{Component: "schedule", Version: 2, Name: "attempt",
			SQLite:   []string{`ALTER TABLE job_runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1`},
			Postgres: []string{`ALTER TABLE job_runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1`}})
		s2 := mustOpen(t, cfg)
		var attempt int
		if err := s2.DB().QueryRowContext(ctx, `SELECT attempt FROM job_runs WHERE run_id = $1`, "r1").Scan(&attempt); err != nil || attempt != 1 {
			t.Fatalf("job_runs after schedule migration 2: attempt=%d err=%v", attempt, err)
		}
	})
}

func TestBadMigrations(t *testing.T) {
	cfg := Config{Path: filepath.Join(t.TempDir(), "h.db")}
	cfg.Migrations = []Migration{{Component: "x", Version: 1, SQLite: []string{"SELECT 1"}}, {Component: "x", Version: 1, SQLite: []string{"SELECT 1"}}}
	if _, err := Open(context.Background(), cfg); err == nil || err.Error() == "" {
		t.Fatal("two migrations with one version: want an error")
	}
	cfg.Migrations = []Migration{{Component: "x", Version: 1, Name: "broken", SQLite: []string{"CREATE TABLE ok (a INT)", "CREATE TABLE"}}}
	_, err := Open(context.Background(), cfg)
	if err == nil {
		t.Fatal("a failing migration: want an error")
	}
	// The failed migration's transaction left nothing behind.
	s := mustOpen(t, Config{Path: cfg.Path})
	var n int
	s.DB().QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'ok'`).Scan(&n)
	if n != 0 {
		t.Fatalf("table of a failed migration exists")
	}
}

func TestIncidentsDedupe(t *testing.T) {
	forEachBackend(t, func(t *testing.T, cfg Config) {
		ctx := context.Background()
		s := mustOpen(t, cfg)
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var opens []bool
		for i := range 3 {
			o, err := s.OpenIncident(ctx, "anomaly", "model.p.a:row_count", fmt.Sprint("breach ", i), t0.Add(time.Duration(i)*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			opens = append(opens, o)
		}
		if fmt.Sprint(opens) != "[true false false]" {
			t.Fatalf("one alert per incident: got %v", opens)
		}
		open, _ := s.OpenIncidents(ctx)
		if len(open) != 1 || open[0].Message != "breach 2" || !open[0].LastSeenAt.Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("open incidents: got %+v", open)
		}
		inc, err := s.ResolveIncident(ctx, "anomaly", "model.p.a:row_count", t0.Add(5*time.Hour))
		if err != nil || inc == nil || !inc.OpenedAt.Equal(t0) {
			t.Fatalf("resolve: got %+v, %v", inc, err)
		}
		if again, _ := s.ResolveIncident(ctx, "anomaly", "model.p.a:row_count", t0.Add(6*time.Hour)); again != nil {
			t.Fatalf("second resolve: want nothing to announce, got %+v", again)
		}
		if o, _ := s.OpenIncident(ctx, "anomaly", "model.p.a:row_count", "again", t0.Add(7*time.Hour)); !o {
			t.Fatal("a breach after recovery opens a new incident")
		}
	})
}

func TestResolve(t *testing.T) {
	env := func(kv ...string) func(string) (string, bool) {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	root := filepath.FromSlash("/p/shop")
	cases := []struct {
		name      string
		block     map[string]any
		env       func(string) (string, bool)
		want      Config
		enabled   bool
		wantField string
	}{
		{name: "default", env: env(), want: Config{Path: filepath.Join(root, ".elt", "history.db")}, enabled: true},
		{name: "path", block: map[string]any{"path": "state/h.db"}, env: env(), want: Config{Path: filepath.Join(root, "state", "h.db")}, enabled: true},
		{name: "url from block", block: map[string]any{"url": "postgres://h/db", "schema": "hist"}, env: env(), want: Config{URL: "postgres://h/db", Schema: "hist"}, enabled: true},
		{name: "env url wins", block: map[string]any{"url": "postgres://h/db"}, env: env(EnvURL, "postgresql://other/db"), want: Config{URL: "postgresql://other/db"}, enabled: true},
		{name: "disabled by env", env: env(EnvDisable, "1"), enabled: false},
		{name: "disabled in block", block: map[string]any{"enabled": false}, env: env(), enabled: false},
		{name: "path escapes", block: map[string]any{"path": "../h.db"}, env: env(), wantField: "path"},
		{name: "absolute path", block: map[string]any{"path": "/var/h.db"}, env: env(), wantField: "path"},
		{name: "under target", block: map[string]any{"path": "target/h.db"}, env: env(), wantField: "path"},
		{name: "not postgres", block: map[string]any{"url": "mysql://x"}, env: env(), wantField: "url"},
		{name: "unknown key", block: map[string]any{"dsn": "x"}, env: env(), wantField: "dsn"},
		{name: "enabled not bool", block: map[string]any{"enabled": "no"}, env: env(), wantField: "enabled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, enabled, err := Resolve(root, c.block, c.env)
			if c.wantField != "" {
				fe, ok := err.(*FieldError)
				if !ok || fe.Field != c.wantField || fe.Hint == "" {
					t.Fatalf("want a FieldError on %s with a hint, got %v", c.wantField, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if enabled != c.enabled || fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("want %+v enabled=%v, got %+v enabled=%v", c.want, c.enabled, got, enabled)
			}
		})
	}
}

// TestPreparedReads: the reads a report repeats per node are prepared once
// per store and stay correct: from several goroutines at once, and after
// writes made since they were prepared.
func TestPreparedReads(t *testing.T) {
	forEachBackend(t, func(t *testing.T, cfg Config) {
		ctx := context.Background()
		s := mustOpen(t, cfg)
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		const nodes, rounds = 8, 5
		var wg sync.WaitGroup
		errs := make(chan error, nodes)
		for n := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("model.p.m%d", n)
				for r := range rounds {
					m := Metric{InvocationID: fmt.Sprintf("inv-%d-%d", n, r), UniqueID: id, Name: "row_count", Value: f64(float64(100*n + r)), MeasuredAt: t0.Add(time.Duration(r) * time.Minute)}
					if err := s.RecordMetrics(ctx, []Metric{m}); err != nil {
						errs <- err
						return
					}
					pts, err := s.Series(ctx, SeriesQuery{UniqueID: id, Metric: "row_count"})
					if err != nil {
						errs <- err
						return
					}
					if len(pts) != r+1 || pts[r].Value != float64(100*n+r) || pts[0].Value != float64(100*n) {
						errs <- fmt.Errorf("%s after %d writes: %+v", id, r+1, pts)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		s.mu.Lock()
		prepared := len(s.stmts)
		s.mu.Unlock()
		if prepared != 1 {
			t.Errorf("%d prepared reads after %d series reads of one shape, want 1", prepared, nodes*rounds)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if s.stmts != nil {
			t.Error("Close left prepared statements")
		}
	})
}
