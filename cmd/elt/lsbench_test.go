//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/elt-dev/elt/internal/benchgen"
)

// BenchmarkLsBenchgen10k is `elt ls` on elt-bench's 10,000-model project
// in-process, with the load and render caches a compile left: what the
// ls figure measures, minus process start-up.
func BenchmarkLsBenchgen10k(b *testing.B) {
	dir := b.TempDir()
	if err := benchgen.Write(dir, benchgen.Options{Models: 10000}); err != nil {
		b.Fatal(err)
	}
	// Old enough that every file's stat vouches for it.
	old := time.Now().Add(-time.Hour)
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			return os.Chtimes(p, old, old)
		}
		return err
	})
	env := environment{lookupEnv: os.LookupEnv, workDir: dir, homeDir: b.TempDir()}
	ctx := context.Background()
	var out, errb bytes.Buffer
	if code := runWith(ctx, []string{"compile", "--no-check"}, &out, &errb, env); code != 0 {
		b.Fatalf("compile: exit %d\n%s", code, errb.String())
	}
	var cpu time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out.Reset()
		errb.Reset()
		c0 := processCPU(b)
		if code := runWith(ctx, []string{"ls"}, &out, &errb, env); code != 0 {
			b.Fatalf("ls: exit %d\n%s", code, errb.String())
		}
		cpu += processCPU(b) - c0
		if n := strings.Count(out.String(), "\n"); n < 20000 {
			b.Fatalf("ls listed %d lines", n)
		}
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// processCPU is the CPU time (user and system) the process used so far:
// on a machine shared with other work it moves less than wall time.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
