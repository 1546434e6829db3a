package lineage

import (
	"fmt"
	"strings"

	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// exprCtx is where an expression is resolved.
type exprCtx struct {
	sc      *scope
	env     *ctes
	aliases map[string]sqlmodel.Expr
	// A name no FROM item has may be a select item's alias (GROUP BY,
	// HAVING; DuckDB also in the select list and WHERE). aliasFirst
	// prefers the alias over a FROM item's column (ORDER BY).
	aliasFirst bool
	// aliasOnAmbiguity reads a name that more than one FROM item has
	// as the select item's alias of that name, where there is one
	// (BigQuery's QUALIFY).
	aliasOnAmbiguity bool
}

// expanding is the context for the expression of the alias name: the
// other aliases stay visible (DuckDB's `x as h, h - 1 as d, d + 1 as
// d2`), name itself not, so that `lower(status) as status ... order by
// status` reads the FROM item's status and no chain of aliases loops.
func (c *exprCtx) expanding(name string) *exprCtx {
	out := &exprCtx{sc: c.sc, env: c.env}
	if len(c.aliases) > 1 {
		out.aliases = make(map[string]sqlmodel.Expr, len(c.aliases)-1)
		for k, v := range c.aliases {
			if k != name {
				out.aliases[k] = v
			}
		}
	}
	return out
}

func (r *resolver) expr(e sqlmodel.Expr, kind EdgeType, into *lineage, ctx *exprCtx) {
	switch e := e.(type) {
	case nil, *sqlmodel.Literal, *sqlmodel.Ordinal:
	case *sqlmodel.ColumnRef:
		into.merge(r.column(e, ctx), kind)
	case *sqlmodel.Call:
		if e.Op != "" && len(e.Args) == 2 && r.in.ColumnType != nil {
			r.compare(e, ctx)
		}
		argKind := compose(kind, Transformation)
		switch {
		case e.Kind == sqlmodel.Aggregate, e.Kind == sqlmodel.Window && sqlmodel.IsAggregate(e.Name):
			argKind = compose(kind, Aggregation)
		}
		for _, a := range e.Args {
			r.expr(a, argKind, into, ctx)
		}
		r.expr(e.Filter, Indirect, into, ctx)
		for _, p := range e.Partition {
			r.expr(p, Indirect, into, ctx)
		}
		for _, o := range e.Order {
			r.expr(o, Indirect, into, ctx)
		}
	case *sqlmodel.SubqueryExpr:
		d := r.query(e.Query, ctx.env, ctx.sc)
		valueKind := compose(kind, Transformation)
		if e.Kind == "exists" {
			valueKind = Indirect
		}
		r.expr(e.Test, valueKind, into, ctx)
		for _, c := range d.cols {
			into.merge(c.lin, valueKind)
		}
		into.merge(d.indirect, Indirect)
		if !d.known {
			into.degraded = true
		}
	case *sqlmodel.Unsupported:
		into.merge(r.degrade(e.Pos, e.Construct, "not supported by column lineage"), kind)
	default:
		into.merge(r.degrade(-1, fmt.Sprintf("%T", e), "not supported by column lineage"), kind)
	}
}

func single(node, column string) *lineage {
	l := &lineage{}
	l.add(colKey{node, column}, Identity)
	return l
}

// column resolves a column reference against the scope chain.
func (r *resolver) column(ref *sqlmodel.ColumnRef, ctx *exprCtx) *lineage {
	parts := ref.Parts
	name := lowerName(parts[len(parts)-1])
	text := strings.Join(parts, ".")
	if len(parts) == 1 {
		if ctx.aliasFirst {
			if a, ok := ctx.aliases[name]; ok {
				l := &lineage{}
				r.expr(a, Identity, l, ctx.expanding(name))
				return l
			}
		}
		for s := ctx.sc; s != nil; s = s.outer {
			if m, ok := s.merged[name]; ok {
				return m.lin
			}
			var found []*outCol
			var unknown []*source
			self := false
			for _, src := range s.sources {
				if c := src.col(name); c != nil {
					found = append(found, c)
				} else if src.self {
					self = true
				} else if !src.known {
					unknown = append(unknown, src)
				}
			}
			switch {
			case len(found) == 1 && len(unknown) == 0:
				return found[0].lin
			case len(found) == 0 && len(unknown) == 0 && self:
				// A column of the model's own relation: it reads nothing
				// upstream.
				return &lineage{}
			case len(found) > 1 && ctx.aliasOnAmbiguity && ctx.aliases[name] != nil:
				l := &lineage{}
				r.expr(ctx.aliases[name], Identity, l, ctx.expanding(name))
				return l
			case len(found) > 1:
				r.problem(Problem{Kind: AmbiguousColumn, Pos: ref.Pos, Name: text, Candidates: sourcesWith(s, name),
					Message: fmt.Sprintf("column %s is ambiguous: %s each have it", text, strings.Join(sourcesWith(s, name), " and "))})
				return r.degrade(ref.Pos, "column "+text, "ambiguous: more than one relation has it")
			case len(found) == 0 && len(unknown) == 1 && len(s.sources) == 1 && unknown[0].node != "":
				// The only relation in scope: the column must be its own.
				return single(unknown[0].node, parts[0])
			case len(unknown) > 0:
				return r.degrade(ref.Pos, "column "+text, "cannot tell which relation it comes from: "+names(unknown)+" has unknown columns")
			}
		}
		if a, ok := ctx.aliases[name]; ok {
			l := &lineage{}
			r.expr(a, Identity, l, ctx.expanding(name))
			return l
		}
		if sqlValueFunctions[name] {
			// current_date and the like: a function of no column, where
			// no relation in scope has a column of that name.
			return &lineage{}
		}
		if r.in.Dialect == "bigquery" && bigQueryDateParts[name] {
			// DATE_TRUNC(d, MONTH): BigQuery's date parts are bare words
			// that DuckDB's parser reads as columns.
			return &lineage{}
		}
		if !pseudoColumns[name] {
			p := Problem{Kind: UnknownColumn, Pos: ref.Pos, Name: text, Candidates: inScope(ctx)}
			if ctx.sc != nil && len(ctx.sc.sources) == 1 {
				p.Node = r.culprit(ctx.sc.sources[0], name)
			}
			p.Message = "column " + text + " is not in any relation in scope"
			if p.Node != "" {
				p.Message = "column " + text + " is not a column of " + p.Node
			}
			r.problem(p)
		}
		return r.degrade(ref.Pos, "column "+text, "no relation in scope has it")
	}
	table := lowerName(parts[len(parts)-2])
	for s := ctx.sc; s != nil; s = s.outer {
		for _, src := range s.sources {
			if src.name != table {
				continue
			}
			if c := src.col(name); c != nil {
				return c.lin
			}
			if src.self {
				return &lineage{}
			}
			if !src.known && src.node != "" {
				return single(src.node, parts[len(parts)-1])
			}
			if !src.known {
				return r.degrade(ref.Pos, "column "+text, "the columns of "+src.name+" are unknown")
			}
			if !pseudoColumns[name] {
				p := Problem{Kind: UnknownColumn, Pos: ref.Pos, Name: text, Node: r.culprit(src, name), Candidates: colNames(src.cols),
					Message: "column " + text + ": " + src.name + " has no column " + parts[len(parts)-1]}
				if src.node != "" {
					p.Message = "column " + text + " is not a column of " + src.node
				}
				r.problem(p)
			}
			return r.degrade(ref.Pos, "column "+text, src.name+" has no such column")
		}
	}
	// a.b where a is a column: a struct field.
	first := &sqlmodel.ColumnRef{Parts: parts[:1], Pos: ref.Pos}
	for s := ctx.sc; s != nil; s = s.outer {
		for _, src := range s.sources {
			if src.col(lowerName(parts[0])) != nil {
				l := &lineage{}
				l.merge(r.column(first, ctx), Transformation)
				return l
			}
		}
	}
	if allKnown(ctx.sc) && ctx.sc != nil {
		var rels []string
		for s := ctx.sc; s != nil; s = s.outer {
			for _, src := range s.sources {
				rels = append(rels, src.name)
			}
		}
		r.problem(Problem{Kind: UnknownColumn, Pos: ref.Pos, Name: text, Candidates: rels,
			Message: "column " + text + ": no relation named " + parts[len(parts)-2] + " in scope"})
	}
	return r.degrade(ref.Pos, "column "+text, "no relation named "+parts[len(parts)-2]+" in scope")
}

// pseudoColumns are system columns every table has without listing them
// (DuckDB's rowid, Postgres's ctid, oid, xmin...): never unknown.
var pseudoColumns = map[string]bool{"rowid": true, "ctid": true, "oid": true, "xmin": true, "xmax": true, "cmin": true, "cmax": true, "tableoid": true}

// bigQueryDateParts are the date parts BigQuery's date functions take as
// bare words (DATE_TRUNC, DATE_DIFF, LAST_DAY...).
var bigQueryDateParts = map[string]bool{"microsecond": true, "millisecond": true, "second": true, "minute": true,
	"hour": true, "day": true, "dayofweek": true, "dayofyear": true, "week": true, "isoweek": true, "month": true,
	"quarter": true, "year": true, "isoyear": true, "date": true, "datetime": true, "time": true}

// sqlValueFunctions are the SQL functions written without parentheses
// that DuckDB's parser gives as column references, and its binder calls
// when no column has the name (ExpressionBinder's SQL value functions).
var sqlValueFunctions = map[string]bool{"current_catalog": true, "current_date": true, "current_schema": true,
	"current_role": true, "current_time": true, "current_timestamp": true, "current_user": true,
	"localtime": true, "localtimestamp": true, "session_user": true, "user": true}

// origin is the upstream node a FROM item's columns all copy unchanged:
// the node itself, or the node behind a CTE or subquery of `select *` (or
// of some of its columns). "" when the columns come from elsewhere.
// culprit is the upstream node that lacks column name (lower case) when
// src does: the node src reads, or the node whose columns a CTE or
// subquery src only copies, if that node's columns are known and lack
// the column too. A CTE that lists some of a node's columns lacks the
// others by its own choice, and a node of unknown columns may have it:
// then no node is to blame, and culprit is "".
func (r *resolver) culprit(src *source, name string) string {
	o := src.origin()
	if o == "" || src.node != "" {
		return o
	}
	for _, e := range r.rels {
		if e.rel.Node != o {
			continue
		}
		if e.rel.Columns == nil {
			return ""
		}
		for _, c := range e.rel.Columns {
			if lowerName(c) == name {
				return ""
			}
		}
		return o
	}
	return ""
}

func (s *source) origin() string {
	if s.node != "" {
		return s.node
	}
	node := ""
	for _, c := range s.cols {
		edges := c.lin.edges()
		if len(edges) == 0 || !copied(edges) || (node != "" && edges[0].Node != node) {
			return ""
		}
		node = edges[0].Node
	}
	return node
}

func allKnown(sc *scope) bool {
	for s := sc; s != nil; s = s.outer {
		for _, src := range s.sources {
			if !src.known {
				return false
			}
		}
	}
	return true
}

// sourcesWith names the FROM items of s that have column name.
func sourcesWith(s *scope, name string) []string {
	var out []string
	for _, src := range s.sources {
		if src.col(name) != nil {
			out = append(out, src.name)
		}
	}
	return out
}

func colNames(cols []outCol) []string {
	out := make([]string, 0, len(cols))
	for _, c := range cols {
		out = append(out, c.name)
	}
	return out
}

// inScope lists every column and select alias a bare name could mean.
func inScope(ctx *exprCtx) []string {
	var out []string
	for s := ctx.sc; s != nil; s = s.outer {
		for _, src := range s.sources {
			out = append(out, colNames(src.cols)...)
		}
		for _, m := range s.merged {
			out = append(out, m.name)
		}
	}
	for a := range ctx.aliases {
		out = append(out, a)
	}
	return out
}

func names(srcs []*source) string {
	var n []string
	for _, s := range srcs {
		n = append(n, s.name)
	}
	return strings.Join(n, ", ")
}

// fromItem adds a FROM item's sources to sc and returns what * expands to over it.
func (r *resolver) fromItem(t sqlmodel.Table, env *ctes, sc *scope) (star []outCol, known bool) {
	add := func(src *source) ([]outCol, bool) {
		sc.sources = append(sc.sources, src)
		if !src.known {
			sc.starOK = false
			sc.unknown = append(sc.unknown, src.name)
		}
		sc.star = append(sc.star, src.cols...)
		return src.cols, src.known
	}
	switch t := t.(type) {
	case *sqlmodel.BaseTable:
		name := lowerName(t.Parts[len(t.Parts)-1])
		alias := name
		if t.Alias != "" {
			alias = lowerName(t.Alias)
		}
		rel, relOK := r.relation(t.Parts)
		if c := env.find(name); c != nil && len(t.Parts) == 1 && !(relOK && len(rel.parts) == 1) {
			sc.indirect.merge(c.d.indirect, Indirect)
			src := &source{name: alias, cols: c.d.cols, known: c.d.known}
			src.cols = renameCols(src.cols, t.ColumnAliases)
			return add(src)
		}
		if relOK {
			r.markRead(rel.rel.Node)
			src := &source{name: alias, known: rel.rel.Columns != nil, node: rel.rel.Node}
			for _, c := range rel.rel.Columns {
				src.cols = append(src.cols, outCol{name: c, lin: single(rel.rel.Node, c)})
			}
			src.cols = renameCols(src.cols, t.ColumnAliases)
			return add(src)
		}
		if r.isSelf(t.Parts) {
			// An incremental model reading the rows it has: no upstream.
			return add(&source{name: alias, self: true})
		}
		node := strings.Join(t.Parts, ".")
		if r.in.Dialect == "bigquery" && len(t.Parts) > 1 && sc.has(lowerName(t.Parts[0])) {
			// FROM t, t.array_column AS x: BigQuery's implicit UNNEST of
			// a column of a FROM item before it. Its elements' fields
			// are unknown.
			r.warn(t.Pos, "relation "+node, "an array column's elements (implicit UNNEST); their columns are unknown")
			return add(&source{name: alias})
		}
		if many := r.relationsEndingWith(t.Parts); len(many) > 1 {
			// Not a guess: references to it degrade, and each candidate
			// counts as read for table-level lineage.
			r.warn(t.Pos, "relation "+node, "could be any of "+strings.Join(many, ", ")+"; qualify it. Its columns are unknown")
			for _, n := range many {
				r.markRead(n)
			}
			return add(&source{name: alias})
		}
		r.problem(Problem{Kind: UnknownRelation, Pos: t.Pos, Name: node,
			Message: "relation " + node + " is not a ref, a source or a CTE"})
		r.warn(t.Pos, "relation "+node, "not a ref, source or CTE; its columns are unknown")
		r.markRead(node)
		return add(&source{name: alias, node: node})
	case *sqlmodel.Subquery:
		// The FROM items before it are in scope: a LATERAL subquery may read
		// them (DuckDB does not mark LATERAL; it finds out when binding). A
		// subquery that is not lateral cannot name them, so this adds no meaning.
		d := r.query(t.Query, env, sc)
		sc.indirect.merge(d.indirect, Indirect)
		cols := renameCols(d.cols, t.ColumnAliases)
		return add(&source{name: lowerName(t.Alias), cols: cols, known: d.known})
	case *sqlmodel.UnsupportedTable:
		r.warn(t.Pos, t.Construct, "its columns are not known to column lineage")
		name := lowerName(t.Alias)
		if name == "" {
			name = t.Construct
		}
		return add(&source{name: name})
	case *sqlmodel.Join:
		before := len(sc.star)
		lstar, lok := r.fromItem(t.Left, env, sc)
		rstar, rok := r.fromItem(t.Right, env, sc)
		sc.star = sc.star[:before]
		using := t.Using
		if t.Natural {
			if !lok || !rok {
				r.warn(t.Pos, "NATURAL JOIN", "the columns of a joined relation are unknown, so the join columns are too")
				sc.star = append(sc.star, lstar...)
				sc.star = append(sc.star, rstar...)
				return append(lstar, rstar...), false
			}
			using = nil
			for _, l := range lstar {
				for _, rc := range rstar {
					if lowerName(l.name) == lowerName(rc.name) {
						using = append(using, l.name)
					}
				}
			}
		}
		ctx := &exprCtx{sc: sc, env: env}
		var merged []outCol
		drop := map[string]bool{}
		for _, u := range using {
			key := lowerName(u)
			drop[key] = true
			lc, rc := findCol(lstar, key), findCol(rstar, key)
			lin := &lineage{}
			switch {
			case lc == nil && lok, rc == nil && rok:
				lin = r.degrade(t.Pos, "USING ("+u+")", "a joined relation has no such column")
			case lc == nil || rc == nil:
				lin = r.degrade(t.Pos, "USING ("+u+")", "the columns of a joined relation are unknown")
			case t.Kind == "full":
				lin.merge(lc.lin, Transformation)
				lin.merge(rc.lin, Transformation)
			case t.Kind == "right":
				lin.merge(rc.lin, Identity)
			default:
				lin.merge(lc.lin, Identity)
			}
			if lc != nil {
				sc.indirect.merge(lc.lin, Indirect)
			}
			if rc != nil {
				sc.indirect.merge(rc.lin, Indirect)
			}
			m := outCol{name: u, lin: lin}
			if lc != nil {
				m.name = lc.name
			}
			sc.merged[key] = &m
			merged = append(merged, m)
		}
		if t.On != nil {
			r.expr(t.On, Indirect, sc.indirect, ctx)
		}
		out := merged
		for _, c := range append(append([]outCol(nil), lstar...), rstar...) {
			if !drop[lowerName(c.name)] {
				out = append(out, c)
			}
		}
		sc.star = append(sc.star, out...)
		return out, lok && rok
	}
	return nil, false
}

func findCol(cols []outCol, name string) *outCol {
	for i := range cols {
		if lowerName(cols[i].name) == name {
			return &cols[i]
		}
	}
	return nil
}

func renameCols(cols []outCol, names []string) []outCol {
	if len(names) == 0 {
		return cols
	}
	out := make([]outCol, len(cols))
	copy(out, cols)
	for i := range out {
		if i < len(names) {
			out[i].name = names[i]
		}
	}
	return out
}

// expandStar expands * or t.*, with DuckDB's EXCLUDE; REPLACE is applied by the caller.
func (r *resolver) expandStar(it sqlmodel.Item, sc *scope) ([]outCol, bool) {
	st := it.Star
	if st.Unsupported != "" {
		r.warn(it.Pos, st.Unsupported, "not supported by column lineage; the output columns are unknown")
		return nil, false
	}
	exclude := map[string]bool{}
	for _, e := range st.Exclude {
		exclude[lowerName(e)] = true
	}
	keep := func(cols []outCol) []outCol {
		var out []outCol
		for _, c := range cols {
			if !exclude[lowerName(c.name)] {
				out = append(out, c)
			}
		}
		return out
	}
	if st.Table == "" {
		if !sc.starOK {
			r.warn(it.Pos, "*", "the columns of "+strings.Join(sc.unknown, ", ")+" are unknown, so the output columns are too")
			return keep(sc.star), false
		}
		return keep(sc.star), true
	}
	name := lowerName(st.Table)
	for _, src := range sc.sources {
		if src.name == name {
			if !src.known {
				r.warn(it.Pos, st.Table+".*", "the columns of "+src.name+" are unknown, so the output columns are too")
				return keep(src.cols), false
			}
			return keep(src.cols), true
		}
	}
	r.warn(it.Pos, st.Table+".*", "no relation named "+st.Table+" in scope")
	return nil, false
}

// relationsEndingWith names the upstream nodes whose relation names end with parts.
func (r *resolver) relationsEndingWith(parts []string) []string {
	var out []string
	for _, e := range r.rels {
		if endsWith(e.parts, parts) {
			out = append(out, e.rel.Node)
		}
	}
	return out
}

// endsWith says whether name (lower-case parts, as splitRelation gives
// them) ends with parts, compared as lowerName compares names.
func endsWith(name, parts []string) bool {
	if len(parts) > len(name) {
		return false
	}
	tail := name[len(name)-len(parts):]
	for i, p := range parts {
		if tail[i] != lowerName(p) {
			return false
		}
	}
	return true
}

// relation finds the upstream relation a table name means: the same parts,
// or, for a partly qualified name, the one relation whose name ends with them.
func (r *resolver) relation(parts []string) (relEntry, bool) {
	var match []relEntry
	for _, e := range r.rels {
		if endsWith(e.parts, parts) {
			if len(e.parts) == len(parts) {
				return e, true
			}
			match = append(match, e)
		}
	}
	if len(match) == 1 {
		return match[0], true
	}
	return relEntry{}, false
}
