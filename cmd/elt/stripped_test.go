package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileRenderedStrippedAsDBT: dbt reads a model's file stripped of the
// whitespace around it (read_files.py load_file_contents(strip=True)) and
// renders that, so compiled_code, the compiled file and an ephemeral
// model's CTE start at its first word; an error is still reported at its
// line and column in the file.
func TestFileRenderedStrippedAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/padded.sql", "\n\n  select 1 as id  \n\n")
	writeFile(t, dir, "models/eph.sql", "{{ config(materialized='ephemeral') }}\n    select 2 as id\n")
	writeFile(t, dir, "models/reads_eph.sql", "  select * from {{ ref('eph') }}\n")
	mustElt(t, dir, "compile")
	if got := mustRead(t, filepath.Join(dir, "target", "compiled", "p", "models", "padded.sql")); got != "select 1 as id" {
		t.Errorf("compiled padded.sql = %q, want %q", got, "select 1 as id")
	}
	var m struct {
		Nodes map[string]struct {
			CompiledCode string `json:"compiled_code"`
		}
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "manifest.json"))), &m); err != nil {
		t.Fatal(err)
	}
	if got := m.Nodes["model.p.padded"].CompiledCode; got != "select 1 as id" {
		t.Errorf("padded compiled_code = %q", got)
	}
	want := "with __dbt__cte__eph as (\n\n    select 2 as id\n) select * from __dbt__cte__eph"
	if got := m.Nodes["model.p.reads_eph"].CompiledCode; got != want {
		t.Errorf("reads_eph compiled_code = %q, want %q", got, want)
	}
	writeFile(t, dir, "models/bad.sql", "\n  select {{ nope( }}\n")
	res := elt(t, dir, "compile", "-s", "bad")
	if res.code == 0 || !strings.Contains(res.stdout+res.stderr, "models/bad.sql:2:19:") {
		t.Errorf("want the error at models/bad.sql:2:19, got exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
