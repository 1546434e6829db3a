package sqlmodel

import "github.com/elt-dev/elt/internal/asciifold"

// Query is a Select or a SetOp.
type Query interface{ isQuery() }

// CTE is one `name [(columns)] as (query)` of a WITH clause.
type CTE struct {
	Name    string
	Columns []string // optional column aliases
	Query   Query
	// Recursive is set for a CTE of WITH RECURSIVE; when its query is a
	// UNION, the right side may read the CTE itself.
	Recursive bool
	Pos       int
}

// Select is one SELECT block.
type Select struct {
	CTEs  []CTE
	Items []Item
	// From holds the FROM clause's comma-separated items; joins nest inside.
	From       []Table
	Where      Expr
	GroupBy    []Expr
	GroupByAll bool
	Having     Expr
	Qualify    Expr
	OrderBy    []Expr
	// DistinctOn expressions decide which rows survive.
	DistinctOn []Expr
	Pos        int
}

// SetOp is UNION, INTERSECT or EXCEPT, with or without ALL, or DuckDB's UNION BY NAME.
type SetOp struct {
	CTEs        []CTE
	Op          string // "union", "intersect", "except"
	ByName      bool
	Left, Right Query
	OrderBy     []Expr
	Pos         int
}

// Values is a VALUES list; Names are the column names the dialect gives it
// (column1... in Postgres, col0... in DuckDB).
type Values struct {
	Names []string
	Rows  [][]Expr
	Pos   int
}

func (*Select) isQuery() {}
func (*SetOp) isQuery()  {}
func (*Values) isQuery() {}

// Item is one select-list entry: an expression with an optional alias, or a star.
type Item struct {
	Expr  Expr   // nil for a star
	Alias string // "" when none was written
	Star  *Star
	Pos   int
}

// Star is `*`, `t.*`, and DuckDB's `* exclude (...)` / `* replace (... as c)`.
type Star struct {
	Table   string // qualifier, "" for a bare *
	Exclude []string
	Replace []Item
	// Unsupported names a star form the resolver cannot expand, such as COLUMNS(regex).
	Unsupported string
}

// Table is a FROM-clause item.
type Table interface{ isTable() }

// BaseTable names a relation: a CTE, an upstream model, seed or source, or an unknown table.
type BaseTable struct {
	Parts         []string // catalog, schema, name as written (unquoted), 1 to 3 parts
	Alias         string
	ColumnAliases []string
	Pos           int
}

// Subquery is a derived table `(query) alias`; Lateral when it may read earlier FROM items.
type Subquery struct {
	Query         Query
	Alias         string
	ColumnAliases []string
	Lateral       bool
	Pos           int
}

// Join combines two FROM items.
type Join struct {
	Left, Right Table
	Kind        string // "inner", "left", "right", "full", "cross", "semi", "anti", "positional", "asof"
	On          Expr
	Using       []string
	Natural     bool
	Pos         int
}

// UnsupportedTable is a FROM item the resolver cannot read columns of
// (a table function, VALUES list, PIVOT...). Construct names it for the warning.
type UnsupportedTable struct {
	Construct string
	Alias     string
	Pos       int
}

func (*BaseTable) isTable()        {}
func (*Subquery) isTable()         {}
func (*Join) isTable()             {}
func (*UnsupportedTable) isTable() {}

// Expr is an expression.
type Expr interface{ isExpr() }

// ColumnRef is a column name, qualified or not: [catalog.][schema.][table.]column.
type ColumnRef struct {
	Parts []string
	Pos   int
}

// Literal is a constant. Type and Value are set for plain constants, so
// static checks can compare them with a column's type.
type Literal struct {
	Type  LiteralType
	Value string // the constant as text; "" for null and unknown
	Pos   int
}

// LiteralType is the kind of a constant as written.
type LiteralType string

// The literal types; "" when unknown (a parameter, DEFAULT, a typed constant).
const (
	StringLiteral LiteralType = "string"
	NumberLiteral LiteralType = "number"
	BoolLiteral   LiteralType = "bool"
	NullLiteral   LiteralType = "null"
)

// Call is any operator, function, cast or case: the value depends on every argument.
// Kind tells aggregates and window calls apart.
type Call struct {
	Name string
	Kind CallKind
	Args []Expr
	// Filter is an aggregate's FILTER (WHERE ...); it decides rows, so it is indirect.
	Filter Expr
	// Partition and Order of a window call, or an ordered aggregate's ORDER BY: indirect.
	Partition []Expr
	Order     []Expr
	// Op is set for a comparison of two values: "=", "<>", "<", ">", "<=", ">=".
	Op  string
	Pos int
}

// CallKind distinguishes plain calls, aggregates and window functions.
type CallKind int

const (
	Scalar CallKind = iota
	Aggregate
	Window
)

// SubqueryExpr is a subquery inside an expression: scalar `(select ...)`,
// `x in (select ...)`, `exists (select ...)`, `x op any (select ...)`.
type SubqueryExpr struct {
	Query Query
	Kind  string // "scalar", "exists", "in", "any", "all", "array"
	// Test is the left operand of IN / ANY / ALL.
	Test Expr
	Pos  int
}

// Unsupported is an expression the parser could not map; the resolver
// degrades the column that contains it.
type Unsupported struct {
	Construct string
	Pos       int
}

func (*ColumnRef) isExpr()    {}
func (*Literal) isExpr()      {}
func (*Call) isExpr()         {}
func (*SubqueryExpr) isExpr() {}
func (*Unsupported) isExpr()  {}

// ParseError is a statement the parser rejected or one that is not a query.
type ParseError struct {
	Message string
	Pos     int // byte offset, -1 when unknown
}

func (e *ParseError) Error() string { return e.Message }

// Ordinal is a position in GROUP BY or ORDER BY (`group by 1`), counted from 1.
type Ordinal struct {
	N   int
	Pos int
}

func (*Ordinal) isExpr() {}

// aggregates are the aggregate functions of DuckDB and Postgres, by lower-case
// name. The parsers cannot tell an aggregate from a scalar function by syntax,
// only by name; an aggregate missing here is reported as a transformation.
var aggregates = map[string]bool{}

func init() {
	for _, n := range []string{
		"sum", "count", "avg", "mean", "min", "max", "any_value", "first", "last", "arg_max", "arg_min",
		"argmax", "argmin", "max_by", "min_by", "string_agg", "group_concat", "listagg", "list", "array_agg",
		"json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg", "json_group_array", "json_group_object",
		"xmlagg", "median", "mode", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp",
		"bool_and", "bool_or", "every", "count_if", "countif", "count_star", "approx_count_distinct", "approx_quantile",
		"quantile", "quantile_cont", "quantile_disc", "percentile_cont", "percentile_disc", "corr",
		"covar_pop", "covar_samp", "regr_avgx", "regr_avgy", "regr_count", "regr_intercept", "regr_r2",
		"regr_slope", "regr_sxx", "regr_sxy", "regr_syy", "bit_and", "bit_or", "bit_xor", "product",
		"sum_no_overflow", "fsum", "sumkahan", "kahan_sum", "favg", "histogram", "kurtosis", "kurtosis_pop",
		"skewness", "entropy", "geomean", "geometric_mean", "mad", "bitstring_agg", "range_agg", "range_intersect_agg",
	} {
		aggregates[n] = true
	}
}

// IsAggregate reports whether name (any case) is a known aggregate function.
func IsAggregate(name string) bool { return aggregates[asciifold.Lower(name)] }
