package duckdb

import (
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// Dialect is DuckDB's quoting and relation naming. It does no I/O, so the
// compiler can use it without opening a database.
type Dialect struct{}

var _ adapters.Dialect = Dialect{}

// Type is the adapter type as written in profiles.yml.
func (Dialect) Type() string { return "duckdb" }

// Quote wraps ident in double quotes, doubling any embedded double quote.
func (Dialect) Quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// RenderRelation renders "database"."schema"."identifier", leaving out
// empty parts, the way dbt-duckdb names relations.
func (d Dialect) RenderRelation(r adapters.Relation) string {
	parts := make([]string, 0, 3)
	for _, p := range []string{r.Database, r.Schema, r.Identifier} {
		if p != "" {
			parts = append(parts, d.Quote(p))
		}
	}
	return strings.Join(parts, ".")
}

// literal renders s as a SQL string literal.
func literal(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
