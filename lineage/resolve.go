package lineage

import (
	"fmt"
	"sort"
	"strings"

	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// relEntry is one upstream relation, its rendered name split into lower-case parts.
type relEntry struct {
	parts []string
	rel   Relation
}

type resolver struct {
	in      Input
	m       *Model
	rels    []relEntry
	self    []string        // Input.Self split into parts; nil for none
	read    map[string]bool // upstream nodes the SQL reads
	readOrd []string
	warned  map[string]bool
	found   map[problemKey]bool
}

type problemKey struct {
	kind ProblemKind
	pos  int
	name string
}

func newResolver(in Input, m *Model) *resolver {
	r := &resolver{in: in, m: m, read: map[string]bool{}, warned: map[string]bool{}, found: map[problemKey]bool{}}
	keys := make([]string, 0, len(in.Relations))
	for k := range in.Relations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r.rels = append(r.rels, relEntry{parts: splitRelation(k), rel: in.Relations[k]})
	}
	if in.Self != "" {
		r.self = splitRelation(in.Self)
	}
	return r
}

// isSelf says whether parts name the model's own relation: all of it, or
// its last parts, as relation matches a name.
func (r *resolver) isSelf(parts []string) bool {
	return len(parts) > 0 && endsWith(r.self, parts)
}

// splitRelation splits "db"."schema"."name" (quoted or not) into lower-case parts.
func splitRelation(s string) []string {
	var parts []string
	var b strings.Builder
	quoted := false
	quoteCh := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == quoteCh:
			if i+1 < len(s) && s[i+1] == quoteCh {
				b.WriteByte(c)
				i++
			} else {
				quoted = false
			}
		case quoted:
			b.WriteByte(c)
		case c == '"' || c == '`':
			quoted, quoteCh = true, c
		case c == '.':
			parts = append(parts, lowerName(b.String()))
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(parts, lowerName(b.String()))
}

func (r *resolver) allUpstream() []string {
	seen := map[string]bool{}
	out := []string{}
	for _, e := range r.rels {
		if !seen[e.rel.Node] {
			seen[e.rel.Node] = true
			out = append(out, e.rel.Node)
		}
	}
	sort.Strings(out)
	return out
}

func (r *resolver) upstreamRead() []string {
	out := append([]string{}, r.readOrd...)
	sort.Strings(out)
	return out
}

func (r *resolver) markRead(node string) {
	if !r.read[node] {
		r.read[node] = true
		r.readOrd = append(r.readOrd, node)
	}
}

// line turns a byte offset into a 1-based line, 0 when unknown.
func (r *resolver) line(pos int) int {
	if pos < 0 || pos > len(r.in.SQL) {
		return 0
	}
	return strings.Count(r.in.SQL[:pos], "\n") + 1
}

func (r *resolver) warn(pos int, construct, msg string) {
	w := Warning{Node: r.in.Node, Line: r.line(pos), Pos: pos, Construct: construct, Message: msg}
	key := w.String()
	if r.warned[key] {
		return
	}
	r.warned[key] = true
	r.m.Warnings = append(r.m.Warnings, w)
}

// problem records a mistake in the SQL once.
func (r *resolver) problem(p Problem) {
	k := problemKey{p.Kind, p.Pos, p.Name}
	if r.found[k] {
		return
	}
	r.found[k] = true
	r.m.Problems = append(r.m.Problems, p)
}

// degraded returns a lineage marked unresolved, after warning.
func (r *resolver) degrade(pos int, construct, msg string) *lineage {
	r.warn(pos, construct, msg)
	return &lineage{degraded: true}
}

// ctes is the chain of WITH names visible at a point.
type ctes struct {
	name   string
	d      *derived
	parent *ctes
	pos    int
}

func (c *ctes) find(name string) *ctes {
	for ; c != nil; c = c.parent {
		if c.name == name {
			return c
		}
	}
	return nil
}

// source is one named FROM item of a scope.
type source struct {
	name  string // alias, or the table's own name; lower case
	cols  []outCol
	known bool
	// node is set for an upstream relation whose columns are unknown: a
	// qualified reference to it is still a fact about that node.
	node string
	// self: the model's own relation (Input.Self); its columns lead nowhere.
	self bool
}

