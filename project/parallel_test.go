package project

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
)

// patchingProject is a project whose properties file has many entries
// of every kind patchNodes meets, so that patching runs on several
// workers: configs rendered from var() and env_var(), docs, columns,
// tests, meta and tags, a versioned model in the middle, and (with
// broken) entries that are wrong in ways that give errors between the
// good ones.
func patchingProject(t *testing.T, broken bool) string {
	t.Helper()
	files := map[string]string{
		"dbt_project.yml":      baseProject + "vars:\n  colour: red\nmodels:\n  shop:\n    +materialized: view\n    sub:\n      +tags: [from_tree]\n",
		"models/docs.md":       "{% docs shared %}Shared text.{% enddocs %}\n",
		"models/orders_v1.sql": "select 1 as id",
		"models/orders_v2.sql": "select 2 as id",
	}
	var b strings.Builder
	b.WriteString("version: 2\nmodels:\n")
	for i := range 150 {
		dir := "models"
		if i%3 == 0 {
			dir = "models/sub"
		}
		name := fmt.Sprintf("m_%03d", i)
		files[fmt.Sprintf("%s/%s.sql", dir, name)] = fmt.Sprintf("select %d as id", i)
		fmt.Fprintf(&b, "  - name: %s\n", name)
		switch i % 7 {
		case 0:
			fmt.Fprintf(&b, "    description: \"{{ doc('shared') }} %d\"\n", i)
		case 1:
			fmt.Fprintf(&b, "    config:\n      alias: \"a_{{ var('colour') }}_%d\"\n      schema: \"{{ env_var('SCHEMA', 'dflt') }}\"\n", i)
		case 2:
			fmt.Fprintf(&b, "    meta: {owner: o%d}\n    tags: [t%d, shared]\n", i, i%4)
		case 3:
			if broken {
				b.WriteString("    unknown_key: 1\n")
			}
		case 4:
			b.WriteString("    description: first\n    description: second\n")
		case 5:
			b.WriteString("    data_tests:\n      - unique_combination: {columns: [id]}\n")
		}
		b.WriteString("    columns:\n      - name: id\n        data_tests: [not_null, unique]\n")
		if i%5 == 0 {
			fmt.Fprintf(&b, "      - name: value\n        description: v%d\n        data_tests:\n          - accepted_values: {values: [a, b]}\n", i)
		}
		if broken && i%11 == 0 {
			b.WriteString("      - name: ID\n")
		}
		if broken && i%13 == 0 {
			b.WriteString("        data_tests: [{one: 1, two: 2}]\n")
		}
		if i == 70 {
			b.WriteString("  - name: orders\n    versions:\n      - v: 1\n      - v: 2\n    latest_version: 2\n    columns:\n      - name: id\n        data_tests: [unique]\n")
		}
		if i%17 == 0 {
			fmt.Fprintf(&b, "  - name: missing_%d\n", i)
		}
		if broken && i%19 == 0 {
			fmt.Fprintf(&b, "  - name: %s\n", name)
		}
	}
	if broken {
		files["models/other/m_007.sql"] = "select 7 as id"
	}
	files["models/props.yml"] = b.String()
	return newProject(t, files)
}

// loadWithProcs loads dir with GOMAXPROCS set to procs: 1 patches every
// entry in turn on one goroutine.
func loadWithProcs(t *testing.T, dir string, procs int) (*Project, error) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	return loadDir(t, dir, Options{Env: envOf("SCHEMA", "from_env")})
}

