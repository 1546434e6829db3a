package main

import (
	"fmt"
	"io"
	"slices"
)

// heapHugePages is how much of the heap is backed by transparent huge
// pages: about the peak heap of `elt compile -s` at 20,000 models, and the
// first part of larger ones. Growing the heap by a gibibyte to advise it
// added 10 ms to every start here (the runtime records each page of it),
// half of that nothing measurable.
const heapHugePages = 512 << 20

// adviseHugePages backs the first heapHugePages of the heap with huge
// pages (hugepages.Advise), which takes a third off the CPU of `elt ls`
// and `elt compile -s` here, most of it page faults. It does not when
// ELT_HUGE_PAGES=0, when GOMEMLIMIT is set (the address space it reserves
// counts against that limit until the runtime returns it), or for the
// servers (`serve`), whose heap lives for days: there the runtime returns
// memory a 4 KiB page at a time, which huge pages would hold on to.
//
// It reports whether the heap was advised: only then is a large project's
// heap advised further once its size is known (projectHugePages).
func adviseHugePages(getenv func(string) string, args []string, stderr io.Writer, advise func(int) (bool, error)) bool {
	if getenv("ELT_HUGE_PAGES") == "0" || getenv("GOMEMLIMIT") != "" || slices.Contains(args, "serve") {
		return false
	}
	ok, err := advise(heapHugePages)
	if err != nil {
		fmt.Fprintf(stderr, "elt: %v (set ELT_HUGE_PAGES=0 to skip it)\n", err)
	}
	return ok
}

// heapPerNode is about the peak heap per node of a compile (2.7 GiB at
// 100,000 models, 430 MiB at 10,000) before gcMaxRoom was lowered to 384
// MiB (2.1 GiB at 100,000 since): advising a little more heap than a
// compile grows costs nothing but address space.
const heapPerNode = 28 << 10

// projectHugePages is how much more heap to advise for a project of n
// nodes once it is loaded: what a compile of it may need beyond the
// heapHugePages advised at start, when that is at least minHugePages (a
// project of some 24,000 models). Advising costs a collection of the
// heap the load left (a few tenths of a second of CPU at 100,000 models)
// and saves a page fault per 4 KiB of the rest (some 500,000 at 100,000
// models: the compile took 38 s instead of 54 s here).
func projectHugePages(n int) int {
	more := n*heapPerNode - heapHugePages
	if more < minHugePages {
		return 0
	}
	return more
}

// minHugePages is the least further advice worth a collection.
const minHugePages = 128 << 20
