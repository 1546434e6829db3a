package main

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// latestViewMacro is the post-hook dbt's docs suggest for a view named
// after a versioned model that points at its latest version, written for
// this test.
const latestViewMacro = `{% macro latest_version_view() %}
  {% if model.version and model.version == model.latest_version %}
    {% set plain = this.incorporate(path={"identifier": model.name}) %}
    {% set found = load_relation(plain) %}
    {% if found and not found.is_view %}
      {{ drop_relation_if_exists(found) }}
    {% endif %}
    {% set view_sql %}create or replace view {{ plain }} as select * from {{ this }}{% endset %}
    {{ return(view_sql) }}
  {% else %}
    select 1
  {% endif %}
{% endmacro %}
`

const versionsYML = `version: 2
models:
  - name: dim_people
    latest_version: 2
    description: people, one row each
    config: {materialized: table}
    columns:
      - name: id
        data_tests: [not_null, unique]
      - name: name
        description: first name
      - name: name_upper
    versions:
      - v: 1
        deprecation_date: 2020-01-01
        columns:
          - include: all
            exclude: [name_upper]
      - v: 2
        config: {tags: [current]}
      - v: 3
        defined_in: people_next
        description: the next shape
        config: {materialized: view}
        columns:
          - include: [id]
unit_tests:
  - name: latest_upper
    model: dim_people
    versions: {include: [2]}
    given:
      - input: ref('people')
        rows: [{id: 1, name: ann}]
    expect:
      rows: [{id: 1, name: ann, name_upper: ANN}]
`

func versionsProject(t *testing.T) string {
	t.Helper()
	dir := miniProject(t, "models:\n  p:\n    +post-hook: \"{{ latest_version_view() }}\"\n")
	writeFile(t, dir, "seeds/people.csv", "id,name\n1,ann\n2,bob\n")
	writeFile(t, dir, "macros/latest_view.sql", latestViewMacro)
	writeFile(t, dir, "models/dim_people_v1.sql", "select id, name from {{ ref('people') }}\n")
	writeFile(t, dir, "models/dim_people_v2.sql", "select id, name, upper(name) as name_upper from {{ ref('people') }}\n")
	writeFile(t, dir, "models/people_next.sql", "select id from {{ ref('people') }}\n")
	writeFile(t, dir, "models/uses_latest.sql", "select * from {{ ref('dim_people') }}\n")
	writeFile(t, dir, "models/uses_v1.sql", "select * from {{ ref('dim_people', v=1) }}\n")
	writeFile(t, dir, "models/uses_v3.sql", "select * from {{ ref('dim_people', version=3) }}\n")
	writeFile(t, dir, "models/versions.yml", versionsYML)
	return dir
}

