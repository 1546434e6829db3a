package compiler

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// testDialect renders relations like DuckDB does.
type testDialect struct{}

func (testDialect) Type() string          { return "duckdb" }
func (testDialect) Quote(s string) string { return `"` + s + `"` }
func (d testDialect) RenderRelation(r Relation) string {
	var parts []string
	for _, p := range []string{r.Database, r.Schema, r.Identifier} {
		if p != "" {
			parts = append(parts, d.Quote(p))
		}
	}
	return strings.Join(parts, ".")
}

// newProject builds a project from files: "models/x.sql", "macros/y.sql",
// "tests/z.sql", "seeds/s.csv", "snapshots/s.sql" (whole file = snapshot body).
func newProject(files map[string]string) *project.Project {
	p := &project.Project{
		Root: "/nonexistent",
		Config: &project.ProjectConfig{
			Name: "shop", ModelPaths: []string{"models"}, SeedPaths: []string{"seeds"},
			TestPaths: []string{"tests"}, MacroPaths: []string{"macros"}, SnapshotPaths: []string{"snapshots"},
			Vars: map[string]any{}, Trees: map[string]*project.ConfigTree{},
		},
		Target:  &project.Target{ProfileName: "shop", Name: "dev", Type: "duckdb", Threads: 4, Database: "warehouse", Schema: "main"},
		Nodes:   map[string]*project.Node{},
		Sources: map[string]*project.SourceTable{},
	}
	for _, f := range sortedKeys(files) {
		contents := files[f]
		dir, rest, _ := strings.Cut(f, "/")
		base := path.Base(f)
		name := strings.TrimSuffix(base, path.Ext(base))
		var kind project.ResourceType
		switch dir {
		case "macros":
			p.MacroFiles = append(p.MacroFiles, &project.File{Path: f, Contents: contents})
			continue
		case "models":
			kind = project.Model
		case "tests":
			kind = project.Test
			if strings.HasPrefix(rest, "generic/") {
				p.MacroFiles = append(p.MacroFiles, &project.File{Path: f, Contents: contents})
				continue
			}
		case "seeds":
			kind = project.Seed
			contents = ""
		case "snapshots":
			kind = project.Snapshot
		default:
			continue
		}
		fqn := []string{"shop"}
		if d := path.Dir(rest); d != "." {
			fqn = append(fqn, strings.Split(d, "/")...)
		}
		fqn = append(fqn, name)
		id := string(kind) + ".shop." + name
		p.Nodes[id] = &project.Node{
			UniqueID: id, ResourceType: kind, Name: name, Package: "shop", Path: rest,
			OriginalFilePath: f, FQN: fqn, RawCode: contents, Language: "sql", Config: project.Config{},
		}
	}
	return p
}

func addSource(p *project.Project, source, table string) {
	id := "source.shop." + source + "." + table
	p.Sources[id] = &project.SourceTable{UniqueID: id, SourceName: source, Name: table, Package: "shop",
		OriginalFilePath: "models/sources.yml", FQN: []string{"shop", source, table}}
}

func testOptions() Options {
	return Options{
		Dialect:      testDialect{},
		InvocationID: "00000000-0000-0000-0000-000000000000",
		RunStartedAt: time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC),
		Env: func(k string) (string, bool) {
			if k == "ELT_TEST_ENV" {
				return "from-env", true
			}
			return "", false
		},
	}
}

// compileProject parses and compiles everything, returning the golden text:
// every compiled node under a header, then the errors, if any.
func compileProject(t *testing.T, p *project.Project, opts Options) (*Manifest, string) {
	t.Helper()
	ctx := context.Background()
	m, err := Parse(ctx, p, opts)
	var b strings.Builder
	if err == nil {
		err = m.Compile(ctx, nil)
	}
	if m != nil {
		for _, id := range sortedKeys(m.Nodes) {
			n := m.Nodes[id]
			if !n.Compiled {
				continue
			}
			fmt.Fprintf(&b, "-- %s", id)
			if n.RelationName != "" {
				fmt.Fprintf(&b, " -> %s", n.RelationName)
			}
			b.WriteString("\n" + n.CompiledCode + "\n")
		}
	}
	if err != nil {
		b.WriteString("== errors\n" + err.Error() + "\n")
	}
	return m, b.String()
}

// golden compares got with testdata/<name>, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./compiler -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs\n--- want\n%s\n--- got\n%s", file, want, got)
	}
}

// readCase loads testdata/<dir>/ files below models, macros, tests, seeds, snapshots.
func readCase(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	root := filepath.Join("testdata", dir)
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if !strings.Contains(rel, "/") {
			return nil // golden files live at the case root
		}
		b, err := os.ReadFile(p)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func diagList(err error) diag.List {
	l, _ := diag.AsList(err)
	return l
}

var _ = sort.Strings
