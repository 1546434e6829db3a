// Package duckdbparse parses DuckDB SQL with DuckDB's own parser
// (json_serialize_sql on an in-memory connection) and maps the parse tree
// onto the lineage query model. It reads SELECT statements only and never
// touches a warehouse.
package duckdbparse
