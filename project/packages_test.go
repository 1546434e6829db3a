package project

import (
	"reflect"
	"strings"
	"testing"
)

// pkgProject is a root project "shop" with one installed package "pkg"
// that has a model, a seed, a snapshot, a singular test, a source, docs and
// properties YAML, and config for it in both dbt_project.yml files.
func pkgProject(t *testing.T, extra map[string]string) string {
	files := map[string]string{
		"dbt_project.yml": baseProject + `
vars:
  v: root-global
  pkg:
    v: root-scoped
models:
  +persist_docs: {relation: true}
  pkg:
    +schema: from_root
    staging:
      +tags: [root]
`,
		"models/a.sql":                            "select 1 as id",
		"dbt_packages/pkg/dbt_project.yml":        "name: pkg\nversion: '1.0'\nconfig-version: 2\nvars:\n  v: pkg-own\n  w: pkg-w\nmodels:\n  pkg:\n    +materialized: table\n    +schema: from_pkg\n    +tags: [pkg]\n",
		"dbt_packages/pkg/models/staging/stg.sql": "select 1 as id",
		"dbt_packages/pkg/models/staging/schema.yml": `version: 2
models:
  - name: stg
    description: "{{ doc('pkgdoc') }}"
    config:
      alias: "stg_{{ var('v') }}_{{ var('w') }}"
    columns:
      - name: id
        data_tests: [unique]
sources:
  - name: raw
    tables:
      - name: events
        columns:
          - name: id
            data_tests: [not_null]
`,
		"dbt_packages/pkg/models/docs.md":        "{% docs pkgdoc %}From the package.{% enddocs %}",
		"dbt_packages/pkg/seeds/codes.csv":       "code\n1\n",
		"dbt_packages/pkg/tests/no_rows.sql":     "select 1 where false",
		"dbt_packages/pkg/macros/m.sql":          "{% macro m() %}1{% endmacro %}",
		"dbt_packages/pkg/snapshots/snap.sql":    "{% snapshot snap %}{{ config(strategy='check', unique_key='id', check_cols='all') }}select 1 as id{% endsnapshot %}",
		"dbt_packages/pkg/target/compiled/x.sql": "not read",
	}
	for k, v := range extra {
		files[k] = v
	}
	return newProject(t, files)
}

