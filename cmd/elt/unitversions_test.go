package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// unitResults are run_results.json's unit test ids with their status.
func unitResults(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for id, r := range resultMessages(t, dir) {
		if strings.HasPrefix(id, "unit_test.") {
			out[id] = r[0]
		}
	}
	return out
}

// TestUnitTestVersions: a unit test on a versioned model runs against
// every version (dbt 1.8+), unless versions: includes or excludes some.
// dim_people v1 labels rows 'one', v2 'two'; the test expects 'two'.
func TestUnitTestVersions(t *testing.T) {
	cases := []struct {
		name, versions string
		want           map[string]string
		code           int
		loadErr        string
	}{
		{"every version", "", map[string]string{"unit_test.p.dim_people.labels_v1": "fail", "unit_test.p.dim_people.labels_v2": "pass"}, exitFailed, ""},
		{"include", "    versions: {include: [2]}\n", map[string]string{"unit_test.p.dim_people.labels_v2": "pass"}, exitOK, ""},
		{"exclude", "    versions: {exclude: [2]}\n", map[string]string{"unit_test.p.dim_people.labels_v1": "fail"}, exitFailed, ""},
		// As dbt's `model.version in versions.exclude` (Python's ==): the
		// string "2" is not the version 2, so nothing is excluded; 2.0 is.
		{"exclude a string", "    versions: {exclude: ['2']}\n", map[string]string{"unit_test.p.dim_people.labels_v1": "fail", "unit_test.p.dim_people.labels_v2": "pass"}, exitFailed, ""},
		{"include a float", "    versions: {include: [2.0]}\n", map[string]string{"unit_test.p.dim_people.labels_v2": "pass"}, exitOK, ""},
		// As dbt's UnparsedUnitTest.validate: not both.
		{"include and exclude", "    versions: {include: [2], exclude: [1]}\n", nil, exitUsage, "models/unit.yml:5:15: unit test \"labels\": Unit tests can not both include and exclude versions."},
		// NodeVersion is str | float: dbt's JSON schema refuses a boolean.
		{"a boolean version", "    versions: {include: [true]}\n", nil, exitUsage, "models/unit.yml:5:26: unit test \"labels\": versions include lists a bool, not a version"},
		{"no such version", "    versions: {include: [3]}\n", nil, exitUsage, "models/unit.yml:5:15: Unit test 'labels' referenced a version of 'dim_people' which was not found."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, "seeds/people.csv", "id\n1\n")
			writeFile(t, dir, "models/dim_people_v1.sql", "select id, 'one' as label from {{ ref('people') }}\n")
			writeFile(t, dir, "models/dim_people_v2.sql", "select id, 'two' as label from {{ ref('people') }}\n")
			writeFile(t, dir, "models/versions.yml", "version: 2\nmodels:\n  - name: dim_people\n    latest_version: 2\n    versions:\n      - v: 1\n      - v: 2\n")
			writeFile(t, dir, "models/unit.yml", "version: 2\nunit_tests:\n  - name: labels\n    model: dim_people\n"+tc.versions+
				"    given:\n      - input: ref('people')\n        rows: [{id: 7}]\n    expect:\n      rows: [{id: 7, label: two}]\n")
			res := elt(t, dir, "test")
			if res.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", res.code, tc.code, res.stdout, res.stderr)
			}
			if tc.loadErr != "" {
				if !strings.Contains(res.stderr, tc.loadErr) {
					t.Errorf("stderr lacks %q:\n%s", tc.loadErr, res.stderr)
				}
				return
			}
			got := unitResults(t, dir)
			if !equalMaps(got, tc.want) {
				t.Errorf("unit test results: want %v, got %v\n%s", tc.want, got, res.stdout)
			}
		})
	}

	t.Run("unversioned model", func(t *testing.T) {
		dir := miniProject(t, "")
		writeFile(t, dir, "models/m.sql", "select 1 as id\n")
		writeFile(t, dir, "models/unit.yml", "version: 2\nunit_tests:\n  - name: t\n    model: m\n    versions: {exclude: [1]}\n    expect:\n      rows: [{id: 1}]\n")
		res := elt(t, dir, "test")
		want := "models/unit.yml:5:15: Unit test 't' should not have a versions include or exclude when referencing non-versioned model 'm'"
		if res.code != exitUsage || !strings.Contains(res.stderr, want) {
			t.Errorf("want exit %d and %q, got exit %d:\n%s", exitUsage, want, res.code, res.stderr)
		}
	})
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if b[k] != a[k] {
			return false
		}
	}
	return true
}

