package pgparse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/lineage/jsontree"

	pg "github.com/pganalyze/pg_query_go/v5"
	"github.com/pganalyze/pg_query_go/v5/parser"

	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// Parser parses Postgres SQL. The zero value is ready to use and safe for concurrent use.
type Parser struct{}

// Parse parses one SELECT statement. A syntax error, several statements or a
// statement other than a query is returned as a *sqlmodel.ParseError.
func (Parser) Parse(_ context.Context, query string) (q sqlmodel.Query, err error) {
	out, err := pg.ParseToJSON(query)
	if err != nil {
		pos := -1
		var pe *parser.Error
		if errors.As(err, &pe) && pe.Cursorpos > 0 {
			pos = byteOffset(query, pe.Cursorpos-1)
		}
		return nil, &sqlmodel.ParseError{Message: err.Error(), Pos: pos}
	}
	return FromJSON([]byte(out))
}

// byteOffset turns Postgres's character position into a byte offset.
func byteOffset(s string, chars int) int {
	i := 0
	for off := range s {
		if i == chars {
			return off
		}
		i++
	}
	return len(s)
}

// FromJSON maps pg_query's JSON parse tree onto the query model.
func FromJSON(b []byte) (q sqlmodel.Query, err error) {
	root, err := jsontree.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("pgparse: decode parse tree: %w", err)
	}
	stmts := root.List("stmts")
	if len(stmts) != 1 {
		return nil, &sqlmodel.ParseError{Message: fmt.Sprintf("expected one SELECT statement, found %d statements", len(stmts)), Pos: -1}
	}
	sel := asObj(stmts[0]).Obj("stmt").Obj("SelectStmt")
	if sel == nil {
		return nil, &sqlmodel.ParseError{Message: "not a SELECT statement", Pos: -1}
	}
	defer func() {
		// A parse-tree shape this mapping does not expect becomes a parse
		// error for this model, never a crash.
		if r := recover(); r != nil {
			if u, ok := r.(sqlmodel.Unsupported); ok {
				q, err = nil, &sqlmodel.ParseError{Message: u.Construct + " is not supported by column lineage", Pos: u.Pos}
				return
			}
			q, err = nil, &sqlmodel.ParseError{Message: fmt.Sprintf("unexpected parse tree: %v", r), Pos: -1}
		}
	}()
	return selectStmt(sel), nil
}

type obj = jsontree.Obj

func asObj(v any) obj { return jsontree.As(v) }
func posOf(o obj) int {
	n, ok := o["location"].(json.Number)
	if !ok {
		return 0 // protobuf JSON leaves out a location of 0
	}
	v, err := strconv.Atoi(n.String())
	if err != nil {
		return -1
	}
	return v
}

// node unwraps {"Type": {...}} into its type name and body.
func node(v any) (string, obj) {
	o := asObj(v)
	for k, b := range o {
		return k, asObj(b)
	}
	return "", nil
}

func strs(l []any) []string {
	var out []string
	for _, v := range l {
		if t, b := node(v); t == "String" {
			out = append(out, b.Str("sval"))
		}
	}
	return out
}

func ctes(s obj) []sqlmodel.CTE {
	w := s.Obj("withClause")
	if w == nil {
		return nil
	}
	var out []sqlmodel.CTE
	for _, c := range w.List("ctes") {
		_, c := node(c)
		_, q := node(c.Obj("ctequery"))
		out = append(out, sqlmodel.CTE{Name: c.Str("ctename"), Columns: strs(c.List("aliascolnames")), Query: selectStmt(q), Recursive: w.Bool("recursive"), Pos: posOf(c)})
	}
	return out
}

