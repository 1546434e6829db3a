// Package datadiff compares two relations row by row inside the warehouse:
// row counts, rows only on one side, rows whose key matches but whose
// values differ, per-column counts of differences, duplicate keys and a
// sample. Everything is computed by SQL (a full outer join on the key with
// IS DISTINCT FROM per column, aggregated in one query), so it scales with
// the warehouse, not with elt's memory.
//
// It generates SQL through the adapter's dialect (quoting, relation names)
// and runs it through the adapter; it knows nothing about projects.
package datadiff
