package lineage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// EdgeType says how an output column depends on an upstream column.
type EdgeType string

// The edge types, after OpenLineage's DIRECT (identity, transformation,
// aggregation) and INDIRECT transformation types.
const (
	Identity       EdgeType = "identity"       // copied unchanged
	Transformation EdgeType = "transformation" // computed from it, row by row
	Aggregation    EdgeType = "aggregation"    // computed from it across rows
	Indirect       EdgeType = "indirect"       // it filters, joins, groups, orders or partitions the rows
)

func rank(t EdgeType) int {
	switch t {
	case Identity:
		return 0
	case Transformation:
		return 1
	case Aggregation:
		return 2
	}
	return 3
}

// compose is the type of an edge reached through an outer use of kind outer
// and an inner edge of kind inner: indirect wins, then the stronger change.
func compose(outer, inner EdgeType) EdgeType {
	if outer == Indirect || inner == Indirect {
		return Indirect
	}
	if rank(outer) > rank(inner) {
		return outer
	}
	return inner
}

// better reports whether a is the type to keep over b for the same upstream
// column: a direct use beats an indirect one, and among direct uses the
// stronger change is kept.
func better(a, b EdgeType) bool {
	if a == Indirect || b == Indirect {
		return b == Indirect && a != Indirect
	}
	return rank(a) > rank(b)
}

// Edge is one upstream column an output column reads.
type Edge struct {
	Node   string   `json:"node"`
	Column string   `json:"column"`
	Type   EdgeType `json:"type"`
}

// Relation is an upstream node as the compiled SQL names it.
type Relation struct {
	Node string
	// Columns are the node's columns in order; nil when unknown.
	Columns []string
}

// Input is one model to resolve.
type Input struct {
	Node    string // the model's id or name, used in warnings
	Dialect string // "duckdb" or "postgres"; others are tried with DuckDB's parser
	SQL     string // compiled SQL
	// Relations maps relation names as rendered in the SQL, such as
	// "warehouse"."main"."orders" or __dbt__cte__ephemeral, to upstream nodes.
	Relations map[string]Relation
	// Self is the model's own relation as rendered in the SQL ({{ this }}),
	// which an incremental model reads for the rows it has already: a read
	// of it is no upstream, and its columns lead nowhere. "" for none.
	Self string
	// ColumnType returns the type of an upstream node's column, "" when
	// unknown; nil when no types are known. Comparisons of a column with a
	// value of another type are then reported as problems.
	ColumnType func(node, column string) string
}

// Column is one output column and what it reads.
type Column struct {
	Name  string `json:"name"`
	Edges []Edge `json:"upstream"`
	// Degraded is set when some of what the column reads could not be
	// resolved; it then depends on the model's Upstream tables as a whole.
	Degraded bool `json:"degraded,omitempty"`
}

// Warning says why lineage was degraded, and where.
type Warning struct {
	Node string `json:"node"`
	Line int    `json:"line,omitempty"` // 1-based, 0 when unknown
	// Pos is the byte offset in the compiled SQL, -1 when unknown; not
	// written out (lineage.json has the line).
	Pos       int    `json:"-"`
	Construct string `json:"construct"`
	Message   string `json:"message"`
}

func (w Warning) String() string {
	loc := w.Node
	if w.Line > 0 {
		loc = fmt.Sprintf("%s line %d", w.Node, w.Line)
	}
	return fmt.Sprintf("%s: %s: %s", loc, w.Construct, w.Message)
}

// ProblemKind names a mistake in a model's SQL that the warehouse would
// reject. A Warning is a limit of lineage; a Problem is a fact about the SQL,
// reported only when every relation involved has known columns.
type ProblemKind string

// The problems the resolver reports.
const (
	UnknownColumn   ProblemKind = "unknown_column"
	AmbiguousColumn ProblemKind = "ambiguous_column"
	UnknownRelation ProblemKind = "unknown_relation"
	TypeMismatch    ProblemKind = "type_mismatch"
)

