package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// gcRoom is how far a small heap may grow past what the last garbage
// collection left, when that is more than Go's default (as far again as
// the live heap).
const gcRoom = 128 << 20

// gcMaxRoom caps that room for a large heap: past it, the heap grows by
// gcMaxRoom (or a quarter of the live heap, the least gcPace gives)
// between collections, not by as much again as it holds.
const gcMaxRoom = 384 << 20

// gcMinPercent is the least GOGC gcPace gives: past 1 GiB of live heap
// the room is a quarter of it.
const gcMinPercent = 25

// gcShrinkFrom is the live heap past which the room shrinks from
// gcMaxRoom, by half of what the heap holds beyond it, down to
// gcMinRoom (at 640 MiB live): a project of some 40,000 models or more.
// A compile of 100,000 models grows past 600 MiB live while it parses
// and past 900 MiB while it writes the manifest beside the checks.
const gcShrinkFrom = gcMaxRoom

// gcMinRoom is the least room gcShrinkFrom leaves a heap.
const gcMinRoom = 256 << 20

// gcPace is the GOGC percent for a live heap of live bytes: room for as
// much again as the live heap, but at least gcRoom and at most gcMaxRoom,
// with GOGC between gcMinPercent and 400.
//
// Loading and parsing a project grows a heap of tens of megabytes that
// stays live to the end; at Go's default pace it is marked some ten times
// over while it grows (about a sixth of `elt ls`'s CPU at 10,000 models).
// A heap between gcRoom and gcMaxRoom gets Go's default pace (100). A
// heap past gcMaxRoom (a project of some 30,000 models or more) would
// double at Go's pace: a compile of 100,000 models (1.0-1.2 GiB live)
// peaked at 3.4 GiB; with the room capped at 1 GiB, 2.65-2.72 GiB; at
// 384 MiB, 2.09-2.16 GiB, for 5% more CPU in the collector and 1-2% more
// time (two interleaved rounds, 28.5-29.6 s against 28.1-29.0 s). The
// floor was 50 then, which past 768 MiB live (some 70,000 models) gave
// half the live heap rather than gcMaxRoom; at 25, 1.66-1.69 GiB against
// 1.70-1.76 GiB (templates no longer kept), in 4 interleaved rounds, with
// no more CPU (fewer fresh pages to fault in pay for the collections).
// Such a compile still peaked at 1.63-1.72 GiB; with the room shrinking
// past gcShrinkFrom towards gcMinRoom, at 1.45-1.53 GiB, for 35
// collections instead of 26 (19.7 s of collector CPU against 15.0 s,
// about a tenth of the compile's CPU).
func gcPace(live uint64) int {
	if live == 0 {
		return 400
	}
	room := min(max(live, gcRoom), gcMaxRoom)
	if live > gcShrinkFrom {
		room = max(gcMinRoom, gcMaxRoom-min(gcMaxRoom, (live-gcShrinkFrom)/2))
	}
	return int(min(400, max(gcMinPercent, room*100/live)))
}

// paceGC sets the collector's pace after every collection from the live
// heap it left (gcPace), unless GOGC or GOMEMLIMIT is set: those decide
// alone. It returns a function that stops it and restores the pace.
func paceGC(getenv func(string) string) (stop func()) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(gcPace(0))
	var stopped atomic.Bool
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var arm func()
	// A finalizer runs after the collection that found its object
	// unreachable: one sentinel per collection, each arming the next.
	arm = func() {
		runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
			if stopped.Load() {
				return
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				debug.SetGCPercent(gcPace(sample[0].Value.Uint64()))
			}
			arm()
		})
	}
	arm()
	return func() {
		if stopped.CompareAndSwap(false, true) {
			debug.SetGCPercent(prev)
		}
	}
}

// gcSentinel holds a pointer so that it is not a tiny allocation, whose
// finalizer may never run.
type gcSentinel struct{ _ *int }
