package main

import (
	"strings"
	"testing"
)

// TestParseReadsMissingVarAsNone: as dbt's parser does, a var nothing sets
// reads as None while the project is parsed, so a model that a var leaves
// disabled loads; a model that compiles with it still fails, and `ls`,
// which only parses, lists it.
func TestParseReadsMissingVarAsNone(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/off.sql", "{{ config(enabled=var('predict', false)) }}\nselect * from {{ var('predictions') }}\n")
	writeFile(t, dir, "models/on.sql", "select 1 as id\n")
	mustElt(t, dir, "compile")

	writeFile(t, dir, "models/needs.sql", "select '{{ var('region') }}' as region\n")
	if res := mustElt(t, dir, "ls", "-s", "needs"); strings.TrimSpace(res.stdout) != "p.needs" {
		t.Errorf("ls: %q, want p.needs", res.stdout)
	}
	res := elt(t, dir, "compile", "-s", "needs")
	if res.code == 0 || !strings.Contains(res.stdout+res.stderr, "Required var 'region' not found") {
		t.Errorf("compile of a model reading a missing var: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = mustElt(t, dir, "compile", "-s", "needs", "--vars", "{region: eu}")
	if !strings.Contains(res.stdout, "select 'eu' as region") {
		t.Errorf("compile with the var set:\n%s", res.stdout)
	}
}