// Problem is one mistake, at a byte offset of the compiled SQL.
type Problem struct {
	Kind ProblemKind `json:"kind"`
	Pos  int         `json:"pos"` // byte offset in the compiled SQL, -1 when unknown
	// Name is the column or relation as written, e.g. "o.customer" or "raw.orders".
	Name string `json:"name"`
	// Node is the upstream node whose known columns lack the column: a
	// column that node does not (or no longer) output. "" otherwise.
	Node string `json:"node,omitempty"`
	// Candidates are the names that were in scope, for a "did you mean".
	Candidates []string `json:"candidates,omitempty"`
	Message    string   `json:"message"`
}

// Model is the column lineage of one model.
type Model struct {
	Node    string   `json:"node"`
	Columns []Column `json:"columns"`
	// ColumnsKnown is false when the output columns could not all be listed
	// (the model did not parse, or a * over a relation of unknown columns).
	ColumnsKnown bool `json:"columns_known"`
	// Upstream is the table-level lineage: every upstream node the SQL reads.
	Upstream []string  `json:"upstream"`
	Warnings []Warning `json:"warnings,omitempty"`
	// Problems are mistakes the SQL certainly has (see Problem).
	Problems []Problem `json:"problems,omitempty"`
}

// Parser turns one SQL statement into the query model.
type Parser interface {
	Parse(ctx context.Context, sql string) (sqlmodel.Query, error)
}

// BatchParser is a Parser that parses many statements for less than one
// at a time; Build gives it statements in batches. Each statement's
// query and error are what Parse would return for it.
type BatchParser interface {
	Parser
	ParseBatch(ctx context.Context, sqls []string) ([]sqlmodel.Query, []error)
}

// Parsers chooses the parser for a dialect.
type Parsers struct {
	DuckDB   Parser
	Postgres Parser
}

func (p Parsers) forDialect(d string) (Parser, bool) {
	switch d {
	case "postgres", "redshift":
		return p.Postgres, p.Postgres != nil
	case "duckdb":
		return p.DuckDB, p.DuckDB != nil
	}
	// Other dialects: DuckDB's parser reads much of their SQL; what it
	// cannot read degrades with a warning.
	return p.DuckDB, false
}

// Resolve parses in.SQL and resolves every output column. It never fails:
// what cannot be parsed or resolved degrades to table-level lineage, with warnings.
func Resolve(ctx context.Context, parsers Parsers, in Input) *Model {
	return resolveParsed(in, parse(ctx, parsers, in.Dialect, in.SQL))
}

// parsed is a model's SQL after parsing: a query, or why there is none.
type parsed struct {
	q       sqlmodel.Query
	warning string // construct ": " message; "" when q is set
	pos     int
	// transient is set when the parser failed for a reason other than
	// the SQL (not a *sqlmodel.ParseError): the same SQL may parse later.
	transient bool
}

func parse(ctx context.Context, parsers Parsers, dialect, sql string) parsed {
	p, native := parsers.forDialect(dialect)
	if p == nil {
		return noParser(dialect)
	}
	q, err := p.Parse(ctx, readable(dialect, sql))
	return parseResult(q, err, dialect, native)
}

// noParser is the parse of SQL of a dialect without a parser.
func noParser(dialect string) parsed {
	return parsed{warning: fmt.Sprintf("no SQL parser for %s; table-level lineage only", dialect), pos: -1}
}

// readable is the SQL as the dialect's parser is given it.
func readable(dialect, sql string) string {
	if dialect == "bigquery" {
		return duckDBReadable(sql)
	}
	return sql
}

// parseResult is a parser's answer as the resolver takes it.
func parseResult(q sqlmodel.Query, err error, dialect string, native bool) parsed {
	if err == nil {
		return parsed{q: q}
	}
	pos := -1
	var pe *sqlmodel.ParseError
	transient := true
	if errors.As(err, &pe) {
		pos, transient = pe.Pos, false
	}
	msg := err.Error()
	if !native {
		msg = fmt.Sprintf("DuckDB's parser, used for %s SQL: %s", dialect, msg)
	}
	return parsed{warning: msg + "; table-level lineage only", pos: pos, transient: transient}
}

