package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elt-dev/elt/internal/benchgen"
)

type manifestCacheStats struct {
	Reused  int    `json:"reused"`
	Encoded int    `json:"encoded"`
	Kept    int    `json:"kept"`
	Dropped string `json:"dropped"`
}

// compileManifest compiles dir and returns its manifest, the invocation's
// id and timestamps blanked, and what the manifest cache did.
func compileManifest(t *testing.T, dir string, args ...string) (string, manifestCacheStats) {
	t.Helper()
	res := eltWith(t, dir, nil, append([]string{"compile", "--no-check", "--log-format", "json"}, args...)...)
	if res.code != 0 {
		t.Fatalf("compile: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	var st manifestCacheStats
	seen := false
	for _, line := range strings.Split(res.stdout, "\n") {
		var ev struct {
			Info struct{ Name string }
			Data manifestCacheStats
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Info.Name == "ManifestCacheStats" {
			st, seen = ev.Data, true
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !seen && !strings.Contains(strings.Join(args, " "), "--no-partial-parse") {
		t.Fatalf("no ManifestCacheStats event in\n%s", res.stdout)
	}
	return volatileArtifactFields.ReplaceAllString(string(b), `"$1":"-"`), st
}

// TestManifestCacheAfterEdits: after each kind of edit to a project, the
// manifest compile writes with the cache is the manifest of a compile
// without any cache (--no-partial-parse, in a fresh target directory),
// and only the nodes the edit touched are encoded again.
func TestManifestCacheAfterEdits(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a 300-model project twice per edit")
	}
	dir := t.TempDir()
	if err := benchgen.Write(dir, benchgen.Options{Models: 300}); err != nil {
		t.Fatal(err)
	}
	edit := func(file, old, new string) func() {
		return func() {
			p := filepath.Join(dir, filepath.FromSlash(file))
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), old) {
				t.Fatalf("%s has no %q", file, old)
			}
			if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	model := func(i int) string { return benchgen.ModelPath(i) }
	const layer1YAML = "models/layer_0001/_layer_0001.yml"
	steps := []struct {
		name    string
		edit    func()
		encoded int // -1: many, not counted
	}{
		{"first compile", func() {}, -1},
		{"nothing changed", func() {}, 0},
		{"model SQL", func() {
			f := filepath.Join(dir, filepath.FromSlash(model(150)))
			b, _ := os.ReadFile(f)
			os.WriteFile(f, append(b, "-- edited\n"...), 0o644)
		}, 1},
		{"config in the model file", edit(model(151), "tags=['layer_1']", "tags=['layer_1', 'edited']"), 1},
		{"properties YAML description", edit(layer1YAML, `"Synthetic model 152."`, `"Model 152, described again."`), 1},
		{"a macro", edit("macros/bench.sql", "coalesce(src_{{ k }}.{{ col }}, 0)", "coalesce(src_{{ k }}.{{ col }}, 1)"), -1},
		{"a var", edit("dbt_project.yml", "bench_modulus: 1000003", "bench_modulus: 1000033"), -1},
		{"a node added", func() {
			os.WriteFile(filepath.Join(dir, "models", "extra.sql"), []byte("select 1 as id\n"), 0o644)
		}, 1},
		{"a node removed", func() { os.Remove(filepath.Join(dir, "models", "extra.sql")) }, 0},
		// compile -s writes the other nodes uncompiled: from the compiled
		// ones' JSON.
		{"compile -s after a full compile", func() {}, 0},
		{"compile -s again", func() {}, 0},
		{"compile -s of its edited file", edit(model(160), "select", "select /* edited */"), 1},
		// The other nodes' compiled JSON is in the spare, kept since the
		// first compile -s: copied from there.
		{"a full compile after compile -s", func() {}, 0},
		{"a full compile again", func() {}, 0},
	}
	for _, s := range steps {
		s.edit()
		var args []string
		if strings.HasPrefix(s.name, "compile -s") {
			args = []string{"-s", benchgen.ModelName(160)}
		}
		got, st := compileManifest(t, dir, args...)
		switch {
		case s.encoded >= 0 && st.Encoded != s.encoded:
			t.Errorf("%s: %d nodes encoded (%d reused), want %d", s.name, st.Encoded, st.Reused, s.encoded)
		case s.encoded < 0 && s.name != "first compile" && (st.Encoded == 0 || st.Reused == 0):
			t.Errorf("%s: %d nodes encoded, %d reused; want some of each", s.name, st.Encoded, st.Reused)
		}
		if wantKept := s.name == "a full compile after compile -s"; wantKept != (st.Kept > 0) {
			t.Errorf("%s: %d nodes copied from the kept spare", s.name, st.Kept)
		}
		if s.name != "first compile" && st.Dropped != "" {
			t.Errorf("%s: the index was dropped: %s", s.name, st.Dropped)
		}
		// The same project compiled without any cache, in a target
		// directory of its own; then the cached one is put back.
		target := filepath.Join(dir, "target")
		kept := filepath.Join(dir, "target.kept")
		if err := os.Rename(target, kept); err != nil {
			t.Fatal(err)
		}
		want, _ := compileManifest(t, dir, append(args, "--no-partial-parse")...)
		if err := os.RemoveAll(target); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(kept, target); err != nil {
			t.Fatal(err)
		}
		if got != want {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			from := max(0, i-200)
			t.Fatalf("%s: the manifest written with the cache differs from one without, at byte %d:\n got …%s\nwant …%s",
				s.name, i, got[from:min(len(got), i+200)], want[from:min(len(want), i+200)])
		}
	}
}
