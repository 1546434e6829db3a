package project

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/elt-dev/elt/internal/diag"
)

const baseProject = `name: shop
version: "1.0.0"
config-version: 2
profile: shop
`

const baseProfiles = `shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: shop.duckdb
`

// writeFiles writes files (slash paths relative to dir) into dir.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for rel, contents := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(contents), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// newProject writes a project with default dbt_project.yml and profiles.yml
// unless files gives its own.
func newProject(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{"dbt_project.yml": baseProject, "profiles.yml": baseProfiles}
	for k, v := range files {
		all[k] = v
	}
	for k, v := range all {
		if v == "" {
			delete(all, k)
		}
	}
	writeFiles(t, dir, all)
	return dir
}

func envOf(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func loadDir(t testing.TB, dir string, opts Options) (*Project, error) {
	t.Helper()
	opts.ProjectDir = dir
	if opts.WorkDir == "" {
		opts.WorkDir = dir
	}
	if opts.Env == nil {
		opts.Env = envOf()
	}
	return Load(context.Background(), opts)
}

func mustLoad(t testing.TB, files map[string]string) *Project {
	t.Helper()
	p, err := loadDir(t, newProject(t, files), Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

func diagList(t testing.TB, err error) diag.List {
	t.Helper()
	if err == nil {
		t.Fatal("Load succeeded, want an error")
	}
	l, ok := diag.AsList(err)
	if !ok {
		t.Fatalf("error is not a diagnostic list: %v", err)
	}
	return l
}

// findDiag returns the first diagnostic whose summary contains substr.
func findDiag(l diag.List, substr string) (diag.Diagnostic, bool) {
	for _, d := range l {
		if strings.Contains(d.Summary, substr) {
			return d, true
		}
	}
	return diag.Diagnostic{}, false
}

func wantEqual(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n want %#v\n  got %#v", what, want, got)
	}
}