// TestUnitTestGivenVersionedRef: a given input ref('source') stands for
// the latest version of source only, as in dbt; ref('source', v=2) in
// the model then has no input, a compilation error, and given ref(...,
// v=2) (or version=2) is that version's input.
func TestUnitTestGivenVersionedRef(t *testing.T) {
	cases := []struct {
		name, input, status string
	}{
		{"latest is another version", "ref('source')", "error"},
		{"v=", "ref('source', v=2)", "pass"},
		{"version= quoted", "ref('source', version='2')", "pass"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, "models/model_to_test.sql", "select result from {{ ref('source', v=2) }}\n")
			writeFile(t, dir, "models/source_v1.sql", "select 2 as result\n")
			writeFile(t, dir, "models/source_v2.sql", "select 2 as result\n")
			writeFile(t, dir, "models/schema.yml", "models:\n  - name: source\n    latest_version: 1\n    versions: [{v: 1}, {v: 2}]\n  - name: model_to_test\n"+
				"unit_tests:\n  - name: ref_versioned\n    model: model_to_test\n    given:\n      - input: "+tc.input+"\n        rows: [{result: 3}]\n    expect:\n      rows: [{result: 3}]\n")
			mustElt(t, dir, "run")
			res := elt(t, dir, "test", "--select", "model_to_test")
			got := unitResults(t, dir)["unit_test.p.model_to_test.ref_versioned"]
			if got != tc.status {
				t.Fatalf("status %q, want %q\n%s%s", got, tc.status, res.stdout, res.stderr)
			}
			if tc.status == "error" {
				wantAll(t, res.stdout, "model 'model_to_test' reads ref('source', v=2), which is not among the given inputs")
			}
		})
	}
}

