// Package fuzzguard bounds what one execution of a fuzz target may allocate
// and how long it may run, so that an input that makes the code under test
// expand without bound (a YAML alias bomb, a damaged length that a decoder
// believes) is reported as a failure with its input instead of exhausting
// the machine or hanging the fuzzer.
package fuzzguard

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elt-dev/elt/internal/trailer"
)

// Guard fails an execution that allocates more than its limit, measured
// with runtime.ReadMemStats once the execution returns. An execution that
// never returns because it allocates without bound would exhaust the
// machine's memory first, so a watchdog also samples the heap every few
// milliseconds and panics once an execution has allocated four times the
// limit: the fuzzing engine then records the input as a crasher, and `go
// test` stops with the test's name. A Guard measures one execution at a
// time (scripts/fuzz.sh runs targets with -parallel=1).
type Guard struct {
	maxTime time.Duration
	name    atomic.Pointer[string] // the running execution's test name, nil when idle
	before  atomic.Uint64          // cumulative heap allocations when it started
	limit   atomic.Uint64          // the running execution's limit in bytes
}

// New returns a Guard whose executions may run for at most maxTime; its
// watchdog stops when f's test ends.
func New(f *testing.F, maxTime time.Duration) *Guard {
	g := &Guard{maxTime: maxTime}
	done := make(chan struct{})
	f.Cleanup(func() { close(done) })
	go g.watch(done)
	return g
}

func (g *Guard) watch(done <-chan struct{}) {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		name := g.name.Load()
		if name == nil {
			continue
		}
		metrics.Read(sample)
		limit := g.limit.Load()
		if used := sample[0].Value.Uint64() - g.before.Load(); used > 4*limit && g.name.Load() == name {
			panic(fmt.Sprintf("%s: one execution allocated %d MiB so far (limit %d MiB): some input expands without bound",
				*name, used>>20, limit>>20))
		}
	}
}

// Run runs fn and fails t when it allocated more than maxAlloc bytes, or
// panics when it runs longer than the Guard's maxTime.
func (g *Guard) Run(t *testing.T, maxAlloc uint64, fn func()) {
	t.Helper()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(sample)
	g.before.Store(sample[0].Value.Uint64())
	g.limit.Store(maxAlloc)
	name := t.Name()
	g.name.Store(&name)
	defer g.name.Store(nil)
	hang := time.AfterFunc(g.maxTime, func() {
		panic(fmt.Sprintf("%s: one execution ran for more than %s", name, g.maxTime))
	})
	defer hang.Stop()
	fn()
	runtime.ReadMemStats(&ms)
	if used := ms.TotalAlloc - before; used > maxAlloc {
		t.Fatalf("one execution allocated %d MiB (limit %d MiB)", used>>20, maxAlloc>>20)
	}
}

// CacheFile turns a fuzz input into the bytes a target stores as a cache
// file elt keeps under target/. The input's first byte says how: when it
// is odd, the rest sealed with a matching trailer (internal/trailer), as
// if elt had written it; when even, the rest as it is (a file damaged
// after it was written). ok is false for an empty input.
func CacheFile(data []byte) (file []byte, sealed, ok bool) {
	if len(data) == 0 {
		return nil, false, false
	}
	if data[0]&1 == 1 {
		return trailer.Seal(append([]byte(nil), data[1:]...)), true, true
	}
	return data[1:], false, true
}

// AddCacheSeeds adds to f's corpus, in CacheFile's form, a cache file as
// elt wrote it (stored, its trailer included): as it is, its contents to
// be sealed again, and each cut in half.
func AddCacheSeeds(f *testing.F, stored []byte) {
	if len(stored) < trailer.Size {
		f.Fatalf("a cache file of %d bytes has no trailer", len(stored))
	}
	body := stored[:len(stored)-trailer.Size]
	f.Add(append([]byte{0}, stored...))
	f.Add(append([]byte{1}, body...))
	f.Add(append([]byte{0}, stored[:len(stored)/2]...))
	f.Add(append([]byte{1}, body[:len(body)/2]...))
}
