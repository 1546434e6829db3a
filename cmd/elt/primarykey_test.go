package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
)

// TestPrimaryKeyCountsDisabledUniqueTests: a model's inferred primary_key
// falls back to columns whose unique test is disabled, and the disabled
// test is in the manifest's disabled section, as dbt's.
func TestPrimaryKeyCountsDisabledUniqueTests(t *testing.T) {
	for _, tc := range []struct{ name, test string }{
		{"argument", "          - unique:\n              enabled: false\n"},
		{"config", "          - unique:\n              config: {enabled: false}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, "models/simple_model.sql", "select 1 as id, 'blue' as color")
			writeFile(t, dir, "models/schema.yml", "models:\n  - name: simple_model\n    columns:\n      - name: id\n        data_tests:\n"+tc.test)
			mustElt(t, dir, "parse")
			var m struct {
				Nodes map[string]struct {
					PrimaryKey []string `json:"primary_key"`
				}
				Disabled map[string][]struct{ Config map[string]any }
			}
			if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "manifest.json"))), &m); err != nil {
				t.Fatal(err)
			}
			if got := m.Nodes["model.p.simple_model"].PrimaryKey; !reflect.DeepEqual(got, []string{"id"}) {
				t.Errorf("primary_key %v, want [id]", got)
			}
			if len(m.Disabled) != 1 {
				t.Errorf("disabled %v, want the unique test alone", m.Disabled)
			}
			for id, d := range m.Disabled {
				if len(d) != 1 || d[0].Config["enabled"] != false {
					t.Errorf("disabled %s: %v, want one test with enabled false", id, d)
				}
			}
		})
	}
}
