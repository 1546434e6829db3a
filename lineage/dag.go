package lineage

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/elt-dev/elt/internal/digest"
)

// Node is one node of the project DAG, as lineage needs it.
type Node struct {
	Name string // what edges and output call it: a model or seed name, or source_name.table
	// Relation is how other nodes' compiled SQL names it, e.g.
	// "warehouse"."main"."orders"; "" for an ephemeral model, which is
	// inlined as the CTE __dbt__cte__<Name>.
	Relation  string
	Ephemeral bool
	// SQL is a model's compiled SQL; "" for seeds and sources.
	SQL     string
	Dialect string
	// Columns are a seed's or source's columns, nil when unknown. A
	// model's are computed from its SQL.
	Columns []string
	// ExtraColumns are columns a model's materialization adds to its
	// query's (a snapshot's dbt_valid_from...); they read nothing upstream.
	ExtraColumns []string
	DependsOn    []string // names of the nodes it reads
	// Types are a seed's or source's column types by column name, when
	// known. A model's column that copies an upstream column unchanged
	// takes its type. With types, comparisons are checked (Problem).
	Types map[string]string
}

// Project is the column lineage of a whole DAG.
type Project struct {
	Nodes  map[string]*Node
	Models map[string]*Model
	// down is the reverse of every model column's edges.
	down map[colKey][]Edge
	// readers are, by node, the models whose SQL reads it (table-level lineage).
	readers map[string][]string
	// types are the known column types, by lower-case node and column.
	types map[colKey]string
}

// ColumnType is the known type of a node's column, "" when unknown.
func (p *Project) ColumnType(node, column string) string {
	return p.types[colKey{lowerName(node), lowerName(column)}]
}

// Build resolves every model in dependency order, so that a model's output
// columns are known before the models that read it are resolved.
// A dependency cycle or an unknown dependency is an error; everything the
// SQL itself does wrong degrades with warnings instead.
func Build(ctx context.Context, parsers Parsers, nodes []*Node) (*Project, error) {
	return BuildReusing(ctx, parsers, nodes, nil)
}

