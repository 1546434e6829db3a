// Package sqlmodel is the small query model both SQL parsers produce and the
// lineage resolver reads: select items, relations, CTEs, subqueries, set
// operations, and calls marked as aggregate or window. It keeps only what
// column lineage needs; it is not a full SQL syntax tree and cannot print SQL.
package sqlmodel
