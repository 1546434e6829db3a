package graph

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"
)

// recorder logs the start and end of each visit as positions in one
// sequence, so order can be asserted without clocks.
type recorder struct {
	mu     sync.Mutex
	seq    int
	start  map[string]int
	end    map[string]int
	starts []string
}

func newRecorder() *recorder {
	return &recorder{start: map[string]int{}, end: map[string]int{}}
}

func (r *recorder) begin(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	r.start[id] = r.seq
	r.starts = append(r.starts, id)
}

func (r *recorder) finish(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	r.end[id] = r.seq
}

func (r *recorder) visited() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]string(nil), r.starts...)
	sort.Strings(out)
	return out
}

// visitor returns a visit that records, and fails the ids in fail.
func (r *recorder) visitor(fail ...string) func(context.Context, string) Status {
	failing := map[string]bool{}
	for _, id := range fail {
		failing[id] = true
	}
	return func(ctx context.Context, id string) Status {
		r.begin(id)
		defer r.finish(id)
		if failing[id] {
			return Failed
		}
		return Success
	}
}

// assertOrder checks that every parent in the walk ended before its child started.
func (r *recorder) assertOrder(t *testing.T, g *Graph, walked []string) {
	t.Helper()
	in := map[string]bool{}
	for _, id := range walked {
		in[id] = true
	}
	for _, id := range walked {
		s, ok := r.start[id]
		if !ok {
			continue
		}
		for _, p := range g.Parents(id) {
			if !in[p] {
				continue
			}
			e, ok := r.end[p]
			if !ok || e > s {
				t.Errorf("%s started (at %d) before its parent %s ended (at %d)", id, s, p, e)
			}
		}
	}
}

func statuses(m map[string]Status) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := ""
	for _, k := range keys {
		out += fmt.Sprintf("%s=%s ", k, m[k])
	}
	return out
}

func TestWalk(t *testing.T) {
	// a -> b -> c, a -> d, b -> e, d -> e; x -> y; z alone.
	nodes := chain("a->b->c", "a->d->e", "b->e", "x->y", "z")
	g := mustNew(t, nodes)
	all := g.IDs()
	tests := []struct {
		name        string
		ids         []string
		threads     int
		fail        []string
		want        map[string]Status
		wantVisited []string
	}{
		{
			name:    "all succeed",
			ids:     all,
			threads: 4,
			want: map[string]Status{"a": Success, "b": Success, "c": Success, "d": Success, "e": Success,
				"x": Success, "y": Success, "z": Success},
		},
		{
			name:    "a failure skips every descendant, other branches go on",
			ids:     all,
			threads: 2,
			fail:    []string{"model.p.b"},
			want: map[string]Status{"a": Success, "b": Failed, "c": Skipped, "d": Success, "e": Skipped,
				"x": Success, "y": Success, "z": Success},
			wantVisited: ids("a", "b", "d", "x", "y", "z"),
		},
		{
			name:        "a failing root skips its whole tree",
			ids:         all,
			threads:     1,
			fail:        []string{"model.p.a"},
			want:        map[string]Status{"a": Failed, "b": Skipped, "c": Skipped, "d": Skipped, "e": Skipped, "x": Success, "y": Success, "z": Success},
			wantVisited: ids("a", "x", "y", "z"),
		},
		{
			name:    "subset: nodes outside count as done",
			ids:     ids("c", "e", "y"),
			threads: 3,
			want:    map[string]Status{"c": Success, "e": Success, "y": Success},
		},
		{
			name:        "subset: order and skips go through nodes outside",
			ids:         ids("a", "c", "e"),
			threads:     3,
			fail:        []string{"model.p.a"},
			want:        map[string]Status{"a": Failed, "c": Skipped, "e": Skipped},
			wantVisited: ids("a"),
		},
		{
			name:    "duplicates and unknown ids",
			ids:     []string{"model.p.z", "model.p.z", "extra.id"},
			threads: 1,
			want:    map[string]Status{"z": Success, "extra.id": Success},
		},
		{
			name:    "no ids",
			ids:     nil,
			threads: 0,
			want:    map[string]Status{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecorder()
			got := g.Walk(context.Background(), tt.ids, WalkOptions{Threads: tt.threads}, r.visitor(tt.fail...))
			want := map[string]Status{}
			for k, v := range tt.want {
				if _, ok := g.Node("model.p." + k); ok {
					k = "model.p." + k
				}
				want[k] = v
			}
			if statuses(want) != statuses(got) {
				t.Errorf("statuses:\nwant %s\n got %s", statuses(want), statuses(got))
			}
			if tt.wantVisited != nil {
				if d := diffIDs(tt.wantVisited, r.visited()); d != "" {
					t.Errorf("visited:\n%s", d)
				}
			}
			r.assertOrder(t, g, tt.ids)
		})
	}
}

