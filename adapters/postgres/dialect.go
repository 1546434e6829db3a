package postgres

import (
	"strings"

	"github.com/elt-dev/elt/adapters"
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
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// RenderRelation renders "database"."schema"."identifier", leaving out
// empty parts, the way dbt-postgres names relations.
func (d Dialect) RenderRelation(r adapters.Relation) string {
	parts := make([]string, 0, 3)
	for _, p := range []string{r.Database, r.Schema, r.Identifier} {
		if p != "" {
			parts = append(parts, d.Quote(p))
		}
	}
	return strings.Join(parts, ".")
}

// literal renders s as a SQL string literal (standard_conforming_strings is
// on in every supported PostgreSQL, so a backslash is an ordinary character).
func literal(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
