package graph

import (
	"fmt"
	"sort"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/par"
)

// Node is what the graph needs to know about one project node.
type Node struct {
	ID           string // unique id, "model.shop.orders"
	Name         string // "orders"; for sources the table name
	ResourceType string // dbt's resource_type: "model", "seed", "snapshot", "test", "unit_test", "source", "exposure", ...
	Package      string // package name, "shop"
	// Path is the original file path relative to the project root, slash-separated:
	// "models/staging/stg_orders.sql" (for generic tests and sources the YAML file).
	Path string
	// PatchPath is the properties YAML file that describes the node
	// ("models/schema.yml"), "" if none: path selection of that file
	// selects it, as dbt's path method does with patch_path.
	PatchPath string
	FQN       []string       // ["shop", "staging", "stg_orders"]; empty means [Package, Name]
	Tags      []string       // config tags
	Config    map[string]any // final config, for config.<key>:<value> selectors; nested maps are followed
	// ConfigDefaults are the config keys dbt gives every node of this
	// kind, with their defaults, for a key Config lacks (a seed's
	// materialized is seed). Shared between nodes: never modified.
	ConfigDefaults map[string]any
	// DependsOn lists parent ids. Every id must be a node of the graph (sources too).
	DependsOn []string
	// TestOf lists, for tests, the ids the test is attached to, so that
	// selecting a model also selects its tests (indirect selection). A test's
	// parents for indirect selection are DependsOn and TestOf together.
	TestOf []string
	// TestName is the generic test's name ("not_null", "relationships") for
	// generic data tests, and empty for singular tests. TestNamespace is its
	// package when it was called as "dbt_utils.expression_is_true".
	TestName      string
	TestNamespace string
	// Version is a versioned model's version ("2"), "" otherwise;
	// VersionKind says how it stands to the model's latest_version:
	// "latest", "prerelease" (greater) or "old" (less), for version:.
	Version     string
	VersionKind string
}

// Unlimited is the depth that follows edges as far as they go.
const Unlimited = -1

// Graph is an immutable DAG of nodes. It is safe for concurrent use.
//
// Nodes are stored sorted by id, so index order is id order: sorting
// indexes sorts ids.
type Graph struct {
	nodes    []Node
	index    map[string]int
	parents  [][]int // ascending
	children [][]int // ascending
	// order is a topological order that prefers the smallest id among the
	// nodes ready at each step; rank is the position of each node in it.
	order []int
	rank  []int
	// testsOf lists, for each node, the tests (and unit tests) that name it
	// in DependsOn or TestOf; testParents is that set seen from the test.
	testsOf     [][]int
	testParents [][]int
	// flatFQN is each node's fqn with dotted parts split, for the fqn method.
	flatFQN [][]string
}

// New builds a graph. It reports every problem at once as a *diag.Errors:
// empty or duplicate ids, parents that are not nodes, and dependency cycles
// (each printed as its path, with the file of every node on it).
//
// The graph keeps nodes: it filters and sorts them in place (a copy of
// every node cost more than the rest of New), so the caller must not use
// the slice afterwards.
func New(nodes []Node) (*Graph, error) {
	var problems diag.List
	// Nodes given in id order (as elt gives them) can only repeat an id
	// next to each other; otherwise every id is looked up.
	inOrder := true
	for i := 1; i < len(nodes) && inOrder; i++ {
		inOrder = nodes[i-1].ID <= nodes[i].ID
	}
	var seen map[string]bool
	if !inOrder {
		seen = make(map[string]bool, len(nodes))
	}
	sorted := nodes[:0]
	for i, n := range nodes {
		switch {
		case n.ID == "":
			problems.Add(diag.Errorf(n.Path, diag.Pos{}, "every node needs a unique id like model.<package>.<name>",
				"node %q has an empty id", n.Name))
			continue
		case inOrder && len(sorted) > 0 && sorted[len(sorted)-1].ID == n.ID, seen[n.ID]:
			problems.Add(diag.Errorf(n.Path, diag.Pos{}, "rename one of the nodes so that ids are unique",
				"two nodes have the id %s", n.ID))
			continue
		}
		if seen != nil {
			seen[n.ID] = true
		}
		if len(sorted) == i {
			sorted = sorted[:i+1] // already in place
		} else {
			sorted = append(sorted, n)
		}
	}
	if !inOrder {
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	}

	g := &Graph{
		nodes:       sorted,
		parents:     make([][]int, len(sorted)),
		children:    make([][]int, len(sorted)),
		testsOf:     make([][]int, len(sorted)),
		testParents: make([][]int, len(sorted)),
		flatFQN:     make([][]string, len(sorted)),
	}
	// The index is one map, filled on one goroutine while the others
	// split the fqns; the parents are then resolved on every core, each
	// chunk's problems kept apart and reported in node order.
	indexed := make(chan struct{})
	go func() {
		defer close(indexed)
		g.index = make(map[string]int, len(sorted))
		for i := range sorted {
			g.index[sorted[i].ID] = i
		}
	}()
	par.For(len(sorted), 1024, g.splitFQN)
	<-indexed
	chunks := (len(sorted) + resolveChunk - 1) / resolveChunk
	chunkProblems := make([]diag.List, chunks)
	par.For(chunks, 1, func(c int) {
		for i := c * resolveChunk; i < min((c+1)*resolveChunk, len(sorted)); i++ {
			g.resolveParents(i, &chunkProblems[c])
		}
	})
	for _, l := range chunkProblems {
		problems = append(problems, l...)
	}
	if problems.HasErrors() {
		return nil, problems.Err()
	}
	invert(g.parents, g.children)
	invert(g.testParents, g.testsOf)
	if err := g.sortTopologically(); err != nil {
		return nil, err
	}
	return g, nil
}

