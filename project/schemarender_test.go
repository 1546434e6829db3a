package project

import (
	"fmt"
	"strings"
	"testing"
)

// schemaRenderProject is a project whose properties YAML writes Jinja in
// every kind of key dbt's schema parser renders, and in the keys it
// leaves for later.
func schemaRenderProject(props string) map[string]string {
	return map[string]string{
		"dbt_project.yml": baseProject + "vars:\n  owner: alice\n  n: 3\n",
		"models/a.sql":    "select 1 as id",
		"models/b_v1.sql": "select 1 as id",
		"models/b_v2.sql": "select 1 as id",
		"seeds/s.csv":     "id\n1\n",
		"snapshots/snap.sql": "{% snapshot snap %}\n{{ config(strategy='check', check_cols='all', unique_key='id') }}\n" +
			"select 1 as id\n{% endsnapshot %}\n",
		"analyses/an.sql": "select 1 as id",
		"macros/m.sql":    "{% macro m(x) %}{{ x }}{% endmacro %}",
		"models/p.yml":    props,
	}
}

func TestSchemaYAMLRendersEntries(t *testing.T) {
	p := mustLoad(t, schemaRenderProject(`version: 2
models:
  - name: a
    description: "{{ 'not rendered' }}"
    meta: {owner: "{{ var('owner') }}", n: "{{ var('n') }}", on: "{{ target.name == 'dev' }}", folded: "{{ 1 }}", plain: 7, text: keep}
    docs: {node_color: "{{ 'red' }}"}
    config: {tags: ["{{ 'x' ~ 'y' }}"]}
    columns:
      - name: id
        description: "{{ 'col not rendered' }}"
        meta: {k: "{{ target.name }}"}
        tags: ["{{ 'c' }}"]
        quote: "{{ target.name == 'dev' }}"
        data_type: "{{ 'int' ~ 'eger' }}"
        config: {meta: {p: "{{ project_name }}"}}
        data_tests:
          - accepted_values: {arguments: {values: ["{{ var('owner') }}"]}}
seeds:
  - name: s
    meta: {k: "{{ 'seed' }}"}
snapshots:
  - name: snap
    meta: {k: "{{ 'snap' }}"}
analyses:
  - name: an
    meta: {k: "{{ 'analysis' }}"}
`))
	a := p.Nodes["model.shop.a"]
	// A constant expression is folded into text when the template is
	// compiled, as Jinja's native code generator does: "{{ 1 }}" is "1".
	wantEqual(t, "model meta", a.Meta, map[string]any{"owner": "alice", "n": 3, "on": true, "folded": "1", "plain": 7, "text": "keep"})
	wantEqual(t, "model docs", a.Docs["node_color"], "red")
	wantEqual(t, "model tags", a.Config["tags"], []string{"xy"})
	wantEqual(t, "model description", a.Description, "not rendered") // rendered with doc() later
	c := a.Columns[0]
	wantEqual(t, "column meta", c.Meta, map[string]any{"k": "dev"})
	wantEqual(t, "column tags", c.Tags, []string{"c"})
	if c.Quote == nil || !*c.Quote {
		t.Errorf("column quote: want true, got %v", c.Quote)
	}
	wantEqual(t, "column data_type", c.DataType, "integer")
	wantEqual(t, "column config meta", c.ConfigMeta, map[string]any{"p": "shop"})
	var args any
	for _, d := range p.GenericTests {
		if d.TestName == "accepted_values" {
			args = d.Args["values"]
		}
	}
	wantEqual(t, "test arguments (rendered when the test compiles)", args, []any{"{{ var('owner') }}"})
	for id, want := range map[string]string{"seed.shop.s": "seed", "snapshot.shop.snap": "snap", "analysis.shop.an": "analysis"} {
		wantEqual(t, id+" meta", p.Nodes[id].Meta, map[string]any{"k": want})
	}
}

func TestSchemaYAMLKeepsLateKeys(t *testing.T) {
	p := mustLoad(t, schemaRenderProject(`version: 2
models:
  - name: a
    config:
      post_hook: "{{ 'select 1' }}"
      meta: {k: "{{ 'v' }}"}
`))
	a := p.Nodes["model.shop.a"]
	wantEqual(t, "config meta", a.Meta, map[string]any{"k": "v"})
	if hooks := fmt.Sprint(a.Config["post_hook"]); !strings.Contains(hooks, "{{ 'select 1' }}") {
		t.Errorf("post_hook: want it as written, got %s", hooks)
	}
}