func TestParallelPatchingSameAsInTurn(t *testing.T) {
	dir := patchingProject(t, false)
	want, err := loadWithProcs(t, dir, 1)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(want.Warnings) == 0 || len(want.GenericTests) < 300 {
		t.Fatalf("the project does not exercise patching: %d warnings, %d tests", len(want.Warnings), len(want.GenericTests))
	}
	if got := want.Nodes["model.shop.m_001"].Config["alias"]; got != "a_red_1" {
		t.Fatalf("alias of m_001 = %v, want a_red_1", got)
	}
	for _, procs := range []int{2, 4, 8} {
		for round := range 3 {
			got, err := loadWithProcs(t, dir, procs)
			if err != nil {
				t.Fatalf("Load with %d procs: %v", procs, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%d procs, round %d: the project differs from the one patched in turn\n%s", procs, round, projectDiff(got, want))
			}
		}
	}
}

func TestParallelPatchingSameErrors(t *testing.T) {
	dir := patchingProject(t, true)
	_, err := loadWithProcs(t, dir, 1)
	want := diagList(t, err)
	if len(want) < 30 {
		t.Fatalf("want errors between the entries, got %d", len(want))
	}
	if d, ok := findDiag(want, `dbt found two models with the name "m_007"`); !ok || d.File != "models/other/m_007.sql" ||
		!strings.Contains(d.Summary, "model models/m_007.sql and model models/other/m_007.sql") {
		t.Errorf("duplicate model: got %v, %v", d, ok)
	}
	for _, procs := range []int{2, 4, 8} {
		_, err := loadWithProcs(t, dir, procs)
		got := diagList(t, err)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%d procs: diagnostics differ from the ones found in turn:\n%s", procs, diagDiff(got, want))
		}
	}
}

// projectDiff names what differs between two loaded projects.
func projectDiff(got, want *Project) string {
	var out []string
	if !reflect.DeepEqual(got.Warnings, want.Warnings) {
		out = append(out, "warnings:\n"+diagDiff(got.Warnings, want.Warnings))
	}
	for i := range max(len(got.GenericTests), len(want.GenericTests)) {
		if i >= len(got.GenericTests) || i >= len(want.GenericTests) || !reflect.DeepEqual(got.GenericTests[i], want.GenericTests[i]) {
			out = append(out, fmt.Sprintf("generic test %d differs", i))
			break
		}
	}
	for id, n := range want.Nodes {
		if !reflect.DeepEqual(got.Nodes[id], n) {
			out = append(out, "node "+id+" differs")
		}
	}
	if len(out) == 0 {
		out = append(out, "another field differs")
	}
	return strings.Join(out, "\n")
}

func diagDiff(got, want diag.List) string {
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i].Error()
		}
		if i < len(want) {
			w = want[i].Error()
		}
		if g != w {
			fmt.Fprintf(&b, "%d:\n want %s\n  got %s\n", i, w, g)
		}
	}
	return b.String()
}

func TestPairValueAsPairs(t *testing.T) {
	docs := []string{
		"name: a\nother: 1",
		"other: 1\nname: a\nname: b",
		"base: &b {name: from_merge, versions: [1]}\nentry:\n  <<: *b\n  other: 1",
		"base: &b {name: from_merge}\nentry:\n  name: own\n  <<: *b",
		"base: &b {name: from_merge}\nentry:\n  <<: [*b, {versions: [2]}]\n  name: own",
		"entry: {other: 1}",
		"entry: [name]",
		"entry: &e {name: x}\nalias: *e",
		"'<<': {name: quoted_merge_key}\nname: kept",
		"? [name]\n: 1\nname: z",
	}
	for _, src := range docs {
		root, d := parseYAML("t.yml", []byte(src))
		if d != nil {
			t.Fatalf("%q: %v", src, d)
		}
		var nodes []*yaml.Node
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			if n == nil {
				return
			}
			nodes = append(nodes, n)
			for _, c := range n.Content {
				walk(c)
			}
		}
		walk(root)
		checked := 0
		for _, n := range nodes {
			for _, key := range []string{"name", "versions", "missing"} {
				var want *yaml.Node
				for _, p := range pairs(n) {
					if p.Key == key {
						want = p.Val
						break
					}
				}
				got, ok := pairValue(n, key)
				if got != want || ok != (want != nil) {
					t.Errorf("%q: pairValue(%s line %d, %q) = %v, %v; pairs gives %v", src, kindName(n), n.Line, key, got, ok, want)
				}
				if want != nil {
					checked++
				}
			}
		}
		if checked == 0 && !strings.Contains(src, "other: 1}") && !strings.Contains(src, "[name]") {
			t.Errorf("%q: no key found anywhere", src)
		}
	}
}
