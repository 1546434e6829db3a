// Package pgparse parses Postgres SQL with pg_query (Postgres's own parser,
// as a library) and maps the parse tree onto the lineage query model. It
// reads SELECT statements only and never touches a database.
package pgparse
