package main

import (
	"context"
	"runtime"
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
