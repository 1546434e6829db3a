package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/elt-dev/elt/docs/schematest"
)

// slowProject writes a project of four tables that each take a noticeable
// time to build, whose every row carries the `version` var.
func slowProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: slow\nprofile: slow\nmodels:\n  slow:\n    +materialized: table\n")
	writeFile(t, dir, "profiles.yml", "slow:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: slow.duckdb\n      threads: 2\n")
	body := "select i, {{ var('version') }} as version, md5(cast(i * {{ var('version') }} as varchar)) as h\nfrom range(%d) t(i)\n"
	writeFile(t, dir, "models/a.sql", fmt.Sprintf(body, 1500000))
	writeFile(t, dir, "models/b.sql", fmt.Sprintf(body, 1500000))
	writeFile(t, dir, "models/c.sql", "select a.i, a.version, a.h from {{ ref('a') }} a join {{ ref('b') }} b using (i)\n")
	writeFile(t, dir, "models/d.sql", "select * from {{ ref('c') }} where i % 2 = 0\n")
	writeFile(t, dir, "models/e.sql", "{{ config(materialized='view') }}\nselect count(*) as n, min(version) as version from {{ ref('d') }}\n")
	return dir
}

// syncBuffer is a bytes.Buffer safe to read while a child process writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls the child's output until it contains s.
func (b *syncBuffer) waitFor(s string, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if strings.Contains(b.String(), s) {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// child starts elt as a separate process (the test binary re-executed).
func child(t *testing.T, dir string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ELT_TEST_MAIN=1")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// checkVersions asserts every table holds exactly one version, complete.
func checkVersions(t *testing.T, dir string, allowed ...string) map[string]string {
	t.Helper()
	db := openDB(t, filepath.Join(dir, "slow.duckdb"))
	defer db.Close()
	want := map[string]int{"a": 1500000, "b": 1500000, "c": 1500000, "d": 750000}
	got := map[string]string{}
	for table, n := range want {
		var count int
		var versions string
		err := db.QueryRow(fmt.Sprintf(`select count(*), coalesce(string_agg(distinct cast(version as varchar), ','), '') from main.%s`, table)).Scan(&count, &versions)
		if err != nil {
			if strings.Contains(err.Error(), "does not exist") {
				got[table] = "missing"
				continue
			}
			t.Fatalf("%s: %v", table, err)
		}
		if count != n {
			t.Errorf("table %s has %d rows, want %d (half-written?)", table, count, n)
		}
		ok := false
		for _, a := range allowed {
			ok = ok || versions == a
		}
		if !ok {
			t.Errorf("table %s holds versions %q, want one of %v", table, versions, allowed)
		}
		got[table] = versions
	}
	var leftovers int
	if err := db.QueryRow(`select count(*) from information_schema.tables where table_name like '%elt_tmp%'`).Scan(&leftovers); err != nil {
		t.Fatal(err)
	}
	if leftovers != 0 {
		t.Errorf("%d temporary tables left behind", leftovers)
	}
	return got
}

// TestSIGKILLLeavesOldOrNewTables kills `elt build` at several points while
// it replaces version 1 with version 2, then checks every table is whole
// (old or new), and that the next build completes.
func TestSIGKILLLeavesOldOrNewTables(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := slowProject(t)
	if res := elt(t, dir, "build", "--vars", "{version: 1}"); res.code != 0 {
		t.Fatalf("first build: %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	checkVersions(t, dir, "1")
	// Kill points: a line of progress to wait for, then a delay.
	points := []struct {
		marker string
		delay  time.Duration
	}{
		{"Found 5 models", 0},
		{"START sql table model main.a", 100 * time.Millisecond},
		{"START sql table model main.a", 600 * time.Millisecond},
		{"OK created sql table model main.a", 0},
		{"START sql table model main.c", 150 * time.Millisecond},
		{"START sql table model main.d", 20 * time.Millisecond},
		{"START sql view model main.e", 0},
	}
	for i, p := range points {
		t.Run(fmt.Sprintf("%d_%s+%v", i, strings.ReplaceAll(p.marker, " ", "_"), p.delay), func(t *testing.T) {
			cmd, out := child(t, dir, "build", "--vars", "{version: 2}")
			if !out.waitFor(p.marker, 60*time.Second) {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				t.Fatalf("never saw %q:\n%s", p.marker, out.String())
			}
			time.Sleep(p.delay)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			t.Logf("killed at %q + %v; output so far:\n%s", p.marker, p.delay, out.String())
			checkVersions(t, dir, "1", "2")
		})
	}
	res := elt(t, dir, "build", "--vars", "{version: 2}")
	if res.code != 0 {
		t.Fatalf("build after the kills: %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	got := checkVersions(t, dir, "2")
	if fmt.Sprint(got) != "map[a:2 b:2 c:2 d:2]" {
		t.Errorf("final state: %v", got)
	}
}

// TestSignalsCancelAndExit: SIGINT and SIGTERM cancel running queries, mark
// what did not finish as cancelled in run_results.json, and exit 130 / 143.
func TestSignalsCancelAndExit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			dir := slowProject(t)
			cmd, out := child(t, dir, "build", "--vars", "{version: 1}")
			if !out.waitFor("START sql table model main.a", 60*time.Second) {
				t.Fatalf("the build never started:\n%s", out.String())
			}
			time.Sleep(100 * time.Millisecond)
			_ = cmd.Process.Signal(tc.sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("elt did not stop after %v:\n%s", tc.sig, out.String())
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.code {
				t.Fatalf("exit: %v, want code %d\n%s", err, tc.code, out.String())
			}
			rr := readRunResults(t, filepath.Join(dir, "target", "run_results.json"))
			cancelled := 0
			b, _ := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
			cancelled = strings.Count(string(b), `"message":"cancelled`)
			if cancelled == 0 || len(rr) != 5 {
				t.Errorf("run_results: %d results, %d cancelled\n%s", len(rr), cancelled, b)
			}
			if err := schematest.ValidateRunResults(b); err != nil {
				t.Errorf("run_results.json after %v: %v\n%s", tc.sig, err, b)
			}
			text := out.String()
			if strings.Contains(text, "Completed successfully") || !strings.Contains(text, "Interrupted (interrupted by "+tc.sig.String()+")") {
				t.Errorf("the console does not report the interruption truthfully:\n%s", text)
			}
		})
	}
}

// TestDatabaseInUse: a second elt build against a DuckDB file another
// process holds fails at once with a clear message.
func TestDatabaseInUse(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := slowProject(t)
	if res := elt(t, dir, "build", "--vars", "{version: 1}"); res.code != 0 {
		t.Fatalf("first build: %d\n%s", res.code, res.stdout)
	}
	cmd, out := child(t, dir, "build", "--vars", "{version: 2}")
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	// Wait until the child has the file open (it prints its first node line).
	if !out.waitFor("START", 60*time.Second) {
		t.Fatalf("the first build never started:\n%s", out.String())
	}
	start := time.Now()
	res := elt(t, dir, "build", "--vars", "{version: 3}")
	if res.code != 1 || !strings.Contains(res.stderr, "in use by another process") {
		t.Errorf("second build: exit %d, want 1 with 'in use by another process'\n%s%s", res.code, res.stdout, res.stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("second build waited %v instead of failing at once", d)
	}
}
