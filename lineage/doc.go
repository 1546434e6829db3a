// Package lineage resolves column-level lineage: for each output column of a
// compiled model, the upstream columns it reads and how (identity,
// transformation, aggregation, or indirect: filter, join, group, order,
// window partition). SQL is parsed by the dialect's own parser
// (lineage/duckdbparse, lineage/pgparse) into one small query model
// (lineage/sqlmodel); the resolver walks CTEs, subqueries, joins, stars and
// set operations the way sqlglot's qualify, scope and lineage do.
//
// It takes plain inputs (compiled SQL, and the upstream relations with their
// known columns) and never touches a warehouse. It does not guess: a model
// that does not parse, or a column that cannot be resolved, degrades to
// table-level lineage with a warning naming the model, line and construct.
package lineage
