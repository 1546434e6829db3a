package main

import (
	"strings"
	"testing"
)

// TestPythonModelIsSkippedNotFatal: a .py model is a node of the DAG with
// the dependencies its dbt.ref() calls name; elt lists it, fails it alone
// with a clear message, skips its children and builds everything else.
func TestPythonModelIsSkippedNotFatal(t *testing.T) {
	dir := starterProject(t)
	writeFile(t, dir, "models/py/scores.py", "# dbt.ref('commented_out')\ndef model(dbt, session):\n    dbt.config(materialized=\"table\", tags=[\"py\"])\n    return dbt.ref(\"people\")\n")
	writeFile(t, dir, "models/py/after_scores.sql", "select * from {{ ref('scores') }}\n")

	ls := mustElt(t, dir, "ls", "-s", "+scores+", "--resource-type", "model")
	if got := strings.Fields(ls.stdout); strings.Join(got, " ") != "demo.py.after_scores demo.example.people demo.py.scores" {
		t.Errorf("ls +scores+ = %q", got)
	}
	res := elt(t, dir, "build")
	all := res.stdout + res.stderr
	if res.code != 1 {
		t.Errorf("exit %d, want 1\n%s", res.code, all)
	}
	// As dbt describes a Python model: python table model.
	wantAll(t, all,
		"ERROR creating python table model main.scores",
		"models/py/scores.py: elt does not run Python models",
		"SKIP relation main.after_scores",
		"OK created sql table model main.people_per_city",
		"PASS=8 WARN=0 ERROR=1 SKIP=1",
	)
}
