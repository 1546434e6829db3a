package duckdbparse

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/lineage/jsontree"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver

	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// Parser holds an in-memory DuckDB used only for its parser. It is safe for concurrent use.
type Parser struct {
	db    *sql.DB
	stmt  *sql.Stmt // prepared once: planning it is much of a call's cost
	batch *sql.Stmt
}

// serializeSQL asks DuckDB for a statement's parse tree without its null
// and empty members: they read as missing, which FromJSON takes as it
// takes them written out (TestSkippedMembersSameModel), and leaving them
// out makes the tree a third shorter to write and to decode.
const serializeSQL = "select json_serialize_sql(?::varchar, skip_null := true, skip_empty := true)::varchar"

// serializeBatchSQL is serializeSQL for a list of statements, each with
// its place in the list: one query for many statements costs a fraction
// of one query each (BenchmarkParseBatch).
const serializeBatchSQL = "select generate_subscripts(l, 1) as i, json_serialize_sql(unnest(l), skip_null := true, skip_empty := true)::varchar " +
	"from (select ?::varchar[] as l)"

// BatchSize is how many statements ParseBatch sends DuckDB in one query.
const BatchSize = 64

// New opens the in-memory DuckDB.
func New() (*Parser, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("duckdbparse: open: %w", err)
	}
	stmt, err := db.Prepare(serializeSQL)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("duckdbparse: prepare: %w", err)
	}
	batch, err := db.Prepare(serializeBatchSQL)
	if err != nil {
		stmt.Close()
		db.Close()
		return nil, fmt.Errorf("duckdbparse: prepare: %w", err)
	}
	return &Parser{db: db, stmt: stmt, batch: batch}, nil
}

// Close releases the in-memory DuckDB.
func (p *Parser) Close() error {
	p.stmt.Close()
	p.batch.Close()
	return p.db.Close()
}

// ParseBatch parses each statement as Parse does, BatchSize statements
// per query to DuckDB. A statement's result is what Parse would return
// for it: a query that fails as a whole (DuckDB rejected one statement
// other than with a parse error) is done again one statement at a time.
func (p *Parser) ParseBatch(ctx context.Context, sqls []string) ([]sqlmodel.Query, []error) {
	qs, errs := make([]sqlmodel.Query, len(sqls)), make([]error, len(sqls))
	var tree sql.RawBytes
	var arena jsontree.Arena
	for lo := 0; lo < len(sqls); lo += BatchSize {
		hi := min(lo+BatchSize, len(sqls))
		if p.parseBatch(ctx, sqls[lo:hi], qs[lo:hi], errs[lo:hi], &tree, &arena) == nil {
			continue
		}
		for i := lo; i < hi; i++ {
			qs[i], errs[i] = p.Parse(ctx, sqls[i])
		}
	}
	return qs, errs
}

