package main

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestProbeMemoryTouchesEveryPage checks that each probe writes its whole
// range: the first one faults at least once per huge page (once per 4 KiB
// page without them), and each round gives a cold and a warm rate.
func TestProbeMemoryTouchesEveryPage(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the probe maps memory with Linux system calls")
	}
	const n = 8 << 20
	p, err := probeMemory(context.Background(), n, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Cold) != 2 || len(p.Warm) != 2 {
		t.Fatalf("want 2 cold and 2 warm rates, got %+v", p)
	}
	for _, r := range append(p.Cold, p.Warm...) {
		if r <= 0 {
			t.Errorf("rate %v: want more than 0", r)
		}
	}
	if least := int64(n >> 21); p.Faults < least {
		t.Errorf("first probe of %d MiB faulted %d times: want at least %d (one per 2 MiB)", n>>20, p.Faults, least)
	}
	if line := p.line(); !strings.Contains(line, "fresh memory: ") || !strings.Contains(line, "8 MiB probes") {
		t.Errorf("line: %q", line)
	}
}

func TestProbeMemoryStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := probeMemory(ctx, 1<<20, 1, 1<<40); err == nil {
		t.Fatal("a cancelled probe returned no error")
	}
}

// TestProbeMemoryChildLeavesTheParentSmall checks that the probe runs in a
// process of its own: a child's peak memory as Linux reports it is at
// least its parent's peak when it started, so a probe in elt-bench itself
// would inflate every figure measured after it.
func TestProbeMemoryChildLeavesTheParentSmall(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/status")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	before := hwm(t)
	p, err := probeMemoryChild(context.Background(), &config{self: self, probeMiB: 96, runs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Cold) != 1 || p.Bytes != 96<<20 || p.Faults < 48 {
		t.Errorf("the child's probe: %+v", p)
	}
	if grew := hwm(t) - before; grew >= 96<<20 {
		t.Errorf("elt-bench's own peak grew by %d MiB: the probe ran in it", grew>>20)
	}
}

// hwm is this process's peak resident memory (VmHWM).
func hwm(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}
