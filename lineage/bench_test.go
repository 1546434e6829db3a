package lineage

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// benchChain is a seed and n models in a chain, each reading the one
// before it, as compiler/bench_test.go's benchProject.
func benchChain(n int, dialect string) []*Node {
	rel := func(name string) string { return fmt.Sprintf(`"warehouse"."main"."%s"`, name) }
	nodes := []*Node{{Name: "seed", Relation: rel("seed"), Columns: []string{"id", "amount", "status"}}}
	prev := "seed"
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("m%d", i)
		nodes = append(nodes, &Node{
			Name: name, Relation: rel(name), Dialect: dialect, DependsOn: []string{prev},
			SQL: fmt.Sprintf("with base as (select * from %s where status <> 'void')\nselect id, cast(amount / 100 as numeric(16, 2)) * 100 as amount, status from base", rel(prev)),
		})
		prev = name
	}
	return nodes
}

func benchmarkLineage(b *testing.B, n int, dialect string) {
	parsers := testParsers(b)
	ctx := context.Background()
	nodes := benchChain(n, dialect)
	last := fmt.Sprintf("m%d", n-1)
	var build, walk time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		p, err := Build(ctx, parsers, nodes)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		up := p.Upstream(last, "amount", 0)
		down := p.Downstream("seed", "amount", 0)
		walk += time.Since(t1)
		build += t1.Sub(t0)
		if len(up) != 2*n || len(down) != n || up[len(up)-1].Node != "seed" {
			b.Fatalf("upstream reached %d columns, downstream %d", len(up), len(down))
		}
	}
	b.ReportMetric(float64(build.Milliseconds())/float64(b.N), "build-ms/op")
	b.ReportMetric(float64(walk.Milliseconds())/float64(b.N), "walk-ms/op")
	b.ReportMetric(float64(build.Microseconds())/float64(b.N)/float64(n), "µs/model")
}

func BenchmarkLineage10kDuckDB(b *testing.B)   { benchmarkLineage(b, 10000, "duckdb") }
func BenchmarkLineage10kPostgres(b *testing.B) { benchmarkLineage(b, 10000, "postgres") }