// parseBatch parses sqls in one query into qs and errs, each parse tree
// mapped as its row is read: the tree's text is read into tree, one
// buffer for every row, not a copy of each (a parse tree is ten times the
// size of its SQL), and decoded in arena. An error says the batch failed
// as a whole.
func (p *Parser) parseBatch(ctx context.Context, sqls []string, qs []sqlmodel.Query, errs []error, tree *sql.RawBytes, arena *jsontree.Arena) error {
	rows, err := p.batch.QueryContext(ctx, sqls)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := make([]bool, len(sqls))
	n := 0
	for rows.Next() {
		var i int
		if err := rows.Scan(&i, tree); err != nil {
			return err
		}
		if i < 1 || i > len(sqls) || seen[i-1] {
			return fmt.Errorf("duckdbparse: batch row %d of %d", i, len(sqls))
		}
		seen[i-1] = true
		qs[i-1], errs[i-1] = fromJSON(*tree, arena)
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n != len(sqls) {
		return fmt.Errorf("duckdbparse: batch of %d statements returned %d rows", len(sqls), n)
	}
	return nil
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
func FromJSON(b []byte) (sqlmodel.Query, error) { return fromJSON(b, &jsontree.Arena{}) }

// fromJSON is FromJSON, the tree decoded in a, which the next tree may
// reuse: the query model holds nothing of the tree (none of its types
// holds an any).
func fromJSON(b []byte, a *jsontree.Arena) (q sqlmodel.Query, err error) {
	root, err := a.DecodeMembers(b)
	if err != nil {
		return nil, fmt.Errorf("duckdbparse: decode parse tree: %w", err)
	}
	if root.Bool("error") {
		pos := -1
		if p, err := strconv.Atoi(root.Str("position")); err == nil {
			pos = p
		}
		return nil, &sqlmodel.ParseError{Message: root.Str("error_message"), Pos: pos}
	}
	stmts := root.List("statements")
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
	return query(asObj(stmts[0]).Obj("node")), nil
}

type obj = jsontree.Members

func asObj(v any) obj { return jsontree.AsMembers(v) }

// pos is the node's byte offset in the SQL, -1 when DuckDB has none.
func posOf(o obj) int {
	n, ok := o.Get("query_location").(json.Number)
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
	for _, e := range node.Obj("cte_map").List("map") {
		e := asObj(e)
		v := e.Obj("value")
		n := v.Obj("query").Obj("node")
		out = append(out, sqlmodel.CTE{Name: e.Str("key"), Columns: strs(v.List("aliases")), Query: query(n), Recursive: n.Str("type") == "RECURSIVE_CTE_NODE", Pos: posOf(n)})
	}
	return out
}

func query(node obj) sqlmodel.Query {
	switch node.Str("type") {
	case "SELECT_NODE":
		return selectNode(node)
	case "SET_OPERATION_NODE":
		op := &sqlmodel.SetOp{CTEs: ctes(node), Pos: posOf(node)}
		switch t := node.Str("setop_type"); t {
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
		if l, r := node.Obj("left"), node.Obj("right"); l != nil && r != nil {
			op.Left, op.Right = query(l), query(r)
			return op
		}
		// Newer DuckDB lists the operands as children.
		ch := node.List("children")
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
		return &sqlmodel.SetOp{Op: "union", Left: query(node.Obj("left")), Right: query(node.Obj("right")), Pos: posOf(node)}
	}
	panic("query node " + node.Str("type"))
}

func orderBy(node obj) []sqlmodel.Expr {
	var out []sqlmodel.Expr
	for _, m := range node.List("modifiers") {
		m := asObj(m)
		if m.Str("type") == "ORDER_MODIFIER" {
			for _, o := range m.List("orders") {
				out = append(out, ordinalOrExpr(asObj(o).Obj("expression")))
			}
		}
	}
	return out
}

func ordinalOrExpr(e obj) sqlmodel.Expr {
	if e.Str("class") == "CONSTANT" {
		v := e.Obj("value")
		if id := v.Obj("type").Str("id"); id == "INTEGER" || id == "BIGINT" {
			if n, err := strconv.Atoi(v.Str("value")); err == nil {
				return &sqlmodel.Ordinal{N: n, Pos: posOf(e)}
			}
		}
	}
	return expr(e)
}

func selectNode(node obj) *sqlmodel.Select {
	s := &sqlmodel.Select{CTEs: ctes(node), Pos: posOf(node)}
	for _, it := range node.List("select_list") {
		it := asObj(it)
		if it.Str("class") == "STAR" && !it.Bool("columns") && it.Obj("expr") == nil {
			st := &sqlmodel.Star{Table: it.Str("relation_name"), Exclude: excludes(it.List("exclude_list"))}
			for _, r := range it.List("replace_list") {
				r := asObj(r)
				st.Replace = append(st.Replace, sqlmodel.Item{Alias: r.Str("key"), Expr: expr(r.Obj("value"))})
			}
			if it.Str("regex") != "" {
				st.Unsupported = "COLUMNS(regex)"
			}
			if len(it.List("rename_list")) > 0 {
				st.Unsupported = "* RENAME"
			}
			s.Items = append(s.Items, sqlmodel.Item{Star: st, Pos: posOf(it)})
			continue
		}
		s.Items = append(s.Items, sqlmodel.Item{Expr: expr(it), Alias: it.Str("alias"), Pos: posOf(it)})
	}
	if f := node.Obj("from_table"); f != nil && f.Str("type") != "EMPTY" {
		s.From = []sqlmodel.Table{table(f)}
	}
	if w := node.Obj("where_clause"); w != nil {
		s.Where = expr(w)
	}
	if h := node.Obj("having"); h != nil {
		s.Having = expr(h)
	}
	if q := node.Obj("qualify"); q != nil {
		s.Qualify = expr(q)
	}
	groups := node.List("group_expressions")
	if groups == nil {
		groups = node.Obj("groups").List("group_expressions")
	}
	for _, g := range groups {
		s.GroupBy = append(s.GroupBy, ordinalOrExpr(asObj(g)))
	}
	s.GroupByAll = node.Str("aggregate_handling") == "FORCE_AGGREGATES"
	s.OrderBy = orderBy(node)
	for _, m := range node.List("modifiers") {
		m := asObj(m)
		if m.Str("type") == "DISTINCT_MODIFIER" {
			for _, d := range m.List("distinct_on_targets") {
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
		case obj:
			o := e
			if n := o.Str("name"); n != "" {
				out = append(out, n)
			} else if n := o.Str("column"); n != "" {
				out = append(out, n)
			} else {
				panic("exclude entry")
			}
		}
	}
	return out
}

func table(t obj) sqlmodel.Table {
	switch t.Str("type") {
	case "BASE_TABLE":
		var parts []string
		for _, k := range []string{"catalog_name", "schema_name", "table_name"} {
			if v := t.Str(k); v != "" {
				parts = append(parts, v)
			}
		}
		return &sqlmodel.BaseTable{Parts: parts, Alias: t.Str("alias"), ColumnAliases: strs(t.List("column_name_alias")), Pos: posOf(t)}
	case "SUBQUERY":
		return &sqlmodel.Subquery{Query: query(t.Obj("subquery").Obj("node")), Alias: t.Str("alias"), ColumnAliases: strs(t.List("column_name_alias")), Pos: posOf(t)}
	case "JOIN":
		j := &sqlmodel.Join{Left: table(t.Obj("left")), Right: table(t.Obj("right")), Kind: strings.ToLower(t.Str("join_type")), Using: strs(t.List("using_columns")), Pos: posOf(t)}
		switch t.Str("ref_type") {
		case "NATURAL":
			j.Natural = true
		case "CROSS":
			j.Kind = "cross"
		case "POSITIONAL":
			j.Kind = "positional"
		case "ASOF":
			j.Kind = "asof"
		}
		if c := t.Obj("condition"); c != nil {
			j.On = expr(c)
		}
		return j
	case "TABLE_FUNCTION":
		return &sqlmodel.UnsupportedTable{Construct: "table function", Alias: t.Str("alias"), Pos: posOf(t)}
	case "EXPRESSION_LIST":
		v := &sqlmodel.Values{Pos: posOf(t)}
		for _, row := range t.List("values") {
			r, _ := row.([]any)
			v.Rows = append(v.Rows, exprs(r))
		}
		if len(v.Rows) > 0 {
			for i := range v.Rows[0] {
				v.Names = append(v.Names, fmt.Sprintf("col%d", i))
			}
		}
		return &sqlmodel.Subquery{Query: v, Alias: t.Str("alias"), ColumnAliases: strs(t.List("column_name_alias")), Pos: posOf(t)}
	case "PIVOT":
		return &sqlmodel.UnsupportedTable{Construct: "PIVOT", Alias: t.Str("alias"), Pos: posOf(t)}
	}
	return &sqlmodel.UnsupportedTable{Construct: strings.ToLower(t.Str("type")), Alias: t.Str("alias"), Pos: posOf(t)}
}

func expr(e obj) sqlmodel.Expr {
	switch e.Str("class") {
	case "COLUMN_REF":
		return &sqlmodel.ColumnRef{Parts: strs(e.List("column_names")), Pos: posOf(e)}
	case "CONSTANT":
		return constant(e)
	case "PARAMETER", "DEFAULT":
		return &sqlmodel.Literal{Pos: posOf(e)}
	case "STAR":
		if e.Bool("columns") || e.Obj("expr") != nil {
			return &sqlmodel.Unsupported{Construct: "COLUMNS(...)", Pos: posOf(e)}
		}
		// count(*) and the like read rows, not columns.
		return &sqlmodel.Literal{Pos: posOf(e)}
	case "LAMBDA":
		return &sqlmodel.Unsupported{Construct: "lambda", Pos: posOf(e)}
	case "SUBQUERY":
		sq := &sqlmodel.SubqueryExpr{Query: query(e.Obj("subquery").Obj("node")), Pos: posOf(e)}
		switch e.Str("subquery_type") {
		case "SCALAR":
			sq.Kind = "scalar"
		case "EXISTS", "NOT_EXISTS":
			sq.Kind = "exists"
		case "ANY":
			sq.Kind = "any"
		default:
			sq.Kind = strings.ToLower(e.Str("subquery_type"))
		}
		if c := e.Obj("child"); c != nil {
			sq.Test = expr(c)
		}
		return sq
	case "FUNCTION":
		c := &sqlmodel.Call{Name: strings.ToLower(e.Str("function_name")), Args: exprs(e.List("children")), Pos: posOf(e)}
		if sqlmodel.IsAggregate(c.Name) {
			c.Kind = sqlmodel.Aggregate
		}
		if f := e.Obj("filter"); f != nil {
			c.Filter = expr(f)
		}
		for _, o := range e.Obj("order_bys").List("orders") {
			c.Order = append(c.Order, expr(asObj(o).Obj("expression")))
		}
		return c
	case "WINDOW":
		c := &sqlmodel.Call{Name: strings.ToLower(e.Str("function_name")), Kind: sqlmodel.Window, Args: exprs(e.List("children")), Partition: exprs(e.List("partitions")), Pos: posOf(e)}
		for _, o := range e.List("orders") {
			c.Order = append(c.Order, expr(asObj(o).Obj("expression")))
		}
		for _, k := range []string{"offset_expr", "default_expr"} {
			if a := e.Obj(k); a != nil {
				c.Args = append(c.Args, expr(a))
			}
		}
		if f := e.Obj("filter_expr"); f != nil {
			c.Filter = expr(f)
		}
		return c
	}
	// Every other class (operators, comparisons, CASE, CAST, BETWEEN, COLLATE...)
	// depends on all the expressions inside it.
	c := &sqlmodel.Call{Name: strings.ToLower(e.Str("type")), Pos: posOf(e)}
	collect(e, &c.Args, true)
	if e.Str("class") == "COMPARISON" {
		c.Op = comparisonOps[e.Str("type")]
	}
	return c
}

var comparisonOps = map[string]string{
	"COMPARE_EQUAL": "=", "COMPARE_NOTEQUAL": "<>", "COMPARE_LESSTHAN": "<", "COMPARE_GREATERTHAN": ">",
	"COMPARE_LESSTHANOREQUALTO": "<=", "COMPARE_GREATERTHANOREQUALTO": ">=",
}

// constant reads a CONSTANT's type and value.
func constant(e obj) *sqlmodel.Literal {
	l := &sqlmodel.Literal{Pos: posOf(e)}
	v := e.Obj("value")
	if v.Bool("is_null") {
		l.Type = sqlmodel.NullLiteral
		return l
	}
	switch v.Obj("type").Str("id") {
	case "VARCHAR":
		l.Type, l.Value = sqlmodel.StringLiteral, v.Str("value")
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "DECIMAL", "DOUBLE", "FLOAT":
		l.Type = sqlmodel.NumberLiteral
		if n, ok := v.Get("value").(json.Number); ok {
			l.Value = n.String()
		}
	case "BOOLEAN":
		l.Type = sqlmodel.BoolLiteral
	}
	return l
}

// collect finds the expressions directly inside v, looking through plain
// objects and lists (such as CASE's case_checks) that are not expressions.
func collect(v any, out *[]sqlmodel.Expr, top bool) {
	switch x := v.(type) {
	case obj:
		if !top && x.Str("class") != "" {
			*out = append(*out, expr(x))
			return
		}
		// In a stable order, for stable warnings: by key, a key written
		// twice read once, as its last value.
		members := append(obj(nil), x...)
		sort.SliceStable(members, func(i, j int) bool { return members[i].Key < members[j].Key })
		constant := x.Str("class") == "CONSTANT"
		for i, m := range members {
			if i+1 < len(members) && members[i+1].Key == m.Key {
				continue
			}
			if m.Key == "value" && constant {
				continue
			}
			collect(m.Value, out, false)
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