// invert fills to[p] with every i that from[i] lists p in, ascending,
// cut from one backing array (two passes instead of an append per edge).
func invert(from, to [][]int) {
	count := make([]int, len(to))
	total := 0
	for _, ps := range from {
		for _, p := range ps {
			count[p]++
		}
		total += len(ps)
	}
	backing := make([]int, 0, total)
	for p, c := range count {
		if c > 0 {
			to[p] = backing[len(backing) : len(backing) : len(backing)+c]
			backing = backing[:len(backing)+c]
		}
	}
	for i, ps := range from {
		for _, p := range ps {
			to[p] = append(to[p], i) // i ascends, so each list stays sorted
		}
	}
}

// resolveChunk is how many nodes' parents one task resolves.
const resolveChunk = 512

// splitFQN sets node i's flat fqn: its fqn with dotted parts split.
func (g *Graph) splitFQN(i int) {
	n := &g.nodes[i]
	fqn := n.FQN
	if len(fqn) == 0 {
		fqn = []string{n.Package, n.Name}
	}
	flat := make([]string, 0, len(fqn))
	for _, part := range fqn {
		if !strings.Contains(part, ".") {
			flat = append(flat, part) // as Split would give it, without its slice
			continue
		}
		flat = append(flat, strings.Split(part, ".")...)
	}
	g.flatFQN[i] = flat
}

// resolveParents sets node i's parents (and, for a test, the nodes it
// tests) from their ids, adding an id that is not a node to problems.
func (g *Graph) resolveParents(i int, problems *diag.List) {
	n := &g.nodes[i]
	resolve := func(ids []string, what string) []int {
		var out []int
		for _, id := range ids {
			j, ok := g.index[id]
			if !ok {
				problems.Add(diag.Errorf(n.Path, diag.Pos{},
					"check the ref()/source() name, or define the missing node",
					"%s %s %s, which is not a node of the project", n.ID, what, id))
				continue
			}
			out = append(out, j)
		}
		return dedupeSorted(out)
	}
	g.parents[i] = resolve(n.DependsOn, "depends on")
	testOf := resolve(n.TestOf, "is a test of")
	if isTestType(n.ResourceType) {
		g.testParents[i] = dedupeSorted(append(append([]int(nil), g.parents[i]...), testOf...))
	}
}

func isTestType(resourceType string) bool {
	return resourceType == "test" || resourceType == "unit_test"
}

// sortTopologically fills order and rank, or reports every cycle.
func (g *Graph) sortTopologically() error {
	n := len(g.nodes)
	pending := make([]int, n)
	ready := &intHeap{}
	for i := range g.nodes {
		pending[i] = len(g.parents[i])
		if pending[i] == 0 {
			ready.items = append(ready.items, i)
		}
	}
	ready.init()
	order := make([]int, 0, n)
	for ready.Len() > 0 {
		i := ready.pop()
		order = append(order, i)
		for _, c := range g.children[i] {
			pending[c]--
			if pending[c] == 0 {
				ready.push(c)
			}
		}
	}
	if len(order) < n {
		return g.cycleErrors(pending)
	}
	g.order = order
	g.rank = make([]int, n)
	for r, i := range order {
		g.rank[i] = r
	}
	return nil
}

