//go:build linux

package main

import (
	"fmt"
	"syscall"
	"time"
)

// touchFresh maps n bytes of new anonymous memory, advised for huge
// pages as elt advises its heap, writes one byte in every 4 KiB page
// (the kernel zeroes each page, or 2 MiB huge page, on its first
// write), and unmaps it. It returns the time the writes took and the
// page faults they raised.
func touchFresh(n int) (time.Duration, int64, error) {
	mem, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return 0, 0, fmt.Errorf("map %d MiB: %w", n>>20, err)
	}
	defer syscall.Munmap(mem)
	// Refused outside the madvise and always modes: the probe then
	// measures 4 KiB pages, as elt's heap gets there.
	_ = syscall.Madvise(mem, syscall.MADV_HUGEPAGE)
	var before, after syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &before); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	for i := 0; i < n; i += 4096 {
		mem[i] = 1
	}
	took := time.Since(start)
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &after); err != nil {
		return 0, 0, err
	}
	return took, (after.Minflt + after.Majflt) - (before.Minflt + before.Majflt), nil
}