func TestPackageNodes(t *testing.T) {
	p, err := loadDir(t, pkgProject(t, nil), Options{SkipProfile: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range p.Nodes {
		ids = append(ids, id)
	}
	want := []string{"model.pkg.stg", "model.shop.a", "seed.pkg.codes", "snapshot.pkg.snap", "test.pkg.no_rows"}
	if got := sortedStrings(ids); !reflect.DeepEqual(got, want) {
		t.Fatalf("nodes: want %v, got %v", want, got)
	}
	stg := p.Nodes["model.pkg.stg"]
	wantEqual(t, "package", stg.Package, "pkg")
	wantEqual(t, "package dir", stg.PackageDir, "dbt_packages/pkg")
	wantEqual(t, "original file path", stg.OriginalFilePath, "dbt_packages/pkg/models/staging/stg.sql")
	wantEqual(t, "package path", stg.PackagePath(), "models/staging/stg.sql")
	wantEqual(t, "path", stg.Path, "staging/stg.sql")
	wantEqual(t, "fqn", stg.FQN, []string{"pkg", "staging", "stg"})
	wantEqual(t, "description", stg.Description, "From the package.")
	// The package's own tree and properties YAML make its config; var()
	// in its YAML sees the root's scoped vars over the package's own.
	wantEqual(t, "own config", stg.Config, Config{"materialized": "table", "schema": "from_pkg", "tags": []string{"pkg"}, "alias": "stg_root-scoped_pkg-w"})
	// The root's tree comes last (the compiler applies it after config() calls).
	wantEqual(t, "root config", stg.RootConfig, Config{"persist_docs": map[string]any{"relation": true}, "schema": "from_root", "tags": []string{"root"}})
	if p.Nodes["model.shop.a"].RootConfig != nil {
		t.Errorf("root nodes have no RootConfig")
	}
	if len(p.Packages) != 1 || len(p.Packages[0].MacroFiles) != 1 || p.Packages[0].MacroFiles[0].Path != "dbt_packages/pkg/macros/m.sql" {
		t.Errorf("package macros: %+v", p.Packages)
	}
	src := p.Sources["source.pkg.raw.events"]
	if src == nil || src.Package != "pkg" || src.OriginalFilePath != "dbt_packages/pkg/models/staging/schema.yml" {
		t.Fatalf("package source: %+v (sources %v)", src, p.Sources)
	}
	var tests []string
	for _, d := range p.GenericTests {
		tests = append(tests, d.Package+":"+d.TestName+":"+d.AttachedName)
	}
	wantEqual(t, "generic tests", sortedStrings(tests), []string{"pkg:not_null:events", "pkg:unique:stg"})
	if d := p.Docs["pkg.pkgdoc"]; d == nil || d.Package != "pkg" {
		t.Errorf("package docs: %v", p.Docs)
	}
	for _, w := range p.Warnings {
		if strings.Contains(w.Summary, "do not apply") {
			t.Errorf("root config for the package is used: %v", w)
		}
	}
}

func TestPackageConfigPathsUnused(t *testing.T) {
	dir := pkgProject(t, map[string]string{
		"dbt_project.yml": baseProject + "models:\n  pkg:\n    nope:\n      +enabled: false\n",
	})
	p, err := loadDir(t, dir, Options{SkipProfile: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range p.Warnings {
		if strings.Contains(w.Summary, "models.pkg.nope") {
			found = true
		}
	}
	if !found {
		t.Errorf("want the unused path models.pkg.nope reported, got %v", p.Warnings)
	}
}

func TestPackageDuplicateNamesAcrossPackages(t *testing.T) {
	// A name used in two projects is allowed (ref('pkg', 'a') picks one);
	// within one project it is not.
	dir := pkgProject(t, map[string]string{
		"dbt_packages/pkg/models/a.sql": "select 2 as id",
	})
	p, err := loadDir(t, dir, Options{SkipProfile: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Nodes["model.pkg.a"] == nil || p.Nodes["model.shop.a"] == nil {
		t.Errorf("both models: %v", p.Nodes)
	}
	_, err = loadDir(t, pkgProject(t, map[string]string{"dbt_packages/pkg/seeds/stg.csv": "x\n1\n"}), Options{SkipProfile: true})
	if err == nil || !strings.Contains(err.Error(), `dbt found two resources with the name "stg"`) || !strings.Contains(err.Error(), "dbt_packages/pkg/") {
		t.Errorf("want a duplicate-name error inside the package, got %v", err)
	}
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestSourceOverrides: a root project's sources entry with overrides:
// patches the package's source (source keys and same-named tables' keys
// replaced), declares nothing itself, and an override of nothing warns.
func TestSourceOverrides(t *testing.T) {
	dir := pkgProject(t, map[string]string{
		"models/sources.yml": `version: 2
sources:
  - name: raw
    overrides: pkg
    schema: landing
    tables:
      - name: events
        identifier: events_v2
      - name: extra
  - name: nothing
    overrides: pkg
`,
	})
	p, err := loadDir(t, dir, Options{SkipProfile: true})
	if err != nil {
		t.Fatal(err)
	}
	src := p.Sources["source.pkg.raw.events"]
	if src == nil || src.Schema != "landing" || src.Identifier != "events_v2" {
		t.Fatalf("overridden source: %+v", src)
	}
	if len(p.Sources) != 1 {
		t.Errorf("an override declares no source of its own: %v", p.Sources)
	}
	// The table's tests stay (the override did not set columns).
	found := false
	for _, d := range p.GenericTests {
		found = found || (d.SourceName == "raw" && d.AttachedName == "events" && d.TestName == "not_null")
	}
	if !found {
		t.Errorf("the package's test on the source is kept: %+v", p.GenericTests)
	}
	warned := false
	for _, w := range p.Warnings {
		warned = warned || (strings.Contains(w.Summary, `"nothing"`) && w.File == "models/sources.yml" && w.Pos.Line == 10)
	}
	if !warned {
		t.Errorf("want a warning for the unused override at models/sources.yml:10, got %v", p.Warnings)
	}
	_, err = loadDir(t, pkgProject(t, map[string]string{
		"models/sources.yml": "version: 2\nsources:\n  - name: raw\n    overrides: not_installed\n",
	}), Options{SkipProfile: true})
	if err == nil || !strings.Contains(err.Error(), `"not_installed", which is not installed`) {
		t.Errorf("want an error for an override of a package that is not installed, got %v", err)
	}
	// Two overrides of one source: dbt's DuplicateSourcePatchNameError
	// (dbt's tests/functional/source_overrides/test_source_overrides_duplicate_model.py).
	_, err = loadDir(t, pkgProject(t, map[string]string{
		"models/schema1.yml": "version: 2\nsources:\n  - name: raw\n    overrides: pkg\n",
		"models/schema2.yml": "version: 2\nsources:\n  - name: raw\n    overrides: pkg\n",
	}), Options{SkipProfile: true})
	want := "dbt found two schema.yml entries for the same source named raw in package pkg. Sources may only be overridden a single time. " +
		"To fix this, remove the sources entry named raw from one of these files: models/schema1.yml:3, models/schema2.yml"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("want %q, got %v", want, err)
	}
}