func TestSchemaYAMLRendersSources(t *testing.T) {
	p := mustLoad(t, schemaRenderProject(`version: 2
sources:
  - name: raw
    description: "{{ 'src desc' }}"
    schema: "{{ 'raw_' ~ target.name }}"
    loader: "{{ 'fivetran' }}"
    meta: {team: "{{ var('owner') }}"}
    tags: ["{{ 'src' }}"]
    loaded_at_query: "select max(x) from {{ this }}"
    tables:
      - name: orders
        description: "{{ 'table desc' }}"
        identifier: "{{ 'orders_' ~ 'v2' }}"
        meta: {k: "{{ 'tbl' }}"}
        tags: ["{{ 'tt' }}"]
        quoting: {identifier: "{{ target.name == 'dev' }}"}
        columns:
          - name: id
            description: "{{ 'not' }}"
            meta: {c: "{{ 'col' }}"}
`))
	st := p.Sources["source.shop.raw.orders"]
	if st == nil {
		t.Fatalf("no source table; have %v", p.Sources)
	}
	wantEqual(t, "schema", st.Schema, "raw_dev")
	wantEqual(t, "identifier", st.Identifier, "orders_v2")
	wantEqual(t, "loader", st.Loader, "fivetran")
	wantEqual(t, "meta", st.Meta, map[string]any{"team": "alice", "k": "tbl"})
	wantEqual(t, "source meta", st.SourceMeta, map[string]any{"team": "alice"})
	wantEqual(t, "tags", st.Tags, []string{"src", "tt"})
	wantEqual(t, "quoting", st.Quoting, map[string]any{"identifier": true})
	wantEqual(t, "source description", st.SourceDescription, "src desc")
	wantEqual(t, "column meta", st.Columns[0].Meta, map[string]any{"c": "col"})
	wantEqual(t, "loaded_at_query", st.LoadedAtQuery, "select max(x) from {{ this }}")
	wantEqual(t, "schema as written", *st.UnrenderedSchema, "{{ 'raw_' ~ target.name }}")
}

func TestSchemaYAMLRendersOtherResources(t *testing.T) {
	p := mustLoad(t, schemaRenderProject(`version: 2
exposures:
  - name: e
    type: dashboard
    owner: {email: "{{ 'a@b.c' }}", name: "{{ var('owner') }}"}
    label: "{{ 'L' }}"
    url: "{{ 'https://x/' ~ target.name }}"
    description: "{{ 'kept' }}"
    meta: {k: "{{ 'm' }}"}
    depends_on: ["ref('a')"]
groups:
  - name: g
    owner: {email: "{{ 'g@b.c' }}"}
macros:
  - name: m
    arguments:
      - name: x
        type: "{{ 'str' ~ 'ing' }}"
        description: "{{ 'arg desc' }}"
metrics:
  - name: mt
    label: "{{ 'Metric' }}"
    type: simple
    type_params: {measure: {name: cnt, filter: "{{ Dimension('x') }} > 1"}}
    filter: "{{ Dimension('y') }} = 1"
saved_queries:
  - name: sq
    label: "{{ 'Saved' }}"
    query_params:
      metrics: [mt]
      where: ["{{ Dimension('z') }} = 2"]
unit_tests:
  - name: ut
    model: a
    given: []
    expect: {rows: [{id: "{{ var('n') }}"}]}
`))
	e := p.Exposures["exposure.shop.e"]
	wantEqual(t, "exposure owner", e.Owner, map[string]any{"email": "a@b.c", "name": "alice"})
	wantEqual(t, "exposure label", e.Label, "L")
	wantEqual(t, "exposure url", e.URL, "https://x/dev")
	wantEqual(t, "exposure description", e.Description, "kept")
	wantEqual(t, "exposure meta", e.Meta, map[string]any{"k": "m"})
	wantEqual(t, "group owner", p.Groups["group.shop.g"].Owner["email"], "g@b.c")
	args := p.MacroProperties["shop.m"].Arguments[0]
	wantEqual(t, "macro argument type", args["type"], "string")
	// rendered later, as dbt's _process_docs_for_macro does
	wantEqual(t, "macro argument description", args["description"], "arg desc")
	mt := p.Semantic["metric.shop.mt"]
	wantEqual(t, "metric label", mt.Label, "Metric")
	wantEqual(t, "metric filter", mt.Raw["filter"], "{{ Dimension('y') }} = 1")
	tp, _ := mt.Raw["type_params"].(map[string]any)
	measure, _ := tp["measure"].(map[string]any)
	wantEqual(t, "measure filter", measure["filter"], "{{ Dimension('x') }} > 1")
	sq := p.Semantic["saved_query.shop.sq"]
	wantEqual(t, "saved query label", sq.Label, "Saved")
	qp, _ := sq.Raw["query_params"].(map[string]any)
	wantEqual(t, "saved query where", qp["where"], []any{"{{ Dimension('z') }} = 2"})
	wantEqual(t, "unit test expect", p.UnitTests[0].Expect.Rows, []map[string]any{{"id": 3}})
}