func TestModelVersions(t *testing.T) {
	dir := versionsProject(t)
	res := mustElt(t, dir, "build")
	out := res.stdout + res.stderr
	if !strings.Contains(out, "While compiling 'uses_v1': Found a reference to dim_people.v1, which was deprecated on '2020-01-01'.") {
		t.Errorf("no deprecation warning for the ref to v1:\n%s", out)
	}
	// A unit test of a versioned model runs against the versions it
	// includes (every version unless limited, as in dbt).
	if !strings.Contains(out, "PASS dim_people::latest_upper") {
		t.Errorf("unit test of the latest version did not pass:\n%s", out)
	}
	if strings.Contains(out, "While compiling 'uses_latest': Found a reference") {
		t.Errorf("a ref to a version without deprecation_date warned:\n%s", out)
	}
	// v3 is a prerelease (latest_version: 2): dbt's FYI for the unpinned ref.
	if !strings.Contains(out, "Found an unpinned reference to versioned model 'dim_people' in project 'p'.") {
		t.Errorf("no UnpinnedRefNewVersionAvailable for the unpinned ref:\n%s", out)
	}
	// Relations are named as dbt names them; the post-hook made the view
	// of the latest version.
	if got := rowsOf(t, dir, "main.dim_people_v1"); got != "1|ann\n2|bob" {
		t.Errorf("dim_people_v1 = %q", got)
	}
	if got := rowsOf(t, dir, "main.dim_people_v2"); got != "1|ann|ANN\n2|bob|BOB" {
		t.Errorf("dim_people_v2 = %q", got)
	}
	if got := rowsOf(t, dir, "main.dim_people_v3"); got != "1\n2" {
		t.Errorf("dim_people_v3 = %q", got)
	}
	if got := rowsOf(t, dir, "main.dim_people"); got != "1|ann|ANN\n2|bob|BOB" {
		t.Errorf("latest version view dim_people = %q", got)
	}
	// Unpinned refs reach the latest version, pinned ones their version.
	if got := rowsOf(t, dir, "main.uses_latest"); got != "1|ann|ANN\n2|bob|BOB" {
		t.Errorf("uses_latest = %q", got)
	}
	if got := rowsOf(t, dir, "main.uses_v1"); got != "1|ann\n2|bob" {
		t.Errorf("uses_v1 = %q", got)
	}
	if got := rowsOf(t, dir, "main.uses_v3"); got != "1\n2" {
		t.Errorf("uses_v3 = %q", got)
	}

	m := readManifest(t, dir)
	nodes := m["nodes"].(map[string]any)
	want := map[string][4]any{
		"model.p.dim_people.v1": {float64(1), float64(2), "2020-01-01", "table"},
		"model.p.dim_people.v2": {float64(2), float64(2), nil, "table"},
		"model.p.dim_people.v3": {float64(3), float64(2), nil, "view"},
	}
	for id, w := range want {
		n, ok := nodes[id].(map[string]any)
		if !ok {
			t.Errorf("manifest has no %s", id)
			continue
		}
		cfg := n["config"].(map[string]any)
		got := [4]any{n["version"], n["latest_version"], n["deprecation_date"], cfg["materialized"]}
		if got != w {
			t.Errorf("%s: version, latest_version, deprecation_date, materialized = %v, want %v", id, got, w)
		}
		if n["name"] != "dim_people" || n["alias"] != strings.ReplaceAll(id[len("model.p."):], ".", "_") {
			t.Errorf("%s: name %v alias %v", id, n["name"], n["alias"])
		}
		v := id[len(id)-2:]
		if fqn := n["fqn"].([]any); !reflect.DeepEqual(fqn, []any{"p", "dim_people", v}) {
			t.Errorf("%s: fqn %v", id, fqn)
		}
	}
	cols := func(id string) []string {
		var out []string
		for name := range nodes[id].(map[string]any)["columns"].(map[string]any) {
			out = append(out, name)
		}
		sort.Strings(out)
		return strings.Split(strings.Join(out, ","), ",")
	}
	if got := cols("model.p.dim_people.v1"); !reflect.DeepEqual(got, []string{"id", "name"}) {
		t.Errorf("v1 columns %v", got)
	}
	if got := cols("model.p.dim_people.v2"); !reflect.DeepEqual(got, []string{"id", "name", "name_upper"}) {
		t.Errorf("v2 columns %v", got)
	}
	if got := cols("model.p.dim_people.v3"); !reflect.DeepEqual(got, []string{"id"}) {
		t.Errorf("v3 columns %v", got)
	}
	if d := nodes["model.p.dim_people.v3"].(map[string]any)["description"]; d != "the next shape" {
		t.Errorf("v3 description %v", d)
	}
	if d := nodes["model.p.dim_people.v2"].(map[string]any)["description"]; d != "people, one row each" {
		t.Errorf("v2 description %v", d)
	}
	refs := nodes["model.p.uses_v1"].(map[string]any)["refs"]
	if !reflect.DeepEqual(refs, []any{map[string]any{"name": "dim_people", "package": nil, "version": float64(1)}}) {
		t.Errorf("uses_v1 refs %v", refs)
	}
	if dep := nodes["model.p.uses_latest"].(map[string]any)["depends_on"].(map[string]any)["nodes"]; !reflect.DeepEqual(dep, []any{"model.p.dim_people.v2"}) {
		t.Errorf("uses_latest depends on %v", dep)
	}
	// Generic tests per version, named as dbt names them.
	var tests []string
	for id := range nodes {
		if strings.HasPrefix(id, "test.p.") && strings.Contains(id, "dim_people") {
			tests = append(tests, strings.Join(strings.Split(id, ".")[:3], "."))
		}
	}
	sort.Strings(tests)
	wantTests := []string{"test.p.not_null_dim_people_v1_id", "test.p.not_null_dim_people_v2_id", "test.p.not_null_dim_people_v3_id",
		"test.p.unique_dim_people_v1_id", "test.p.unique_dim_people_v2_id", "test.p.unique_dim_people_v3_id"}
	if !reflect.DeepEqual(tests, wantTests) {
		t.Errorf("tests %v, want %v", tests, wantTests)
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"model.p.dim_people.v1", "model.p.dim_people.v2", "model.p.dim_people.v3"} {
		if !strings.Contains(string(b), `"unique_id": "`+id+`"`) && !strings.Contains(string(b), `"unique_id":"`+id+`"`) {
			t.Errorf("run_results has no %s", id)
		}
	}
}

