package history

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
)

// Migration is one versioned change to the history schema. Versions count
// up from 1 within a component; a migration is applied once, in its own
// transaction, and recorded in elt_history_migrations.
type Migration struct {
	// Component owns the tables ("history" for the store's own; the
	// scheduler uses its own name), so components version independently.
	Component string
	Version   int
	Name      string
	// Statements for each backend, run in order in one transaction.
	SQLite   []string
	Postgres []string
}

// CoreComponent is the component name of the store's own migrations.
const CoreComponent = "history"

// migrationLockKey is the Postgres advisory lock taken while migrating, so
// that two processes opening a new database apply each migration once.
const migrationLockKey = 0x656c745f68697374 // "elt_hist"

func (s *Store) migrate(ctx context.Context, migs []Migration) error {
	seen := map[[2]any]bool{}
	for _, m := range migs {
		if m.Component == "" || m.Version < 1 {
			return fmt.Errorf("history: migration %q needs a component and a version of at least 1", m.Name)
		}
		k := [2]any{m.Component, m.Version}
		if seen[k] {
			return fmt.Errorf("history: migration %s version %d is defined twice", m.Component, m.Version)
		}
		seen[k] = true
	}
	sorted := append([]Migration(nil), migs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		// The store's own tables come first: others may reference them.
		ci, cj := sorted[i].Component != CoreComponent, sorted[j].Component != CoreComponent
		if ci != cj {
			return !ci
		}
		if sorted[i].Component != sorted[j].Component {
			return sorted[i].Component < sorted[j].Component
		}
		return sorted[i].Version < sorted[j].Version
	})
	for _, m := range sorted {
		if err := s.applyMigration(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, m Migration) error {
	return s.InTx(ctx, func(tx *sql.Tx) error {
		if s.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLockKey)); err != nil {
				return fmt.Errorf("history: lock for migrations: %w", err)
			}
		}
		// Creating the bookkeeping table under the lock keeps two first
		// openers from racing on it.
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS elt_history_migrations (
  component TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  PRIMARY KEY (component, version)
)`); err != nil {
			return fmt.Errorf("history: create migrations table: %w", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM elt_history_migrations WHERE component = $1 AND version = $2`, m.Component, m.Version).Scan(&n); err != nil {
			return fmt.Errorf("history: read migrations: %w", err)
		}
		if n > 0 {
			return nil
		}
		stmts := m.SQLite
		if s.dialect == Postgres {
			stmts = m.Postgres
		}
		for _, stmt := range stmts {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("history: migration %s %d (%s): %w", m.Component, m.Version, m.Name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO elt_history_migrations (component, version, name, applied_at) VALUES ($1, $2, $3, $4)`,
			m.Component, m.Version, m.Name, formatTime(s.now())); err != nil {
			return fmt.Errorf("history: record migration %s %d: %w", m.Component, m.Version, err)
		}
		return nil
	})
}

// SchemaVersion is the highest migration applied for a component (0: none).
func (s *Store) SchemaVersion(ctx context.Context, component string) (int, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM elt_history_migrations WHERE component = $1`, component).Scan(&v); err != nil {
		return 0, fmt.Errorf("history: schema version of %s: %w", component, err)
	}
	return int(v.Int64), nil
}

// coreMigrations are the store's own tables. Append, never edit: a
// released migration has run on users' databases.
func coreMigrations() []Migration {
	ts := func(d Dialect) string {
		if d == Postgres {
			return "TIMESTAMPTZ"
		}
		return "TEXT"
	}
	both := func(f func(d Dialect) []string) ([]string, []string) { return f(SQLite), f(Postgres) }
	v1s, v1p := both(func(d Dialect) []string {
		id := "INTEGER PRIMARY KEY AUTOINCREMENT"
		dbl := "REAL"
		if d == Postgres {
			id, dbl = "BIGSERIAL PRIMARY KEY", "DOUBLE PRECISION"
		}
		return []string{
			`CREATE TABLE invocations (
  id TEXT PRIMARY KEY,
  command TEXT NOT NULL,
  args TEXT NOT NULL DEFAULT '{}',
  started_at ` + ts(d) + ` NOT NULL,
  ended_at ` + ts(d) + `,
  status TEXT NOT NULL,
  elt_version TEXT NOT NULL DEFAULT '',
  project TEXT NOT NULL DEFAULT '',
  target TEXT NOT NULL DEFAULT ''
)`,
			`CREATE INDEX invocations_started ON invocations (project, started_at)`,
			`CREATE TABLE node_results (
  invocation_id TEXT NOT NULL REFERENCES invocations (id) ON DELETE CASCADE,
  unique_id TEXT NOT NULL,
  resource_type TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  started_at ` + ts(d) + `,
  ended_at ` + ts(d) + `,
  execution_time ` + dbl + ` NOT NULL DEFAULT 0,
  rows_affected BIGINT,
  failures BIGINT,
  message TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (invocation_id, unique_id)
)`,
			`CREATE INDEX node_results_node ON node_results (unique_id, started_at)`,
			`CREATE TABLE metrics (
  id ` + id + `,
  invocation_id TEXT NOT NULL,
  unique_id TEXT NOT NULL,
  relation TEXT NOT NULL DEFAULT '',
  column_name TEXT NOT NULL DEFAULT '',
  metric TEXT NOT NULL,
  value ` + dbl + `,
  measured_at ` + ts(d) + ` NOT NULL
)`,
			`CREATE INDEX metrics_series ON metrics (unique_id, column_name, metric, measured_at)`,
			`CREATE TABLE profiles (
  invocation_id TEXT NOT NULL,
  unique_id TEXT NOT NULL,
  relation TEXT NOT NULL DEFAULT '',
  profile TEXT NOT NULL,
  measured_at ` + ts(d) + ` NOT NULL,
  PRIMARY KEY (invocation_id, unique_id)
)`,
			`CREATE INDEX profiles_node ON profiles (unique_id, measured_at)`,
		}
	})
	v2s, v2p := both(func(d Dialect) []string {
		return []string{
			// One row per alert incident: open until the rule recovers, so
			// an alert is sent once per incident, and a recovery once.
			`CREATE TABLE incidents (
  rule TEXT NOT NULL,
  subject TEXT NOT NULL,
  opened_at ` + ts(d) + ` NOT NULL,
  last_seen_at ` + ts(d) + ` NOT NULL,
  resolved_at ` + ts(d) + `,
  message TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (rule, subject, opened_at)
)`,
			`CREATE INDEX incidents_open ON incidents (rule, subject, resolved_at)`,
		}
	})
	v3s, v3p := both(func(d Dialect) []string {
		return []string{
			// The scheduler's job run (its job_runs.id) an invocation ran
			// for, so that a job run's nodes are found even when several
			// jobs run at once.
			`ALTER TABLE invocations ADD COLUMN job_run_id BIGINT`,
			`CREATE INDEX invocations_job_run ON invocations (job_run_id)`,
		}
	})
	return []Migration{
		{Component: CoreComponent, Version: 1, Name: "invocations, node results, metrics, profiles", SQLite: v1s, Postgres: v1p},
		{Component: CoreComponent, Version: 2, Name: "alert incidents", SQLite: v2s, Postgres: v2p},
		{Component: CoreComponent, Version: 3, Name: "invocations' job runs", SQLite: v3s, Postgres: v3p},
	}
}