// BuildReusing is Build that takes a model's result from reuse instead of
// parsing and resolving it again when neither its own SQL nor anything it
// reads (its inputs' relations, columns and types) changed since reuse
// stored it. Every model's result, new or reused, is handed to reuse.Store.
// No model's columns carry edges, reused or resolved (a resolved model's
// edges serve only to carry column types downstream, and go once they
// have): a project built this way has every model's columns, types,
// warnings and problems (what the static checks read), not its column
// lineage, and Upstream and Downstream find no column edges in it. At
// 100,000 models the edges and their reverse index would hold some 75 MB
// that nothing reads. A nil reuse is Build.
func BuildReusing(ctx context.Context, parsers Parsers, nodes []*Node, reuse Reuse) (*Project, error) {
	p := &Project{Nodes: make(map[string]*Node, len(nodes)), Models: make(map[string]*Model, len(nodes)), down: map[colKey][]Edge{}, readers: map[string][]string{}, types: map[colKey]string{}}
	for _, n := range nodes {
		if _, dup := p.Nodes[n.Name]; dup {
			return nil, fmt.Errorf("lineage: two nodes are named %s", n.Name)
		}
		p.Nodes[n.Name] = n
		for c, t := range n.Types {
			if t != "" {
				p.types[colKey{lowerName(n.Name), lowerName(c)}] = t
			}
		}
	}
	var columnType func(node, column string) string
	if len(p.types) > 0 {
		columnType = p.ColumnType
	}
	order, err := topoOrder(p.Nodes)
	if err != nil {
		return nil, err
	}
	// A model whose own SQL did not change may be reused; whether it is
	// depends on what its inputs resolve to, known only in the walk.
	var previous map[string]*Result
	var own map[string]Digest
	var buf digest.Buf
	if reuse != nil {
		previous, own = make(map[string]*Result, len(order)), make(map[string]Digest, len(order))
		for _, name := range order {
			n := p.Nodes[name]
			if n.SQL == "" {
				continue
			}
			own[name] = ownDigest(n, &buf)
			if r := reuse.Previous(n, own[name]); r != nil && r.Own == own[name] && r.Model != nil {
				previous[name] = r
			}
		}
	}
	// Parsing needs nothing upstream, so models are parsed in parallel,
	// ahead of the resolver, which goes in dependency order.
	trees := parseAll(ctx, parsers, order, p.Nodes, previous)
	defer trees.close()
	for _, name := range order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := p.Nodes[name]
		if n.SQL == "" {
			continue
		}
		var inputs Digest
		if reuse != nil {
			inputs = p.inputsDigest(n, columnType != nil, &buf)
			if r := previous[name]; r != nil && r.Inputs == inputs {
				p.install(n, r)
				reuse.Store(n, r)
				continue
			}
		}
		tree, parsedBefore := trees.take(name)
		if !parsedBefore {
			tree = parse(ctx, parsers, n.Dialect, n.SQL)
		}
		rels := map[string]Relation{}
		for _, dep := range n.DependsOn {
			d := p.Nodes[dep]
			rel := Relation{Node: d.Name, Columns: p.columns(d)}
			key := d.Relation
			if d.Ephemeral {
				key = "__dbt__cte__" + d.Name
			}
			if key != "" {
				rels[key] = rel
			}
		}
		m := resolveParsed(Input{Node: n.Name, Dialect: n.Dialect, SQL: n.SQL, Relations: rels, Self: selfRelation(n, rels), ColumnType: columnType}, tree)
		for _, c := range m.Columns {
			if len(c.Edges) > 0 && !c.Degraded {
				if t := p.ColumnType(c.Edges[0].Node, c.Edges[0].Column); t != "" && copied(c.Edges) {
					p.types[colKey{lowerName(n.Name), lowerName(c.Name)}] = t
				}
			}
		}
		for _, c := range n.ExtraColumns {
			m.Columns = append(m.Columns, Column{Name: c, Edges: []Edge{}})
		}
		p.Models[name] = m
		for _, u := range m.Upstream {
			p.readers[u] = append(p.readers[u], name)
		}
		if reuse == nil {
			for _, c := range m.Columns {
				for _, e := range c.Edges {
					k := colKey{lowerName(e.Node), lowerName(e.Column)}
					p.down[k] = append(p.down[k], Edge{Node: n.Name, Column: c.Name, Type: e.Type})
				}
			}
			continue
		}
		for i := range m.Columns {
			m.Columns[i].Edges = nil
		}
		// A parse that failed for a reason other than the SQL (a cancelled
		// context, a parser that could not run) is not a result to keep.
		if !tree.transient {
			reuse.Store(n, p.result(n, m, own[name], inputs))
		}
	}
	return p, nil
}

// copied reports whether a column is one upstream column copied unchanged
// (indirect edges aside: they filter rows, not change values).
func copied(edges []Edge) bool {
	direct := 0
	for _, e := range edges {
		if e.Type != Indirect {
			direct++
			if e.Type != Identity {
				return false
			}
		}
	}
	return direct == 1 && edges[0].Type == Identity
}

// columns are a node's known columns: a model's resolved output, or what the caller supplied.
func (p *Project) columns(n *Node) []string {
	if n.SQL == "" {
		return n.Columns
	}
	m := p.Models[n.Name]
	if m == nil || !m.ColumnsKnown {
		return nil
	}
	out := make([]string, 0, len(m.Columns))
	for _, c := range m.Columns {
		out = append(out, c.Name)
	}
	return out
}

// Columns returns a node's known columns, nil when unknown.
func (p *Project) Columns(name string) []string {
	n := p.Nodes[name]
	if n == nil {
		return nil
	}
	return p.columns(n)
}

