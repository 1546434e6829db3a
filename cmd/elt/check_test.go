package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckNoFalsePositives checks the example projects and the dbt-core
// end-to-end project: correct SQL must give no finding.
func TestCheckNoFalsePositives(t *testing.T) {
	t.Setenv("DBTCORE_DB_PATH", filepath.Join(t.TempDir(), "dbtcore.duckdb"))
	projects := []string{"testdata/dbtcore"}
	entries, err := os.ReadDir(filepath.Join("..", "..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join("..", "..", "examples", e.Name(), "dbt_project.yml")); err == nil {
			if _, err := os.Stat(filepath.Join("..", "..", "examples", e.Name(), "packages.yml")); err == nil {
				continue // needs elt deps: TestExampleJaffleUtils checks it
			}
			projects = append(projects, "examples/"+e.Name())
		}
	}
	for _, p := range projects {
		t.Run(p, func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, filepath.Join("..", "..", filepath.FromSlash(p)), dir)
			res := elt(t, dir, "check", "--output", "json")
			if res.code != 0 || strings.TrimSpace(res.stdout) != "[]" {
				t.Fatalf("exit %d, findings:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
		})
	}
}

// TestCheckRemovedUpstreamColumn removes a column from a staging model
// that a mart reads: elt check, compile and build report it at the mart's
// line and column, and build stops before anything runs.
func TestCheckRemovedUpstreamColumn(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "../../examples/shop", dir)
	os.Remove(filepath.Join(dir, "shop.duckdb"))
	stg := filepath.Join(dir, "models", "staging", "stg_orders.sql")
	b, err := os.ReadFile(stg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stg, []byte(strings.Replace(string(b), "    customer_id,\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	const want = "models/marts/fct_orders.sql:24:5: column orders.customer_id: orders has no column customer_id\n" +
		"  hint: model stg_orders does not output customer_id; was it removed or renamed there? Read a column it has, or add it back upstream"

	res := elt(t, dir, "check")
	if res.code != 1 || strings.TrimSpace(res.stdout) != want {
		t.Errorf("elt check: exit %d\n--- want\n%s\n--- got\n%s", res.code, want, res.stdout)
	}
	res = elt(t, dir, "check", "--select", "stg_orders")
	if res.code != 0 {
		t.Errorf("elt check --select stg_orders: the finding is fct_orders', exit %d:\n%s", res.code, res.stdout)
	}
	res = elt(t, dir, "check", "-o", "json", "-s", "fct_orders")
	var got []struct {
		Kind, Node, File string
		Line, Column     int
	}
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	if len(got) != 1 || got[0].Kind != "unknown_column" || got[0].Node != "fct_orders" || got[0].File != "models/marts/fct_orders.sql" || got[0].Line != 24 || got[0].Column != 5 {
		t.Errorf("json: %+v", got)
	}

	for _, cmd := range []string{"compile", "build"} {
		res = elt(t, dir, cmd)
		if res.code != 1 || !strings.Contains(res.stderr, want) {
			t.Errorf("elt %s: exit %d, stderr lacks the finding:\n%s", cmd, res.code, res.stderr)
		}
	}
	if strings.Contains(res.stdout, "OK created") {
		t.Errorf("elt build ran nodes despite the finding:\n%s", res.stdout)
	}
	// --no-check leaves it to the warehouse, which fails fct_orders alone.
	res = elt(t, dir, "build", "--no-check")
	if res.code != 1 || !strings.Contains(res.stdout, "fct_orders") || !strings.Contains(res.stdout, "OK created") {
		t.Errorf("elt build --no-check: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
}
