// Package snowflake is the Snowflake warehouse adapter.
//
// It is split in two. The planner (Planner and its *Plan types) is pure: given
// a model, seed, incremental run or snapshot and what the catalog said about
// the target, it returns the exact statements to run, so every materialization
// is tested with golden files without a warehouse (testdata/golden, rewritten
// with go test -update). The Adapter opens a session through
// github.com/snowflakedb/gosnowflake, reads the catalog, runs a plan's
// statements in order on one session (temporary tables and transactions are
// per session) and reports what Snowflake said.
//
// Names follow dbt-snowflake: relations are not quoted by default, so
// Snowflake stores them upper-cased; a project's quoting config
// (quoting: {database, schema, identifier}) is the Dialect's Quoting.
// Tables are transient unless the model sets transient: false.
//
// What it will not do: parse SQL, resolve refs, or hide Snowflake's own
// limits. In particular DDL commits implicitly on Snowflake, so only the DML
// part of an incremental run or snapshot is one transaction (see
// Adapter.Incremental). No driver type leaves this package, and no secret
// from the profile appears in an error.
package snowflake