func topoOrder(nodes map[string]*Node) ([]string, error) {
	names := make([]string, 0, len(nodes))
	for n := range nodes {
		names = append(names, n)
	}
	sort.Strings(names)
	state := map[string]int{} // 1 visiting, 2 done
	var order []string
	var visit func(string, []string) error
	visit = func(name string, path []string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("lineage: dependency cycle: %s", strings.Join(append(path, name), " -> "))
		case 2:
			return nil
		}
		state[name] = 1
		for _, d := range nodes[name].DependsOn {
			if nodes[d] == nil {
				return fmt.Errorf("lineage: %s depends on unknown node %s", name, d)
			}
			if err := visit(d, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, name)
		return nil
	}
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// Reached is a column found by a walk, with the type of the whole path
// from the start and its distance in hops.
type Reached struct {
	Node   string   `json:"node"`
	Column string   `json:"column,omitempty"` // "" for table-level lineage of a degraded column
	Type   EdgeType `json:"type"`
	Depth  int      `json:"-"`
}

// TableLevel is the Type of a Reached node whose columns could not be resolved.
const TableLevel EdgeType = "table"

// Column finds a column of a node, case-insensitively, and returns its
// name as the node spells it.
func (p *Project) Column(node, column string) (string, bool) {
	for _, c := range p.Columns(node) {
		if strings.EqualFold(c, column) {
			return c, true
		}
	}
	return "", false
}

func (p *Project) modelColumn(node, column string) *Column {
	m := p.Models[node]
	if m == nil {
		return nil
	}
	for i := range m.Columns {
		if strings.EqualFold(m.Columns[i].Name, column) {
			return &m.Columns[i]
		}
	}
	return nil
}

// Upstream walks from node.column towards the sources, breadth first:
// every column reached, nearest first. depth <= 0 walks the whole DAG.
// Where a column could not be resolved, the walk goes on at table level:
// every node the model reads, and everything upstream of those.
func (p *Project) Upstream(node, column string, depth int) []Reached {
	return p.walk(node, column, depth, func(n, c string) ([]Edge, []string) {
		m := p.Models[n]
		if m == nil {
			return nil, nil
		}
		if c == "" {
			return nil, m.Upstream
		}
		col := p.modelColumn(n, c)
		if col == nil {
			return nil, nil
		}
		var tables []string
		if col.Degraded {
			tables = m.Upstream
		}
		return col.Edges, tables
	})
}

// Downstream walks from node.column towards the models that read it. A
// model that reads the node but whose columns could not all be resolved
// is reached at table level, and so is everything downstream of it.
func (p *Project) Downstream(node, column string, depth int) []Reached {
	return p.walk(node, column, depth, func(n, c string) ([]Edge, []string) {
		if c == "" {
			return nil, p.readers[n]
		}
		var tables []string
		for _, r := range p.readers[n] {
			if m := p.Models[r]; !m.ColumnsKnown || hasDegraded(m) {
				tables = append(tables, r)
			}
		}
		return p.down[colKey{lowerName(n), lowerName(c)}], tables
	})
}

func hasDegraded(m *Model) bool {
	for _, c := range m.Columns {
		if c.Degraded {
			return true
		}
	}
	return false
}

func (p *Project) walk(node, column string, depth int, next func(node, column string) ([]Edge, []string)) []Reached {
	type item struct {
		node, column string
		typ          EdgeType
		depth        int
	}
	seen := map[colKey]int{} // index into out
	var out []Reached
	queue := []item{{node, column, Identity, 0}}
	start := colKey{lowerName(node), lowerName(column)}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if depth > 0 && it.depth >= depth {
			continue
		}
		edges, tables := next(it.node, it.column)
		for _, e := range edges {
			t := compose(it.typ, e.Type)
			k := colKey{lowerName(e.Node), lowerName(e.Column)}
			if k == start {
				continue
			}
			if i, ok := seen[k]; ok {
				// A better path to a column already reached: take its type,
				// and walk on from it again so what lies beyond gets it too.
				if better(t, out[i].Type) {
					out[i].Type = t
					queue = append(queue, item{e.Node, e.Column, t, out[i].Depth})
				}
				continue
			}
			seen[k] = len(out)
			out = append(out, Reached{Node: e.Node, Column: e.Column, Type: t, Depth: it.depth + 1})
			queue = append(queue, item{e.Node, e.Column, t, it.depth + 1})
		}
		for _, tb := range tables {
			k := colKey{lowerName(tb), ""}
			if _, ok := seen[k]; ok {
				continue
			}
			seen[k] = len(out)
			out = append(out, Reached{Node: tb, Type: TableLevel, Depth: it.depth + 1})
			queue = append(queue, item{tb, "", TableLevel, it.depth + 1})
		}
	}
	return out
}

// parseChunk is how many statements a parse worker takes at once: a
// BatchParser parses them in one call.
const parseChunk = 64

// parseAhead is how many chunks past the last one the resolver asked for
// the parse workers may parse, per worker: enough to keep them busy while
// the resolver catches up, few enough that the project's parse trees are
// never all held at once (a tree is dropped once its last model is
// resolved).
const parseAhead = 4

