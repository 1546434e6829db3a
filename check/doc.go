// Package check finds mistakes in a project's SQL without querying the
// warehouse: unknown columns and relations, ambiguous column references, a
// column a model reads that its upstream no longer outputs, and comparisons
// of values whose types cannot be compared. It runs the lineage engine over
// the compiled models with the known columns (and types) of seeds, sources
// and upstream models, and maps each problem back to file:line:col in the
// model's source file, with a hint. Snowflake and BigQuery SQL is read
// with DuckDB's parser: its findings are warnings, and a model that parser
// cannot read gets an Unchecked warning.
//
// It does not compile, read files or connect to anything: the caller passes
// compiled SQL, raw SQL and known columns in.
package check