// dbt 1.10 renders a version's own description and tests with the entry
// (only its columns' descriptions are left for later; dbt 1.11 leaves
// them too).
func TestSchemaYAMLRendersVersions(t *testing.T) {
	p := mustLoad(t, schemaRenderProject(`version: 2
models:
  - name: b
    latest_version: 2
    versions:
      - v: 1
        description: "{{ 'version one' }}"
        config: {meta: {k: "{{ 'v1' }}"}}
        data_tests:
          - accepted_values: {arguments: {values: ["{{ var('owner') }}"]}}
          - relationships: {arguments: {to: "{{ ref('a') }}", field: id}}
        columns:
          - name: id
            description: "{{ 'kept' }}"
            data_tests:
              - relationships: {arguments: {to: "{{ ref('a') }}", field: id}}
      - v: 2
`))
	b1 := p.Nodes["model.shop.b.v1"]
	wantEqual(t, "version description", b1.Description, "version one")
	wantEqual(t, "version meta", b1.Meta, map[string]any{"k": "v1"})
	var args any
	for _, d := range p.GenericTests {
		if d.TestName == "accepted_values" {
			args = d.Args["values"]
		}
	}
	// A version's tests are rendered when they are built, with ref()
	// (dbt 1.11's rule; 1.10 failed on the ref() here).
	wantEqual(t, "version test arguments", args, []any{"{{ var('owner') }}"})
}

func TestSchemaYAMLRenderErrors(t *testing.T) {
	cases := []struct {
		name, props, want string
		line              int
	}{
		{"undefined macro in meta", "models:\n  - name: a\n    meta:\n      k: \"{{ my_macro() }}\"\n", "my_macro", 4},
		{"syntax error in column tags", "models:\n  - name: a\n    columns:\n      - name: id\n        tags: [\"{{ 'x' \"]\n", "unclosed", 5},
		{"missing var in exposure owner", "exposures:\n  - name: e\n    type: dashboard\n    owner: {email: \"{{ var('nope') }}\"}\n", "nope", 4},
		{"env var in group", "groups:\n  - name: g\n    owner: {email: \"{{ env_var('NOPE_X') }}\"}\n", "NOPE_X", 3},
		{"yaml snapshot relation in braces", "snapshots:\n  - name: sn\n    relation: \"{{ ref('a') }}\"\n", "ref", 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadDir(t, newProject(t, schemaRenderProject("version: 2\n"+tc.props)), Options{})
			l := diagList(t, err)
			d, ok := findDiag(l, tc.want)
			if !ok {
				t.Fatalf("want a diagnostic naming %q, got %v", tc.want, l)
			}
			if d.File != "models/p.yml" || d.Pos.Line != tc.line+1 {
				t.Errorf("want it at models/p.yml:%d, got %s:%d", tc.line+1, d.File, d.Pos.Line)
			}
		})
	}
}

// A value without Jinja is not rendered: the entry is the parsed tree itself.
func TestRenderEntryKeepsPlainEntries(t *testing.T) {
	root, d := parseYAML("p.yml", []byte("models:\n  - name: a\n    meta: {k: v, n: 1}\n    columns: [{name: id, tags: [x]}]\n"))
	if d != nil {
		t.Fatal(d)
	}
	e := deref(root.Content[1]).Content[0]
	l := &loader{propsJinja: &yamlJinja{}}
	if got := l.renderEntry("p.yml", "models", e); got != e {
		t.Errorf("an entry without Jinja was copied")
	}
	if len(l.rawNodes) != 0 {
		t.Errorf("rawNodes: want none, got %d", len(l.rawNodes))
	}
}

