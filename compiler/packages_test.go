package compiler

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// withPackage adds an installed package named name with macro files
// (paths relative to the package folder).
func withPackage(p *project.Project, name string, files map[string]string) {
	pkg := &project.Package{Name: name, Dir: "dbt_packages/" + name, Config: &project.ProjectConfig{Name: name}}
	for _, f := range sortedKeys(files) {
		pkg.MacroFiles = append(pkg.MacroFiles, &project.File{Path: pkg.Dir + "/" + f, Contents: files[f], Package: name})
	}
	p.Packages = append(p.Packages, pkg)
}

const utilsMacros = `{% macro is_incremental() %}{{ return(adapter.dispatch('is_incremental', 'utils')()) }}{% endmacro %}
{% macro default__is_incremental() %}{{ return('dbt-' ~ is_incremental()) }}{% endmacro %}
{% macro is_incremental_alias() %}{{ utils.is_incremental() }}{% endmacro %}
{% macro star(rel) %}{{ return(adapter.dispatch('star', 'utils')(rel)) }}{% endmacro %}
{% macro default__star(rel) %}default-star({{ helper() }},{{ sibling() }}){% endmacro %}
{% macro sibling() %}pkg-sibling{% endmacro %}
`

func TestPackageMacros(t *testing.T) {
	cases := []struct {
		name     string
		model    string
		root     map[string]string // extra root files
		dispatch []project.Dispatch
		want     string
	}{
		{name: "qualified call, unqualified inside the package", model: "{{ utils.star('t') }}",
			want: "default-star(pkg-helper,pkg-sibling)"},
		// dbt compiles each macro alone: a package's macro sees the root
		// project's macros, then dbt's, not its file's or package's.
		{name: "root macro overrides the package's for unqualified calls", model: "{{ utils.star('t') }}",
			root: map[string]string{"macros/h.sql": "{% macro helper() %}root-helper{% endmacro %}{% macro sibling() %}root-sibling{% endmacro %}"},
			want: "default-star(root-helper,root-sibling)"},
		{name: "dbt's macro before the package's own of the same name", model: "{{ utils.is_incremental_alias() }}",
			want: "dbt-False"},
		{name: "root adapter-specific implementation wins dispatch", model: "{{ utils.star('t') }}",
			root: map[string]string{"macros/d.sql": "{% macro duckdb__star(rel) %}root-duckdb-{{ rel }}{% endmacro %}"},
			want: "root-duckdb-t"},
		{name: "package macro is not global", model: "{{ star is defined }}", want: "False"},
		{name: "dispatch search_order", model: "{{ utils.star('t') }}",
			root:     map[string]string{"macros/d.sql": "{% macro default__star(rel) %}root-default{% endmacro %}"},
			dispatch: []project.Dispatch{{MacroNamespace: "utils", SearchOrder: []string{"utils", "shop"}}},
			want:     "default-star(pkg-helper,pkg-sibling)"},
		{name: "root namespace", model: "{{ shop.mine() }}",
			root: map[string]string{"macros/m.sql": "{% macro mine() %}mine{% endmacro %}"}, want: "mine"},
		// dbt makes one MacroGenerator per macro for a render, and Python
		// compares them by identity: dbt_activity_schema looks its
		// aggregation macros up in a list of them.
		{name: "a macro is one value by any name", model: "{{ utils.star == utils.star }}|{{ utils.star == utils.sibling }}|" +
			"{{ shop.mine().f in [utils.helper, utils.sibling] }}|{{ shop.mine == mine }}|{{ dbt.is_incremental is sameas dbt.is_incremental }}",
			root: map[string]string{"macros/m.sql": "{% macro mine() %}{{ return(namespace(f=utils.sibling)) }}{% endmacro %}"},
			want: "True|False|True|True|True"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"models/a.sql": c.model}
			for k, v := range c.root {
				files[k] = v
			}
			p := newProject(files)
			p.Config.Dispatch = c.dispatch
			withPackage(p, "utils", map[string]string{
				"macros/star.sql":   utilsMacros,
				"macros/helper.sql": "{% macro helper() %}pkg-helper{% endmacro %}",
			})
			m, err := Parse(context.Background(), p, testOptions())
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Compile(context.Background(), []string{"model.shop.a"}); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(m.Nodes["model.shop.a"].CompiledCode); got != c.want {
				t.Errorf("want %q, got %q", c.want, got)
			}
			if m.Macros["macro.utils.star"] == nil {
				t.Errorf("package macros are in the manifest")
			}
		})
	}
}