func (s *source) col(name string) *outCol {
	for i := range s.cols {
		if lowerName(s.cols[i].name) == name {
			return &s.cols[i]
		}
	}
	return nil
}

// scope is the FROM clause of one SELECT, with its enclosing scope for
// correlated references.
type scope struct {
	sources []*source
	// merged are the columns USING and NATURAL joins merge, by lower-case name.
	merged map[string]*outCol
	// star lists, per FROM item, what * expands to (merged columns once).
	star     []outCol
	starOK   bool
	unknown  []string // names of FROM items whose columns are unknown
	outer    *scope
	indirect *lineage
}

// has reports whether a FROM item of s or of a scope around it is named
// name (lower case).
func (s *scope) has(name string) bool {
	for ; s != nil; s = s.outer {
		for _, src := range s.sources {
			if src.name == name {
				return true
			}
		}
	}
	return false
}

func (r *resolver) withCTEs(list []sqlmodel.CTE, env *ctes, outer *scope) *ctes {
	for _, c := range list {
		if rel, ok := r.relation([]string{c.Name}); ok && len(rel.parts) == 1 {
			// An ephemeral model inlined as a CTE: the caller names it as an
			// upstream node, so lineage goes through that node, not into its SQL.
			continue
		}
		var d *derived
		if op, ok := c.Query.(*sqlmodel.SetOp); ok && c.Recursive && op.Op == "union" {
			d = r.recursiveCTE(c, op, env, outer)
		} else {
			d = r.query(c.Query, env, outer)
			if len(c.Columns) > 0 {
				d = renamed(d, c.Columns)
			}
		}
		env = &ctes{name: lowerName(c.Name), d: d, parent: env, pos: c.Pos}
	}
	return env
}

// recursiveCTE resolves `name as (anchor union [all] step)`, where step
// reads name itself: the anchor's lineage, then each step's, until no
// column gains an edge (a few rounds, as edges only accumulate).
func (r *resolver) recursiveCTE(c sqlmodel.CTE, op *sqlmodel.SetOp, env *ctes, outer *scope) *derived {
	name := lowerName(c.Name)
	cur := r.query(op.Left, env, outer)
	if len(c.Columns) > 0 {
		cur = renamed(cur, c.Columns)
	}
	for round := 0; round < 8; round++ {
		step := r.query(op.Right, &ctes{name: name, d: cur, parent: env, pos: c.Pos}, outer)
		next := &derived{known: cur.known && step.known, indirect: &lineage{}}
		next.indirect.merge(cur.indirect, Indirect)
		next.indirect.merge(step.indirect, Indirect)
		changed := len(next.indirect.list) != len(cur.indirect.list)
		for i, col := range cur.cols {
			lin := &lineage{}
			lin.merge(col.lin, Identity)
			if i < len(step.cols) {
				lin.merge(step.cols[i].lin, Identity)
			}
			changed = changed || len(lin.list) != len(col.lin.list) || lin.degraded != col.lin.degraded || !sameTypes(lin, col.lin)
			next.cols = append(next.cols, outCol{name: col.name, lin: lin, pos: col.pos})
		}
		cur = next
		if !changed {
			return cur
		}
	}
	r.warn(c.Pos, "WITH RECURSIVE "+c.Name, "lineage did not settle; table-level lineage only")
	for _, col := range cur.cols {
		col.lin.degraded = true
	}
	return cur
}

func sameTypes(a, b *lineage) bool {
	for _, e := range a.list {
		if t, _ := b.typeOf(e.k); t != e.t {
			return false
		}
	}
	return true
}

func renamed(d *derived, names []string) *derived {
	out := &derived{known: d.known, indirect: d.indirect}
	for i, c := range d.cols {
		if i < len(names) {
			c.name = names[i]
		}
		out.cols = append(out.cols, c)
	}
	return out
}

func (r *resolver) query(q sqlmodel.Query, env *ctes, outer *scope) *derived {
	switch q := q.(type) {
	case *sqlmodel.Select:
		return r.selectQuery(q, r.withCTEs(q.CTEs, env, outer), outer)
	case *sqlmodel.SetOp:
		env = r.withCTEs(q.CTEs, env, outer)
		return r.setOp(q, env, outer)
	case *sqlmodel.Values:
		out := &derived{known: true, indirect: &lineage{}}
		ctx := &exprCtx{sc: outer, env: env}
		for i, name := range q.Names {
			lin := &lineage{}
			for _, row := range q.Rows {
				if i < len(row) {
					r.expr(row[i], Identity, lin, ctx)
				}
			}
			out.cols = append(out.cols, outCol{name: name, lin: lin, pos: q.Pos})
		}
		return out
	}
	return &derived{indirect: r.degrade(-1, "query", "unknown query form")}
}

