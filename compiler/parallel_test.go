package compiler

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
)

// TestParallel checks that parallel calls fn once for every index, for
// any number of indexes and workers, none included.
func TestParallel(t *testing.T) {
	for _, n := range []int{0, 1, 2, 5, 127, 128, 129, 10000} {
		for _, workers := range []int{0, 1, 2, 3, 8} {
			t.Run(fmt.Sprintf("n=%d,workers=%d", n, workers), func(t *testing.T) {
				m := &Manifest{engine: &engine{opts: Options{Concurrency: workers}}}
				calls := make([]atomic.Int32, n)
				m.parallel(context.Background(), n, func(i int) { calls[i].Add(1) })
				for i := range calls {
					if got := calls[i].Load(); got != 1 {
						t.Fatalf("index %d: want 1 call, got %d", i, got)
					}
				}
			})
		}
	}
}

// TestParseEmptyProject parses and compiles a project without nodes.
func TestParseEmptyProject(t *testing.T) {
	m, err := Parse(context.Background(), newProject(map[string]string{}), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if len(m.Nodes) != 0 || len(m.ParentMap) != 0 {
		t.Errorf("want no nodes, got %d and parent map %v", len(m.Nodes), m.ParentMap)
	}
}
