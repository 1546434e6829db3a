package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	code := run(context.Background(), []string{"--quick", "--elt", elt, "--work", filepath.Join(dir, "work"), "--json", report},
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
	want := []string{"compile_cold_150", "ls_150", "compile_select_150", "run_120_threads_1", "run_120_threads_4", "seed_1MB"}
	if len(rep.Figures) != len(want) {
		t.Fatalf("figures: want %v, got %+v", want, rep.Figures)
	}
	for i, f := range rep.Figures {
		if f.Name != want[i] {
			t.Errorf("figure %d: want %s, got %s", i, want[i], f.Name)
		}
		if f.Elt.Median <= 0 || f.Elt.CPUMedian <= 0 || f.Elt.PeakRSS <= 0 || len(f.Elt.Runs) != 1 {
			t.Errorf("%s: no timing or memory: %+v", f.Name, f.Elt)
		}
		if !strings.Contains(stdout.String(), f.Name+" ") {
			t.Errorf("%s: no line in the output:\n%s", f.Name, stdout.String())
		}
		hasFloor := strings.HasPrefix(f.Name, "run_") || strings.HasPrefix(f.Name, "seed_") || strings.HasPrefix(f.Name, "compile_select")
		if hasFloor && (f.Floor == nil || f.Floor.Median <= 0 || f.Ratio <= 0) {
			t.Errorf("%s: no floor: %+v", f.Name, f)
		}
	}
	// elt run built every model as a table, as the floor did.
	for _, db := range []string{"bench.duckdb", "floor/bench.duckdb"} {
		n := countTables(t, filepath.Join(dir, "work", "tables_120", db))
		if n != 120+4 {
			t.Errorf("%s: want 124 tables (120 models, 4 seeds), got %d", db, n)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--only", "compile,nope"}, {"--models", "10,x"}, {"--runs", "0"}, {"extra"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("%v: want exit 2 and a message, got %d %q", args, code, stderr.String())
		}
	}
}