func selectStmt(s obj) sqlmodel.Query {
	if op := s.Str("op"); op != "" && op != "SETOP_NONE" {
		o := &sqlmodel.SetOp{CTEs: ctes(s), Left: selectStmt(s.Obj("larg")), Right: selectStmt(s.Obj("rarg")), Pos: firstLoc(s.Obj("rarg"))}
		switch op {
		case "SETOP_UNION":
			o.Op = "union"
		case "SETOP_INTERSECT":
			o.Op = "intersect"
		case "SETOP_EXCEPT":
			o.Op = "except"
		default:
			panic("set operation " + op)
		}
		for _, sb := range s.List("sortClause") {
			_, sb := node(sb)
			o.OrderBy = append(o.OrderBy, ordinalOrExpr(sb.Obj("node")))
		}
		return o
	}
	if rows := s.List("valuesLists"); len(rows) > 0 {
		v := &sqlmodel.Values{Pos: firstLoc(s)}
		for _, row := range rows {
			_, l := node(row) // each row is a List node
			v.Rows = append(v.Rows, exprs(l.List("items")))
		}
		for i := range v.Rows[0] {
			v.Names = append(v.Names, fmt.Sprintf("column%d", i+1))
		}
		return v
	}
	q := &sqlmodel.Select{CTEs: ctes(s), Pos: firstLoc(s)}
	for _, t := range s.List("targetList") {
		_, rt := node(t)
		val := rt.Obj("val")
		if typ, cr := node(val); typ == "ColumnRef" {
			fields := cr.List("fields")
			if last, _ := node(fields[len(fields)-1]); last == "A_Star" {
				st := &sqlmodel.Star{}
				if q := strs(fields[:len(fields)-1]); len(q) > 0 {
					st.Table = q[len(q)-1]
				}
				q.Items = append(q.Items, sqlmodel.Item{Star: st, Pos: posOf(rt)})
				continue
			}
		}
		name := rt.Str("name")
		if name == "" {
			name = figureName(val)
		}
		q.Items = append(q.Items, sqlmodel.Item{Expr: expr(val), Alias: name, Pos: posOf(rt)})
	}
	for _, f := range s.List("fromClause") {
		q.From = append(q.From, table(f))
	}
	if w := s.Obj("whereClause"); w != nil {
		q.Where = expr(w)
	}
	if h := s.Obj("havingClause"); h != nil {
		q.Having = expr(h)
	}
	for _, g := range s.List("groupClause") {
		if typ, gs := node(g); typ == "GroupingSet" {
			for _, c := range gs.List("content") {
				q.GroupBy = append(q.GroupBy, ordinalOrExpr(asObj(c)))
			}
			continue
		}
		q.GroupBy = append(q.GroupBy, ordinalOrExpr(asObj(g)))
	}
	for _, sb := range s.List("sortClause") {
		_, sb := node(sb)
		q.OrderBy = append(q.OrderBy, ordinalOrExpr(sb.Obj("node")))
	}
	for _, d := range s.List("distinctClause") {
		if len(asObj(d)) > 0 {
			q.DistinctOn = append(q.DistinctOn, ordinalOrExpr(asObj(d)))
		}
	}
	if len(s.List("windowClause")) > 0 {
		panic(sqlmodel.Unsupported{Construct: "named WINDOW clause"})
	}
	return q
}

func ordinalOrExpr(e obj) sqlmodel.Expr {
	if typ, c := node(e); typ == "A_Const" && c.Obj("ival") != nil {
		n, _ := strconv.Atoi(c.Obj("ival").Str("ival")) // ival 0 is left out
		return &sqlmodel.Ordinal{N: n, Pos: posOf(c)}
	}
	return expr(e)
}

// figureName names an unaliased select item as Postgres's FigureColname does.
func figureName(v any) string {
	typ, b := node(v)
	switch typ {
	case "ColumnRef":
		f := strs(b.List("fields"))
		if len(f) > 0 {
			return f[len(f)-1]
		}
	case "FuncCall":
		f := strs(b.List("funcname"))
		if len(f) > 0 {
			return f[len(f)-1]
		}
	case "TypeCast":
		if n := figureName(b["arg"]); n != "?column?" {
			return n
		}
		f := strs(b.Obj("typeName").List("names"))
		if len(f) > 0 {
			return f[len(f)-1]
		}
	case "CaseExpr":
		return "case"
	case "CoalesceExpr":
		return "coalesce"
	case "MinMaxExpr":
		if b.Str("op") == "IS_GREATEST" {
			return "greatest"
		}
		return "least"
	case "SubLink":
		switch b.Str("subLinkType") {
		case "EXISTS_SUBLINK":
			return "exists"
		case "ARRAY_SUBLINK":
			return "array"
		case "EXPR_SUBLINK":
			_, sel := node(b["subselect"])
			if tl := sel.List("targetList"); len(tl) == 1 {
				_, rt := node(tl[0])
				if n := rt.Str("name"); n != "" {
					return n
				}
				return figureName(rt["val"])
			}
		}
	}
	return "?column?"
}

