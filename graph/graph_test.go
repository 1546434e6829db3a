package graph

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/elt-dev/elt/internal/diag"
)

// diffIDs describes how got differs from want as sets, or "" when equal.
func diffIDs(want, got []string) string {
	w, g := map[string]bool{}, map[string]bool{}
	for _, id := range want {
		w[id] = true
	}
	for _, id := range got {
		g[id] = true
	}
	var missing, extra []string
	for id := range w {
		if !g[id] {
			missing = append(missing, id)
		}
	}
	for id := range g {
		if !w[id] {
			extra = append(extra, id)
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return ""
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return fmt.Sprintf("missing (want, not got): %v\nextra (got, not wanted): %v", missing, extra)
}

// diffOrder describes how two ordered lists differ, or "".
func diffOrder(want, got []string) string {
	if strings.Join(want, "\n") == strings.Join(got, "\n") {
		return ""
	}
	return fmt.Sprintf("want: %v\n got: %v", want, got)
}

func mustNew(t testing.TB, nodes []Node) *Graph {
	t.Helper()
	g, err := New(nodes)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

// chain builds model nodes from "parent->child" edges; every name is a
// model "model.p.<name>" in models/<name>.sql.
func chain(edges ...string) []Node {
	byID := map[string]*Node{}
	var order []string
	add := func(name string) *Node {
		id := "model.p." + name
		if n, ok := byID[id]; ok {
			return n
		}
		n := &Node{ID: id, Name: name, ResourceType: "model", Package: "p", Path: "models/" + name + ".sql", FQN: []string{"p", name}}
		byID[id] = n
		order = append(order, id)
		return n
	}
	for _, e := range edges {
		parts := strings.Split(e, "->")
		prev := add(parts[0])
		for _, name := range parts[1:] {
			n := add(name)
			n.DependsOn = append(n.DependsOn, prev.ID)
			prev = n
		}
	}
	out := make([]Node, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out
}

func ids(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "model.p." + n
	}
	return out
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name  string
		nodes []Node
		want  []string // each must appear in the error text
		count int      // number of diagnostics
	}{
		{
			name:  "two-node cycle with files",
			nodes: chain("a->b->a"),
			want: []string{
				"models/a.sql: Found a cycle: model.p.a --> model.p.b\n",
				"model.p.a  models/a.sql", "model.p.b  models/b.sql",
				"hint: a node cannot depend on itself",
			},
			count: 1,
		},
		{
			name:  "self reference",
			nodes: chain("a->a"),
			want:  []string{"Found a cycle: model.p.a\n"},
			count: 1,
		},
		{
			name:  "cycle reported from its smallest id, shortest path",
			nodes: chain("root->c->d->e->c", "d->c"),
			want:  []string{"Found a cycle: model.p.c --> model.p.d\n"},
			count: 1,
		},
		{
			name:  "two cycles, downstream node not reported",
			nodes: chain("a->b->a", "x->y->x", "b->z"),
			want:  []string{"Found a cycle: model.p.a --> model.p.b\n", "Found a cycle: model.p.x --> model.p.y\n"},
			count: 2,
		},
		{
			name: "unknown parent",
			nodes: []Node{{ID: "model.p.a", Path: "models/a.sql", DependsOn: []string{"source.p.raw.gone"}},
				{ID: "test.p.t", Path: "models/schema.yml", ResourceType: "test", TestOf: []string{"model.p.nope"}}},
			want: []string{
				"models/a.sql: model.p.a depends on source.p.raw.gone, which is not a node of the project",
				"models/schema.yml: test.p.t is a test of model.p.nope",
			},
			count: 2,
		},
		{
			name:  "duplicate and empty ids",
			nodes: []Node{{ID: "model.p.a", Path: "models/a.sql"}, {ID: "model.p.a", Path: "models/other/a.sql"}, {Name: "x"}},
			want:  []string{"models/other/a.sql: two nodes have the id model.p.a", `node "x" has an empty id`},
			count: 2,
		},
		{
			// Given in id order (as elt gives them), a repeated id is
			// found next to its first, without a set of every id.
			name: "duplicate and empty ids in id order",
			nodes: []Node{{Name: "x"}, {ID: "model.p.a", Path: "models/a.sql"}, {ID: "model.p.a", Path: "models/other/a.sql"},
				{ID: "model.p.a", Path: "models/third/a.sql"}, {ID: "model.p.b", Path: "models/b.sql", DependsOn: []string{"model.p.a"}}},
			want: []string{`node "x" has an empty id`, "models/other/a.sql: two nodes have the id model.p.a",
				"models/third/a.sql: two nodes have the id model.p.a"},
			count: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.nodes)
			if err == nil {
				t.Fatal("New: want an error, got nil")
			}
			var de *diag.Errors
			if !errors.As(err, &de) {
				t.Fatalf("want a *diag.Errors, got %T: %v", err, err)
			}
			if len(de.List) != tt.count {
				t.Errorf("want %d diagnostics, got %d:\n%v", tt.count, len(de.List), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestRelatives(t *testing.T) {
	// a -> b -> c -> d, w -> x -> c, y alone.
	g := mustNew(t, append(chain("a->b->c->d", "w->x->c"), chain("y")...))
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"parents", g.Parents("model.p.c"), ids("b", "x")},
		{"children", g.Children("model.p.b"), ids("c")},
		{"ancestors all", g.Ancestors("model.p.d", Unlimited), ids("a", "b", "c", "w", "x")},
		{"ancestors depth 1", g.Ancestors("model.p.d", 1), ids("c")},
		{"ancestors depth 2", g.Ancestors("model.p.d", 2), ids("b", "c", "x")},
		{"ancestors depth 0", g.Ancestors("model.p.d", 0), nil},
		{"descendants all", g.Descendants("model.p.w", Unlimited), ids("c", "d", "x")},
		{"descendants depth 2", g.Descendants("model.p.w", 2), ids("c", "x")},
		{"unknown id", g.Parents("model.p.nope"), nil},
		{"topo order of all, ties by id", g.IDs(), ids("a", "b", "w", "x", "c", "d", "y")},
		{"topo sort subset keeps order through missing nodes", g.TopoSort(ids("d", "y", "a", "w", "d")), ids("a", "w", "d", "y")},
		{"topo sort puts unknown ids last", g.TopoSort([]string{"zzz", "model.p.b", "aaa"}), []string{"model.p.b", "aaa", "zzz"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := diffOrder(tt.want, tt.got); d != "" {
				t.Error(d)
			}
		})
	}
	if n, ok := g.Node("model.p.b"); !ok || n.Path != "models/b.sql" {
		t.Errorf("Node(model.p.b) = %+v, %v", n, ok)
	}
	if _, ok := g.Node("model.p.nope"); ok {
		t.Error("Node(model.p.nope) found")
	}
}

func TestTopoSortIsDeterministic(t *testing.T) {
	nodes := chain("m->b", "m->a", "z->c", "a->c")
	want := ids("m", "a", "b", "z", "c")
	for i := 0; i < 20; i++ {
		// Input order must not matter.
		shuffled := append([]Node(nil), nodes...)
		for j := range shuffled {
			k := (j*7 + i) % len(shuffled)
			shuffled[j], shuffled[k] = shuffled[k], shuffled[j]
		}
		g := mustNew(t, shuffled)
		if d := diffOrder(want, g.IDs()); d != "" {
			t.Fatal(d)
		}
	}
}

func TestWithBuildEdges(t *testing.T) {
	nodes := chain("a->b->c", "x->y", "a->y", "a->e")
	test := func(id string, deps ...string) Node {
		return Node{ID: id, Name: id, ResourceType: "test", Package: "p", DependsOn: deps, TestOf: deps[:1]}
	}
	nodes = append(nodes,
		test("test.p.ta", "model.p.a"),                                                          // -> b, y, e (children of a that are not tests)
		test("test.p.tab", "model.p.a", "model.p.b"),                                            // relationships between dependent parents: children of b only
		test("test.p.tax", "model.p.a", "model.p.x"),                                            // independent parents: only y depends on both
		test("test.p.tc", "model.p.c"),                                                          // c has no children: no edge
		test("test.p.ta2", "model.p.a"),                                                         // two tests of a: neither waits for the other
		Node{ID: "exposure.p.dash", ResourceType: "exposure", DependsOn: []string{"model.p.a"}}, // exposures do not wait
	)
	base := mustNew(t, nodes)
	g := base.WithBuildEdges()
	tests := []struct {
		id   string
		want []string
	}{
		{"model.p.b", []string{"model.p.a", "test.p.ta", "test.p.ta2"}},
		{"model.p.c", []string{"model.p.b", "test.p.tab"}},
		{"model.p.y", []string{"model.p.a", "model.p.x", "test.p.ta", "test.p.ta2", "test.p.tax"}},
		{"model.p.e", []string{"model.p.a", "test.p.ta", "test.p.ta2"}},
		{"test.p.ta2", []string{"model.p.a"}},
		{"exposure.p.dash", []string{"model.p.a"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if d := diffOrder(tt.want, g.Parents(tt.id)); d != "" {
				t.Error(d)
			}
		})
	}
	// The base graph is unchanged.
	if d := diffOrder([]string{"model.p.a"}, base.Parents("model.p.b")); d != "" {
		t.Errorf("base graph changed: %s", d)
	}
	// Every test still comes before what waits for it.
	order := g.IDs()
	pos := map[string]int{}
	for i, id := range order {
		pos[id] = i
	}
	for _, id := range order {
		for _, p := range g.Parents(id) {
			if pos[p] > pos[id] {
				t.Errorf("%s comes before its parent %s in %v", id, p, order)
			}
		}
	}
}

// TestUnknownParentsInNodeOrder: parents are resolved in chunks on every
// core, and what is missing is still reported in the nodes' order.
func TestUnknownParentsInNodeOrder(t *testing.T) {
	var nodes []Node
	var want []string
	for i := range 3000 {
		n := Node{ID: fmt.Sprintf("model.p.m%04d", i), Path: fmt.Sprintf("models/m%04d.sql", i)}
		if i > 0 {
			n.DependsOn = []string{nodes[i-1].ID}
		}
		if i%299 == 7 {
			gone := fmt.Sprintf("model.p.gone%d", i)
			n.DependsOn = append(n.DependsOn, gone)
			want = append(want, n.ID+" depends on "+gone)
		}
		nodes = append(nodes, n)
	}
	_, err := New(nodes)
	var de *diag.Errors
	if !errors.As(err, &de) {
		t.Fatalf("want a *diag.Errors, got %T: %v", err, err)
	}
	if len(de.List) != len(want) {
		t.Fatalf("want %d diagnostics, got %d:\n%v", len(want), len(de.List), err)
	}
	for i, d := range de.List {
		if !strings.Contains(d.Summary, want[i]) {
			t.Errorf("diagnostic %d is %q, want it to say %q", i, d.Summary, want[i])
		}
	}
}
