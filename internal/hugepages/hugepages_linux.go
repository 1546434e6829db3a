//go:build linux

package hugepages

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// Advise grows the Go heap by about n bytes of address space, advises the
// kernel to back that range with transparent huge pages (MADV_HUGEPAGE),
// and frees it again: the heap's later allocations reuse the range first,
// and fault it in a huge page (2 MiB on x86-64) at a time. Nothing is
// touched, so the process's memory grows only as it uses the heap.
//
// It does nothing and reports false unless transparent huge pages are in
// "madvise" mode ("always" already backs the heap with them; "never" turns
// them off), and unless the kernel overcommits memory (with
// overcommit_memory=2 the address space would count against the commit
// limit). n is capped at an eighth of the machine's memory.
func Advise(n int) (bool, error) {
	enabled, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || mode(string(enabled)) != "madvise" {
		return false, nil
	}
	if oc, err := os.ReadFile("/proc/sys/vm/overcommit_memory"); err != nil || strings.TrimSpace(string(oc)) == "2" {
		return false, nil
	}
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err == nil {
		n = min(n, int(uint64(si.Totalram)*uint64(si.Unit)/8))
	}
	// A 32-bit program has too little address space to spare.
	if n < pieceSize || unsafe.Sizeof(uintptr(0)) < 8 {
		return false, nil
	}
	huge := uintptr(defaultHugePageSize)
	if b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"); err == nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 && v&(v-1) == 0 {
			huge = uintptr(v)
		}
	}
	lo, hi := grow(n)
	// Whole huge pages inside the range: the kernel advises whole pages
	// of the range only.
	beg := (lo + huge - 1) &^ (huge - 1)
	end := hi &^ (huge - 1)
	if beg >= end {
		return false, nil
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, beg, end-beg, syscall.MADV_HUGEPAGE); errno != 0 {
		return false, fmt.Errorf("madvise(MADV_HUGEPAGE) of %d MiB of heap: %w", (end-beg)>>20, errno)
	}
	return true, nil
}

// grow allocates about n bytes in pieces, frees them, and returns the
// lowest and highest address they spanned. The pieces are contiguous (the
// heap grows upwards) but for ones placed in earlier gaps; only the range
// of the contiguous run that holds the most is returned.
func grow(n int) (lo, hi uintptr) {
	// No collection while the pieces pile up: each would mark a heap
	// that is only growing (a dozen of them for a gibibyte at start-up).
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	pieces := make([][]byte, 0, n/pieceSize)
	for range n / pieceSize {
		pieces = append(pieces, make([]byte, pieceSize))
	}
	runStart, runEnd := uintptr(0), uintptr(0)
	for _, p := range pieces {
		start := uintptr(unsafe.Pointer(unsafe.SliceData(p)))
		switch {
		case runEnd == start:
			runEnd = start + pieceSize
		case runEnd != 0 && start+pieceSize == runStart:
			runStart = start
		default:
			if runEnd-runStart > hi-lo {
				lo, hi = runStart, runEnd
			}
			runStart, runEnd = start, start+pieceSize
		}
	}
	if runEnd-runStart > hi-lo {
		lo, hi = runStart, runEnd
	}
	runtime.KeepAlive(pieces)
	pieces = nil
	// Return the pieces to the heap now, not at the first collection the
	// program would have run much later.
	runtime.GC()
	return lo, hi
}
