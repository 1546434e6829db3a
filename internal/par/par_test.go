package par

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

func TestForCallsEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 64, 1000, 1001} {
		for _, chunk := range []int{1, 3, 64, 5000} {
			counts := make([]atomic.Int32, n)
			For(n, chunk, func(i int) { counts[i].Add(1) })
			for i := range counts {
				if c := counts[i].Load(); c != 1 {
					t.Fatalf("n=%d chunk=%d: index %d called %d times", n, chunk, i, c)
				}
			}
		}
	}
}

func TestForOnGivesEachWorkerItsOwnState(t *testing.T) {
	type state struct {
		busy atomic.Bool
		n    int
	}
	var mu sync.Mutex
	var states []*state
	ForOn(4, 10000, 7, func() *state {
		s := &state{}
		mu.Lock()
		states = append(states, s)
		mu.Unlock()
		return s
	}, func(s *state, i int) {
		if !s.busy.CompareAndSwap(false, true) {
			t.Errorf("index %d: a worker state in use by two goroutines at once", i)
		}
		s.n++
		s.busy.Store(false)
	})
	total := 0
	for _, s := range states {
		total += s.n
	}
	if total != 10000 || len(states) == 0 || len(states) > 4 {
		t.Fatalf("%d calls over %d worker states, want 10000 over 1-4", total, len(states))
	}
}

func TestForCtxStopsWhenDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var calls atomic.Int32
	ForCtx(ctx, 2, 1000, 0, func(int) { calls.Add(1) })
	if c := calls.Load(); c != 0 {
		t.Fatalf("%d calls after the context was done, want 0", c)
	}
	ctx, cancel = context.WithCancel(context.Background())
	ForCtx(ctx, 1, 1000, 10, func(i int) {
		calls.Add(1)
		if i == 105 {
			cancel()
		}
	})
	// The chunk under way when ctx ended is finished; no other starts.
	if c := calls.Load(); c != 110 {
		t.Fatalf("%d calls, want the 110 up to the end of the chunk that cancelled", c)
	}
	calls.Store(0)
	ForCtx(context.Background(), 0, 999, 0, func(int) { calls.Add(1) })
	if c := calls.Load(); c != 999 {
		t.Fatalf("%d calls, want 999", c)
	}
}
