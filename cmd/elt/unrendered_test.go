package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
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

// TestUnrenderedConfigRootOverPackage: a package node's unrendered_config
// ends with the root project's dbt_project.yml config as written, over the
// package's own and its config() call, as dbt's UnrenderedConfigGenerator
// builds it (and as the rendered config is).
func TestUnrenderedConfigRootOverPackage(t *testing.T) {
	dir := miniProject(t, `models:
  +schema: "s_{{ var('x', 'dev') }}"
  pk:
    +materialized: table
seeds:
  +docs: {show: false}
data_tests:
  +severity: "{{ 'warn' }}"
`)
	writeFile(t, dir, "dbt_packages/pk/dbt_project.yml", "name: pk\nmodels:\n  pk:\n    +schema: pk_own\n    +materialized: view\n    +tags: [own]\n")
	writeFile(t, dir, "dbt_packages/pk/models/a.sql", "{{ config(materialized='incremental', alias='aa') }}\nselect 1 as id\n")
	writeFile(t, dir, "dbt_packages/pk/models/b.sql", "select 1 as id\n")
	writeFile(t, dir, "dbt_packages/pk/models/s.yml", "models:\n  - name: b\n    columns:\n      - name: id\n        data_tests: [not_null]\n")
	writeFile(t, dir, "dbt_packages/pk/seeds/s.csv", "id\n1\n")
	mustElt(t, dir, "parse")
	var m struct {
		Nodes map[string]struct {
			Config     map[string]any `json:"config"`
			Unrendered map[string]any `json:"unrendered_config"`
		}
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
	const schema = "s_{{ var('x', 'dev') }}"
	for id, want := range map[string]map[string]any{
		"model.pk.a":             {"schema": schema, "materialized": "table", "tags": []any{"own"}, "alias": "aa"},
		"model.pk.b":             {"schema": schema, "materialized": "table", "tags": []any{"own"}},
		"seed.pk.s":              {"docs": map[string]any{"show": false}},
		"test.pk.not_null_b_id.": {"severity": "{{ 'warn' }}"},
	} {
		n, ok := m.Nodes[id]
		if strings.HasSuffix(id, ".") { // a test, by its name
			for k, v := range m.Nodes {
				if strings.HasPrefix(k, id) {
					n, ok = v, true
				}
			}
		}
		if !ok {
			t.Errorf("no node %s", id)
			continue
		}
		if !reflect.DeepEqual(n.Unrendered, want) {
			t.Errorf("%s unrendered_config:\n got %v\nwant %v", id, n.Unrendered, want)
		}
	}
	if got := m.Nodes["model.pk.a"].Config["schema"]; got != "s_dev" {
		t.Errorf("model.pk.a config schema %v, want s_dev", got)
	}
}

// TestSourceUnrenderedConfigAsDBT: a source's unrendered_config is what
// dbt's SourcePatcher._generate_source_config gives: dbt_project.yml as
// written (event_time), then loaded_at_field, loaded_at_query, meta and
// tags from the properties YAML, always (null, {} and [] when unset), and freshness
// when declared. A manifest dbt wrote then compares equal under
// state:modified.
func TestSourceUnrenderedConfigAsDBT(t *testing.T) {
	dir := miniProject(t, "sources:\n  +event_time: \"{{ 'ts' }}\"\n")
	writeFile(t, dir, "models/src.yml", `sources:
  - name: s1
    loaded_at_field: _loaded
    freshness: {warn_after: {count: 1, period: day}}
    tags: [b, a]
    tables:
      - name: t1
        meta: {x: 1}
      - name: t2
        config: {tags: [c]}
  - name: s2
    tables:
      - name: t3
`)
	mustElt(t, dir, "parse")
	var m struct {
		Sources map[string]struct {
			Unrendered map[string]any `json:"unrendered_config"`
		}
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
	fresh := map[string]any{"warn_after": map[string]any{"count": 1.0, "period": "day"},
		"error_after": map[string]any{"count": nil, "period": nil}, "filter": nil}
	for id, want := range map[string]map[string]any{
		"source.p.s1.t1": {"event_time": "{{ 'ts' }}", "loaded_at_field": "_loaded", "loaded_at_query": nil, "freshness": fresh,
			"meta": map[string]any{"x": 1.0}, "tags": []any{"a", "b"}},
		"source.p.s1.t2": {"event_time": "{{ 'ts' }}", "loaded_at_field": "_loaded", "loaded_at_query": nil, "freshness": fresh,
			"meta": map[string]any{}, "tags": []any{"a", "b", "c"}},
		"source.p.s2.t3": {"event_time": "{{ 'ts' }}", "loaded_at_field": nil, "loaded_at_query": nil,
			"meta": map[string]any{}, "tags": []any{}},
	} {
		if got := m.Sources[id].Unrendered; !reflect.DeepEqual(got, want) {
			t.Errorf("%s unrendered_config:\n got %v\nwant %v", id, got, want)
		}
	}
}

// TestGraphSourceUnrenderedConfig: graph.sources gives a source's
// unrendered_config as the manifest has it (dbt's graph is the
// manifest's flat_graph), not its rendered config.
func TestGraphSourceUnrenderedConfig(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/src.yml", "sources:\n  - name: s\n    tables:\n      - name: t\n")
	writeFile(t, dir, "models/m.sql", `{% if execute %}{% set u = graph.sources['source.p.s.t'].unrendered_config %}-- keys: {{ u.keys() | sort | join(',') }} field: {{ u.loaded_at_field }}{% endif %}
select 1 as id
`)
	mustElt(t, dir, "compile", "-s", "m")
	got := mustRead(t, filepath.Join(dir, "target", "compiled", "p", "models", "m.sql"))
	if want := "-- keys: loaded_at_field,loaded_at_query,meta,tags field: None"; !strings.Contains(got, want) {
		t.Errorf("compiled m.sql:\n%s\nwant it to hold %q", got, want)
	}
}
