package lineage

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// memoryReuse keeps results in memory, as check.Cache keeps them in a file.
type memoryReuse struct {
	prev, next map[string]*Result
	reused     []string
}

func (m *memoryReuse) Previous(n *Node, _ Digest) *Result { return m.prev[n.Name] }
func (m *memoryReuse) Store(n *Node, r *Result) {
	if m.prev[n.Name] == r {
		m.reused = append(m.reused, n.Name)
	}
	m.next[n.Name] = r
}

// summary is what BuildReusing keeps of every model: columns (without
// edges), types, warnings, problems.
func summary(p *Project) string {
	out := ""
	for _, name := range []string{"a", "b", "c"} {
		m := p.Models[name]
		out += fmt.Sprintf("%s known=%v warnings=%v problems=%v\n", name, m.ColumnsKnown, m.Warnings, m.Problems)
		for _, c := range m.Columns {
			out += fmt.Sprintf("  %s %s degraded=%v\n", c.Name, p.ColumnType(name, c.Name), c.Degraded)
		}
	}
	return out
}

// TestBuildReusing: a build that reuses earlier results resolves to what
// a build from scratch does, and reuses exactly the models whose SQL and
// inputs did not change.
func TestBuildReusing(t *testing.T) {
	parsers := testParsers(t)
	ctx := context.Background()
	nodes := func(seedCols []string, aSQL string) []*Node {
		return []*Node{
			{Name: "seed", Relation: `"db"."main"."seed"`, Columns: seedCols, Types: map[string]string{"id": "integer", "name": "text"}},
			{Name: "a", Relation: `"db"."main"."a"`, Dialect: "duckdb", SQL: aSQL, DependsOn: []string{"seed"}},
			{Name: "b", Relation: `"db"."main"."b"`, Dialect: "duckdb", SQL: `select id, name from "db"."main"."a" where name = 1`, DependsOn: []string{"a"}},
			{Name: "c", Relation: `"db"."main"."c"`, Dialect: "duckdb", SQL: `select id from "db"."main"."b"`, DependsOn: []string{"b"}, ExtraColumns: []string{"dbt_valid_from"}},
		}
	}
	base := nodes([]string{"id", "name"}, `select * from "db"."main"."seed"`)
	store := &memoryReuse{prev: map[string]*Result{}, next: map[string]*Result{}}
	if _, err := BuildReusing(ctx, parsers, base, store); err != nil {
		t.Fatal(err)
	}
	if len(store.reused) != 0 || len(store.next) != 3 {
		t.Fatalf("first build: reused %v, stored %d", store.reused, len(store.next))
	}
	stored := store.next
	cases := []struct {
		name   string
		nodes  []*Node
		reused []string
	}{
		{"nothing changed", base, []string{"a", "b", "c"}},
		{"a's SQL changed, not its columns", nodes([]string{"id", "name"}, `select id, name from "db"."main"."seed"`), []string{"b", "c"}},
		{"a seed column more: a's columns change, b's do not", nodes([]string{"id", "name", "x"}, `select * from "db"."main"."seed"`), []string{"c"}},
		{"a seed column gone: b's name loses its type, so c is resolved too", nodes([]string{"id"}, `select * from "db"."main"."seed"`), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := Build(ctx, parsers, c.nodes)
			if err != nil {
				t.Fatal(err)
			}
			r := &memoryReuse{prev: stored, next: map[string]*Result{}}
			got, err := BuildReusing(ctx, parsers, c.nodes, r)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := summary(got), summary(want); g != w {
				t.Errorf("reusing:\n%s\nfrom scratch:\n%s", g, w)
			}
			if !reflect.DeepEqual(r.reused, c.reused) {
				t.Errorf("reused %v, want %v", r.reused, c.reused)
			}
		})
	}
}

// TestBuildReusingKeepsNoEdges: a build with a store keeps no column
// edges (nothing reads them, and at scale they hold tens of megabytes),
// yet types still travel through copied columns; Build keeps them.
func TestBuildReusingKeepsNoEdges(t *testing.T) {
	parsers := testParsers(t)
	ctx := context.Background()
	nodes := []*Node{
		{Name: "seed", Relation: `"db"."main"."seed"`, Columns: []string{"id", "name"}, Types: map[string]string{"id": "integer"}},
		{Name: "a", Relation: `"db"."main"."a"`, Dialect: "duckdb", SQL: `select id, upper(name) as name from "db"."main"."seed"`, DependsOn: []string{"seed"}},
		{Name: "b", Relation: `"db"."main"."b"`, Dialect: "duckdb", SQL: `select id from "db"."main"."a"`, DependsOn: []string{"a"}},
	}
	full, err := Build(ctx, parsers, nodes)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Models["b"].Columns[0].Edges) == 0 || len(full.Downstream("seed", "id", 0)) != 2 {
		t.Fatalf("Build lost its edges: %+v", full.Models["b"])
	}
	store := &memoryReuse{prev: map[string]*Result{}, next: map[string]*Result{}}
	p, err := BuildReusing(ctx, parsers, nodes, store)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		for _, c := range p.Models[name].Columns {
			if c.Edges != nil {
				t.Errorf("%s.%s kept edges %v", name, c.Name, c.Edges)
			}
		}
	}
	if got := p.ColumnType("b", "id"); got != "integer" {
		t.Errorf("b.id's type %q, want integer (carried from seed through a)", got)
	}
	if got := p.Downstream("seed", "id", 0); len(got) != 0 {
		t.Errorf("Downstream found column edges in a reusing build: %v", got)
	}
}
