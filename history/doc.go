// Package history is elt's run-history store: every invocation, each node's
// result, the quality metrics and profiles measured, and the state of open
// alert incidents, kept across runs so that quality checks can judge today's
// numbers against yesterday's and the scheduler can persist its job runs.
//
// Two backends share one schema: SQLite (pure Go, modernc.org/sqlite), a
// file under the project by default (.elt/history.db, outside target/ so
// `elt clean` keeps it), and Postgres, which a team points every checkout
// and scheduler replica at to share one history.
//
// The schema is versioned: migrations are recorded per component in
// elt_history_migrations and each runs in its own transaction, under a lock
// (SQLite's write lock, a Postgres advisory lock) so that two processes
// opening the same store at once apply each migration exactly once. Other
// packages add their own tables by passing their migrations in
// Config.Migrations under their own component name.
//
// Every write is one transaction. With SQLite, connections use WAL,
// a busy timeout and BEGIN IMMEDIATE, so two processes writing at once wait
// for each other instead of failing.
//
// history is not dbt's --state (a previous manifest); it knows nothing of
// warehouses, SQL models or the DAG.
package history
