package duckdb

import (
	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/sqlgen"
)

// Dialect is DuckDB's quoting and relation naming. It does no I/O, so the
// compiler can use it without opening a database.
type Dialect struct{}

var _ adapters.Dialect = Dialect{}

// Type is the adapter type as written in profiles.yml.
func (Dialect) Type() string { return "duckdb" }

// Quote wraps ident in double quotes, doubling any embedded double quote.
func (Dialect) Quote(ident string) string {
	return sqlgen.Quote(ident)
}

// RenderRelation renders "database"."schema"."identifier", leaving out
// empty parts, the way dbt-duckdb names relations.
func (Dialect) RenderRelation(r adapters.Relation) string {
	return sqlgen.RenderRelation(r)
}

// literal renders s as a SQL string literal.
func literal(s string) string {
	return sqlgen.Literal(s)
}

// MaxIdentifierLength is the longest relation name part the warehouse
// keeps; the compiler refuses longer names. DuckDB sets no limit on identifier length: 0.
func (Dialect) MaxIdentifierLength() int { return 0 }

// ExternalSources reports that a source may be a file read in place
// (dbt-duckdb's external_location): the compiler renders such a source as
// its location.
func (Dialect) ExternalSources() bool { return true }