// cycleErrors reports one cycle per strongly connected component among the
// nodes Kahn's algorithm could not order (pending > 0), starting each at its
// smallest id so the message is stable.
func (g *Graph) cycleErrors(pending []int) error {
	stuck := make([]bool, len(g.nodes))
	for i, p := range pending {
		stuck[i] = p > 0
	}
	var problems diag.List
	for _, comp := range g.components(stuck) {
		inComp := make(map[int]bool, len(comp))
		for _, i := range comp {
			inComp[i] = true
		}
		start := comp[0] // components are sorted
		cycle := g.shortestCycle(start, inComp)
		if cycle == nil {
			continue // a stuck node downstream of a cycle, not on one
		}
		// dbt's text (compilation.py Linker.find_cycles): each node of
		// the cycle once, joined by " --> ".
		ids := make([]string, 0, len(cycle)-1)
		var files strings.Builder
		for _, i := range cycle[:len(cycle)-1] {
			ids = append(ids, g.nodes[i].ID)
			file := g.nodes[i].Path
			if file == "" {
				file = "(no file)"
			}
			fmt.Fprintf(&files, "\n    %s  %s", g.nodes[i].ID, file)
		}
		problems.Add(diag.Errorf(g.nodes[start].Path, diag.Pos{},
			"a node cannot depend on itself, directly or through others: remove one of the ref() calls along the cycle",
			"Found a cycle: %s%s", strings.Join(ids, " --> "), files.String()))
	}
	return problems.Err()
}