func TestWalkOrderThroughNodesOutside(t *testing.T) {
	// a -> x -> b: walking only a and b, b must still wait for a.
	g := mustNew(t, chain("a->x->b"))
	r := newRecorder()
	g.Walk(context.Background(), ids("b", "a"), WalkOptions{Threads: 2}, r.visitor())
	if r.end["model.p.a"] > r.start["model.p.b"] {
		t.Errorf("b started at %d, before a ended at %d", r.start["model.p.b"], r.end["model.p.a"])
	}
}

// TestWalkStartOrderIsDeterministic: with one thread nodes start in dbt's
// queue order, by depth and then by id, whatever the order of the ids.
func TestWalkStartOrderIsDeterministic(t *testing.T) {
	g := mustNew(t, chain("m->b", "m->a", "z->c", "a->c", "q"))
	want := ids("m", "q", "z", "a", "b", "c")
	for i := 0; i < 10; i++ {
		r := newRecorder()
		g.Walk(context.Background(), []string{"model.p.c", "model.p.q", "model.p.a", "model.p.z", "model.p.b", "model.p.m"},
			WalkOptions{Threads: 1}, r.visitor())
		if d := diffOrder(want, r.starts); d != "" {
			t.Fatal(d)
		}
	}
}

func TestWalkBoundsParallelism(t *testing.T) {
	const threads, total = 3, 20
	var nodes []Node
	for i := 0; i < total; i++ {
		nodes = append(nodes, Node{ID: fmt.Sprintf("model.p.n%02d", i), ResourceType: "model"})
	}
	g := mustNew(t, nodes)

	var mu sync.Mutex
	running, peak := 0, 0
	started := make(chan string)
	release := make(chan struct{})
	visit := func(ctx context.Context, id string) Status {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		started <- id
		<-release
		mu.Lock()
		running--
		mu.Unlock()
		return Success
	}
	done := make(chan map[string]Status)
	go func() { done <- g.Walk(context.Background(), g.IDs(), WalkOptions{Threads: threads}, visit) }()

	// Wait until threads visits run at once, then let one finish per new start.
	for i := 0; i < threads; i++ {
		<-started
	}
	for received := threads; received < total; received++ {
		release <- struct{}{}
		<-started
	}
	for i := 0; i < threads; i++ {
		release <- struct{}{}
	}
	got := <-done
	if peak != threads {
		t.Errorf("peak concurrent visits: want %d, got %d", threads, peak)
	}
	for id, st := range got {
		if st != Success {
			t.Errorf("%s: want success, got %s", id, st)
		}
	}
}

// waitForCancel blocks until ctx is cancelled, then reports Cancelled. The
// timeout only turns a missing cancellation into a failure instead of a hang.
func waitForCancel(ctx context.Context) Status {
	select {
	case <-ctx.Done():
		return Cancelled
	case <-time.After(10 * time.Second):
		return Success
	}
}

func TestWalkFailFast(t *testing.T) {
	// a_fail and b_slow start first (by id); the rest never start.
	g := mustNew(t, chain("a_fail", "b_slow", "c1", "c2", "c3->d"))
	r := newRecorder()
	visit := func(ctx context.Context, id string) Status {
		r.begin(id)
		defer r.finish(id)
		switch id {
		case "model.p.a_fail":
			return Failed
		case "model.p.b_slow":
			return waitForCancel(ctx)
		}
		return Success
	}
	got := g.Walk(context.Background(), g.IDs(), WalkOptions{Threads: 2, FailFast: true}, visit)
	want := map[string]Status{
		"model.p.a_fail": Failed, "model.p.b_slow": Cancelled,
		"model.p.c1": Skipped, "model.p.c2": Skipped, "model.p.c3": Skipped, "model.p.d": Skipped,
	}
	if statuses(want) != statuses(got) {
		t.Errorf("statuses:\nwant %s\n got %s", statuses(want), statuses(got))
	}
	if d := diffIDs(ids("a_fail", "b_slow"), r.visited()); d != "" {
		t.Errorf("visited:\n%s", d)
	}
}

