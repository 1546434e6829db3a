package lineage

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// countingParser counts the statements parsed through it.
type countingParser struct {
	inner Parser
	n     atomic.Int64
}

func (c *countingParser) Parse(ctx context.Context, sql string) (sqlmodel.Query, error) {
	c.n.Add(1)
	return c.inner.Parse(ctx, sql)
}

// chainNodes is a seed and n models, each reading the one before it, in
// two dialects by turns; every tenth model has the SQL of the one ten
// before it (shared parses) and model 5 does not parse.
func chainNodes(n int) []*Node {
	nodes := []*Node{{Name: "seed", Relation: `"w"."main"."seed"`, Columns: []string{"id", "v"}}}
	prev := "seed"
	for i := range n {
		name := fmt.Sprintf("m%05d", i)
		dialect := "duckdb"
		if i%2 == 1 {
			dialect = "postgres"
		}
		sql := fmt.Sprintf(`select id, v + %d as v, v * 2 as c%d from "w"."main".%q`, i%10, i%3, prev)
		if i == 5 {
			sql = "select from where"
		}
		nodes = append(nodes, &Node{Name: name, Relation: fmt.Sprintf(`"w"."main".%q`, name), Dialect: dialect, DependsOn: []string{prev}, SQL: sql})
		if i != 5 {
			prev = name
		}
	}
	return nodes
}

// TestStreamedParseSameAsOneByOne builds a project larger than the parse
// workers may run ahead, in two interleaved dialects with shared SQL, and
// finds every model resolved as it is alone.
func TestStreamedParseSameAsOneByOne(t *testing.T) {
	parsers := testParsers(t)
	nodes := chainNodes(3000)
	p, err := Build(context.Background(), parsers, nodes)
	if err != nil {
		t.Fatal(err)
	}
	prev := "seed"
	for i, n := range nodes[1:] {
		m := p.Models[n.Name]
		if m == nil {
			t.Fatalf("%s: not resolved", n.Name)
		}
		if i == 5 {
			if len(m.Warnings) == 0 || m.ColumnsKnown {
				t.Errorf("%s: want a parse warning and unknown columns, got %+v", n.Name, m)
			}
			continue
		}
		got := strings.Join(p.Columns(n.Name), ",")
		if want := fmt.Sprintf("id,v,c%d", i%3); got != want {
			t.Errorf("%s: columns %s, want %s", n.Name, got, want)
		}
		if up := p.Upstream(n.Name, "v", 1); len(up) != 1 || up[0].Node != prev || up[0].Column != "v" {
			t.Errorf("%s.v: upstream %v, want %s.v", n.Name, up, prev)
		}
		prev = n.Name
	}
}

// TestParseStreamRunsBoundedAhead: with the resolver taking nothing, the
// workers stop after parseAhead chunks per worker past the first; taking
// every model in order then parses the rest, and close stops the workers.
func TestParseStreamRunsBoundedAhead(t *testing.T) {
	inner := testParsers(t)
	d := &countingParser{inner: inner.DuckDB}
	nodes := chainNodes(4000)
	byName := map[string]*Node{}
	var order []string
	for _, n := range nodes {
		byName[n.Name] = n
		order = append(order, n.Name)
	}
	for _, n := range nodes {
		n.Dialect = "duckdb"
	}
	s := parseAll(context.Background(), Parsers{DuckDB: d}, order, byName, nil)
	workers := min(runtime.GOMAXPROCS(0), 4000/parseChunk)
	bound := int64((1 + parseAhead*workers + workers) * parseChunk)
	// Wait until the workers have parsed what they may.
	for last, still := int64(-1), 0; still < 5; time.Sleep(20 * time.Millisecond) {
		if n := d.n.Load(); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	if n := d.n.Load(); n > bound || n == 0 {
		t.Errorf("parsed %d statements before the resolver asked for any; want 1..%d", n, bound)
	}
	for _, name := range order[1:] {
		p, ok := s.take(name)
		if !ok {
			t.Fatalf("%s: not given to the workers", name)
		}
		if p.q == nil && p.warning == "" {
			t.Fatalf("%s: no parse", name)
		}
	}
	s.close()
	// Shared SQL is parsed once: 4000 models, statements repeat by their SQL.
	if n := d.n.Load(); n != int64(len(s.out)) {
		t.Errorf("parsed %d statements, want each of the %d distinct ones once", n, len(s.out))
	}
	for i, p := range s.out {
		if p.q != nil {
			t.Fatalf("statement %d still held after its last model took it", i)
		}
	}
}

// TestBuildCancelledStopsWorkers: a cancelled build returns the context's
// error and leaves no parse worker behind.
func TestBuildCancelledStopsWorkers(t *testing.T) {
	parsers := testParsers(t)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, parsers, chainNodes(2000)); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	for i := 0; runtime.NumGoroutine() > before && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the build, %d before", n, before)
	}
}
