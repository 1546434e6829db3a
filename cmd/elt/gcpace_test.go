package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestGCPace(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 400},
		{1 << 20, 400},          // a small project: room for five times its heap
		{32 << 20, 400},         // 128 MiB more is four times more
		{64 << 20, 200},         // 128 MiB more is twice more
		{100 << 20, 128},        // between
		{128 << 20, 100},        // from here on Go's default
		{384 << 20, 100},        // up to here
		{448 << 20, 78},         // past gcShrinkFrom the room shrinks: 352 MiB more
		{512 << 20, 62},         // 320 MiB more
		{640 << 20, 40},         // 256 MiB more
		{768 << 20, 33},         // and no less
		{896 << 20, 28},         // 256 MiB more
		{1 << 30, 25},           // 256 MiB more, a quarter of it
		{1536 << 20, 25},        // a quarter of it
		{2 << 30, 25},           // and no less
		{8 << 30, 25},           // and no less
		{^uint64(0) / 1000, 25}, // no overflow
	} {
		if got := gcPace(c.live); got != c.want {
			t.Errorf("gcPace(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}

// paceGC sets the pace after collections and stops when told; GOGC or
// GOMEMLIMIT in the environment leave the collector alone.
func TestPaceGC(t *testing.T) {
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		stop := paceGC(func(k string) string {
			if k == env {
				return "200"
			}
			return ""
		})
		if got := debug.SetGCPercent(100); got != 100 {
			t.Errorf("with %s set, the pace became %d", env, got)
		}
		stop()
	}
	stop := paceGC(func(string) string { return "" })
	if got := debug.SetGCPercent(400); got != 400 {
		t.Errorf("the pace at start is %d, want 400", got)
	}
	debug.SetGCPercent(50) // not what gcPace gives: the finalizer must set it
	// After a collection with a large live heap, the finalizer sets
	// Go's default pace.
	keep := make([][]byte, 0, 160)
	for range 160 {
		keep = append(keep, make([]byte, 1<<20))
	}
	paced := false
	for range 50 {
		runtime.GC()
		runtime.Gosched()
		if got := debug.SetGCPercent(-1); got == 100 {
			paced = true
			debug.SetGCPercent(got)
			break
		} else {
			debug.SetGCPercent(got)
		}
	}
	runtime.KeepAlive(keep)
	stop()
	if !paced {
		t.Error("the pace was not set to 100 after collections with 160 MiB live")
	}
	if got := debug.SetGCPercent(100); got != 100 {
		// stop restores the pace paceGC found.
		t.Errorf("stop restored %d, want 100", got)
	}
}
