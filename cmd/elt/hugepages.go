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
func adviseHugePages(getenv func(string) string, args []string, stderr io.Writer, advise func(int) (bool, error)) {
	if getenv("ELT_HUGE_PAGES") == "0" || getenv("GOMEMLIMIT") != "" || slices.Contains(args, "serve") {
		return
	}
	if _, err := advise(heapHugePages); err != nil {
		fmt.Fprintf(stderr, "elt: %v (set ELT_HUGE_PAGES=0 to skip it)\n", err)
	}
}
