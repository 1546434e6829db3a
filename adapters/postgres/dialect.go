package postgres

import (
	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/sqlgen"
)

// Dialect is PostgreSQL's quoting and relation naming. It does no I/O, so
// the compiler can use it without a connection.
type Dialect struct{}

var _ adapters.Dialect = Dialect{}

// Type is the adapter type as written in profiles.yml.
func (Dialect) Type() string { return "postgres" }

// Quote wraps ident in double quotes, doubling any embedded double quote.
// Quoted names are case-sensitive in PostgreSQL, as dbt-postgres quotes them.
func (Dialect) Quote(ident string) string {
	return sqlgen.Quote(ident)
}

// RenderRelation renders "database"."schema"."identifier", leaving out
// empty parts, the way dbt-postgres names relations.
func (Dialect) RenderRelation(r adapters.Relation) string {
	return sqlgen.RenderRelation(r)
}

// literal renders s as a SQL string literal (standard_conforming_strings is
// on in every supported PostgreSQL, so a backslash is an ordinary character).
func literal(s string) string {
	return sqlgen.Literal(s)
}

// MaxIdentifierLength is the longest relation name part the warehouse
// keeps; the compiler refuses longer names. PostgreSQL keeps identifiers of up to 63 bytes (NAMEDATALEN-1) and silently
// truncates longer ones, so two long names could become one table.
func (Dialect) MaxIdentifierLength() int { return maxIdentLen }
