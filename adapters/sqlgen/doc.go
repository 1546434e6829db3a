// Package sqlgen builds and runs the SQL that DuckDB and PostgreSQL share:
// both speak standard SQL with double-quoted identifiers, so their
// snapshots and incremental strategies are the same statements but for a
// few spots (temporary tables, casts, type names), which a Warehouse
// describes.
//
// It does not open connections or transactions: an adapter begins the
// transaction and hands it over as a Tx. It imports only package adapters
// and the standard library, and knows nothing of either driver.
package sqlgen
