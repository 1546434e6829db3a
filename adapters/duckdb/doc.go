// Package duckdb is the embedded DuckDB warehouse adapter.
//
// It opens one database file (or an in-memory database) per Open, runs
// statements through database/sql with github.com/duckdb/duckdb-go/v2, and
// builds tables, views and seeds atomically using DuckDB's transactional DDL.
//
// It does not parse SQL, resolve refs or create schemas on its own: the
// compiler and the runner do that and hand it finished statements and
// relations. No driver type leaves this package.
package duckdb
