package bigquery

import (
	"strconv"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
)

// Dialect is BigQuery's quoting and relation naming (GoogleSQL). It does no
// I/O, so the compiler can use it without a client.
type Dialect struct{}

var _ adapters.Dialect = Dialect{}

// Type is the adapter type as written in profiles.yml.
func (Dialect) Type() string { return "bigquery" }

// Quote wraps ident in backticks. Inside a quoted identifier BigQuery reads
// backslash escapes, so backslashes and backticks are escaped.
func (Dialect) Quote(ident string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`")
	return "`" + r.Replace(ident) + "`"
}

// RenderRelation renders `project`.`dataset`.`identifier` (database is the
// project, schema the dataset), leaving out empty parts.
func (d Dialect) RenderRelation(r adapters.Relation) string {
	parts := make([]string, 0, 3)
	for _, p := range []string{r.Database, r.Schema, r.Identifier} {
		if p != "" {
			parts = append(parts, d.Quote(p))
		}
	}
	return strings.Join(parts, ".")
}

// quote is Dialect{}.Quote, for brevity inside the planner.
func quote(ident string) string { return Dialect{}.Quote(ident) }

// render is Dialect{}.RenderRelation.
func render(r adapters.Relation) string { return Dialect{}.RenderRelation(r) }

// literal renders s as a GoogleSQL string literal. Single-quoted literals
// read backslash escapes, so those are escaped along with quotes and the
// characters a single-quoted literal may not hold.
func literal(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// timeLiteral renders t (as UTC) as a literal of typ: TIMESTAMP (an
// instant), DATETIME (UTC wall time) or DATE (the UTC day). Other types get
// a TIMESTAMP literal.
func timeLiteral(t time.Time, typ string) string {
	t = t.UTC()
	switch baseType(typ) {
	case "DATETIME":
		return "datetime " + literal(t.Format("2006-01-02 15:04:05.999999"))
	case "DATE":
		return "date " + literal(t.Format("2006-01-02"))
	default:
		return "timestamp " + literal(t.Format("2006-01-02 15:04:05.999999")+"+00")
	}
}

// baseType is a type name without parameters, upper case: NUMERIC(10, 2)
// -> NUMERIC, STRING(20) -> STRING. ARRAY<...> and STRUCT<...> keep their
// first word.
func baseType(typ string) string {
	t := strings.ToUpper(strings.TrimSpace(typ))
	if i := strings.IndexAny(t, "(<"); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch t {
	case "INTEGER", "INT", "SMALLINT", "BIGINT", "TINYINT", "BYTEINT":
		return "INT64"
	case "FLOAT":
		return "FLOAT64"
	case "BOOLEAN":
		return "BOOL"
	case "DECIMAL":
		return "NUMERIC"
	case "BIGDECIMAL":
		return "BIGNUMERIC"
	}
	return t
}

// sameType compares two BigQuery type names, treating aliases
// (INTEGER/INT64, ...) and case as equal.
func sameType(a, b string) bool {
	if strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) {
		return true
	}
	// Parameterised or nested types must match as written.
	if strings.ContainsAny(a, "(<") || strings.ContainsAny(b, "(<") {
		return false
	}
	return baseType(a) == baseType(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// MaxIdentifierLength is the longest relation name part the warehouse
// keeps; the compiler refuses longer names. BigQuery table names are at most 1024 characters.
func (Dialect) MaxIdentifierLength() int { return 1024 }
