package main

import (
	"testing"
)

// TestUnitTestInputsReadDeferredRelations: under `test --defer --state`, a
// unit test input whose relation does not exist in this target takes its
// columns from the relation the state manifest gives it, as dbt's
// get_fixture_sql reads the input node's defer_relation
// (Manifest.merge_from_artifact). Here a and m were built only in schema
// other; the fixture for a lists id alone, so b must come from other.a.
func TestUnitTestInputsReadDeferredRelations(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "profiles.yml", "p:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: p.duckdb, schema: main}\n    other: {type: duckdb, path: p.duckdb, schema: other}\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id, 2 as b\n")
	writeFile(t, dir, "models/m.sql", "select id, b + 1 as c from {{ ref('a') }}\n")
	writeFile(t, dir, "models/ut.yml", "unit_tests:\n  - name: t\n    model: m\n    given:\n      - input: ref('a')\n        rows: [{id: 1}]\n    expect:\n      rows: [{id: 1, c: null}]\n")
	mustElt(t, dir, "run", "--target", "other")
	prev := saveState(t, dir)
	res := elt(t, dir, "test", "--defer", "--state", prev)
	if res.code != exitOK {
		t.Fatalf("test --defer: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	want := map[string]string{"unit_test.p.m.t": "pass"}
	if got := unitResults(t, dir); !equalMaps(got, want) {
		t.Errorf("unit test results: want %v, got %v\n%s", want, got, res.stdout)
	}
	// Without --defer there is nothing to read b from.
	if res := elt(t, dir, "test"); res.code == exitOK {
		t.Errorf("test without --defer: exit 0, want the unit test to error\n%s", res.stdout)
	}
}
