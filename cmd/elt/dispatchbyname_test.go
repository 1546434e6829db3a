package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDispatchWithoutNamespace: adapter.dispatch('x') without a
// namespace, or with one that names no package or dispatch config (the
// Tuva project dispatches its own macros as 'macros'), looks duckdb__x,
// then default__x, up as dbt's macro namespace does: in the package of
// the node being rendered, then the root project, then dbt's own macros.
func TestDispatchWithoutNamespace(t *testing.T) {
	pkgMacros := `{% macro pick() %}{{ return(adapter.dispatch('pick')()) }}{% endmacro %}
{% macro pick_ns() %}{{ return(adapter.dispatch('pick', 'macros')()) }}{% endmacro %}
{% macro default__pick() %}'pkg-default'{% endmacro %}
`
	cases := []struct {
		name string
		root string // the root project's macros/pick.sql
		want string // what the package's model compiles to
	}{
		{name: "the package's own implementation", want: "'pkg-default'"},
		{name: "the root project's adapter implementation comes before any default__",
			root: "{% macro duckdb__pick() %}'root-duckdb'{% endmacro %}", want: "'root-duckdb'"},
		{name: "the node's package's default__ comes before the root project's",
			root: "{% macro default__pick() %}'root-default'{% endmacro %}", want: "'pkg-default'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, "dbt_packages/pkg/dbt_project.yml", "name: pkg\nversion: '1.0'\nconfig-version: 2\n")
			writeFile(t, dir, "dbt_packages/pkg/macros/pick.sql", pkgMacros)
			writeFile(t, dir, "dbt_packages/pkg/models/pm.sql", "select {{ pkg.pick() }} as a, {{ pkg.pick_ns() }} as b\n")
			writeFile(t, dir, "models/rm.sql", "select 1 as id\n")
			if c.root != "" {
				writeFile(t, dir, "macros/pick.sql", c.root)
			}
			mustElt(t, dir, "compile")
			b, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "pkg", "models", "pm.sql"))
			if err != nil {
				t.Fatal(err)
			}
			if want := "select " + c.want + " as a, " + c.want + " as b"; strings.TrimSpace(string(b)) != want {
				t.Errorf("got %q, want %q", strings.TrimSpace(string(b)), want)
			}
		})
	}

	// A root model calling the package's macro renders in the root
	// project's namespace, where no pick implementation is: dbt fails it.
	dir := miniProject(t, "")
	writeFile(t, dir, "dbt_packages/pkg/dbt_project.yml", "name: pkg\nversion: '1.0'\nconfig-version: 2\n")
	writeFile(t, dir, "dbt_packages/pkg/macros/pick.sql", pkgMacros)
	writeFile(t, dir, "models/rm.sql", "select {{ pkg.pick() }} as a\n")
	res := elt(t, dir, "compile")
	if res.code == 0 || !strings.Contains(res.stdout+res.stderr, "In dispatch: No macro named 'pick' found") {
		t.Errorf("want the dispatch to fail in the root project's namespace; exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
