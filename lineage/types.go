package lineage

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// typeClass groups SQL types by what they can be compared with without a cast.
type typeClass int

const (
	unknownClass typeClass = iota
	numberClass
	textClass
	timeClass
	boolClass
)

func (c typeClass) String() string {
	switch c {
	case numberClass:
		return "number"
	case textClass:
		return "text"
	case timeClass:
		return "date/time"
	case boolClass:
		return "boolean"
	}
	return "unknown"
}

// classOf reads a type name as DuckDB, Postgres, Snowflake or BigQuery spell it.
func classOf(typ string) typeClass {
	t := strings.ToLower(strings.TrimSpace(typ))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch t {
	case "tinyint", "smallint", "int", "integer", "bigint", "hugeint", "utinyint", "usmallint", "uinteger", "ubigint",
		"int2", "int4", "int8", "int64", "float64", "numeric", "decimal", "number", "double", "double precision",
		"float", "float4", "float8", "real", "bignumeric", "serial", "bigserial":
		return numberClass
	case "varchar", "text", "string", "char", "character", "character varying", "bpchar", "nvarchar":
		return textClass
	case "date", "timestamp", "timestamptz", "datetime", "timestamp with time zone", "timestamp without time zone",
		"timestamp_ntz", "timestamp_tz", "timestamp_ltz":
		return timeClass
	case "boolean", "bool":
		return boolClass
	}
	return unknownClass
}

// operand is one side of a comparison: a column of a known type, or a literal.
type operand struct {
	class typeClass
	typ   string // the column's type as declared, "" for a literal
	name  string // the column as written
	pos   int
	lit   *sqlmodel.Literal
}

// operandOf types one side of a comparison; ok is false when its type is unknown.
func (r *resolver) operandOf(e sqlmodel.Expr, ctx *exprCtx) (operand, bool) {
	switch e := e.(type) {
	case *sqlmodel.Literal:
		return operand{lit: e}, e.Type == sqlmodel.StringLiteral || e.Type == sqlmodel.NumberLiteral
	case *sqlmodel.ColumnRef:
		l := r.column(e, ctx)
		edges := l.edges()
		if l.degraded || len(edges) == 0 || !copied(edges) {
			return operand{}, false
		}
		typ := r.in.ColumnType(edges[0].Node, edges[0].Column)
		c := classOf(typ)
		return operand{class: c, typ: typ, name: strings.Join(e.Parts, "."), pos: e.Pos}, c != unknownClass
	}
	return operand{}, false
}

// compare reports a comparison whose sides cannot be compared without a
// cast, or whose literal the column's type cannot read.
func (r *resolver) compare(c *sqlmodel.Call, ctx *exprCtx) {
	a, aok := r.operandOf(c.Args[0], ctx)
	b, bok := r.operandOf(c.Args[1], ctx)
	if !aok || !bok || (a.lit != nil && b.lit != nil) {
		return
	}
	if a.lit != nil {
		a, b = b, a
	}
	name := a.name
	if b.lit == nil {
		if a.class == b.class {
			return
		}
		r.problem(Problem{Kind: TypeMismatch, Pos: a.pos, Name: name,
			Message: fmt.Sprintf("%s (%s) is compared with %s (%s); cast one side so both have one type", a.name, a.typ, b.name, b.typ)})
		return
	}
	lit := b.lit
	bad := false
	switch {
	case a.class == numberClass && lit.Type == sqlmodel.StringLiteral:
		_, err := strconv.ParseFloat(strings.TrimSpace(lit.Value), 64)
		bad = err != nil
	case a.class == timeClass && lit.Type == sqlmodel.StringLiteral:
		bad = !looksLikeDate(lit.Value)
	case a.class == textClass && lit.Type == sqlmodel.NumberLiteral,
		a.class == timeClass && lit.Type == sqlmodel.NumberLiteral,
		a.class == boolClass && lit.Type == sqlmodel.NumberLiteral:
		bad = true
	}
	if !bad {
		return
	}
	shown := lit.Value
	if lit.Type == sqlmodel.StringLiteral {
		shown = "'" + strings.ReplaceAll(lit.Value, "'", "''") + "'"
	}
	r.problem(Problem{Kind: TypeMismatch, Pos: a.pos, Name: name,
		Message: fmt.Sprintf("%s (%s) is compared with the %s %s, which is not a %s value", name, a.typ, lit.Type, shown, a.class)})
}

// looksLikeDate is what DuckDB and Postgres read as a date: YYYY-MM-DD, then anything.
func looksLikeDate(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return false
	}
	for i, c := range s[:10] {
		if i == 4 || i == 7 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
