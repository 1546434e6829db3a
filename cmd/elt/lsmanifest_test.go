package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLsWritesManifest: as dbt's list (@requires.manifest, write=True),
// ls writes target/manifest.json and semantic_manifest.json as parse
// does, so a later state or defer comparison reads the current project.
func TestLsWritesManifest(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	mustElt(t, dir, "ls")
	nodes := readManifest(t, dir)["nodes"].(map[string]any)
	if _, ok := nodes["model.p.m"]; !ok {
		t.Fatalf("manifest after ls lacks model.p.m: %v", keys(nodes))
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "semantic_manifest.json")); err != nil {
		t.Errorf("ls wrote no semantic_manifest.json: %v", err)
	}

	// A model added after the last listing is in the next one's manifest,
	// with list's spelling and a selection too.
	writeFile(t, dir, "models/m2.sql", "select 2 as id\n")
	mustElt(t, dir, "list", "--select", "m")
	nodes = readManifest(t, dir)["nodes"].(map[string]any)
	if _, ok := nodes["model.p.m2"]; !ok {
		t.Fatalf("manifest after list lacks model.p.m2: %v", keys(nodes))
	}

	// --no-write-json: no manifest, as dbt's write_json.
	if err := os.RemoveAll(filepath.Join(dir, "target")); err != nil {
		t.Fatal(err)
	}
	mustElt(t, dir, "ls", "--no-write-json")
	if _, err := os.Stat(filepath.Join(dir, "target", "manifest.json")); err == nil {
		t.Errorf("ls --no-write-json wrote manifest.json")
	}

	// A selection that fails still leaves the manifest, written before
	// dbt's list selects anything.
	res := elt(t, dir, "ls", "--select", "state:modified")
	if res.code == 0 {
		t.Fatalf("state:modified without --state: exit 0\n%s", res.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "manifest.json")); err != nil {
		t.Errorf("failed ls selection wrote no manifest.json: %v", err)
	}
}

// TestOperationAndFreshnessWriteManifest: run-operation, source
// freshness and show load the project through dbt's @requires.manifest
// (write=True) too: manifest.json describes the project after each, also
// when the operation fails; show --inline-direct loads no project.
func TestOperationAndFreshnessWriteManifest(t *testing.T) {
	dir := freshnessProject(t)
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "macros/ops.sql", "{% macro fine() %}{% do log('ok') %}{% endmacro %}\n{% macro broken() %}{{ exceptions.raise_compiler_error('no') }}{% endmacro %}\n")
	for _, args := range [][]string{
		{"run-operation", "fine"},
		{"run-operation", "broken"},
		{"source", "freshness", "--select", "source:raw.fresh"},
		{"show", "--select", "m"},
		{"show", "--inline", "select 1 as x"},
	} {
		if err := os.RemoveAll(filepath.Join(dir, "target")); err != nil {
			t.Fatal(err)
		}
		elt(t, dir, args...)
		nodes, ok := readManifest(t, dir)["nodes"].(map[string]any)
		if _, found := nodes["model.p.m"]; !ok || !found {
			t.Errorf("%v: manifest.json lacks model.p.m", args)
		}
	}
	if err := os.RemoveAll(filepath.Join(dir, "target")); err != nil {
		t.Fatal(err)
	}
	mustElt(t, dir, "show", "--inline-direct", "select 1 as x")
	if _, err := os.Stat(filepath.Join(dir, "target", "manifest.json")); err == nil {
		t.Errorf("show --inline-direct wrote manifest.json")
	}
}
