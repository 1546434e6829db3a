package project

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// eachParallel calls fn(i) for every i in [0, n) on every core, in chunks
// of chunk indexes, and returns once all calls returned. fn must touch
// nothing another index touches.
func eachParallel(n, chunk int, fn func(i int)) {
	eachParallelWith(n, chunk, func() struct{} { return struct{}{} }, func(_ struct{}, i int) { fn(i) })
}

// eachParallelWith is eachParallel with a worker state per goroutine,
// made by newWorker (on the calling goroutine's when it runs alone).
func eachParallelWith[W any](n, chunk int, newWorker func() W, fn func(w W, i int)) {
	eachParallelOn(runtime.GOMAXPROCS(0), n, chunk, newWorker, fn)
}

// eachParallelOn is eachParallelWith on at most workers goroutines: more
// than the cores for work that waits on system calls.
func eachParallelOn[W any](workers, n, chunk int, newWorker func() W, fn func(w W, i int)) {
	if n == 0 {
		return
	}
	workers = min(workers, (n+chunk-1)/chunk)
	if workers <= 1 {
		w := newWorker()
		for i := range n {
			fn(w, i)
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
			for {
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
