package duckdbparse

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver

	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// Parser holds an in-memory DuckDB used only for its parser. It is safe for concurrent use.
type Parser struct {
	db   *sql.DB
	stmt *sql.Stmt // prepared once: planning it is much of a call's cost
}

// New opens the in-memory DuckDB.
func New() (*Parser, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("duckdbparse: open: %w", err)
	}
	stmt, err := db.Prepare("select json_serialize_sql(?::varchar)::varchar")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("duckdbparse: prepare: %w", err)
	}
	return &Parser{db: db, stmt: stmt}, nil
}

// Close releases the in-memory DuckDB.
func (p *Parser) Close() error {
	p.stmt.Close()
	return p.db.Close()
}

// Parse parses one SELECT statement. A syntax error, several statements or a
// statement other than a query is returned as a *sqlmodel.ParseError.
func (p *Parser) Parse(ctx context.Context, query string) (sqlmodel.Query, error) {
	var out string
	if err := p.stmt.QueryRowContext(ctx, query).Scan(&out); err != nil {
		return nil, fmt.Errorf("duckdbparse: %w", err)
	}
	return FromJSON([]byte(out))
}

// FromJSON maps json_serialize_sql's output onto the query model.
func FromJSON(b []byte) (q sqlmodel.Query, err error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var root obj
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("duckdbparse: decode parse tree: %w", err)
	}
	if root.bool("error") {
		pos := -1
		if p, err := strconv.Atoi(root.str("position")); err == nil {
			pos = p
		}
		return nil, &sqlmodel.ParseError{Message: root.str("error_message"), Pos: pos}
	}
	stmts := root.list("statements")
	if len(stmts) != 1 {
		return nil, &sqlmodel.ParseError{Message: fmt.Sprintf("expected one SELECT statement, found %d statements", len(stmts)), Pos: -1}
	}
	defer func() {
		// The tree's shape is DuckDB's and may change between versions; a
		// surprise becomes a parse error for this model, never a crash.
		if r := recover(); r != nil {
			if u, ok := r.(sqlmodel.Unsupported); ok {
				q, err = nil, &sqlmodel.ParseError{Message: u.Construct + " is not supported by column lineage", Pos: u.Pos}
				return
			}
			q, err = nil, &sqlmodel.ParseError{Message: fmt.Sprintf("unexpected parse tree: %v", r), Pos: -1}
		}
	}()
	return query(asObj(stmts[0]).obj("node")), nil
}

type obj map[string]any

func asObj(v any) obj {
	switch m := v.(type) {
	case map[string]any:
		return m
	case obj:
		return m
	}
	return nil
}

func (o obj) obj(k string) obj    { return asObj(o[k]) }
func (o obj) list(k string) []any { l, _ := o[k].([]any); return l }
func (o obj) str(k string) string {
	switch v := o[k].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}
func (o obj) bool(k string) bool { b, _ := o[k].(bool); return b }

// pos is the node's byte offset in the SQL, -1 when DuckDB has none.
func (o obj) pos() int {
	n, ok := o["query_location"].(json.Number)
	if !ok {
		return -1
	}
	v, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil || v < 0 || v > 1<<40 {
		return -1
	}
	return int(v)
}

