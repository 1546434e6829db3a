package graph

import (
	"container/heap"
	"fmt"
	"sort"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
)

// Node is what the graph needs to know about one project node.
type Node struct {
	ID           string // unique id, "model.shop.orders"
	Name         string // "orders"; for sources the table name
	ResourceType string // dbt's resource_type: "model", "seed", "snapshot", "test", "unit_test", "source", "exposure", ...
	Package      string // package name, "shop"
	// Path is the original file path relative to the project root, slash-separated:
	// "models/staging/stg_orders.sql" (for generic tests and sources the YAML file).
	Path   string
	FQN    []string       // ["shop", "staging", "stg_orders"]; empty means [Package, Name]
	Tags   []string       // config tags
	Config map[string]any // final config, for config.<key>:<value> selectors; nested maps are followed
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
	sorted := nodes[:0]
	seen := make(map[string]bool, len(nodes))
	for i, n := range nodes {
		switch {
		case n.ID == "":
			problems.Add(diag.Errorf(n.Path, diag.Pos{}, "every node needs a unique id like model.<package>.<name>",
				"node %q has an empty id", n.Name))
			continue
		case seen[n.ID]:
			problems.Add(diag.Errorf(n.Path, diag.Pos{}, "rename one of the nodes so that ids are unique",
				"two nodes have the id %s", n.ID))
			continue
		}
		seen[n.ID] = true
		if len(sorted) == i {
			sorted = sorted[:i+1] // already in place
		} else {
			sorted = append(sorted, n)
		}
	}
	if !sort.SliceIsSorted(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID }) {
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	}

	g := &Graph{
		nodes:       sorted,
		index:       make(map[string]int, len(sorted)),
		parents:     make([][]int, len(sorted)),
		children:    make([][]int, len(sorted)),
		testsOf:     make([][]int, len(sorted)),
		testParents: make([][]int, len(sorted)),
		flatFQN:     make([][]string, len(sorted)),
	}
	for i, n := range sorted {
		g.index[n.ID] = i
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
	for i, n := range sorted {
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
	if problems.HasErrors() {
		return nil, problems.Err()
	}
	for i := range g.nodes {
		for _, p := range g.parents[i] {
			g.children[p] = append(g.children[p], i) // i ascends, so children stay sorted
		}
		for _, p := range g.testParents[i] {
			g.testsOf[p] = append(g.testsOf[p], i)
		}
	}
	if err := g.sortTopologically(); err != nil {
		return nil, err
	}
	return g, nil
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
	heap.Init(ready)
	order := make([]int, 0, n)
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		order = append(order, i)
		for _, c := range g.children[i] {
			pending[c]--
			if pending[c] == 0 {
				heap.Push(ready, c)
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
		ids := make([]string, len(cycle))
		var files strings.Builder
		for k, i := range cycle {
			ids[k] = g.nodes[i].ID
			if k < len(cycle)-1 {
				file := g.nodes[i].Path
				if file == "" {
					file = "(no file)"
				}
				fmt.Fprintf(&files, "\n    %s  %s", g.nodes[i].ID, file)
			}
		}
		problems.Add(diag.Errorf(g.nodes[start].Path, diag.Pos{},
			"a node cannot depend on itself, directly or through others: remove one of the ref() calls along the cycle",
			"dependency cycle: %s%s", strings.Join(ids, " -> "), files.String()))
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

// intHeap is a min-heap of ints.
type intHeap struct{ items []int }

func (h *intHeap) Len() int           { return len(h.items) }
func (h *intHeap) Less(i, j int) bool { return h.items[i] < h.items[j] }
func (h *intHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *intHeap) Push(x any)         { h.items = append(h.items, x.(int)) }
func (h *intHeap) Pop() any {
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return last
}
