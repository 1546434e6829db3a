package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
)

// TestUnrenderedConfigLastLayerWins: a node's unrendered_config takes
// tags and meta whole from the last layer that sets them (dbt_project.yml
// levels, properties YAML, config()), merging nothing, as dbt's.
func TestUnrenderedConfigLastLayerWins(t *testing.T) {
	dir := miniProject(t, "models:\n  +meta: {company: NuMade}\n  +tags: [tag_in_project]\n  p:\n    +tags: [tag_in_folder]\n    +materialized: view\n")
	writeFile(t, dir, "models/m.sql", "{{ config(tags=['tag_in_model']) }} select 1 as id")
	writeFile(t, dir, "models/n.sql", "select 1 as id")
	writeFile(t, dir, "models/s.yml", "models:\n  - name: m\n    config:\n      meta: {owner: 'Julie Smith'}\n  - name: n\n    config:\n      meta: {owner: 'Julie Smith'}\n")
	mustElt(t, dir, "parse")
	var m struct {
		Nodes map[string]struct {
			Config     map[string]any `json:"config"`
			Unrendered map[string]any `json:"unrendered_config"`
		}
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "manifest.json"))), &m); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]map[string]any{
		"model.p.m": {"materialized": "view", "meta": map[string]any{"owner": "Julie Smith"}, "tags": []any{"tag_in_model"}},
		"model.p.n": {"materialized": "view", "meta": map[string]any{"owner": "Julie Smith"}, "tags": []any{"tag_in_folder"}},
	} {
		if got := m.Nodes[id].Unrendered; !reflect.DeepEqual(got, want) {
			t.Errorf("%s unrendered_config:\n got %v\nwant %v", id, got, want)
		}
	}
	// The rendered config still merges every layer.
	if got, want := m.Nodes["model.p.m"].Config["tags"], []any{"tag_in_project", "tag_in_folder", "tag_in_model"}; !reflect.DeepEqual(got, want) {
		t.Errorf("config tags %v, want %v", got, want)
	}
}
