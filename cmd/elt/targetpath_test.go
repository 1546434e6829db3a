package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTargetPathFlag: --target-path, then DBT_TARGET_PATH, replace
// dbt_project.yml's target-path, as in dbt, relative to the project
// folder wherever elt runs: compile's files and caches, run's artifacts,
// retry's read of run_results.json and clean all use the folder named.
func TestTargetPathFlag(t *testing.T) {
	dir := miniProject(t, "target-path: from_project\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	sub := filepath.Join(dir, "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	exists := func(rel string) bool {
		_, err := os.Stat(filepath.Join(dir, rel))
		return err == nil
	}
	if res := eltWith(t, sub, nil, "compile", "--project-dir", dir, "--target-path", "from_flag"); res.code != 0 {
		t.Fatalf("compile --target-path: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, rel := range []string{"from_flag/manifest.json", "from_flag/compiled/p/models/a.sql", "from_flag/elt_render_cache.bin"} {
		if !exists(rel) {
			t.Errorf("compile --target-path from_flag: no %s", rel)
		}
	}
	if exists("from_project") || exists("sub/from_flag") {
		t.Error("compile --target-path wrote into dbt_project.yml's target-path or beside the working directory")
	}
	env := map[string]string{"DBT_TARGET_PATH": "from_env"}
	if res := eltWith(t, dir, env, "run"); res.code != 0 {
		t.Fatalf("DBT_TARGET_PATH run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if !exists("from_env/run_results.json") || !exists("from_env/manifest.json") {
		t.Error("DBT_TARGET_PATH=from_env: run wrote no artifacts there")
	}
	// The flag wins over the variable.
	if res := eltWith(t, dir, env, "compile", "--target-path", "both"); res.code != 0 || !exists("both/manifest.json") {
		t.Errorf("compile with DBT_TARGET_PATH and --target-path both: exit %d, both/manifest.json written: %v\n%s%s", res.code, exists("both/manifest.json"), res.stdout, res.stderr)
	}
	if res := eltWith(t, dir, env, "retry"); res.code != 0 {
		t.Errorf("retry with DBT_TARGET_PATH: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := eltWith(t, dir, env, "clean"); res.code != 0 || exists("from_env") || !exists("from_flag") {
		t.Errorf("clean with DBT_TARGET_PATH: exit %d; from_env left %v, from_flag kept %v\n%s%s", res.code, exists("from_env"), exists("from_flag"), res.stdout, res.stderr)
	}
}

// TestDBTEnvironmentFlags: the flags dbt also reads from DBT_ variables
// (DBT_PROJECT_DIR, DBT_TARGET, DBT_PROFILE, DBT_FULL_REFRESH,
// DBT_RESOURCE_TYPES) take them when not given, and the flag wins.
func TestDBTEnvironmentFlags(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "profiles.yml", "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n    prod:\n      type: duckdb\n      path: prod.duckdb\n"+
		"other:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: other.duckdb\n")
	writeFile(t, dir, "models/inc.sql", "{{ config(materialized='incremental') }}\nselect 1 as id\n")
	// The DuckDB paths are relative to the working directory, as in
	// dbt-duckdb: elt runs elsewhere, so they land there.
	elsewhere := t.TempDir()
	exists := func(rel string) bool {
		_, err := os.Stat(filepath.Join(elsewhere, rel))
		return err == nil
	}
	run := func(env map[string]string, args ...string) cliResult {
		t.Helper()
		res := eltWith(t, elsewhere, env, args...)
		if res.code != 0 {
			t.Fatalf("%v %v: exit %d\n%s%s", env, args, res.code, res.stdout, res.stderr)
		}
		return res
	}
	env := map[string]string{"DBT_PROJECT_DIR": dir, "DBT_TARGET": "prod"}
	run(env, "run")
	if !exists("prod.duckdb") || exists("p.duckdb") {
		t.Errorf("DBT_TARGET=prod: prod.duckdb built %v, p.duckdb built %v", exists("prod.duckdb"), exists("p.duckdb"))
	}
	run(env, "run", "--target", "dev")
	if !exists("p.duckdb") {
		t.Error("--target dev with DBT_TARGET=prod: p.duckdb not built")
	}
	run(map[string]string{"DBT_PROJECT_DIR": dir, "DBT_PROFILE": "other"}, "run")
	if !exists("other.duckdb") {
		t.Error("DBT_PROFILE=other: other.duckdb not built")
	}
	// A second run on prod appends the model's row again.
	run(env, "run")
	if got := countRows(t, filepath.Join(elsewhere, "prod.duckdb"), "inc"); got != 2 {
		t.Fatalf("second incremental run: %d rows, want 2", got)
	}
	run(map[string]string{"DBT_PROJECT_DIR": dir, "DBT_TARGET": "prod", "DBT_FULL_REFRESH": "true"}, "run")
	if got := countRows(t, filepath.Join(elsewhere, "prod.duckdb"), "inc"); got != 1 {
		t.Errorf("DBT_FULL_REFRESH=true: %d rows, want the table rebuilt with 1", got)
	}
	res := run(map[string]string{"DBT_PROJECT_DIR": dir, "DBT_RESOURCE_TYPES": "model source"}, "ls")
	if res.stdout != "p.inc\n" {
		t.Errorf("DBT_RESOURCE_TYPES='model source' ls: %q", res.stdout)
	}
	// A project flag's variable elt cannot honour stops the command.
	if res := eltWith(t, elsewhere, map[string]string{"DBT_PROJECT_DIR": dir, "DBT_SEND_ANONYMOUS_USAGE_STATS": "true"}, "ls"); res.code != exitUsage || !strings.Contains(res.stderr, "DBT_SEND_ANONYMOUS_USAGE_STATS") {
		t.Errorf("DBT_SEND_ANONYMOUS_USAGE_STATS=true ls: exit %d\n%s", res.code, res.stderr)
	}
}

// countRows counts the rows of a table in the main schema of a DuckDB file.
func countRows(t *testing.T, path, table string) int {
	t.Helper()
	db := openDB(t, path)
	defer db.Close()
	var n int
	if err := db.QueryRow("select count(*) from main." + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
