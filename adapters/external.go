package adapters

import "context"

// External is a model written to files, as dbt-duckdb's external
// materialization writes it: the rows go to Location with COPY, and a view
// named Relation reads them back, so that ref() keeps working.
type External struct {
	UniqueID string
	Relation Relation
	SQL      string // compiled select statement
	// Location is the file (a directory with partition_by) to write, as
	// the project gives it; a relative path is relative to the working
	// directory the adapter was opened with.
	Location string
	// WriteOptions are COPY's options, e.g. "format parquet, partition_by (p)".
	WriteOptions string
	// Reader is what the view selects from, e.g.
	// read_parquet('out/m.parquet', union_by_name=False).
	Reader string
	// SingleFile: COPY writes one file, which the adapter may write aside
	// and rename into place so that a failed write keeps the old file.
	SingleFile bool
}

// ExternalWriter is implemented by adapters that write models to files
// (DuckDB).
type ExternalWriter interface {
	// External writes e's rows and replaces its relation with a view over
	// them. A model with no rows is written as one row of nulls, which the
	// view filters out, so that the file still carries the columns.
	External(ctx context.Context, e External) (RunResult, error)
}
