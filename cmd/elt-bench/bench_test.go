package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for elt-bench when the bench
// starts itself to measure a floor.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestQuick runs every figure at small sizes against a freshly built elt.
func TestQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("builds elt and runs it about a dozen times")
	}
	dir := t.TempDir()
	elt := filepath.Join(dir, "elt")
	build := exec.Command("go", "build", "-o", elt, "github.com/elt-dev/elt/cmd/elt")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build elt: %v\n%s", err, out)
	}
	report := filepath.Join(dir, "report.json")
	var stdout, stderr bytes.Buffer
	// The same binary stands in for an earlier one (--elt-base).
	code := run(context.Background(), []string{"--quick", "--elt", elt, "--elt-base", elt, "--work", filepath.Join(dir, "work"), "--json", report},
		&stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if m := rep.Memory; m == nil || len(m.Cold) != 1 || len(m.Warm) != 1 || m.ColdMedian <= 0 || m.Bytes != 16<<20 {
		t.Errorf("fresh memory probe: %+v", m)
	} else if !strings.Contains(stdout.String(), "fresh memory: ") {
		t.Errorf("no fresh memory line:\n%s", stdout.String())
	}
	want := []string{"compile_cold_150", "ls_150", "compile_select_150", "compile_select_150_floor",
		"compile_rewrite_150", "run_120_threads_1_base", "run_120_threads_1", "run_120_threads_4_base", "run_120_threads_4", "seed_1MB"}
	if len(rep.Figures) != len(want) {
		t.Fatalf("figures: want %v, got %+v", want, rep.Figures)
	}
	for i, f := range rep.Figures {
		if f.Name != want[i] {
			t.Errorf("figure %d: want %s, got %s", i, want[i], f.Name)
		}
		if f.Elt.Median <= 0 || f.Elt.CPUMedian <= 0 || f.Elt.PeakRSS <= 0 || f.Elt.FaultsMedian <= 0 || len(f.Elt.Runs) != 1 {
			t.Errorf("%s: no timing or memory: %+v", f.Name, f.Elt)
		}
		if !strings.Contains(stdout.String(), f.Name+" ") {
			t.Errorf("%s: no line in the output:\n%s", f.Name, stdout.String())
		}
		if (strings.HasPrefix(f.Name, "run_") || strings.HasPrefix(f.Name, "seed_")) && (f.Rounds == nil || len(f.Rounds.Wall) != 1) {
			t.Errorf("%s: no per-round ratios: %+v", f.Name, f.Rounds)
		}
		hasFloor := strings.HasPrefix(f.Name, "run_") || strings.HasPrefix(f.Name, "seed_") || strings.HasPrefix(f.Name, "compile_select")
		if hasFloor && (f.Floor == nil || f.Floor.Median <= 0 || f.Ratio <= 0) {
			t.Errorf("%s: no floor: %+v", f.Name, f)
		}
	}
	// The rewrite figure's one run compiled with --empty over a compile
	// without it.
	matches, _ := filepath.Glob(filepath.Join(dir, "work", "views_150", "target", "compiled", "*", "models", "*", "*.sql"))
	empty := 0
	for _, m := range matches {
		if b, err := os.ReadFile(m); err == nil && strings.Contains(string(b), "where false limit 0") {
			empty++
		}
	}
	if len(matches) == 0 || empty == 0 {
		t.Errorf("rewrite figure: %d of %d compiled models read empty refs; want the last compile's --empty", empty, len(matches))
	}
	// elt run built every model as a table, as the floor did.
	for _, db := range []string{"tables_120/bench.duckdb", "tables_120/floor/bench.duckdb", "tables_120_base/bench.duckdb"} {
		n := countTables(t, filepath.Join(dir, "work", db))
		if n != 120+4 {
			t.Errorf("%s: want 124 tables (120 models, 4 seeds), got %d", db, n)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--only", "compile,nope"}, {"--models", "10,x"}, {"--runs", "0"}, {"--run-runs", "-1"}, {"--probe-mib", "0"}, {"--probe-idle", "-1s"}, {"--idle", "-1s"}, {"extra"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("%v: want exit 2 and a message, got %d %q", args, code, stderr.String())
		}
	}
}