func TestWalkWithoutFailFastKeepsGoing(t *testing.T) {
	g := mustNew(t, chain("a_fail", "b", "c"))
	got := g.Walk(context.Background(), g.IDs(), WalkOptions{Threads: 1}, newRecorder().visitor("model.p.a_fail"))
	want := map[string]Status{"model.p.a_fail": Failed, "model.p.b": Success, "model.p.c": Success}
	if statuses(want) != statuses(got) {
		t.Errorf("statuses:\nwant %s\n got %s", statuses(want), statuses(got))
	}
}

func TestWalkContextCancelled(t *testing.T) {
	t.Run("while running", func(t *testing.T) {
		g := mustNew(t, chain("a->b", "c", "d"))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := newRecorder()
		visit := func(vctx context.Context, id string) Status {
			r.begin(id)
			defer r.finish(id)
			if id == "model.p.a" {
				cancel()
				return waitForCancel(vctx) // the visit's context is cancelled too
			}
			return Success
		}
		got := g.Walk(ctx, g.IDs(), WalkOptions{Threads: 1}, visit)
		want := map[string]Status{"model.p.a": Cancelled, "model.p.b": Skipped, "model.p.c": Cancelled, "model.p.d": Cancelled}
		if statuses(want) != statuses(got) {
			t.Errorf("statuses:\nwant %s\n got %s", statuses(want), statuses(got))
		}
		if d := diffIDs(ids("a"), r.visited()); d != "" {
			t.Errorf("visited:\n%s", d)
		}
	})
	t.Run("before the walk", func(t *testing.T) {
		g := mustNew(t, chain("a->b", "c"))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r := newRecorder()
		got := g.Walk(ctx, g.IDs(), WalkOptions{Threads: 4}, r.visitor())
		want := map[string]Status{"model.p.a": Cancelled, "model.p.b": Cancelled, "model.p.c": Cancelled}
		if statuses(want) != statuses(got) {
			t.Errorf("statuses:\nwant %s\n got %s", statuses(want), statuses(got))
		}
		if len(r.visited()) != 0 {
			t.Errorf("visited %v, want nothing", r.visited())
		}
	})
}

func TestWalkBuildEdges(t *testing.T) {
	// a -> b -> c; not_null_a tests a; a relationships test between a and b.
	nodes := append(chain("a->b->c"),
		Node{ID: "test.p.not_null_a", ResourceType: "test", DependsOn: ids("a"), TestOf: ids("a")},
		Node{ID: "test.p.rel_b_a", ResourceType: "test", DependsOn: ids("a", "b"), TestOf: ids("b")},
	)
	g := mustNew(t, nodes).WithBuildEdges()
	tests := []struct {
		name        string
		fail        string
		want        map[string]Status
		wantVisited []string
	}{
		{
			name: "a failing test of a skips a's children, not a",
			fail: "test.p.not_null_a",
			want: map[string]Status{"model.p.a": Success, "test.p.not_null_a": Failed,
				"model.p.b": Skipped, "test.p.rel_b_a": Skipped, "model.p.c": Skipped},
			wantVisited: []string{"model.p.a", "test.p.not_null_a"},
		},
		{
			name: "a relationships test blocks only children of its most downstream parent",
			fail: "test.p.rel_b_a",
			want: map[string]Status{"model.p.a": Success, "test.p.not_null_a": Success,
				"model.p.b": Success, "test.p.rel_b_a": Failed, "model.p.c": Skipped},
			wantVisited: []string{"model.p.a", "test.p.not_null_a", "model.p.b", "test.p.rel_b_a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecorder()
			got := g.Walk(context.Background(), g.IDs(), WalkOptions{Threads: 4}, r.visitor(tt.fail))
			if statuses(tt.want) != statuses(got) {
				t.Errorf("statuses:\nwant %s\n got %s", statuses(tt.want), statuses(got))
			}
			if d := diffIDs(tt.wantVisited, r.visited()); d != "" {
				t.Errorf("visited:\n%s", d)
			}
			r.assertOrder(t, g, g.IDs())
		})
	}
}

func TestStatusString(t *testing.T) {
	for st, want := range map[Status]string{Success: "success", Failed: "failed", Skipped: "skipped", Cancelled: "cancelled", Status(42): "unknown"} {
		if got := st.String(); got != want {
			t.Errorf("Status(%d).String(): want %q, got %q", int(st), want, got)
		}
	}
}