// components returns the strongly connected components (Tarjan) of the
// subgraph of marked nodes that hold a cycle, each sorted, in order of their
// smallest member.
func (g *Graph) components(marked []bool) [][]int {
	index := make([]int, len(g.nodes))
	low := make([]int, len(g.nodes))
	onStack := make([]bool, len(g.nodes))
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var out [][]int
	next := 0
	var connect func(v int)
	connect = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range g.children[v] {
			if !marked[w] {
				continue
			}
			if index[w] < 0 {
				connect(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var comp []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			sort.Ints(comp)
			out = append(out, comp)
		}
	}
	for v := range g.nodes {
		if marked[v] && index[v] < 0 {
			connect(v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// shortestCycle returns start, ..., start following child edges inside comp,
// or nil when there is none.
func (g *Graph) shortestCycle(start int, comp map[int]bool) []int {
	prev := map[int]int{}
	queue := []int{start}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range g.children[v] {
			if !comp[w] {
				continue
			}
			if w == start {
				path := []int{start}
				for u := v; u != start; u = prev[u] {
					path = append(path, u)
				}
				path = append(path, start)
				// path is start, v, ..., start reversed after the first element.
				for i, j := 1, len(path)-2; i < j; i, j = i+1, j-1 {
					path[i], path[j] = path[j], path[i]
				}
				return path
			}
			if _, ok := prev[w]; !ok {
				prev[w] = v
				queue = append(queue, w)
			}
		}
	}
	return nil
}

// Len is the number of nodes.
func (g *Graph) Len() int { return len(g.nodes) }

// IDs returns every node id in topological order (ties by id).
func (g *Graph) IDs() []string { return g.idsOf(g.order) }

// Node returns the node with the given id.
func (g *Graph) Node(id string) (Node, bool) {
	i, ok := g.index[id]
	if !ok {
		return Node{}, false
	}
	return g.nodes[i], true
}

// Parents returns the ids id depends on directly, sorted. Unknown ids have none.
func (g *Graph) Parents(id string) []string {
	i, ok := g.index[id]
	if !ok {
		return nil
	}
	return g.idsOf(g.parents[i])
}

// Children returns the ids that depend on id directly, sorted.
func (g *Graph) Children(id string) []string {
	i, ok := g.index[id]
	if !ok {
		return nil
	}
	return g.idsOf(g.children[i])
}

// Ancestors returns the nodes id depends on, directly or not, at most depth
// edges away (Unlimited, or any negative depth, for all), sorted by id.
// id itself is not included.
func (g *Graph) Ancestors(id string, depth int) []string {
	i, ok := g.index[id]
	if !ok {
		return nil
	}
	seen := make([]bool, len(g.nodes))
	g.reach([]int{i}, g.parents, depth, seen)
	seen[i] = false
	return g.idsOf(trueIndexes(seen))
}

// Descendants returns the nodes that depend on id, directly or not, at most
// depth edges away (Unlimited for all), sorted by id. id itself is not included.
func (g *Graph) Descendants(id string, depth int) []string {
	i, ok := g.index[id]
	if !ok {
		return nil
	}
	seen := make([]bool, len(g.nodes))
	g.reach([]int{i}, g.children, depth, seen)
	seen[i] = false
	return g.idsOf(trueIndexes(seen))
}

// reach marks in seen every node at most depth edges from start along edges
// (breadth first, so depth is the shortest distance), start included.
func (g *Graph) reach(start []int, edges [][]int, depth int, seen []bool) {
	frontier := make([]int, 0, len(start))
	for _, s := range start {
		if !seen[s] {
			seen[s] = true
		}
		frontier = append(frontier, s)
	}
	for d := 0; len(frontier) > 0 && (depth < 0 || d < depth); d++ {
		var next []int
		for _, v := range frontier {
			for _, w := range edges[v] {
				if !seen[w] {
					seen[w] = true
					next = append(next, w)
				}
			}
		}
		frontier = next
	}
}

// TopoSort orders ids so that every node comes after the nodes it depends on,
// directly or through nodes not in ids; ties go by id. Duplicates are
// dropped; ids that are not nodes come last, sorted.
func (g *Graph) TopoSort(ids []string) []string {
	var known []int
	var unknown []string
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if i, ok := g.index[id]; ok {
			known = append(known, i)
		} else {
			unknown = append(unknown, id)
		}
	}
	sort.Slice(known, func(a, b int) bool { return g.rank[known[a]] < g.rank[known[b]] })
	sort.Strings(unknown)
	return append(g.idsOf(known), unknown...)
}

func (g *Graph) idsOf(indexes []int) []string {
	if len(indexes) == 0 {
		return nil
	}
	out := make([]string, len(indexes))
	for k, i := range indexes {
		out[k] = g.nodes[i].ID
	}
	return out
}

func trueIndexes(set []bool) []int {
	var out []int
	for i, ok := range set {
		if ok {
			out = append(out, i)
		}
	}
	return out
}

func dedupeSorted(xs []int) []int {
	if len(xs) == 0 {
		return nil
	}
	sort.Ints(xs)
	out := xs[:1]
	for _, x := range xs[1:] {
		if x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}

// intHeap is a min-heap of ints (typed: container/heap's interface
// boxed every int pushed and called a method per comparison).
type intHeap struct{ items []int }

func (h *intHeap) Len() int { return len(h.items) }

// init orders the items as a heap.
func (h *intHeap) init() {
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *intHeap) push(x int) {
	h.items = append(h.items, x)
	for j := len(h.items) - 1; j > 0; {
		i := (j - 1) / 2
		if h.items[i] <= h.items[j] {
			break
		}
		h.items[i], h.items[j] = h.items[j], h.items[i]
		j = i
	}
}

// pop removes and returns the smallest item.
func (h *intHeap) pop() int {
	last := len(h.items) - 1
	top := h.items[0]
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	h.down(0)
	return top
}

func (h *intHeap) down(i int) {
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		j := l
		if r := l + 1; r < n && h.items[r] < h.items[l] {
			j = r
		}
		if h.items[i] <= h.items[j] {
			return
		}
		h.items[i], h.items[j] = h.items[j], h.items[i]
		i = j
	}
}

// configValue is the node's config value for key: Config's, else its
// kind's default.
func (n *Node) configValue(key string) (any, bool) {
	if v, ok := n.Config[key]; ok {
		return v, true
	}
	v, ok := n.ConfigDefaults[key]
	return v, ok
}

// Adjacency returns the graph's nodes and, for each by its index in
// nodes, the indexes of its children (ascending): for writers that number
// the nodes themselves (dbt's graph summary), without an id lookup per
// edge. Both are the graph's own and must not be changed.
func (g *Graph) Adjacency() (nodes []Node, children [][]int) { return g.nodes, g.children }