func strs(l []any) []string {
	var out []string
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func ctes(node obj) []sqlmodel.CTE {
	var out []sqlmodel.CTE
	for _, e := range node.obj("cte_map").list("map") {
		e := asObj(e)
		v := e.obj("value")
		n := v.obj("query").obj("node")
		out = append(out, sqlmodel.CTE{Name: e.str("key"), Columns: strs(v.list("aliases")), Query: query(n), Recursive: n.str("type") == "RECURSIVE_CTE_NODE", Pos: n.pos()})
	}
	return out
}

func query(node obj) sqlmodel.Query {
	switch node.str("type") {
	case "SELECT_NODE":
		return selectNode(node)
	case "SET_OPERATION_NODE":
		op := &sqlmodel.SetOp{CTEs: ctes(node), Pos: node.pos()}
		switch t := node.str("setop_type"); t {
		case "UNION", "UNION_BY_NAME":
			op.Op, op.ByName = "union", t == "UNION_BY_NAME"
		case "EXCEPT":
			op.Op = "except"
		case "INTERSECT":
			op.Op = "intersect"
		default:
			panic("set operation " + t)
		}
		op.OrderBy = orderBy(node)
		if l, r := node.obj("left"), node.obj("right"); l != nil && r != nil {
			op.Left, op.Right = query(l), query(r)
			return op
		}
		// Newer DuckDB lists the operands as children.
		ch := node.list("children")
		if len(ch) < 2 {
			panic("set operation without operands")
		}
		var q sqlmodel.Query = query(asObj(ch[0]))
		for _, c := range ch[1:] {
			q = &sqlmodel.SetOp{Op: op.Op, ByName: op.ByName, Left: q, Right: query(asObj(c)), Pos: op.Pos}
		}
		top := q.(*sqlmodel.SetOp)
		top.CTEs, top.OrderBy = op.CTEs, op.OrderBy
		return top
	case "RECURSIVE_CTE_NODE":
		return &sqlmodel.SetOp{Op: "union", Left: query(node.obj("left")), Right: query(node.obj("right")), Pos: node.pos()}
	}
	panic("query node " + node.str("type"))
}

func orderBy(node obj) []sqlmodel.Expr {
	var out []sqlmodel.Expr
	for _, m := range node.list("modifiers") {
		m := asObj(m)
		if m.str("type") == "ORDER_MODIFIER" {
			for _, o := range m.list("orders") {
				out = append(out, ordinalOrExpr(asObj(o).obj("expression")))
			}
		}
	}
	return out
}

func ordinalOrExpr(e obj) sqlmodel.Expr {
	if e.str("class") == "CONSTANT" {
		v := e.obj("value")
		if id := v.obj("type").str("id"); id == "INTEGER" || id == "BIGINT" {
			if n, err := strconv.Atoi(v.str("value")); err == nil {
				return &sqlmodel.Ordinal{N: n, Pos: e.pos()}
			}
		}
	}
	return expr(e)
}

func selectNode(node obj) *sqlmodel.Select {
	s := &sqlmodel.Select{CTEs: ctes(node), Pos: node.pos()}
	for _, it := range node.list("select_list") {
		it := asObj(it)
		if it.str("class") == "STAR" && !it.bool("columns") && it.obj("expr") == nil {
			st := &sqlmodel.Star{Table: it.str("relation_name"), Exclude: excludes(it.list("exclude_list"))}
			for _, r := range it.list("replace_list") {
				r := asObj(r)
				st.Replace = append(st.Replace, sqlmodel.Item{Alias: r.str("key"), Expr: expr(r.obj("value"))})
			}
			if it.str("regex") != "" {
				st.Unsupported = "COLUMNS(regex)"
			}
			if len(it.list("rename_list")) > 0 {
				st.Unsupported = "* RENAME"
			}
			s.Items = append(s.Items, sqlmodel.Item{Star: st, Pos: it.pos()})
			continue
		}
		s.Items = append(s.Items, sqlmodel.Item{Expr: expr(it), Alias: it.str("alias"), Pos: it.pos()})
	}
	if f := node.obj("from_table"); f != nil && f.str("type") != "EMPTY" {
		s.From = []sqlmodel.Table{table(f)}
	}
	if w := node.obj("where_clause"); w != nil {
		s.Where = expr(w)
	}
	if h := node.obj("having"); h != nil {
		s.Having = expr(h)
	}
	if q := node.obj("qualify"); q != nil {
		s.Qualify = expr(q)
	}
	groups := node.list("group_expressions")
	if groups == nil {
		groups = node.obj("groups").list("group_expressions")
	}
	for _, g := range groups {
		s.GroupBy = append(s.GroupBy, ordinalOrExpr(asObj(g)))
	}
	s.GroupByAll = node.str("aggregate_handling") == "FORCE_AGGREGATES"
	s.OrderBy = orderBy(node)
	for _, m := range node.list("modifiers") {
		m := asObj(m)
		if m.str("type") == "DISTINCT_MODIFIER" {
			for _, d := range m.list("distinct_on_targets") {
				s.DistinctOn = append(s.DistinctOn, ordinalOrExpr(asObj(d)))
			}
		}
	}
	return s
}

// excludes reads exclude_list, whose entries are names or, in newer DuckDB, qualified-name objects.
func excludes(l []any) []string {
	var out []string
	for _, v := range l {
		switch e := v.(type) {
		case string:
			out = append(out, e)
		case map[string]any:
			o := obj(e)
			if n := o.str("name"); n != "" {
				out = append(out, n)
			} else if n := o.str("column"); n != "" {
				out = append(out, n)
			} else {
				panic("exclude entry")
			}
		}
	}
	return out
}

func table(t obj) sqlmodel.Table {
	switch t.str("type") {
	case "BASE_TABLE":
		var parts []string
		for _, k := range []string{"catalog_name", "schema_name", "table_name"} {
			if v := t.str(k); v != "" {
				parts = append(parts, v)
			}
		}
		return &sqlmodel.BaseTable{Parts: parts, Alias: t.str("alias"), ColumnAliases: strs(t.list("column_name_alias")), Pos: t.pos()}
	case "SUBQUERY":
		return &sqlmodel.Subquery{Query: query(t.obj("subquery").obj("node")), Alias: t.str("alias"), ColumnAliases: strs(t.list("column_name_alias")), Pos: t.pos()}
	case "JOIN":
		j := &sqlmodel.Join{Left: table(t.obj("left")), Right: table(t.obj("right")), Kind: strings.ToLower(t.str("join_type")), Using: strs(t.list("using_columns")), Pos: t.pos()}
		switch t.str("ref_type") {
		case "NATURAL":
			j.Natural = true
		case "CROSS":
			j.Kind = "cross"
		case "POSITIONAL":
			j.Kind = "positional"
		case "ASOF":
			j.Kind = "asof"
		}
		if c := t.obj("condition"); c != nil {
			j.On = expr(c)
		}
		return j
	case "TABLE_FUNCTION":
		return &sqlmodel.UnsupportedTable{Construct: "table function", Alias: t.str("alias"), Pos: t.pos()}
	case "EXPRESSION_LIST":
		v := &sqlmodel.Values{Pos: t.pos()}
		for _, row := range t.list("values") {
			r, _ := row.([]any)
			v.Rows = append(v.Rows, exprs(r))
		}
		if len(v.Rows) > 0 {
			for i := range v.Rows[0] {
				v.Names = append(v.Names, fmt.Sprintf("col%d", i))
			}
		}
		return &sqlmodel.Subquery{Query: v, Alias: t.str("alias"), ColumnAliases: strs(t.list("column_name_alias")), Pos: t.pos()}
	case "PIVOT":
		return &sqlmodel.UnsupportedTable{Construct: "PIVOT", Alias: t.str("alias"), Pos: t.pos()}
	}
	return &sqlmodel.UnsupportedTable{Construct: strings.ToLower(t.str("type")), Alias: t.str("alias"), Pos: t.pos()}
}

func expr(e obj) sqlmodel.Expr {
	switch e.str("class") {
	case "COLUMN_REF":
		return &sqlmodel.ColumnRef{Parts: strs(e.list("column_names")), Pos: e.pos()}
	case "CONSTANT", "PARAMETER", "DEFAULT":
		return &sqlmodel.Literal{Pos: e.pos()}
	case "STAR":
		if e.bool("columns") || e.obj("expr") != nil {
			return &sqlmodel.Unsupported{Construct: "COLUMNS(...)", Pos: e.pos()}
		}
		// count(*) and the like read rows, not columns.
		return &sqlmodel.Literal{Pos: e.pos()}
	case "LAMBDA":
		return &sqlmodel.Unsupported{Construct: "lambda", Pos: e.pos()}
	case "SUBQUERY":
		sq := &sqlmodel.SubqueryExpr{Query: query(e.obj("subquery").obj("node")), Pos: e.pos()}
		switch e.str("subquery_type") {
		case "SCALAR":
			sq.Kind = "scalar"
		case "EXISTS", "NOT_EXISTS":
			sq.Kind = "exists"
		case "ANY":
			sq.Kind = "any"
		default:
			sq.Kind = strings.ToLower(e.str("subquery_type"))
		}
		if c := e.obj("child"); c != nil {
			sq.Test = expr(c)
		}
		return sq
	case "FUNCTION":
		c := &sqlmodel.Call{Name: strings.ToLower(e.str("function_name")), Args: exprs(e.list("children")), Pos: e.pos()}
		if sqlmodel.IsAggregate(c.Name) {
			c.Kind = sqlmodel.Aggregate
		}
		if f := e.obj("filter"); f != nil {
			c.Filter = expr(f)
		}
		for _, o := range e.obj("order_bys").list("orders") {
			c.Order = append(c.Order, expr(asObj(o).obj("expression")))
		}
		return c
	case "WINDOW":
		c := &sqlmodel.Call{Name: strings.ToLower(e.str("function_name")), Kind: sqlmodel.Window, Args: exprs(e.list("children")), Partition: exprs(e.list("partitions")), Pos: e.pos()}
		for _, o := range e.list("orders") {
			c.Order = append(c.Order, expr(asObj(o).obj("expression")))
		}
		for _, k := range []string{"offset_expr", "default_expr"} {
			if a := e.obj(k); a != nil {
				c.Args = append(c.Args, expr(a))
			}
		}
		if f := e.obj("filter_expr"); f != nil {
			c.Filter = expr(f)
		}
		return c
	}
	// Every other class (operators, comparisons, CASE, CAST, BETWEEN, COLLATE...)
	// depends on all the expressions inside it.
	c := &sqlmodel.Call{Name: strings.ToLower(e.str("type")), Pos: e.pos()}
	collect(map[string]any(e), &c.Args, true)
	return c
}

// collect finds the expressions directly inside v, looking through plain
// objects and lists (such as CASE's case_checks) that are not expressions.
func collect(v any, out *[]sqlmodel.Expr, top bool) {
	switch x := v.(type) {
	case map[string]any:
		o := obj(x)
		if !top && o.str("class") != "" {
			*out = append(*out, expr(o))
			return
		}
		keys := make([]string, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		sort.Strings(keys) // a stable order, for stable warnings
		for _, k := range keys {
			if k == "value" && o.str("class") == "CONSTANT" {
				continue
			}
			collect(o[k], out, false)
		}
	case []any:
		for _, c := range x {
			collect(c, out, false)
		}
	}
}

func exprs(l []any) []sqlmodel.Expr {
	var out []sqlmodel.Expr
	for _, v := range l {
		out = append(out, expr(asObj(v)))
	}
	return out
}
