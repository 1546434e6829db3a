package main

import (
	"strings"
	"testing"
)

// TestNodeColorValidated: docs.node_color must be a hex code or an HTML
// colour name wherever it is set, as dbt's node config refuses others.
func TestNodeColorValidated(t *testing.T) {
	for _, tc := range []struct {
		name, project, model, props, where string
	}{
		{"dbt_project.yml", "models:\n  p:\n    +docs: {node_color: notacolor}\n", "select 1 as id", "", "models/m.sql:1:"},
		{"config() block", "", "{{ config(docs={'show': True, 'node_color': '#xxx111'}) }}\nselect 1 as id", "", "models/m.sql:1:"},
		{"properties docs", "", "select 1 as id", "models:\n  - name: m\n    docs: {node_color: '#1234'}\n", "models/s.yml:2:"},
		{"properties config.docs", "", "select 1 as id", "models:\n  - name: m\n    config:\n      docs: {node_color: grey}\n", "models/s.yml:2:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := miniProject(t, tc.project)
			writeFile(t, dir, "models/m.sql", tc.model)
			if tc.props != "" {
				writeFile(t, dir, "models/s.yml", tc.props)
			}
			res := elt(t, dir, "parse")
			out := res.stdout + res.stderr
			if res.code == 0 || !strings.Contains(out, "invalid color name for docs.node_color") || !strings.Contains(out, tc.where) {
				t.Errorf("exit %d, want an invalid node_color error at %s:\n%s", res.code, tc.where, out)
			}
		})
	}
	dir := miniProject(t, "models:\n  p:\n    +docs: {node_color: Purple}\n")
	writeFile(t, dir, "models/m.sql", "select 1 as id")
	writeFile(t, dir, "models/n.sql", "{{ config(docs={'node_color': '#1F77b4'}) }}\nselect 1 as id")
	writeFile(t, dir, "models/o.sql", "{{ config(docs={'node_color': '#abc'}) }}\nselect 1 as id")
	mustElt(t, dir, "parse")
}
