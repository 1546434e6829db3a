package main

import (
	"testing"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

// TestFoundStatsOrder: the "Found" line lists types in the order dbt's
// _generate_stats inserts them (file parsers per project, then the
// schema files' generic tests, then the fixed collections), and one data
// test is "1 test", as dbt's pluralize of NodeType.Test.
func TestFoundStatsOrder(t *testing.T) {
	node := func(id string, rt project.ResourceType, pkg string, generic bool) *compiler.Node {
		n := &compiler.Node{Node: project.Node{UniqueID: id, ResourceType: rt, Package: pkg}}
		if generic {
			n.TestMetadata = &compiler.TestMetadata{Name: "not_null"}
		}
		return n
	}
	manifest := func(nodes ...*compiler.Node) *compiler.Manifest {
		m := &compiler.Manifest{
			Project: &project.Project{Config: &project.ProjectConfig{Name: "shop"}},
			Nodes:   map[string]*compiler.Node{},
			Sources: map[string]*project.SourceTable{"source.shop.raw.t": {}},
			Macros:  map[string]*compiler.Macro{"macro.shop.m": {}},
		}
		for _, n := range nodes {
			m.Nodes[n.UniqueID] = n
		}
		return m
	}
	cases := []struct {
		name string
		m    *compiler.Manifest
		want string
	}{
		{"singular test before seeds", manifest(
			node("model.shop.a", project.Model, "shop", false),
			node("model.shop.b", project.Model, "shop", false),
			node("seed.shop.s", project.Seed, "shop", false),
			node("test.shop.singular", project.Test, "shop", false),
			node("test.shop.generic", project.Test, "shop", true),
			node("analysis.shop.an", project.Analysis, "shop", false),
		), "Found 2 models, 1 analysis, 2 data tests, 1 seed, 1 source, 1 macro"},
		{"generic tests only come after seeds", manifest(
			node("model.shop.a", project.Model, "shop", false),
			node("seed.shop.s", project.Seed, "shop", false),
			node("test.shop.generic", project.Test, "shop", true),
			node("snapshot.shop.snap", project.Snapshot, "shop", false),
		), "Found 1 model, 1 snapshot, 1 seed, 1 test, 1 source, 1 macro"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := foundStats(c.m); got != c.want {
				t.Errorf("want %q\n got %q", c.want, got)
			}
		})
	}
}