func (r *resolver) setOp(q *sqlmodel.SetOp, env *ctes, outer *scope) *derived {
	l, rt := r.query(q.Left, env, outer), r.query(q.Right, env, outer)
	out := &derived{known: l.known && rt.known, indirect: &lineage{}}
	out.indirect.merge(l.indirect, Indirect)
	out.indirect.merge(rt.indirect, Indirect)
	// Only a union's right side supplies values; except and intersect only filter.
	rightKind := Identity
	if q.Op != "union" {
		rightKind = Indirect
	}
	if !out.known {
		r.warn(q.Pos, strings.ToUpper(q.Op), "an operand's columns are unknown")
	}
	if !q.ByName && len(l.cols) != len(rt.cols) && out.known {
		r.warn(q.Pos, strings.ToUpper(q.Op), fmt.Sprintf("operands have %d and %d columns", len(l.cols), len(rt.cols)))
		out.known = false
	}
	for i, c := range l.cols {
		lin := &lineage{}
		lin.merge(c.lin, Identity)
		var other *outCol
		if q.ByName {
			for j := range rt.cols {
				if lowerName(rt.cols[j].name) == lowerName(c.name) {
					other = &rt.cols[j]
				}
			}
		} else if i < len(rt.cols) {
			other = &rt.cols[i]
		}
		if other != nil {
			lin.merge(other.lin, rightKind)
		} else if !rt.known {
			lin.degraded = true
		}
		out.cols = append(out.cols, outCol{name: c.name, lin: lin})
	}
	if q.ByName {
		for _, c := range rt.cols {
			found := false
			for _, lc := range l.cols {
				found = found || lowerName(lc.name) == lowerName(c.name)
			}
			if !found {
				out.cols = append(out.cols, c)
			}
		}
	}
	// ORDER BY on a set operation names its output columns.
	for _, e := range q.OrderBy {
		var lin *lineage
		switch e := e.(type) {
		case *sqlmodel.Ordinal:
			if e.N >= 1 && e.N <= len(out.cols) {
				lin = out.cols[e.N-1].lin
			}
		case *sqlmodel.ColumnRef:
			for _, c := range out.cols {
				if lowerName(c.name) == lowerName(e.Parts[len(e.Parts)-1]) {
					lin = c.lin
				}
			}
		}
		if lin == nil {
			lin = r.degrade(q.Pos, "ORDER BY", "cannot resolve an ORDER BY of a set operation")
		}
		out.indirect.merge(lin, Indirect)
	}
	return out
}