func table(v any) sqlmodel.Table {
	typ, t := node(v)
	alias := t.Obj("alias")
	switch typ {
	case "RangeVar":
		var parts []string
		for _, k := range []string{"catalogname", "schemaname", "relname"} {
			if s := t.Str(k); s != "" {
				parts = append(parts, s)
			}
		}
		return &sqlmodel.BaseTable{Parts: parts, Alias: alias.Str("aliasname"), ColumnAliases: strs(alias.List("colnames")), Pos: posOf(t)}
	case "RangeSubselect":
		_, q := node(t["subquery"])
		return &sqlmodel.Subquery{Query: selectStmt(q), Alias: alias.Str("aliasname"), ColumnAliases: strs(alias.List("colnames")), Lateral: t.Bool("lateral"), Pos: firstLoc(t)}
	case "JoinExpr":
		j := &sqlmodel.Join{Left: table(t["larg"]), Right: table(t["rarg"]), Natural: t.Bool("isNatural"), Using: strs(t.List("usingClause")), Pos: firstLoc(t)}
		switch t.Str("jointype") {
		case "JOIN_LEFT":
			j.Kind = "left"
		case "JOIN_RIGHT":
			j.Kind = "right"
		case "JOIN_FULL":
			j.Kind = "full"
		default:
			j.Kind = "inner"
		}
		if q := t.Obj("quals"); q != nil {
			j.On = expr(q)
		} else if !j.Natural && len(j.Using) == 0 {
			j.Kind = "cross"
		}
		if a := alias.Str("aliasname"); a != "" {
			return &sqlmodel.UnsupportedTable{Construct: "aliased join", Alias: a, Pos: firstLoc(t)}
		}
		return j
	case "RangeFunction":
		return &sqlmodel.UnsupportedTable{Construct: "table function", Alias: alias.Str("aliasname"), Pos: firstLoc(t)}
	}
	return &sqlmodel.UnsupportedTable{Construct: typ, Alias: alias.Str("aliasname"), Pos: posOf(t)}
}

func expr(v any) sqlmodel.Expr {
	typ, e := node(v)
	switch typ {
	case "":
		return nil
	case "ColumnRef":
		fields := e.List("fields")
		if last, _ := node(fields[len(fields)-1]); last == "A_Star" {
			return &sqlmodel.Unsupported{Construct: "* inside an expression", Pos: posOf(e)}
		}
		return &sqlmodel.ColumnRef{Parts: strs(fields), Pos: posOf(e)}
	case "A_Const":
		return constant(e)
	case "ParamRef", "SQLValueFunction", "SetToDefault":
		return &sqlmodel.Literal{Pos: posOf(e)}
	case "FuncCall":
		name := strs(e.List("funcname"))
		c := &sqlmodel.Call{Name: strings.ToLower(name[len(name)-1]), Args: exprs(e.List("args")), Pos: posOf(e)}
		if sqlmodel.IsAggregate(c.Name) || e.List("agg_order") != nil || e.Bool("agg_star") || e.Bool("agg_distinct") {
			c.Kind = sqlmodel.Aggregate
		}
		if f := e["agg_filter"]; f != nil {
			c.Filter = expr(f)
		}
		for _, sb := range e.List("agg_order") {
			_, sb := node(sb)
			c.Order = append(c.Order, expr(sb["node"]))
		}
		if w := e.Obj("over"); w != nil {
			if w.Str("name") != "" || w.Str("refname") != "" {
				return &sqlmodel.Unsupported{Construct: "named window", Pos: posOf(e)}
			}
			c.Kind = sqlmodel.Window
			c.Partition = exprs(w.List("partitionClause"))
			for _, sb := range w.List("orderClause") {
				_, sb := node(sb)
				c.Order = append(c.Order, expr(sb["node"]))
			}
		}
		return c
	case "SubLink":
		_, sel := node(e["subselect"])
		sq := &sqlmodel.SubqueryExpr{Query: selectStmt(sel), Pos: posOf(e)}
		switch e.Str("subLinkType") {
		case "EXPR_SUBLINK":
			sq.Kind = "scalar"
		case "EXISTS_SUBLINK":
			sq.Kind = "exists"
		case "ANY_SUBLINK":
			sq.Kind = "any"
		case "ALL_SUBLINK":
			sq.Kind = "all"
		case "ARRAY_SUBLINK":
			sq.Kind = "array"
		default:
			return &sqlmodel.Unsupported{Construct: "subquery " + e.Str("subLinkType"), Pos: posOf(e)}
		}
		if t := e["testexpr"]; t != nil {
			sq.Test = expr(t)
		}
		return sq
	case "TypeName", "String":
		return &sqlmodel.Literal{Pos: posOf(e)}
	}
	// Operators, CASE, casts, COALESCE, NULL tests...: the value depends on
	// every expression inside.
	c := &sqlmodel.Call{Name: strings.ToLower(typ), Pos: posOf(e)}
	collect(e, &c.Args)
	if typ == "A_Expr" && e.Str("kind") == "AEXPR_OP" && len(c.Args) == 2 {
		if op := strs(e.List("name")); len(op) == 1 {
			switch op[0] {
			case "=", "<>", "!=", "<", ">", "<=", ">=":
				c.Op = op[0]
			}
		}
	}
	return c
}

