package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/project"
)

// TestLocalDuckDB: only a DuckDB file that exists, with nothing to load
// or attach, is opened while the project parses.
func TestLocalDuckDB(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"there.duckdb": "", "sub/there.duckdb": ""})
	for _, c := range []struct {
		name   string
		target *project.Target
		want   bool
	}{
		{"existing file", &project.Target{Type: "duckdb", Fields: map[string]any{"path": "there.duckdb"}}, true},
		{"existing file, absolute", &project.Target{Type: "duckdb", Fields: map[string]any{"path": filepath.Join(dir, "sub/there.duckdb")}}, true},
		{"settings only", &project.Target{Type: "duckdb", Fields: map[string]any{"path": "there.duckdb", "settings": map[string]any{"threads": 2}}}, true},
		{"missing file: opening would create it", &project.Target{Type: "duckdb", Fields: map[string]any{"path": "new.duckdb"}}, false},
		{"a folder", &project.Target{Type: "duckdb", Fields: map[string]any{"path": "sub"}}, false},
		{"in memory", &project.Target{Type: "duckdb", Fields: map[string]any{"path": ":memory:"}}, false},
		{"MotherDuck", &project.Target{Type: "duckdb", Fields: map[string]any{"path": "md:there.duckdb"}}, false},
		{"extensions to load", &project.Target{Type: "duckdb", Fields: map[string]any{"path": "there.duckdb", "extensions": []any{"httpfs"}}}, false},
		{"a database to attach", &project.Target{Type: "duckdb", Fields: map[string]any{"path": "there.duckdb", "attach": []any{map[string]any{"path": "other.duckdb"}}}}, false},
		{"postgres", &project.Target{Type: "postgres", Fields: map[string]any{"host": "localhost"}}, false},
		{"no target", nil, false},
	} {
		if got := localDuckDB(c.target, dir); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestConnectAheadParseError: run opens the project's DuckDB file while the
// project parses; when the parse fails, the command reports the parse
// error and closes the file, which another process then opens and builds
// in. A file that does not exist is not created.
func TestConnectAheadParseError(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"dbt_project.yml": "name: p\nversion: \"1.0\"\nprofile: p\n",
		"profiles.yml":    "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n",
		"models/a.sql":    "select 1 as id\n",
	})
	if res := eltWith(t, dir, nil, "run"); res.code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	writeFiles(t, dir, map[string]string{"models/b.sql": "select {{ 1 + }} as id\n"})
	res := eltWith(t, dir, nil, "run")
	if res.code == 0 || !strings.Contains(res.stdout+res.stderr, "b.sql") {
		t.Fatalf("run of a project that does not parse: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	// Another process can open the file: this one closed it.
	if err := os.Remove(filepath.Join(dir, "models/b.sql")); err != nil {
		t.Fatal(err)
	}
	cmd, out := child(t, dir, "run")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run in another process after the failed parse: %v\n%s", err, out.String())
		}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("run in another process did not finish\n%s", out.String())
	}
	// Without the file, a failed parse leaves none behind.
	if err := os.Remove(filepath.Join(dir, "p.duckdb")); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"models/b.sql": "select {{ 1 + }} as id\n"})
	if res := eltWith(t, dir, nil, "run"); res.code == 0 {
		t.Fatal("run of a project that does not parse succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "p.duckdb")); !os.IsNotExist(err) {
		t.Errorf("a failed parse left a database file: %v", err)
	}
}
