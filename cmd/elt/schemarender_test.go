package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestParseRendersPropertiesYAML: `elt parse` writes the values of
// properties YAML rendered where dbt's schema parser renders them (a
// model's and a column's meta and tags, an exposure's owner and label),
// and as written where dbt renders them later (descriptions).
func TestParseRendersPropertiesYAML(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"dbt_project.yml": "name: shop\nversion: \"1.0\"\nprofile: shop\nvars:\n  owner: alice\n",
		"profiles.yml":    "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n      schema: main\n",
		"models/a.sql":    "select 1 as id\n",
		"models/p.yml": `version: 2
models:
  - name: a
    meta: {owner: "{{ var('owner') }}"}
    config: {tags: ["{{ 'x' ~ 'y' }}"]}
    columns:
      - name: id
        description: "{{ 'Id' }}"
        meta: {k: "{{ target.name }}"}
        tags: ["{{ 'c' }}"]
exposures:
  - name: e
    type: dashboard
    owner: {email: "{{ 'a@b.c' }}"}
    label: "{{ 'L' }}"
    depends_on: ["ref('a')"]
`,
	})
	res := eltWith(t, dir, nil, "parse", "--profiles-dir", dir)
	if res.code != 0 {
		t.Fatalf("parse: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Nodes map[string]struct {
			Meta    map[string]any `json:"meta"`
			Tags    []string       `json:"tags"`
			Columns map[string]struct {
				Description string         `json:"description"`
				Meta        map[string]any `json:"meta"`
				Tags        []string       `json:"tags"`
			} `json:"columns"`
		} `json:"nodes"`
		Exposures map[string]struct {
			Owner map[string]any `json:"owner"`
			Label string         `json:"label"`
		} `json:"exposures"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	a := m.Nodes["model.shop.a"]
	col := a.Columns["id"]
	e := m.Exposures["exposure.shop.e"]
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"model meta", a.Meta, map[string]any{"owner": "alice"}},
		{"model tags", a.Tags, []string{"xy"}},
		{"column meta", col.Meta, map[string]any{"k": "dev"}},
		{"column tags", col.Tags, []string{"c"}},
		{"column description (rendered with doc() in its own pass)", col.Description, "Id"},
		{"exposure owner email", e.Owner["email"], "a@b.c"},
		{"exposure label", e.Label, "L"},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: want %#v, got %#v", c.what, c.want, c.got)
		}
	}
}
