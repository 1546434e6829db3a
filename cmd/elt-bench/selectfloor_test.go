package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The select floor looks at every file outside target/, and writes the
// manifest's bytes beside it without touching the manifest elt left.
func TestSelectFloorStatsEveryFileAndWritesTheManifest(t *testing.T) {
	project := t.TempDir()
	manifest := `{"nodes": {"model.p.a": {}}}` + strings.Repeat(" ", 300000) // mapped, not read
	for rel, data := range map[string]string{
		"dbt_project.yml":            "name: p",
		"models/a.sql":               "select 1",
		"models/deep/er/b.sql":       "select 2",
		"models/_p.yml":              "version: 2",
		"seeds/s.csv":                "id\n1\n",
		"target/manifest.json":       manifest,
		"target/compiled/p/a.sql":    "select 1",
		"target/elt_render_cache.bi": "cache",
	} {
		p := filepath.Join(project, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before, err := os.Stat(filepath.Join(project, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := floorSelect(context.Background(), project, "models/a.sql")
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Errorf("looked at %d files, want the 5 outside target/", n)
	}
	got, err := os.ReadFile(filepath.Join(project, "target", floorSelectOut))
	if err != nil || string(got) != manifest {
		t.Errorf("%s: %d bytes (%v), want the manifest's %d", floorSelectOut, len(got), err, len(manifest))
	}
	after, err := os.Stat(filepath.Join(project, "target", "manifest.json"))
	if err != nil || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("manifest.json was rewritten (%v)", err)
	}
	entries, _ := os.ReadDir(filepath.Join(project, "target"))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("left %s behind", e.Name())
		}
	}
	if _, err := floorSelect(context.Background(), project, "models/missing.sql"); err == nil {
		t.Error("a missing model file: no error")
	}
	if err := os.Remove(filepath.Join(project, "target", "manifest.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := floorSelect(context.Background(), project, "models/a.sql"); err == nil {
		t.Error("no manifest: no error")
	}
}
