package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// MemoryProbe is what first writes to fresh memory cost on the machine:
// every page a process touches for the first time is zeroed by the
// kernel, and a virtual machine whose host takes back the guest's free
// memory (virtio-balloon free page reporting) backs it again on that
// write. Such a machine charges each megabyte of a process's peak memory
// a millisecond or more, which elt's figures include.
type MemoryProbe struct {
	Bytes int `json:"bytes"`
	// Idle is how long the machine was left alone before each cold
	// probe: long enough for freed memory to go back to the host.
	IdleSeconds float64 `json:"idle_s"`
	// Cold are the rates (GB/s) of the probes after Idle, Warm of the
	// probes that followed one at once (memory just freed).
	Cold       []float64 `json:"cold_gb_per_s"`
	ColdMedian float64   `json:"cold_median_gb_per_s"`
	Warm       []float64 `json:"warm_gb_per_s"`
	WarmMedian float64   `json:"warm_median_gb_per_s"`
	// Faults is the page faults of the first cold probe.
	Faults int64 `json:"page_faults"`
}

// probeMemoryChild runs the probe in a process of its own (elt-bench
// probe-memory): Linux reports as a child's peak memory at least its
// parent's peak when it started, so the probe's memory would show in
// every figure measured after it.
func probeMemoryChild(ctx context.Context, cfg *config) (*MemoryProbe, error) {
	cmd := exec.CommandContext(ctx, cfg.self, "probe-memory", "--mib", fmt.Sprint(cfg.probeMiB),
		"--rounds", fmt.Sprint(cfg.runs), "--idle", cfg.probeIdle.String())
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(errOut.String()))
	}
	var p MemoryProbe
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		return nil, fmt.Errorf("read the probe's report: %w", err)
	}
	return &p, nil
}

// runProbe is the child's side: it prints the probe as JSON.
func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	mib := fs.Int("mib", 256, "size of each probe in MiB")
	rounds := fs.Int("rounds", 3, "cold and warm probes")
	idle := fs.Duration("idle", 3*time.Second, "pause before each cold probe")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	p, err := probeMemory(ctx, *mib<<20, *rounds, *idle)
	if err == nil {
		err = json.NewEncoder(stdout).Encode(p)
	}
	if err != nil {
		fmt.Fprintln(stderr, "elt-bench probe-memory:", err)
		return 1
	}
	return 0
}

// probeMemory runs rounds pairs of probes of n bytes, each pair after
// idle: a cold one, then a warm one at once.
func probeMemory(ctx context.Context, n, rounds int, idle time.Duration) (*MemoryProbe, error) {
	// One thread: the faults counted are the probe's own.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p := &MemoryProbe{Bytes: n, IdleSeconds: idle.Seconds()}
	rate := func(d time.Duration) float64 { return float64(n) / max(d.Seconds(), 1e-9) / 1e9 }
	for i := range rounds {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(idle):
		}
		d, faults, err := touchFresh(n)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			p.Faults = faults
		}
		p.Cold = append(p.Cold, rate(d))
		if d, _, err = touchFresh(n); err != nil {
			return nil, err
		}
		p.Warm = append(p.Warm, rate(d))
	}
	p.ColdMedian, p.WarmMedian = median(p.Cold), median(p.Warm)
	return p, nil
}

func (p *MemoryProbe) line() string {
	return fmt.Sprintf("fresh memory: %.2f GB/s cold (%.1f ms per 100 MiB; after %.0f s idle), %.2f GB/s just freed; %d MiB probes, %d faults",
		p.ColdMedian, 100*(1<<20)/p.ColdMedian/1e6, p.IdleSeconds, p.WarmMedian, p.Bytes>>20, p.Faults)
}
