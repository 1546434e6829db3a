package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A model's quote_columns: true in properties YAML quotes each column's
// name in its generic tests when the column leaves quote unset, as dbt's
// schema test parser does; the column's own quote: false wins.
func TestModelQuoteColumns(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", `select 1 as "order id", 2 as plain`)
	writeFile(t, dir, "models/s.yml", `models:
  - name: m
    quote_columns: true
    columns:
      - name: order id
        data_tests: [unique, not_null]
      - name: plain
        quote: false
        data_tests: [not_null]
`)
	res := mustElt(t, dir, "build")
	wantAll(t, res.stdout, "Done. PASS=4 WARN=0 ERROR=0")
	compiled := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "p", "models", "s.yml", name+".sql"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := compiled("not_null_m_plain"); !strings.Contains(got, "where plain is null") {
		t.Errorf("not_null_m_plain quotes its column:\n%s", got)
	}
}

// quote_columns must be a boolean; analyses do not take it (dbt's
// UnparsedAnalysisUpdate has no such field).
func TestModelQuoteColumnsBadInput(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id")
	writeFile(t, dir, "analyses/a.sql", "select 1 as id")
	writeFile(t, dir, "models/s.yml", "models:\n  - name: m\n    quote_columns: yes please\nanalyses:\n  - name: a\n    quote_columns: true\n")
	res := elt(t, dir, "parse")
	if res.code != 2 {
		t.Fatalf("exit %d, want 2\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout+res.stderr,
		"models/s.yml:3:20: quote_columns must be true or false, not a str",
		`models/s.yml:6:5: analysis "a": unknown key "quote_columns"`)
}