func resolveParsed(in Input, p parsed) (m *Model) {
	m = &Model{Node: in.Node}
	r := newResolver(in, m)
	defer func() {
		// A resolver bug must not take elt down: the model falls back to
		// table-level lineage, and the warning says so.
		if v := recover(); v != nil {
			m = &Model{Node: in.Node, Upstream: r.allUpstream(), Warnings: []Warning{{
				Node: in.Node, Construct: "internal error", Message: fmt.Sprintf("%v; table-level lineage only (please report this)", v)}}}
		}
	}()
	if p.q == nil {
		construct := "parse error"
		if strings.HasPrefix(p.warning, "no SQL parser") {
			construct = "dialect"
		}
		r.warn(p.pos, construct, p.warning)
		m.Upstream = r.allUpstream()
		return m
	}
	d := r.query(p.q, nil, nil)
	m.ColumnsKnown = d.known
	for _, c := range d.cols {
		if c.unnamed {
			r.warn(c.pos, "unnamed column", "a computed column without an alias is named by its SQL text, which lineage does not know; give it an alias")
		}
		m.Columns = append(m.Columns, Column{Name: c.name, Edges: c.lin.edges(), Degraded: c.lin.degraded})
	}
	m.Upstream = r.upstreamRead()
	return m
}

// lineage is what one value reads: upstream columns by edge type, and
// whether part of it could not be resolved.
//
// Most values read one to a few columns: the edges are a slice in
// first-seen order, searched in place, and indexed by a map only once
// there are more than linearEdges of them.
type lineage struct {
	list     []colEdge // first-seen order, for stable output
	index    map[colKey]int
	degraded bool
}

type colKey struct{ node, column string }

type colEdge struct {
	k colKey
	t EdgeType
}

// linearEdges is how many edges are searched without the map.
const linearEdges = 8

// find returns the index of k in l.list, or -1.
func (l *lineage) find(k colKey) int {
	if l.index != nil {
		if i, ok := l.index[k]; ok {
			return i
		}
		return -1
	}
	for i := range l.list {
		if l.list[i].k == k {
			return i
		}
	}
	return -1
}

func (l *lineage) add(k colKey, t EdgeType) {
	if i := l.find(k); i >= 0 {
		if better(t, l.list[i].t) {
			l.list[i].t = t
		}
		return
	}
	l.list = append(l.list, colEdge{k, t})
	switch {
	case l.index != nil:
		l.index[k] = len(l.list) - 1
	case len(l.list) > linearEdges:
		l.index = make(map[colKey]int, 2*len(l.list))
		for i, e := range l.list {
			l.index[e.k] = i
		}
	}
}

// typeOf returns k's edge type and whether l reads k.
func (l *lineage) typeOf(k colKey) (EdgeType, bool) {
	if i := l.find(k); i >= 0 {
		return l.list[i].t, true
	}
	var zero EdgeType
	return zero, false
}

// merge adds every edge of o, composed with the use kind.
func (l *lineage) merge(o *lineage, kind EdgeType) {
	if o == nil {
		return
	}
	for _, e := range o.list {
		l.add(e.k, compose(kind, e.t))
	}
	if o.degraded {
		l.degraded = true
	}
}

func (l *lineage) edges() []Edge {
	out := make([]Edge, 0, len(l.list))
	for _, e := range l.list {
		out = append(out, Edge{Node: e.k.node, Column: e.k.column, Type: e.t})
	}
	// Direct edges first, then indirect; each group in reading order.
	sort.SliceStable(out, func(i, j int) bool {
		return (out[i].Type == Indirect) != (out[j].Type == Indirect) && out[j].Type == Indirect
	})
	return out
}

// outCol is a resolved output column of a query or FROM item.
type outCol struct {
	name    string
	lin     *lineage
	pos     int
	unnamed bool
}

// derived is a resolved query: its columns, whether the list is complete,
// and what decides its rows (its indirect lineage).
type derived struct {
	cols     []outCol
	known    bool
	indirect *lineage
}

func lowerName(s string) string { return strings.ToLower(s) }