func TestModelVersionSelection(t *testing.T) {
	dir := versionsProject(t)
	for sel, want := range map[string]string{
		"version:latest":     "p.dim_people.v2",
		"version:prerelease": "p.dim_people.v3",
		"version:old":        "p.dim_people.v1",
		"dim_people.v3":      "p.dim_people.v3",
		"dim_people_v1":      "p.dim_people.v1",
		"dim_people":         "p.dim_people.v1,p.dim_people.v2,p.dim_people.v3",
		"version:none":       "p.uses_latest,p.uses_v1,p.uses_v3",
	} {
		res := mustElt(t, dir, "ls", "--resource-type", "model", "--select", sel)
		got := strings.Join(strings.Fields(res.stdout), ",")
		if got != want {
			t.Errorf("--select %s: %s, want %s", sel, got, want)
		}
	}
	res := elt(t, dir, "ls", "--select", "version:newest")
	if res.code == 0 || !strings.Contains(res.stdout+res.stderr, `invalid version type selector "newest"`) {
		t.Errorf("version:newest: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

func TestModelVersionErrors(t *testing.T) {
	for _, tc := range []struct{ name, yml, sql, want string }{
		{"unknown key", "      - v: 1\n        materialized: table\n", "", `versions.yml:6:9: model "dim_people": unknown key "materialized" in a versions entry`},
		{"duplicate v", "      - v: 1\n      - v: 1.0\n", "", `versions.yml:6:9: model "dim_people": found duplicate version "1.0" in versions (first at line 5)`},
		{"latest not a version", "      - v: 1\n    latest_version: 4\n", "", `versions.yml:6:21: model "dim_people": latest_version 4 is not one of its versions: 1`},
		{"ref to no version", "      - v: 1\n", "select * from {{ ref('dim_people', v=7) }}\n", `uses.sql:1: Model 'model.p.uses' (models/uses.sql) depends on a node named 'dim_people' with version '7' which was not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, "models/dim_people_v1.sql", "select 1 as id\n")
			writeFile(t, dir, "models/versions.yml", "version: 2\nmodels:\n  - name: dim_people\n    versions:\n"+tc.yml)
			if tc.sql != "" {
				writeFile(t, dir, "models/uses.sql", tc.sql)
			}
			res := elt(t, dir, "compile")
			if res.code == 0 || !strings.Contains(res.stdout+res.stderr, tc.want) {
				t.Errorf("exit %d, want an error with %q:\n%s%s", res.code, tc.want, res.stdout, res.stderr)
			}
		})
	}
}

// TestModelVersionWithoutFile: a version whose file is missing declares no
// node, as in dbt (whose functional tests list such versions); elt warns.
func TestModelVersionWithoutFile(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/dim_people_v1.sql", "select 1 as id\n")
	writeFile(t, dir, "models/versions.yml", "version: 2\nmodels:\n  - name: dim_people\n    latest_version: 1\n    versions:\n      - v: 1\n      - v: 2\n        defined_in: nowhere\n")
	res := mustElt(t, dir, "ls")
	if !strings.Contains(res.stdout+res.stderr, `did not find a model file named "nowhere" for version 2 of model "dim_people"; the version is skipped`) ||
		!strings.Contains(res.stdout, "p.dim_people.v1") || strings.Contains(res.stdout, "v2") {
		t.Errorf("want v1 alone and a warning of v2:\n%s%s", res.stdout, res.stderr)
	}
}

// TestUnpinnedRefNewVersionAvailableAsDBT: an unpinned ref that resolves
// to a model's latest version while a greater (prerelease) version exists
// logs dbt's UnpinnedRefNewVersionAvailable when the node compiles, on
// every run (a cached render too), as partial_parsing's
// test_versioned_models.py finds it in dbt.log.
func TestUnpinnedRefNewVersionAvailableAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m_v1.sql", "select 1 as id\n")
	writeFile(t, dir, "models/m_v2.sql", "select 2 as id\n")
	writeFile(t, dir, "models/down.sql", "select * from {{ ref('m') }}\n")
	writeFile(t, dir, "models/m.yml", "models:\n  - name: m\n    latest_version: 1\n    versions:\n      - v: 1\n      - v: 2\n")
	want := "While compiling 'down':\nFound an unpinned reference to versioned model 'm' in project 'p'.\n" +
		"Resolving to latest version: m.v1\nA prerelease version 2 is available."
	for i := range 2 {
		res := mustElt(t, dir, "--log-format", "json", "compile", "-s", "down")
		if !strings.Contains(res.stdout, `"name":"UnpinnedRefNewVersionAvailable"`) || !strings.Contains(res.stdout, strings.ReplaceAll(want, "\n", `\n`)) {
			t.Errorf("compile %d: want dbt's UnpinnedRefNewVersionAvailable:\n%s", i+1, res.stdout)
		}
	}
	writeFile(t, dir, "models/m.yml", "models:\n  - name: m\n    latest_version: 2\n    versions:\n      - v: 1\n      - v: 2\n")
	if res := mustElt(t, dir, "compile", "-s", "down"); strings.Contains(res.stdout+res.stderr, "unpinned reference") {
		t.Errorf("latest is the greatest version, yet:\n%s", res.stdout)
	}
}
