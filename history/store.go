package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Dialect is the backend of a store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is an open run history. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect Dialect
	where   string // the file or the server, without credentials, for messages
	now     func() time.Time

	// stmts are the reads prepared so far, by their text (query).
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// sqliteBusyTimeout is how long a writer waits for another process's
// transaction before giving up.
const sqliteBusyTimeout = 30 * time.Second

// Open opens (creating when needed) the store cfg names and brings its
// schema up to date.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	return open(ctx, cfg, coreMigrations())
}

// open is Open with the store's own migrations given, so a test can build
// a database at an older schema version.
func open(ctx context.Context, cfg Config, core []Migration) (*Store, error) {
	s := &Store{now: time.Now}
	var err error
	if cfg.URL != "" {
		err = s.openPostgres(ctx, cfg)
	} else {
		err = s.openSQLite(ctx, cfg)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx, append(core, cfg.Migrations...)); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("%w (store: %s)", err, s.where)
	}
	return s, nil
}

func (s *Store) openSQLite(ctx context.Context, cfg Config) error {
	if cfg.Path == "" {
		return errors.New("history: no SQLite path and no Postgres URL")
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o755); err != nil {
		return fmt.Errorf("history: create folder for %s: %w", cfg.Path, err)
	}
	q := url.Values{}
	// busy_timeout first, so that switching to WAL waits for a concurrent
	// opener instead of failing.
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// BEGIN IMMEDIATE takes the write lock at the start of a transaction, so
	// two writers queue on busy_timeout rather than deadlock on an upgrade.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(cfg.Path)+"?"+q.Encode())
	if err != nil {
		return fmt.Errorf("history: open %s: %w", cfg.Path, err)
	}
	if err := pingSQLite(ctx, db); err != nil {
		db.Close()
		return fmt.Errorf("history: open %s: %w", cfg.Path, err)
	}
	s.db, s.dialect, s.where = db, SQLite, cfg.Path
	return nil
}

// pingSQLite opens the first connection. Two processes opening a new
// history file at once can get SQLITE_BUSY from the switch to WAL without
// SQLite calling its busy handler; the open is retried for as long as the
// busy timeout would have waited.
func pingSQLite(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for {
		err := db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

func (s *Store) openPostgres(ctx context.Context, cfg Config) error {
	pc, err := pgx.ParseConfig(cfg.URL)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return errors.New("history: the Postgres URL does not parse (check " + EnvURL + " or the profile's history.url)")
	}
	s.where = fmt.Sprintf("postgres %s:%d/%s", pc.Host, pc.Port, pc.Database)
	if cfg.Schema != "" {
		if pc.RuntimeParams == nil {
			pc.RuntimeParams = map[string]string{}
		}
		pc.RuntimeParams["search_path"] = quoteIdent(cfg.Schema)
	}
	db := stdlib.OpenDB(*pc)
	if cfg.Schema != "" {
		// CREATE SCHEMA IF NOT EXISTS can race with itself; the advisory
		// lock serializes first openers.
		err := func() error {
			conn, err := db.Conn(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLockKey)); err != nil {
				return err
			}
			defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLockKey))
			_, err = conn.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+quoteIdent(cfg.Schema))
			return err
		}()
		if err != nil {
			db.Close()
			return fmt.Errorf("history: %s: create schema %s: %w", s.where, cfg.Schema, err)
		}
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("history: connect to %s: %w", s.where, err)
	}
	s.db, s.dialect = db, Postgres
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Close releases the store.
func (s *Store) Close() error {
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
	s.mu.Unlock()
	return s.db.Close()
}

// query runs a read prepared once per store: the reports ask the same few
// statements once per node or metric, and preparing one (parsing and
// planning it) cost more than running it (on SQLite, a third of the CPU
// of `elt quality` at 2,000 models).
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s.mu.Lock()
	st := s.stmts[q]
	if st == nil {
		var err error
		if st, err = s.db.PrepareContext(ctx, q); err != nil {
			s.mu.Unlock()
			return nil, err
		}
		if s.stmts == nil {
			s.stmts = map[string]*sql.Stmt{}
		}
		s.stmts[q] = st
	}
	s.mu.Unlock()
	return st.QueryContext(ctx, args...)
}

// Dialect is the store's backend.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB is the underlying database, for components that keep their own
// tables in the store (added through Config.Migrations). Queries use $1,
// $2, ... placeholders on both backends; write through InTx.
func (s *Store) DB() *sql.DB { return s.db }

// String says where the store is, without credentials.
func (s *Store) String() string { return s.where }

// InTx runs fn in one transaction: committed when fn returns nil, rolled
// back otherwise. With SQLite the transaction holds the write lock from
// its start (BEGIN IMMEDIATE).
func (s *Store) InTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: commit: %w", err)
	}
	return nil
}

// Time formats: SQLite keeps times as fixed-width UTC text, so that text
// order is time order; Postgres as timestamptz.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(sqliteTime) }

// T is a time as the store's backend takes it; the zero time is NULL.
func (s *Store) T(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if s.dialect == Postgres {
		return t.UTC()
	}
	return formatTime(t)
}

// NullTime scans a time from either backend (text or timestamp; NULL is the
// zero time).
type NullTime struct{ Time time.Time }

// Scan implements sql.Scanner.
func (n *NullTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		n.Time = time.Time{}
	case time.Time:
		n.Time = v.UTC()
	case string:
		return n.parse(v)
	case []byte:
		return n.parse(string(v))
	default:
		return fmt.Errorf("history: cannot read %T as a time", v)
	}
	return nil
}

func (n *NullTime) parse(s string) error {
	for _, layout := range []string{sqliteTime, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			n.Time = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("history: %q is not a time", s)
}
