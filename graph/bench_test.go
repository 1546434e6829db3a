package graph

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
)

// synthetic builds a deterministic DAG of n nodes: 80% models in 20
// folders, each depending on up to 3 earlier models, and 20% tests on one
// or two of them.
func synthetic(n int) []Node {
	rng := rand.New(rand.NewSource(1))
	nodes := make([]Node, 0, n)
	var models []string
	for i := 0; i < n; i++ {
		if i < 10 || rng.Intn(5) != 0 {
			folder := fmt.Sprintf("f%02d", i%20)
			name := fmt.Sprintf("m%05d", i)
			node := Node{
				ID: "model.bench." + name, Name: name, ResourceType: "model", Package: "bench",
				Path: "models/" + folder + "/" + name + ".sql", FQN: []string{"bench", folder, name},
				Tags: []string{fmt.Sprintf("t%d", i%10)}, Config: map[string]any{"materialized": []string{"view", "table"}[i%2]},
			}
			if len(models) > 0 {
				for k := rng.Intn(4); k > 0; k-- {
					node.DependsOn = append(node.DependsOn, models[rng.Intn(len(models))])
				}
			}
			models = append(models, node.ID)
			nodes = append(nodes, node)
			continue
		}
		deps := []string{models[rng.Intn(len(models))]}
		if rng.Intn(4) == 0 {
			deps = append(deps, models[rng.Intn(len(models))])
		}
		name := fmt.Sprintf("not_null_%05d", i)
		nodes = append(nodes, Node{ID: "test.bench." + name, Name: name, ResourceType: "test", Package: "bench",
			TestName: "not_null", DependsOn: deps, TestOf: deps[:1]})
	}
	return nodes
}

func BenchmarkNew10k(b *testing.B) {
	nodes := synthetic(10_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(nodes); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSelect10k(b *testing.B) {
	g := mustNew(b, synthetic(10_000))
	for _, sel := range []string{"m05000", "+m09990", "m00100+", "@m05000", "tag:t3,config.materialized:table", "bench.f07.*", "path:models/f01 tag:t1"} {
		b.Run(sel, func(b *testing.B) {
			var selected int
			b.ReportAllocs()
			for b.Loop() {
				s, err := g.Select(SelectOptions{Select: []string{sel}, Exclude: []string{"tag:t9"}})
				if err != nil {
					b.Fatal(err)
				}
				selected = len(s.IDs)
			}
			b.ReportMetric(float64(selected), "nodes")
		})
	}
}

func BenchmarkWalk10k(b *testing.B) {
	g := mustNew(b, synthetic(10_000))
	all := g.IDs()
	for _, threads := range []int{1, 8} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g.Walk(context.Background(), all, WalkOptions{Threads: threads}, func(context.Context, string) Status { return Success })
			}
			b.ReportMetric(float64(len(all)), "nodes")
		})
	}
}

func BenchmarkWithBuildEdges10k(b *testing.B) {
	g := mustNew(b, synthetic(10_000))
	b.ReportAllocs()
	for b.Loop() {
		g.WithBuildEdges()
	}
}