// constant reads an A_Const's type and value.
func constant(e obj) *sqlmodel.Literal {
	l := &sqlmodel.Literal{Pos: posOf(e)}
	switch {
	case e.Bool("isnull"):
		l.Type = sqlmodel.NullLiteral
	case e.Obj("sval") != nil:
		l.Type, l.Value = sqlmodel.StringLiteral, e.Obj("sval").Str("sval")
	case e.Obj("ival") != nil:
		l.Type, l.Value = sqlmodel.NumberLiteral, e.Obj("ival").Str("ival")
		if l.Value == "" {
			l.Value = "0" // protobuf JSON leaves out an ival of 0
		}
	case e.Obj("fval") != nil:
		l.Type, l.Value = sqlmodel.NumberLiteral, e.Obj("fval").Str("fval")
	case e.Obj("boolval") != nil:
		l.Type = sqlmodel.BoolLiteral
	}
	return l
}

// collect finds the expression nodes inside a node body, looking through
// lists and helper nodes such as CaseWhen.
func collect(body obj, out *[]sqlmodel.Expr) {
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a stable order, for stable warnings
	for _, k := range keys {
		if k == "name" || k == "typeName" {
			continue // operator names and type names are not expressions
		}
		collectValue(body[k], out)
	}
}

func collectValue(v any, out *[]sqlmodel.Expr) {
	switch x := v.(type) {
	case []any:
		for _, c := range x {
			collectValue(c, out)
		}
	case map[string]any:
		typ, b := node(x)
		if len(x) != 1 || typ == "" || typ[0] < 'A' || typ[0] > 'Z' {
			collect(obj(x), out)
			return
		}
		switch typ {
		case "CaseWhen", "List", "SortBy":
			collect(b, out)
		default:
			*out = append(*out, expr(x))
		}
	}
}

func exprs(l []any) []sqlmodel.Expr {
	var out []sqlmodel.Expr
	for _, v := range l {
		out = append(out, expr(v))
	}
	return out
}

// firstLoc is the smallest location inside a node, for nodes Postgres
// gives none of their own (joins, subqueries in FROM, set operations); -1 when none.
func firstLoc(v any) int {
	best := -1
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if k == "location" {
					if n, ok := c.(json.Number); ok {
						if i, err := strconv.Atoi(n.String()); err == nil && i >= 0 && (best < 0 || i < best) {
							best = i
						}
					}
					continue
				}
				walk(c)
			}
		case obj:
			walk(map[string]any(x))
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return best
}
