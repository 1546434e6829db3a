// Package par runs independent pieces of work on several goroutines:
// the loops over a project's files and nodes that touch nothing another
// index touches.
package par

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls fn(i) for every i in [0, n) on every core, in chunks of chunk
// indexes, and returns once all calls returned. fn must touch nothing
// another index touches.
func For(n, chunk int, fn func(i int)) {
	ForOn(runtime.GOMAXPROCS(0), n, chunk, func() struct{} { return struct{}{} }, func(_ struct{}, i int) { fn(i) })
}

// ForWith is For with a worker state per goroutine, made by newWorker
// (on the calling goroutine's when it runs alone).
func ForWith[W any](n, chunk int, newWorker func() W, fn func(w W, i int)) {
	ForOn(runtime.GOMAXPROCS(0), n, chunk, newWorker, fn)
}

// ForOn is ForWith on at most workers goroutines: more than the cores
// for work that waits on system calls.
func ForOn[W any](workers, n, chunk int, newWorker func() W, fn func(w W, i int)) {
	forEach(nil, workers, n, chunk, newWorker, fn)
}

// ForCtx is For on at most workers goroutines (0: every core) that stops
// taking chunks once ctx is done. chunk 0 sizes the chunks for about 64
// per worker: enough to even out indexes that take longer, few enough
// that taking one costs nothing next to the work.
func ForCtx(ctx context.Context, workers, n, chunk int, fn func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if chunk <= 0 {
		chunk = max(1, n/(workers*64))
	}
	forEach(ctx, workers, n, chunk, func() struct{} { return struct{}{} }, func(_ struct{}, i int) { fn(i) })
}

func forEach[W any](ctx context.Context, workers, n, chunk int, newWorker func() W, fn func(w W, i int)) {
	if n == 0 {
		return
	}
	done := func() bool { return ctx != nil && ctx.Err() != nil }
	workers = min(workers, (n+chunk-1)/chunk)
	if workers <= 1 {
		w := newWorker()
		for start := 0; start < n && !done(); start += chunk {
			for i := start; i < min(start+chunk, n); i++ {
				fn(w, i)
			}
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker()
			for !done() {
				start := int(next.Add(int64(chunk))) - chunk
				if start >= n {
					return
				}
				for i := start; i < min(start+chunk, n); i++ {
					fn(w, i)
				}
			}
		}()
	}
	wg.Wait()
}
