package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/elt-dev/elt/graph"
)

// TestGraphSummaryAsDBT: compile and run-operation write
// target/graph_summary.json with the invocation id and each graph node
// by index (its id, type and children's indexes), as dbt's
// Compiler.compile does for every command that builds the graph; parse
// does not.
func TestGraphSummaryAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "models/b.sql", "select id from {{ ref('a') }}\n")
	writeFile(t, dir, "macros/m.sql", "{% macro noop() %}{% endmacro %}\n")
	summary := filepath.Join(dir, "target", graphSummaryFile)

	mustElt(t, dir, "parse")
	if _, err := os.Stat(summary); !os.IsNotExist(err) {
		t.Fatalf("parse wrote %s (err %v)", graphSummaryFile, err)
	}
	mustElt(t, dir, "compile")
	var got struct {
		InvocationID string `json:"_invocation_id"`
		Linked       map[string]struct {
			Name string `json:"name"`
			Type string `json:"type"`
			Succ []int  `json:"succ"`
		} `json:"linked"`
	}
	readJSON(t, summary, &got)
	var rr struct {
		Metadata struct {
			InvocationID string `json:"invocation_id"`
		} `json:"metadata"`
	}
	readJSON(t, filepath.Join(dir, "target", "run_results.json"), &rr)
	if got.InvocationID == "" || got.InvocationID != rr.Metadata.InvocationID {
		t.Errorf("_invocation_id %q, run_results' %q", got.InvocationID, rr.Metadata.InvocationID)
	}
	a, b := got.Linked["0"], got.Linked["1"]
	if len(got.Linked) != 2 || a.Name != "model.p.a" || a.Type != "model" || len(a.Succ) != 1 || a.Succ[0] != 1 ||
		b.Name != "model.p.b" || b.Succ != nil {
		t.Errorf("linked: %+v", got.Linked)
	}

	if err := os.Remove(summary); err != nil {
		t.Fatal(err)
	}
	mustElt(t, dir, "run-operation", "noop")
	if _, err := os.Stat(summary); err != nil {
		t.Errorf("run-operation: %v", err)
	}
}

// TestGraphSummaryOrderAndEscapes: the summary numbers sources first, then
// the manifest's nodes, then exposures (dbt's link order), each group by
// id; a child is named by its number; an id is written as Python's
// json.dump writes it (non-ASCII and quotes escaped).
func TestGraphSummaryOrderAndEscapes(t *testing.T) {
	nodes := []graph.Node{
		{ID: "exposure.p.dash", ResourceType: "exposure"},
		{ID: "model.p.caf\u00e9", ResourceType: "model"},
		{ID: "source.p.raw.t\"q", ResourceType: "source"},
		{ID: "model.p.a", ResourceType: "model"},
	}
	children := [][]int{nil, {0}, {1, 3}, {0}}
	got := string(appendGraphSummary(nil, "inv", nodes, children))
	want := `{"_invocation_id": "inv", "linked": {` +
		`"0": {"name": "source.p.raw.t\"q", "type": "source", "succ": [2, 1]}, ` +
		`"1": {"name": "model.p.a", "type": "model", "succ": [3]}, ` +
		`"2": {"name": "model.p.caf\u00e9", "type": "model", "succ": [3]}, ` +
		`"3": {"name": "exposure.p.dash", "type": "exposure"}}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
