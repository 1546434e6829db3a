package graph

// WithBuildEdges returns a copy of g with the extra edges `elt build` needs,
// as dbt build adds them: a data test runs before the nodes downstream of
// what it tests, so a failing test skips them.
//
// For a test T whose parents (DependsOn and TestOf) are D, an edge T -> C is
// added for every executable, non-test node C that depends, directly or not,
// on every node of D, keeping only the nearest such C (further ones are
// ordered through them). So a relationships test between model_a and
// model_b, where model_b selects from model_a, blocks the children of
// model_b only, and a test with two independent parents blocks only the
// nodes that depend on both.
//
// The new edges cannot close a cycle: C descends from every parent of T, so
// a path from C back to T would, replacing each added edge T' -> C' by the
// path from a parent of T' to C', give a path from C to one of its own
// ancestors in g, which New has already ruled out.
//
// Use g for Select and the returned graph for Walk: Node(id).DependsOn is
// unchanged, while Parents and Children include the added edges.
func (g *Graph) WithBuildEdges() *Graph {
	b := &Graph{
		nodes:       g.nodes,
		index:       g.index,
		parents:     make([][]int, len(g.nodes)),
		children:    make([][]int, len(g.nodes)),
		testsOf:     g.testsOf,
		testParents: g.testParents,
		flatFQN:     g.flatFQN,
	}
	for i := range g.nodes {
		b.parents[i] = append([]int(nil), g.parents[i]...)
	}

	// count[v] is how many of the current test's parents v descends from.
	// countGen and walkGen say which test and which walk the values belong
	// to, so the slices are not cleared for every test.
	count := make([]int, len(g.nodes))
	countGen := make([]int, len(g.nodes))
	walked := make([]int, len(g.nodes))
	gen, walk := 0, 0
	for t, deps := range g.testParents {
		if g.nodes[t].ResourceType != "test" || len(deps) == 0 {
			continue
		}
		gen++
		var candidates []int
		for _, d := range deps {
			walk++
			stack := append([]int(nil), g.children[d]...)
			for len(stack) > 0 {
				v := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if walked[v] == walk {
					continue
				}
				walked[v] = walk
				if countGen[v] != gen {
					countGen[v], count[v] = gen, 0
				}
				count[v]++
				if count[v] == len(deps) {
					candidates = append(candidates, v)
				}
				stack = append(stack, g.children[v]...)
			}
		}
		inSet := func(v int) bool {
			return countGen[v] == gen && count[v] == len(deps) && blocksOnTests(g.nodes[v].ResourceType)
		}
		for _, c := range candidates {
			if c == t || !blocksOnTests(g.nodes[c].ResourceType) {
				continue
			}
			nearest := true
			for _, p := range g.parents[c] {
				if inSet(p) {
					nearest = false
					break
				}
			}
			if nearest {
				b.parents[c] = append(b.parents[c], t)
			}
		}
	}
	for i := range b.parents {
		b.parents[i] = dedupeSorted(b.parents[i])
		for _, p := range b.parents[i] {
			b.children[p] = append(b.children[p], i)
		}
	}
	if err := b.sortTopologically(); err != nil {
		// Ruled out above; reaching here is a bug in this package.
		panic("graph: build edges made a cycle: " + err.Error())
	}
	return b
}

// blocksOnTests says whether a node of this resource type waits for the tests
// of its ancestors in build: executable nodes that are not tests.
func blocksOnTests(resourceType string) bool {
	switch resourceType {
	case "test", "unit_test", "source", "exposure", "metric", "semantic_model", "saved_query", "macro", "doc":
		return false
	}
	return true
}
