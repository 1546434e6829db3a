package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTestsOfDisabledTargetsDisabled: as in dbt
// (invalid_target_fail_unless_test), a data test whose ref points at a
// model disabled by its own config() call is disabled with it, and one
// whose ref or source is missing is disabled with a warning at its line;
// a model that refs a disabled model is still an error.
func TestTestsOfDisabledTargetsDisabled(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"dbt_project.yml": "name: shop\nversion: \"1.0\"\nprofile: shop\n",
		"profiles.yml":    "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n      schema: main\n",
		"models/a.sql":    "{{ config(enabled=false) }}\nselect 1 as id\n",
		"models/d.sql":    "select 1 as id\n",
		"models/props.yml": `version: 2
models:
  - name: a
    columns:
      - name: id
        data_tests: [not_null, unique]
  - name: d
    columns:
      - name: id
        data_tests:
          - not_null
          - relationships:
              to: ref('a')
              field: id
          - relationships:
              to: ref('nowhere')
              field: id
          - relationships:
              to: source('raw', 'missing')
              field: id
`,
		"tests/singular_a.sql": "select * from {{ ref('a') }} where id < 0\n",
		"tests/singular_d.sql": "select * from {{ ref('d') }} where id < 0\n",
	}
	writeFiles(t, dir, files)
	res := eltWith(t, dir, nil, "compile", "--no-check")
	if res.code != 0 {
		t.Fatalf("compile: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	out := res.stdout + res.stderr
	wantAll(t, out,
		"models/props.yml:15: warning: Test 'test.shop.relationships_d_id__id__ref_nowhere_.",
		"(models/props.yml) depends on a node named 'nowhere' in package '' which was not found",
		"models/props.yml:18: warning: Test 'test.shop.relationships_d_id__id__source_raw_missing_.",
		"(models/props.yml) depends on a source named 'raw.missing' in package '' which was not found",
	)
	// A disabled target is dbt's debug message: nothing is said.
	if strings.Contains(out, "which is disabled") {
		t.Errorf("a test of a disabled model was reported:\n%s", out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Nodes map[string]any }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var tests []string
	for id := range m.Nodes {
		if strings.HasPrefix(id, "test.") {
			tests = append(tests, strings.Split(id, ".")[2])
		}
	}
	slices.Sort(tests)
	if want := []string{"not_null_d_id", "singular_d"}; !slices.Equal(tests, want) {
		t.Errorf("tests in the manifest: %v, want %v", tests, want)
	}
	ls := eltWith(t, dir, nil, "ls", "--resource-type", "test")
	if ls.code != 0 || strings.Contains(ls.stdout, "_a_") || !strings.Contains(ls.stdout, "shop.singular_d") {
		t.Errorf("ls: exit %d\n%s", ls.code, ls.stdout)
	}

	// A model that refs the disabled one is still an error.
	writeFiles(t, dir, map[string]string{"models/e.sql": "select * from {{ ref('a') }}\n"})
	res = eltWith(t, dir, nil, "compile", "--no-check")
	if res.code == 0 || !strings.Contains(res.stderr, "models/e.sql:1: Model 'model.shop.e' (models/e.sql) depends on a node named 'a' which is disabled") {
		t.Errorf("a model's ref to a disabled model: exit %d\n%s", res.code, res.stderr)
	}
}
