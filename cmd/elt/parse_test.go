package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	dir := showProject(t)
	res := mustElt(t, dir, "parse")
	if !strings.Contains(res.stdout, "Performance info: target/perf_info.json") || !strings.Contains(res.stdout, "Parsed the project in ") {
		t.Fatalf("stdout:\n%s", res.stdout)
	}
	m := readManifest(t, dir)
	nodes := m["nodes"].(map[string]any)
	for _, id := range []string{"model.p.eph", "model.p.people_t", "seed.p.people"} {
		if _, ok := nodes[id]; !ok {
			t.Errorf("manifest lacks %s; has %v", id, keys(nodes))
		}
	}
	deps := nodes["model.p.people_t"].(map[string]any)["depends_on"].(map[string]any)["nodes"].([]any)
	if len(deps) != 1 || deps[0] != "model.p.eph" {
		t.Errorf("people_t depends_on %v", deps)
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "perf_info.json"))
	if err != nil {
		t.Fatal(err)
	}
	var perf map[string]any
	if err := json.Unmarshal(b, &perf); err != nil {
		t.Fatal(err)
	}
	if perf["is_partial_parse_enabled"] != false || perf["load_all_elapsed"].(float64) <= 0 {
		t.Errorf("perf_info: %s", b)
	}
	projects := perf["projects"].([]any)
	if p := projects[0].(map[string]any); p["project_name"] != "p" || p["parsed_path_count"] != 3.0 {
		t.Errorf("perf_info projects: %v", projects)
	}
	// parse never connects: no DuckDB file appears.
	if _, err := os.Stat(filepath.Join(dir, "p.duckdb")); err == nil {
		t.Errorf("parse created the warehouse file")
	}

	// A bad ref is a positioned project error, exit 2.
	writeFile(t, dir, "models/bad.sql", "select 1 as x\nfrom {{ ref('peple') }}\n")
	res = elt(t, dir, "parse")
	if res.code != 2 || !strings.Contains(res.stderr, "models/bad.sql:2") || !strings.Contains(res.stderr, "Model 'model.p.bad' (models/bad.sql) depends on a node named 'peple' which was not found") {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestSpacesInNodeNamesFailParse: an enabled model or seed whose file name
// has a space fails the parse, as dbt's check_for_spaces_in_resource_names
// does with require_resource_names_without_spaces on (its default, the only
// value elt takes); a disabled one is left alone, as dbt checks only the
// manifest's enabled nodes.
func TestSpacesInNodeNamesFailParse(t *testing.T) {
	dir := miniProject(t, "seeds:\n  p:\n    off seed:\n      +enabled: false\n")
	writeFile(t, dir, "models/my model.sql", "select 1 as id\n")
	writeFile(t, dir, "models/fine.sql", "select 1 as id\n")
	writeFile(t, dir, "seeds/off seed.csv", "id\n1\n")
	res := elt(t, dir, "parse")
	want := "models/my model.sql: Found spaces in the name of `model.p.my model`: resource names cannot contain spaces"
	if res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Fatalf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
	}
	if strings.Contains(res.stderr, "off seed") {
		t.Errorf("the disabled seed is reported:\n%s", res.stderr)
	}
	writeFile(t, dir, "models/my model.sql", "{{ config(enabled=false) }}\nselect 1 as id\n")
	mustElt(t, dir, "parse")
}