func TestSchemaRendersKey(t *testing.T) {
	k := func(parts ...any) []keyStep {
		out := make([]keyStep, len(parts))
		for i, p := range parts {
			if s, ok := p.(string); ok {
				out[i] = keyStep{key: s}
			} else {
				out[i] = keyStep{isIndex: true}
			}
		}
		return out
	}
	cases := []struct {
		section string
		kp      []keyStep
		want    bool
	}{
		{"models", k("meta", "owner"), true},
		{"models", k("description"), false},
		{"models", k("data_tests", 0, "unique"), false},
		{"models", k("columns", 0, "description"), false},
		{"models", k("columns", 0, "tests", 0), false},
		{"models", k("columns", 0, "meta", "k"), true},
		{"models", k("config", "pre_hook", 0), false},
		{"models", k("config", "post_hook"), false},
		{"models", k("config", "meta", "k"), true},
		{"models", k("versions", 0, "description"), false}, // dbt 1.11's rule
		{"models", k("versions", 0, "columns", 0, "description"), false},
		{"models", k("versions", 0, "columns", 0, "tests", 0), false},
		{"models", k("versions", 0, "data_tests", 0), false},
		{"models", k("versions", 0, "config", "meta", "k"), true},
		{"sources", k("description"), false},
		{"sources", k("loaded_at_query"), false},
		{"sources", k("config", "loaded_at_query"), false},
		{"sources", k("tables", 0, "description"), false},
		{"sources", k("tables", 0, "columns", 0, "description"), false},
		{"sources", k("tables", 0, "data_tests", 0), false},
		{"sources", k("tables", 0, "identifier"), true},
		{"sources", k("tables", 0, "config", "loaded_at_query"), false},
		{"sources", k("freshness", "filter"), true},
		{"macros", k("arguments", 0, "description"), false},
		{"macros", k("arguments", 0, "type"), true},
		{"macros", k("description"), false},
		{"metrics", k("filter"), false},
		{"metrics", k("filter", 0), false},
		{"metrics", k("type_params", "numerator", "filter"), false},
		{"metrics", k("label"), true},
		{"saved_queries", k("query_params", "where", 0), false},
		{"saved_queries", k("query_params", "where"), false},
		{"saved_queries", k("query_params", "metrics", 0), true},
		{"semantic_models", k("dimensions", 0, "description"), false},
		{"semantic_models", k("dimensions", 0, "expr"), true},
		{"groups", k("owner", "description"), false}, // dbt's rule for a column's description
		{"exposures", k("owner", "email"), true},
		{"unit_tests", k("given", 0, "rows", 0, "id"), true},
	}
	for _, tc := range cases {
		if got := schemaRendersKey(tc.section, tc.kp); got != tc.want {
			t.Errorf("%s %v: want %v, got %v", tc.section, tc.kp, tc.want, got)
		}
	}
}

// BenchmarkRenderEntriesPlain is the cost of renderEntries on a section
// without Jinja (100 models, five columns each): a walk, no copy.
func BenchmarkRenderEntriesPlain(b *testing.B) {
	var y strings.Builder
	y.WriteString("models:\n")
	for i := range 100 {
		fmt.Fprintf(&y, "  - name: m%05d\n    description: \"Model %d.\"\n    config:\n      tags: [\"t%d\"]\n    columns:\n", i, i, i%7)
		for c := range 5 {
			fmt.Fprintf(&y, "      - name: c%d\n        description: \"Column %d.\"\n        data_tests: [not_null, unique]\n", c, c)
		}
	}
	root, d := parseYAML("p.yml", []byte(y.String()))
	if d != nil {
		b.Fatal(d)
	}
	entries := deref(root.Content[1]).Content
	l := &loader{propsJinja: &yamlJinja{}}
	b.ReportAllocs()
	for b.Loop() {
		if out := l.renderEntries("p.yml", "models", entries); &out[0] != &entries[0] {
			b.Fatal("copied")
		}
	}
}

// A file whose only Jinja is spelled with a YAML escape is rendered too:
// dbt renders the value YAML gives.
func TestSchemaYAMLRendersEscapedBraces(t *testing.T) {
	p := mustLoad(t, schemaRenderProject("version: 2\nmodels:\n  - name: a\n    meta: {k: \"\\x7b{ var('owner') }}\"}\n"))
	wantEqual(t, "meta", p.Nodes["model.shop.a"].Meta, map[string]any{"k": "alice"})
}

// TestSchemaYAMLPlainTextAsJinjaRendersIt: dbt renders every value of a
// rendered key, Jinja or not, and Jinja drops a text's final newline, so
// a block scalar's value loses it; a description (rendered later, only
// when it holds Jinja) keeps it.
func TestSchemaYAMLPlainTextAsJinjaRendersIt(t *testing.T) {
	p := mustLoad(t, schemaRenderProject(`models:
  - name: a
    description: |
      kept
    meta:
      note: |
        first
        second
      keep: |+
        two

      strip: |-
        none
    columns:
      - name: id
        tags: [plain]
`))
	a := p.Nodes["model.shop.a"]
	wantEqual(t, "description", a.Description, "kept\n")
	wantEqual(t, "meta", a.Meta, map[string]any{"note": "first\nsecond", "keep": "two\n", "strip": "none"})
}