func (r *resolver) selectQuery(q *sqlmodel.Select, env *ctes, outer *scope) *derived {
	sc := &scope{outer: outer, indirect: &lineage{}, starOK: true, merged: map[string]*outCol{}}
	for _, t := range q.From {
		r.fromItem(t, env, sc)
	}
	items := q.Items
	out := &derived{known: true}
	// Output columns, in order; * expands here.
	var cols []selCol
	for _, it := range items {
		if it.Star == nil {
			name := it.Alias
			if name == "" {
				name = r.exprName(it.Expr)
			}
			cols = append(cols, selCol{name: name, expr: it.Expr, pos: it.Pos, unnamed: it.Alias == "" && name == "?column?"})
			continue
		}
		expanded, ok := r.expandStar(it, sc)
		if !ok {
			out.known = false
		}
		first := len(cols)
		for _, c := range expanded {
			cols = append(cols, selCol{name: c.name, lin: c.lin, pos: it.Pos})
		}
		// REPLACE applies to the columns this star expanded to, not earlier items.
		for _, rep := range it.Star.Replace {
			for i := first; i < len(cols); i++ {
				if lowerName(cols[i].name) == lowerName(rep.Alias) && cols[i].lin != nil {
					cols[i].expr, cols[i].lin = rep.Expr, nil
				}
			}
		}
	}
	aliases := map[string]sqlmodel.Expr{}
	for _, c := range cols {
		if c.expr != nil {
			if _, dup := aliases[lowerName(c.name)]; !dup {
				aliases[lowerName(c.name)] = c.expr
			}
		}
	}
	ctx := &exprCtx{sc: sc, env: env, aliases: aliases}
	for i := range cols {
		if cols[i].lin == nil {
			lin := &lineage{}
			r.expr(cols[i].expr, Identity, lin, ctx)
			cols[i].lin = lin
		} else {
			lin := &lineage{}
			lin.merge(cols[i].lin, Identity)
			cols[i].lin = lin
		}
	}
	// What decides the rows: filters, joins, grouping, ordering, and the
	// derived tables read from.
	ind := sc.indirect
	if q.Where != nil {
		r.expr(q.Where, Indirect, ind, ctx)
	}
	groupCtx := &exprCtx{sc: sc, env: env, aliases: aliases}
	for _, g := range q.GroupBy {
		r.orderish(g, cols, ind, groupCtx, q.Pos, "GROUP BY")
	}
	if q.GroupByAll {
		for _, c := range cols {
			if c.expr != nil && !hasAggregate(c.expr) {
				r.expr(c.expr, Indirect, ind, ctx)
			}
		}
	}
	if q.Having != nil {
		r.expr(q.Having, Indirect, ind, groupCtx)
	}
	if q.Qualify != nil {
		// BigQuery's QUALIFY reads a name two FROM items have as the
		// select item of that name; DuckDB's calls it ambiguous.
		r.expr(q.Qualify, Indirect, ind, &exprCtx{sc: sc, env: env, aliases: aliases, aliasOnAmbiguity: r.in.Dialect == "bigquery"})
	}
	orderCtx := &exprCtx{sc: sc, env: env, aliases: aliases, aliasFirst: true}
	for _, o := range q.OrderBy {
		r.orderish(o, cols, ind, orderCtx, q.Pos, "ORDER BY")
	}
	for _, o := range q.DistinctOn {
		r.orderish(o, cols, ind, orderCtx, q.Pos, "DISTINCT ON")
	}
	out.indirect = ind
	for _, c := range cols {
		c.lin.merge(ind, Indirect)
		out.cols = append(out.cols, outCol{name: c.name, lin: c.lin, pos: c.pos, unnamed: c.unnamed})
	}
	return out
}

// selCol is a select item, or one column a star expanded to (lin set, expr nil).
type selCol struct {
	name string
	expr sqlmodel.Expr
	pos  int
	lin  *lineage
	// unnamed is a computed column whose name the dialect derives from its SQL text.
	unnamed bool
}

// orderish resolves a GROUP BY, ORDER BY or DISTINCT ON entry, which may be
// an ordinal or an output alias.
func (r *resolver) orderish(e sqlmodel.Expr, cols []selCol, into *lineage, ctx *exprCtx, pos int, construct string) {
	if o, ok := e.(*sqlmodel.Ordinal); ok {
		if o.N < 1 || o.N > len(cols) {
			into.merge(r.degrade(o.Pos, construct, fmt.Sprintf("position %d does not name a select item", o.N)), Indirect)
			return
		}
		into.merge(cols[o.N-1].lin, Indirect)
		return
	}
	r.expr(e, Indirect, into, ctx)
}

func hasAggregate(e sqlmodel.Expr) bool {
	switch e := e.(type) {
	case *sqlmodel.Call:
		if e.Kind == sqlmodel.Aggregate {
			return true
		}
		if e.Kind == sqlmodel.Window {
			return false
		}
		for _, a := range e.Args {
			if hasAggregate(a) {
				return true
			}
		}
	case *sqlmodel.SubqueryExpr:
		return false
	}
	return false
}

// exprName names an unaliased select item as Postgres does: a column
// keeps its name, a call takes the function's. DuckDB names computed
// columns by their text, which the parse tree does not keep.
func (r *resolver) exprName(e sqlmodel.Expr) string {
	switch e := e.(type) {
	case *sqlmodel.ColumnRef:
		return e.Parts[len(e.Parts)-1]
	case *sqlmodel.Call:
		if r.in.Dialect == "postgres" && isIdent(e.Name) {
			return e.Name
		}
	}
	return "?column?"
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '_' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