// TestUnitTestVersionsInManifest: each copy of a unit test on a versioned
// model carries that model's version and the versions: it was given, as
// dbt's process_models_for_unit_test makes them from the definition.
func TestUnitTestVersionsInManifest(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/dim_people_v1.sql", "select 1 as id\n")
	writeFile(t, dir, "models/dim_people_v2.sql", "select 1 as id\n")
	writeFile(t, dir, "models/dim_people_v3.sql", "select 1 as id\n")
	writeFile(t, dir, "models/versions.yml", "models:\n  - name: dim_people\n    latest_version: 2\n    versions:\n      - v: 1\n      - v: 2\n      - v: 3\n")
	writeFile(t, dir, "models/unit.yml", `unit_tests:
  - name: every
    model: dim_people
    given: []
    expect: {rows: [{id: 1}]}
  - name: some
    model: dim_people
    versions: {exclude: [2]}
    given: []
    expect: {rows: [{id: 1}]}
`)
	mustElt(t, dir, "parse")
	var m struct {
		UnitTests map[string]map[string]any `json:"unit_tests"`
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
	want := map[string]string{
		"unit_test.p.dim_people.every_v1": `1 <nil>`,
		"unit_test.p.dim_people.every_v2": `2 <nil>`,
		"unit_test.p.dim_people.every_v3": `3 <nil>`,
		"unit_test.p.dim_people.some_v1":  `1 map[exclude:[2] include:<nil>]`,
		"unit_test.p.dim_people.some_v3":  `3 map[exclude:[2] include:<nil>]`,
	}
	if len(m.UnitTests) != len(want) {
		t.Errorf("unit tests %v, want %d", len(m.UnitTests), len(want))
	}
	for id, w := range want {
		ut, ok := m.UnitTests[id]
		if !ok {
			t.Errorf("no %s", id)
			continue
		}
		if got := fmt.Sprint(ut["version"], " ", ut["versions"]); got != w {
			t.Errorf("%s: version, versions = %s, want %s", id, got, w)
		}
	}
}

// TestUnitTestVersionsNamedAsDBT: a versioned model's unit test runs as
// <test>_v<version> (dbt's versioned_name and UnitTestManifestLoader's
// node name): in its result lines, its failure and its compiled file.
func TestUnitTestVersionsNamedAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/dim_people_v1.sql", "select 1 as id, 'one' as label\n")
	writeFile(t, dir, "models/dim_people_v2.sql", "select 1 as id, 'two' as label\n")
	writeFile(t, dir, "models/versions.yml", "models:\n  - name: dim_people\n    latest_version: 2\n    versions:\n      - v: 1\n      - v: 2\n")
	writeFile(t, dir, "models/unit.yml", "unit_tests:\n  - name: labels\n    model: dim_people\n    given: []\n    expect:\n      rows: [{id: 1, label: two}]\n")
	res := elt(t, dir, "test")
	if res.code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s%s", res.code, exitFailed, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout,
		"START unit_test dim_people::labels_v1 ",
		"FAIL 1 dim_people::labels_v1 ",
		"PASS dim_people::labels_v2 ",
		"Failure in unit_test labels_v1 (models/unit.yml)",
		"compiled code at target/compiled/p/models/unit.yml/models/labels_v1.sql\n",
	)
	for _, v := range []string{"1", "2"} {
		if _, err := os.Stat(filepath.Join(dir, "target/compiled/p/models/unit.yml/models/labels_v"+v+".sql")); err != nil {
			t.Errorf("no compiled SQL for version %s: %v", v, err)
		}
	}
}

// TestUnitTestVersionsKeepYAMLTypes: versions: include/exclude are
// written to manifest.json with the types the YAML gave them, as dbt
// holds them (NodeVersion is str | float in artifacts/resources/v1/
// components.py, and mashumaro's union passes any value through its str
// arm): 2 stays the number 2, "2" the string, 1.5 the float.
func TestUnitTestVersionsKeepYAMLTypes(t *testing.T) {
	dir := miniProject(t, "")
	for _, v := range []string{"1", "2"} {
		writeFile(t, dir, "models/dim_people_v"+v+".sql", "select 1 as id\n")
	}
	writeFile(t, dir, "models/versions.yml", "models:\n  - name: dim_people\n    latest_version: 2\n    versions:\n      - v: 1\n      - v: 2\n")
	writeFile(t, dir, "models/unit.yml", `unit_tests:
  - name: numbers
    model: dim_people
    versions: {include: [2, 1.5]}
    given: []
    expect: {rows: [{id: 1}]}
  - name: strings
    model: dim_people
    versions: {exclude: ["2"], include: null}
    given: []
    expect: {rows: [{id: 1}]}
`)
	mustElt(t, dir, "parse")
	var m struct {
		UnitTests map[string]struct {
			Versions json.RawMessage `json:"versions"`
		} `json:"unit_tests"`
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
	for id, want := range map[string]string{
		"unit_test.p.dim_people.numbers_v2": `{"exclude":null,"include":[2,1.5]}`,
		"unit_test.p.dim_people.strings_v1": `{"exclude":["2"],"include":null}`,
	} {
		var compact bytes.Buffer
		if err := json.Compact(&compact, m.UnitTests[id].Versions); err != nil {
			t.Fatalf("%s: %v (%s)", id, err, m.UnitTests[id].Versions)
		}
		if got := compact.String(); got != want {
			t.Errorf("%s versions = %s, want %s", id, got, want)
		}
	}
}
