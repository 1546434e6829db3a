package snowflake

import (
	"strings"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/lazyre"
)

// Quoting is dbt's quoting config for relation names: which parts of
// database.schema.identifier are written in double quotes. dbt-snowflake
// quotes none of them by default, so Snowflake upper-cases the names
// (orders is stored as ORDERS); a quoted part is case-sensitive and kept
// exactly as written.
//
// It reaches the adapter two ways: cmd/elt builds the Dialect with the
// project's quoting (DriverWithQuoting), or puts the mapping into the
// target's fields as "quoting" (ConfigFromFields reads it), so the dialect
// used to compile and the one used to run agree.
type Quoting struct {
	Database, Schema, Identifier bool
}

// Dialect is Snowflake's quoting and relation naming. It does no I/O.
type Dialect struct {
	Quoting Quoting
}

var _ adapters.Dialect = Dialect{}

// Type is the adapter type as written in profiles.yml.
func (Dialect) Type() string { return "snowflake" }

// Quote wraps ident in double quotes, doubling any embedded double quote.
// A quoted identifier is case-sensitive on Snowflake.
func (Dialect) Quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// RenderRelation renders database.schema.identifier, leaving out empty
// parts. A part is quoted when the Quoting says so; otherwise it is written
// bare, as dbt-snowflake writes it, unless it cannot be (see ident).
func (d Dialect) RenderRelation(r adapters.Relation) string {
	parts := make([]string, 0, 3)
	for _, p := range []struct {
		name   string
		quoted bool
	}{{r.Database, d.Quoting.Database}, {r.Schema, d.Quoting.Schema}, {r.Identifier, d.Quoting.Identifier}} {
		if p.name == "" {
			continue
		}
		if p.quoted {
			parts = append(parts, d.Quote(p.name))
		} else {
			parts = append(parts, d.ident(p.name))
		}
	}
	return strings.Join(parts, ".")
}

// ident writes a name the user wrote (a relation part with quoting off, a
// column named in unique_key, a snapshot meta column...) the way Snowflake
// would read it unquoted. A name that is not a valid unquoted identifier
// (a space, a hyphen, a reserved word such as select) would be a syntax
// error bare; dbt would fail there, we quote it instead, which keeps its
// case. The deviation only turns an error into the evident intent.
func (d Dialect) ident(name string) string {
	if isPlainIdent(name) {
		return name
	}
	return d.Quote(name)
}

// stored is the name Snowflake stores for a name written as ident (or
// quoted, when quoted is set) writes it: unquoted names are upper-cased.
// Catalog look-ups compare with it.
func stored(name string, quoted bool) string {
	if quoted || !isPlainIdent(name) {
		return name
	}
	return strings.ToUpper(name)
}

// storedRelation is rel as the catalog spells it.
func (d Dialect) storedRelation(rel adapters.Relation) adapters.Relation {
	return adapters.Relation{
		Database:   stored(rel.Database, d.Quoting.Database),
		Schema:     stored(rel.Schema, d.Quoting.Schema),
		Identifier: stored(rel.Identifier, d.Quoting.Identifier),
	}
}

var plainIdent = lazyre.New(`^[A-Za-z_][A-Za-z0-9_$]*$`)

// isPlainIdent reports whether name can be written unquoted.
func isPlainIdent(name string) bool {
	return plainIdent().MatchString(name) && !reservedWords[strings.ToUpper(name)]
}

// reservedWords are Snowflake's reserved keywords, which cannot be used
// as unquoted identifiers.
var reservedWords = func() map[string]bool {
	words := strings.Fields(`ACCOUNT ALL ALTER AND ANY AS BETWEEN BY CASE CAST CHECK COLUMN CONNECT
	CONNECTION CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP
	CURRENT_USER DATABASE DELETE DISTINCT DROP ELSE EXISTS FALSE FOLLOWING FOR FROM FULL GRANT
	GROUP GSCLUSTER HAVING ILIKE IN INCREMENT INNER INSERT INTERSECT INTO IS ISSUE JOIN LATERAL
	LEFT LIKE LOCALTIME LOCALTIMESTAMP MINUS NATURAL NOT NULL OF ON OR ORDER ORGANIZATION
	QUALIFY REGEXP REVOKE RIGHT RLIKE ROW ROWS SAMPLE SCHEMA SELECT SET SOME START TABLE
	TABLESAMPLE THEN TO TRIGGER TRUE TRY_CAST UNION UNIQUE UPDATE USING VALUES VIEW WHEN
	WHENEVER WHERE WITH`)
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}()

// literal renders s as a Snowflake string literal. Backslash is an escape
// character inside single quotes on Snowflake, so it is doubled too.
func literal(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// MaxIdentifierLength is the longest relation name part the warehouse
// keeps; the compiler refuses longer names. Snowflake identifiers are at most 255 characters.
func (Dialect) MaxIdentifierLength() int { return 255 }
