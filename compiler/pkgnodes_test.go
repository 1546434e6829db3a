package compiler

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/elt-dev/elt/project"
)

// loadFiles loads files as a project (see loadProject) with a fixed
// DuckDB target, whatever its profile says.
func loadFiles(t *testing.T, files map[string]string) *project.Project {
	t.Helper()
	files["profiles.yml"] = hooksProfiles
	p := loadProject(t, files)
	p.Target = &project.Target{ProfileName: "shop", Name: "dev", Type: "duckdb", Threads: 1, Database: "warehouse", Schema: "main"}
	return p
}

// TestPackageNodesCompile: an installed package's models are nodes of the
// DAG with dbt's config precedence (package dbt_project.yml < properties
// YAML < config() < root dbt_project.yml), dbt's ref and macro lookup
// order, and its hooks run before the root project's.
func TestPackageNodesCompile(t *testing.T) {
	p := loadFiles(t, map[string]string{
		"dbt_project.yml": `name: shop
config-version: 2
profile: shop
on-run-start: ["select 'root'"]
models:
  pkg:
    +schema: root_wins
    +post-hook: ["select 'root-hook'"]
    disabled_by_root:
      +enabled: false
`,
		"models/orders.sql":                               "select {{ helper() }} as v from {{ ref('pkg_stage') }}",
		"models/shared.sql":                               "select 'root' as who",
		"macros/helper.sql":                               "{% macro helper() %}'root-helper'{% endmacro %}",
		"dbt_packages/p/dbt_project.yml":                  "name: pkg\nconfig-version: 2\non-run-start: [\"select {{ helper() }}\"]\nmodels:\n  pkg:\n    +materialized: table\n    +schema: pkg_schema\n",
		"dbt_packages/p/models/pkg_stage.sql":             "{{ config(schema='in_file', alias='stage', post_hook=\"select 'own-hook'\") }}\nselect {{ helper() }} as h, '{{ var('who', 'nobody') }}' as w, * from {{ ref('shared') }}, {{ source('raw', 'events') }}",
		"dbt_packages/p/models/shared.sql":                "select 'pkg' as who",
		"dbt_packages/p/models/disabled_by_root/gone.sql": "select 1",
		"dbt_packages/p/models/src.yml":                   "version: 2\nsources:\n  - name: raw\n    schema: raw_data\n    tables: [{name: events}]\n",
		"dbt_packages/p/macros/helper.sql":                "{% macro helper() %}'pkg-helper'{% endmacro %}",
		"dbt_packages/p/dbt_project.yml.bak":              "ignored",
	})
	p.Packages[0].Config.Vars = map[string]any{"who": "pkg-var"}
	m, err := Parse(context.Background(), p, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	stage := m.Nodes["model.pkg.pkg_stage"]
	if stage == nil {
		t.Fatalf("no package model: %v", sortedKeys(m.Nodes))
	}
	if m.Nodes["model.pkg.gone"] != nil {
		t.Errorf("the root project's +enabled: false must disable the package model")
	}
	// Root dbt_project.yml beats config(); config() beats the package's tree.
	wantStr(t, "schema", stage.Config["schema"], "root_wins")
	wantStr(t, "alias", stage.Config["alias"], "stage")
	wantStr(t, "materialized", stage.Config["materialized"], "table")
	if hooks := stage.Config["post_hook"]; !reflect.DeepEqual(hooks, []any{"select 'own-hook'", "select 'root-hook'"}) {
		t.Errorf("post hooks: own then root, got %#v", hooks)
	}
	wantStr(t, "relation", stage.RelationName, `"warehouse"."main_root_wins"."stage"`)
	code := stage.CompiledCode
	for _, want := range []string{
		"'pkg-helper' as h",                // the package's own macro first
		"'pkg-var' as w",                   // the package's vars
		`from "warehouse"."main"."shared"`, // ref: the root project first
		`"warehouse"."raw_data"."events"`,  // the package's source
	} {
		if !strings.Contains(code, want) {
			t.Errorf("compiled package model lacks %q:\n%s", want, code)
		}
	}
	if !strings.Contains(m.Nodes["model.shop.orders"].CompiledCode, `'root-helper' as v from "warehouse"."main_root_wins"."stage"`) {
		t.Errorf("root model: %s", m.Nodes["model.shop.orders"].CompiledCode)
	}
	wantStr(t, "compiled path", CompiledPath(stage), "pkg/models/pkg_stage.sql")

	hooks := m.ProjectHooks("on-run-start")
	var got []string
	for _, h := range hooks {
		sql, err := m.RenderHook(context.Background(), h, "on-run-start", nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.Name("on-run-start")+"="+sql)
	}
	want := []string{"shop-on-run-start-0=select 'root'", "pkg-on-run-start-0=select 'pkg-helper'"} // dbt's _hook_keyfunc: the root project first
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hooks: want %v, got %v", want, got)
	}
}

func wantStr(t *testing.T, what string, got any, want string) {
	t.Helper()
	if s, _ := got.(string); s != want {
		t.Errorf("%s: want %q, got %#v", what, want, got)
	}
}

// TestGraphContext: `graph` is empty while parsing and holds every node
// and source, shaped like the manifest, once executing (as dbt's flat graph).
func TestGraphContext(t *testing.T) {
	p := newProject(map[string]string{
		"models/a.sql": "select 1 as id",
		"models/b.sql": `{% if execute %}{% for n in graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') %}{{ n.name }}:{{ n.package_name }}:{{ n.config.materialized }}:{{ n.depends_on.nodes | join('+') }}:{{ n.fqn | join('.') }};{% endfor %}` +
			`{% for s in graph.sources.values() %}{{ s.source_name }}.{{ s.name }}={{ s.relation_name }};{% endfor %}{{ graph.exposures | length }}{% else %}{{ graph | length }}{% endif %}` +
			"\nselect * from {{ ref('a') }}",
	})
	addSource(p, "raw", "events")
	m, err := Parse(context.Background(), p, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	got := strings.SplitN(m.Nodes["model.shop.b"].CompiledCode, "\n", 2)[0]
	want := `a:shop:view::shop.a;b:shop:view:model.shop.a:shop.b;raw.events="warehouse"."raw"."events";0`
	if got != want {
		t.Errorf("graph:\nwant %s\ngot  %s", want, got)
	}
}