// parseStream parses every model's SQL with one worker per CPU while the
// resolver walks the models in dependency order and takes each tree as
// its chunk is done. Models of the same dialect with the same SQL share
// one parse (the resolver only reads a query model). Models in skip are
// left unparsed (they are parsed when needed).
type parseStream struct {
	which   map[string]int // model -> statement
	chunkOf []int          // statement -> chunk
	out     []parsed       // statement -> its parse, once its chunk is done
	users   []int          // statement -> models yet to take it
	done    []chan struct{}

	mu     sync.Mutex
	cond   *sync.Cond
	next   int  // the next chunk a worker takes
	asked  int  // the furthest chunk the resolver asked for
	closed bool // the resolver is done: workers stop
	wg     sync.WaitGroup
}

func parseAll(ctx context.Context, parsers Parsers, order []string, nodes map[string]*Node, skip map[string]*Result) *parseStream {
	type statement struct{ dialect, sql string }
	index := map[statement]int{}
	var todo []statement
	s := &parseStream{which: make(map[string]int, len(order))}
	byDialect := map[string][]int{}
	var dialects []string
	for _, name := range order {
		n := nodes[name]
		if n.SQL == "" || skip[name] != nil {
			continue
		}
		st := statement{n.Dialect, n.SQL}
		i, ok := index[st]
		if !ok {
			i = len(todo)
			index[st] = i
			todo = append(todo, st)
			s.users = append(s.users, 0)
			if byDialect[n.Dialect] == nil {
				dialects = append(dialects, n.Dialect)
			}
			byDialect[n.Dialect] = append(byDialect[n.Dialect], i)
		}
		s.which[name] = i
		s.users[i]++
	}
	// Work goes in chunks of statements of one dialect.
	var chunks [][]int
	s.chunkOf = make([]int, len(todo))
	for _, d := range dialects {
		l := byDialect[d]
		for lo := 0; lo < len(l); lo += parseChunk {
			for _, i := range l[lo:min(lo+parseChunk, len(l))] {
				s.chunkOf[i] = len(chunks)
			}
			chunks = append(chunks, l[lo:min(lo+parseChunk, len(l))])
		}
	}
	s.out = make([]parsed, len(todo))
	s.done = make([]chan struct{}, len(chunks))
	for c := range s.done {
		s.done[c] = make(chan struct{})
	}
	s.cond = sync.NewCond(&s.mu)
	workers := min(runtime.GOMAXPROCS(0), len(chunks))
	ahead := parseAhead * workers
	for range workers {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for {
				s.mu.Lock()
				for !s.closed && s.next < len(chunks) && s.next > s.asked+ahead {
					s.cond.Wait()
				}
				if s.closed || s.next >= len(chunks) {
					s.mu.Unlock()
					return
				}
				c := s.next
				s.next++
				s.mu.Unlock()
				chunk := chunks[c]
				dialect := todo[chunk[0]].dialect
				p, native := parsers.forDialect(dialect)
				if bp, batch := p.(BatchParser); batch {
					sqls := make([]string, len(chunk))
					for j, i := range chunk {
						sqls[j] = readable(dialect, todo[i].sql)
					}
					qs, errs := bp.ParseBatch(ctx, sqls)
					for j, i := range chunk {
						s.out[i] = parseResult(qs[j], errs[j], dialect, native)
					}
				} else {
					for _, i := range chunk {
						s.out[i] = parse(ctx, parsers, dialect, todo[i].sql)
					}
				}
				close(s.done[c])
			}
		}()
	}
	return s
}

// take is name's parse, waiting for its chunk; false when name was not
// given to the workers (no SQL, or in skip). Only the resolver calls it,
// from one goroutine.
func (s *parseStream) take(name string) (parsed, bool) {
	i, ok := s.which[name]
	if !ok {
		return parsed{}, false
	}
	c := s.chunkOf[i]
	s.mu.Lock()
	if c > s.asked {
		s.asked = c
		s.cond.Broadcast()
	}
	s.mu.Unlock()
	<-s.done[c]
	p := s.out[i]
	if s.users[i]--; s.users[i] == 0 {
		s.out[i] = parsed{} // its last model: let the tree go
	}
	return p, true
}

// close stops the workers and waits for them.
func (s *parseStream) close() {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
	s.wg.Wait()
}

// selfRelation is n's own relation for Input.Self: how {{ this }} renders
// in its SQL, unless n is ephemeral (it has no relation) or an upstream
// node has the same name.
func selfRelation(n *Node, rels map[string]Relation) string {
	if n.Ephemeral || n.Relation == "" {
		return ""
	}
	if _, ok := rels[n.Relation]; ok {
		return ""
	}
	return n.Relation
}
