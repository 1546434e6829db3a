package main

import (
	"strings"
	"testing"
)

// dbt's build_group_map lists every node by its group, and a generic test
// takes the group of the node it is attached to
// (parser/schema_generic_tests.py, render_test_update).
func TestGroupMapListsGroupedModelsTests(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/schema.yml", `groups:
  - name: g
    owner: {email: g@example.com}
models:
  - name: m
    config: {group: g}
    columns:
      - name: id
        data_tests: [unique]
`)
	mustElt(t, dir, "parse")
	m := readManifest(t, dir)
	got := strings.Join(toStrings(m["group_map"].(map[string]any)["g"]), ",")
	if !strings.HasPrefix(got, "model.p.m,test.p.unique_m_id.") || strings.Count(got, ",") != 1 {
		t.Errorf("group_map g = %s, want the model and its unique test", got)
	}
}
