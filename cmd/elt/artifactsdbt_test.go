package main

import (
	"os"
	"path/filepath"
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

// deprecation_date is a model attribute, set by dbt's patch_node_properties;
// dbt's model config has no such key.
func TestDeprecationDateIsNoConfig(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/vm_v1.sql", "select 1 as id\n")
	writeFile(t, dir, "models/vm_v2.sql", "select 1 as id\n")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/schema.yml", `models:
  - name: m
    deprecation_date: 2030-01-01
  - name: vm
    latest_version: 2
    versions:
      - v: 1
        deprecation_date: 2022-07-11
      - v: 2
`)
	mustElt(t, dir, "parse")
	nodes := readManifest(t, dir)["nodes"].(map[string]any)
	for id, date := range map[string]string{"model.p.m": "2030-01-01", "model.p.vm.v1": "2022-07-11"} {
		n := nodes[id].(map[string]any)
		if !strings.HasPrefix(jsonString(n["deprecation_date"]), date) {
			t.Errorf("%s deprecation_date = %v, want %s", id, n["deprecation_date"], date)
		}
		for _, key := range []string{"config", "unrendered_config"} {
			c := n[key].(map[string]any)
			if v, ok := c["deprecation_date"]; ok {
				t.Errorf("%s %s has deprecation_date = %v", id, key, v)
			}
		}
	}
}

func jsonString(v any) string {
	s, _ := v.(string)
	return s
}

// dbt's RefArgs keeps a ref's version as it was written: ref('vm',
// version=2) a number, ref('vm', version='2') a string, in a model's refs
// (also when the render cache answers) and in an exposure's.
func TestRefVersionKeepsItsType(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/vm_v1.sql", "select 1 as id\n")
	writeFile(t, dir, "models/vm_v2.sql", "select 1 as id\n")
	writeFile(t, dir, "models/r.sql", "select * from {{ ref('vm', version=2) }} union all select * from {{ ref('vm', version='2') }}\n")
	writeFile(t, dir, "models/schema.yml", `models:
  - name: vm
    latest_version: 2
    versions: [{v: 1}, {v: 2}]
exposures:
  - name: e
    type: dashboard
    owner: {email: a@b.c}
    depends_on: ["ref('vm', v=2)", "ref('vm', v='1')"]
`)
	for _, run := range []string{"fresh", "cached"} {
		mustElt(t, dir, "parse")
		m := readManifest(t, dir)
		r := m["nodes"].(map[string]any)["model.p.r"].(map[string]any)
		if got := jsonOf(r["refs"]); got != `[{"name":"vm","package":null,"version":2},{"name":"vm","package":null,"version":"2"}]` {
			t.Errorf("%s: model refs %s", run, got)
		}
		e := m["exposures"].(map[string]any)["exposure.p.e"].(map[string]any)
		if got := jsonOf(e["refs"]); got != `[{"name":"vm","package":null,"version":2},{"name":"vm","package":null,"version":"1"}]` {
			t.Errorf("%s: exposure refs %s", run, got)
		}
	}
}

// dbt's load resolves sources, then refs, then metrics, each adding to an
// exposure's depends_on.nodes (parser/manifest.py, process_sources before
// process_refs).
func TestExposureDependsOnSourcesFirst(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "models/b.sql", "select 1 as id\n")
	writeFile(t, dir, "models/schema.yml", `sources:
  - name: src
    tables: [{name: s}]
exposures:
  - name: e
    type: dashboard
    owner: {email: a@b.c}
    depends_on: ["ref('b')", "source('src', 's')", "ref('a')"]
`)
	mustElt(t, dir, "parse")
	e := readManifest(t, dir)["exposures"].(map[string]any)["exposure.p.e"].(map[string]any)
	if got := jsonOf(e["depends_on"].(map[string]any)["nodes"]); got != `["source.p.src.s","model.p.b","model.p.a"]` {
		t.Errorf("exposure depends_on.nodes %s", got)
	}
}

// A node's depends_on.nodes lists its sources before its refs, whatever
// their order in the SQL or the YAML: dbt's load runs process_sources
// before process_refs (parser/manifest.py), each appending to the list.
func TestNodeDependsOnSourcesFirst(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "models/b.sql", "select * from {{ ref('a') }} join {{ source('src', 's') }} using (id)\n")
	writeFile(t, dir, "models/schema.yml", `sources:
  - name: src
    tables: [{name: s}]
`)
	mustElt(t, dir, "parse")
	n := readManifest(t, dir)["nodes"].(map[string]any)["model.p.b"].(map[string]any)
	if got := jsonOf(n["depends_on"].(map[string]any)["nodes"]); got != `["source.p.src.s","model.p.a"]` {
		t.Errorf("model depends_on.nodes %s", got)
	}
	res := mustElt(t, dir, "ls", "-s", "b", "--output", "json", "--output-keys", "depends_on")
	if want := `{"depends_on": {"macros": [], "nodes": ["source.p.src.s", "model.p.a"]}}`; strings.TrimSpace(res.stdout) != want {
		t.Errorf("ls json:\n got %s\nwant %s", res.stdout, want)
	}
}

// dbt's _write_node writes no compiled file for a snapshot, and leaves its
// compiled_path null; its compiled_code is in the manifest.
func TestSnapshotHasNoCompiledFile(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/s.csv", "id\n1\n")
	writeFile(t, dir, "snapshots/snap.sql", `{% snapshot snap %}
{{ config(unique_key='id', strategy='check', check_cols='all', target_schema='main') }}
select * from {{ ref('s') }}
{% endsnapshot %}
`)
	mustElt(t, dir, "seed")
	for _, run := range []string{"fresh", "cached"} {
		mustElt(t, dir, "compile")
		if _, err := os.Stat(filepath.Join(dir, "target", "compiled", "p", "snapshots", "snap.sql")); !os.IsNotExist(err) {
			t.Errorf("%s: target/compiled/p/snapshots/snap.sql: %v, want no such file", run, err)
		}
		n := readManifest(t, dir)["nodes"].(map[string]any)["snapshot.p.snap"].(map[string]any)
		if n["compiled_path"] != nil || n["compiled"] != true || !strings.Contains(jsonString(n["compiled_code"]), "select * from") {
			t.Errorf("%s: snapshot compiled_path %v compiled %v compiled_code %q", run, n["compiled_path"], n["compiled"], n["compiled_code"])
		}
	}
}