func TestPackageGenericTests(t *testing.T) {
	p := newProject(map[string]string{"models/orders.sql": "select 1 as id"})
	withPackage(p, "utils", map[string]string{
		"macros/generic.sql": "{% test positive(model, column_name) %}select * from {{ model }} where {{ column_name }} <= 0{% endtest %}",
	})
	decl := func(test, ns string) *project.TestDecl {
		return &project.TestDecl{TestName: test, Namespace: ns, Config: project.Config{}, AttachedKind: project.Model,
			AttachedName: "orders", ColumnName: "id", File: "models/schema.yml", Pos: diag.Pos{Line: 4}}
	}
	p.GenericTests = []*project.TestDecl{decl("utils.positive", "utils"), decl("positive", "")}
	m, err := Parse(context.Background(), p, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, id := range sortedKeys(m.Nodes) {
		if strings.HasPrefix(id, "test.") {
			ids = append(ids, id)
		}
	}
	if err := m.Compile(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"test.shop.utils_positive_orders_id": true, "test.shop.positive_orders_id": true}
	for _, id := range ids {
		if base, _, _ := strings.Cut(strings.TrimPrefix(id, "test.shop."), "."); !want["test.shop."+base] {
			t.Errorf("unexpected test %s (all %v)", id, ids)
			continue
		}
		if got := m.Nodes[id].CompiledCode; !strings.Contains(got, `where id <= 0`) {
			t.Errorf("%s: %s", id, got)
		}
	}

	p2 := newProject(map[string]string{"models/orders.sql": "select 1 as id"})
	p2.GenericTests = []*project.TestDecl{decl("missing.positive", "missing")}
	_, err = Parse(context.Background(), p2, testOptions())
	l := diagList(err)
	if len(l) != 1 || l[0].File != "models/schema.yml" || l[0].Pos.Line != 4 || !strings.Contains(l[0].Hint, "install the package missing") {
		t.Errorf("got %v", err)
	}
}

// TestPackageVars: dbt's var precedence for a node of an installed
// package: --vars, the root project's vars (scoped to the package, then
// global), then the package's own vars; a root node sees only the root's.
func TestPackageVars(t *testing.T) {
	p := newProject(nil)
	p.Config.Vars = map[string]any{"utils": map[string]any{"scoped": "root-scoped"}, "global": "root-global"}
	withPackage(p, "utils", nil)
	p.Packages[0].Config.Vars = map[string]any{"scoped": "pkg", "global": "pkg", "own": "pkg-own", "utils": map[string]any{"own": "pkg-scoped"}}
	e := newEngine(p, testOptions())
	pkgNode := &Node{Node: project.Node{Package: "utils"}}
	rootNode := &Node{Node: project.Node{Package: "shop"}}
	for _, c := range []struct {
		name string
		node *Node
		want any
	}{
		{"scoped", pkgNode, "root-scoped"}, {"global", pkgNode, "root-global"}, {"own", pkgNode, "pkg-scoped"},
		{"own", rootNode, nil}, {"global", rootNode, "root-global"},
	} {
		got, _ := e.lookupVar(c.name, c.node)
		if got != c.want {
			t.Errorf("var(%q) in package %s: want %v, got %v", c.name, c.node.Package, c.want, got)
		}
	}
}

// TestBuiltins: dbt's builtins (ref, source and config under a name a
// project's macro that shadows ref can still reach them by), and the
// runtime config packages read their versions from
// (builtins.ref.config.dependencies[name].version).
func TestBuiltins(t *testing.T) {
	p := newProject(map[string]string{
		"models/a.sql": "select 1 as id",
		"models/b.sql": "{{ builtins.config(materialized='table') }}select * from {{ ref('a') }} -- {{ builtins.ref.config.project_name }} " +
			"{{ builtins.ref.config.dependencies['shop'].version }} {{ utils.version() }}",
		"macros/ref.sql": "{% macro ref(name) %}{{ return(builtins.ref(name).include(database=false)) }}{% endmacro %}",
	})
	p.Config.Version = "1.2.0"
	withPackage(p, "utils", map[string]string{
		"macros/v.sql": "{% macro version() %}{{ return(builtins.ref.config.dependencies['utils'].version) }}{% endmacro %}",
	})
	p.Packages[0].Config.Version = "0.9.1"
	ctx := context.Background()
	m, err := Parse(ctx, p, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(ctx, []string{"model.shop.b"}); err != nil {
		t.Fatal(err)
	}
	b := m.Nodes["model.shop.b"]
	if want := `select * from "main"."a" -- shop 1.2.0 0.9.1`; strings.TrimSpace(b.CompiledCode) != want {
		t.Errorf("compiled: %q, want %q", strings.TrimSpace(b.CompiledCode), want)
	}
	if b.Config["materialized"] != "table" {
		t.Errorf("builtins.config: materialized %v", b.Config["materialized"])
	}
	if fmt.Sprint(b.DependsOn.Nodes) != "[model.shop.a]" {
		t.Errorf("depends_on %v", b.DependsOn.Nodes)
	}
}