// TestInterleave checks that the arms run in turn, round after round, with
// each setup just before its run, and that the per-round ratios pair run i
// of one arm with run i of the floor.
func TestInterleave(t *testing.T) {
	var order []string
	arms := make([]arm, 3)
	for j, name := range []string{"floor", "t1", "t4"} {
		arms[j] = arm{
			setup: func(i int) error { order = append(order, fmt.Sprintf("setup %s %d", name, i)); return nil },
			p:     func() process { return process{name: name} },
		}
	}
	round := 0
	wall := map[string][]time.Duration{
		"floor": {10 * time.Second, 20 * time.Second, 40 * time.Second, 10 * time.Second},
		"t1":    {11 * time.Second, 30 * time.Second, 44 * time.Second, 12 * time.Second},
		"t4":    {9 * time.Second, 20 * time.Second, 40 * time.Second, 10 * time.Second},
	}
	exec := func(_ context.Context, p process) (result, error) {
		order = append(order, "run "+p.name)
		w := wall[p.name][round]
		if p.name == "t4" {
			round++
		}
		return result{wall: w, cpu: w / 2, peakRSS: int64(len(order)), faults: int64(w / time.Second * 100)}, nil
	}
	stats, err := interleave(context.Background(), 4, 0, arms, exec)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 4 {
		for _, name := range []string{"floor", "t1", "t4"} {
			want = append(want, fmt.Sprintf("setup %s %d", name, i), "run "+name)
		}
	}
	if strings.Join(order, "\n") != strings.Join(want, "\n") {
		t.Fatalf("order:\nwant %q\ngot  %q", want, order)
	}
	if got := stats[1].Runs; !slices.Equal(got, []float64{11, 30, 44, 12}) {
		t.Errorf("t1 runs: want [11 30 44 12], got %v", got)
	}
	if stats[0].Median != 15 || stats[1].Median != 21 || stats[1].Min != 11 || stats[1].Max != 44 || stats[1].CPUMedian != 10.5 {
		t.Errorf("stats: %+v %+v", stats[0], stats[1])
	}
	if stats[1].FaultsMedian != 2100 || !slices.Equal(stats[1].Faults, []float64{1100, 3000, 4400, 1200}) {
		t.Errorf("t1 faults: want median 2100 of [1100 3000 4400 1200], got %v of %v", stats[1].FaultsMedian, stats[1].Faults)
	}
	if stats[2].PeakRSS != 24 {
		t.Errorf("t4 peak: want the largest (24), got %d", stats[2].PeakRSS)
	}
	r := roundRatios(stats[1], stats[0])
	// 1.1, 1.5, 1.1, 1.2: paired by round, not by rank.
	if r.Min != 1.1 || r.Max != 1.5 || math.Abs(r.Median-1.15) > 1e-9 || len(r.Wall) != 4 || r.Wall[1] != 1.5 {
		t.Errorf("round ratios: %+v", r)
	}
	if math.Abs(r.CPUMedian-1.15) > 1e-9 {
		t.Errorf("cpu round ratio: want 1.15, got %v", r.CPUMedian)
	}
	failing := func(_ context.Context, p process) (result, error) {
		if p.name == "t1" {
			return result{}, errors.New("boom")
		}
		return result{wall: time.Second, cpu: time.Second}, nil
	}
	if _, err := interleave(context.Background(), 2, 0, arms, failing); err == nil || err.Error() != "boom" {
		t.Errorf("a failed run: want its error, got %v", err)
	}
}

// TestInterleaveIdle checks that --idle pauses between each setup and its
// process, and that a cancelled context ends the pause.
func TestInterleaveIdle(t *testing.T) {
	const idle = 40 * time.Millisecond
	var setupAt time.Time
	var gaps []time.Duration
	arms := []arm{{
		setup: func(int) error { setupAt = time.Now(); return nil },
		p:     func() process { return process{name: "elt"} },
	}}
	exec := func(context.Context, process) (result, error) {
		gaps = append(gaps, time.Since(setupAt))
		return result{wall: time.Second, cpu: time.Second}, nil
	}
	if _, err := interleave(context.Background(), 2, idle, arms, exec); err != nil {
		t.Fatal(err)
	}
	if len(gaps) != 2 || gaps[0] < idle || gaps[1] < idle {
		t.Errorf("want 2 runs each at least %v after its setup, got %v", idle, gaps)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := interleave(ctx, 1, time.Hour, arms, exec); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled pause: want context.Canceled, got %v", err)
	}
}

// TestOutputMeasuresTheProcessAlone checks that a figure's peak memory is
// its process's own: Linux reports as a child's peak at least its
// parent's peak when it started, so the measured process runs under a
// small spawn child, not under elt-bench and its large heap.
func TestOutputMeasuresTheProcessAlone(t *testing.T) {
	if _, err := os.Stat("/bin/true"); err != nil {
		t.Skip("no /bin/true here")
	}
	big := make([]byte, 160<<20)
	for i := 0; i < len(big); i += 4096 {
		big[i] = 1
	}
	r, err := process{name: "/bin/true", dir: t.TempDir()}.output(context.Background())
	runtime.KeepAlive(big)
	if err != nil {
		t.Fatal(err)
	}
	if r.peakRSS <= 0 || r.peakRSS >= 100<<20 || r.wall <= 0 {
		t.Errorf("/bin/true measured at %d MiB peak, %v: want its own few MiB", r.peakRSS>>20, r.wall)
	}
	if _, err := (process{name: "/bin/sh", args: []string{"-c", "echo broken >&2; exit 3"}, dir: t.TempDir()}).output(context.Background()); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Errorf("a failing command: want its output in the error, got %v", err)
	}
}
