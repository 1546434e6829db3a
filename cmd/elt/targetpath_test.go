package main

import (
	"os"
	"path/filepath"
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
