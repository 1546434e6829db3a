package main

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// macroDepsProject is a project whose model calls macros that call
// macros, dispatches and is_incremental, with generic tests of dbt's and
// the project's.
func macroDepsProject(t *testing.T) string {
	t.Helper()
	dir := miniProject(t, "")
	writeFiles(t, dir, map[string]string{
		"macros/m.sql": `{% macro outer() %}{{ inner() }}{{ adapter.dispatch('disp', 'p')() }}{% endmacro %}
{% macro inner() %}1{% endmacro %}
{% macro default__disp() %}2{% endmacro %}
{% macro disp() %}{{ return(adapter.dispatch('disp', 'p')()) }}{% endmacro %}
{% macro exec_only() %}3{% endmacro %}
{% macro hook_pre() %}select 1{% endmacro %}
{% macro hook_post() %}select 2{% endmacro %}
{% macro q() %}{% set r = run_query('select 1') %}{{ log('x') }}{{ dbt.current_timestamp() }}{% endmacro %}
`,
		"macros/tests.sql": "{% test is_one(model, column_name) %}select * from {{ model }} where {{ column_name }} <> {{ inner() }}{% endtest %}\n",
		"models/inc.sql": `{{ config(materialized='incremental') }}
select {{ outer() }} as x, {{ disp() }} as y
{% if is_incremental() %} where 1=1 {% endif %}
{% if execute %}-- {{ exec_only() }}{% endif %}
`,
		"models/h.sql": "{{ config(pre_hook='{{ hook_pre() }}', post_hook='{{ hook_post() }}') }}\nselect {{ inner() }} as a\n",
		"models/schema.yml": `models:
  - name: inc
    columns:
      - name: x
        data_tests: [not_null, is_one, {accepted_values: {values: [1, 2]}}]
`,
	})
	return dir
}

// manifestMacroDeps reads depends_on.macros of every node and macro of the
// manifest in dir.
func manifestMacroDeps(t *testing.T, dir string) map[string][]string {
	t.Helper()
	m := readManifest(t, dir)
	out := map[string][]string{}
	for _, kind := range []string{"nodes", "macros"} {
		for id, n := range m[kind].(map[string]any) {
			var ids []string
			for _, x := range n.(map[string]any)["depends_on"].(map[string]any)["macros"].([]any) {
				ids = append(ids, x.(string))
			}
			out[id] = ids
		}
	}
	return out
}

// TestMacroDependsOnAsDBT: a node's depends_on.macros are the macros its
// own code calls (dbt's MacroGenerator.track_call records depth 0 only),
// is_incremental among them, with what compiling calls added; a macro's
// are the calls in its source, dispatch resolved (dbt's
// ManifestLoader.macro_depends_on).
func TestMacroDependsOnAsDBT(t *testing.T) {
	dir := macroDepsProject(t)
	const (
		model   = "model.p.inc"
		notNull = "test.p.not_null_inc_x.d4896f9457"
		isOne   = "test.p.is_one_inc_x.9bac98c47f"
		av      = "test.p.accepted_values_inc_x__1__2.068b4f98e1"
	)
	parsed := map[string][]string{
		model:   {"macro.p.outer", "macro.p.disp", "macro.dbt.is_incremental"},
		notNull: {"macro.dbt.test_not_null"},
		isOne:   {"macro.p.test_is_one", "macro.dbt.get_where_subquery"},
		av:      {"macro.dbt.test_accepted_values", "macro.dbt.get_where_subquery"},
		// The hooks' macros follow the body's (dbt renders the hooks
		// in the node's context while parsing it).
		"model.p.h": {"macro.p.inner", "macro.p.hook_pre", "macro.p.hook_post"},

		"macro.p.outer":                  {"macro.p.inner", "macro.p.disp", "macro.p.default__disp"},
		"macro.p.disp":                   {"macro.p.default__disp"},
		"macro.p.inner":                  nil,
		"macro.p.test_is_one":            {"macro.p.inner"},
		"macro.p.q":                      {"macro.dbt.run_query", "macro.dbt.current_timestamp"},
		"macro.dbt.generate_schema_name": {"macro.dbt.default__generate_schema_name"},
	}
	// elt keeps the parse's lists after compile (dbt's compile adds what
	// the compile render's own code calls: exec_only, and
	// get_where_subquery for not_null; not done, see the report).
	compiled := map[string][]string{model: parsed[model], notNull: parsed[notNull], isOne: parsed[isOne], av: parsed[av]}
	check := func(step string, want map[string][]string) {
		t.Helper()
		got := manifestMacroDeps(t, dir)
		for id, w := range want {
			if g := got[id]; !reflect.DeepEqual(g, w) && (len(g) > 0 || len(w) > 0) {
				t.Errorf("%s: %s depends_on.macros\nwant %q\n got %q", step, id, w, g)
			}
		}
	}
	mustElt(t, dir, "parse")
	check("parse", parsed)
	mustElt(t, dir, "compile")
	check("compile", compiled)
	// The second compile takes the renders from the cache: the same lists.
	mustElt(t, dir, "compile")
	check("cached compile", compiled)
	mustElt(t, dir, "parse")
	check("cached parse", parsed)
}

// TestMacroDependsOnNamesManifestMacros: every depends_on.macros entry of
// a node or macro names a macro of the manifest, as in dbt's, those elt
// runs in Go (is_incremental, run_query, get_where_subquery) included.
func TestMacroDependsOnNamesManifestMacros(t *testing.T) {
	dir := macroDepsProject(t)
	mustElt(t, dir, "compile")
	macros := readManifest(t, dir)["macros"].(map[string]any)
	deps := manifestMacroDeps(t, dir)
	for _, id := range []string{"macro.dbt.is_incremental", "macro.dbt.run_query", "macro.dbt.get_where_subquery"} {
		m, ok := macros[id].(map[string]any)
		if !ok {
			t.Errorf("manifest.json has no macro %s", id)
			continue
		}
		if m["package_name"] != "dbt" || !strings.Contains(m["macro_sql"].(string), "{% macro ") {
			t.Errorf("%s: package %v, macro_sql %q", id, m["package_name"], m["macro_sql"])
		}
	}
	for from, ids := range deps {
		for _, id := range ids {
			if _, ok := macros[id]; !ok {
				t.Errorf("%s depends on %s, which manifest.json's macros do not hold", from, id)
			}
		}
	}
}

// TestStateModifiedThroughCalledMacros: a node is state:modified when a
// macro its macros call changes, however deep (dbt's
// recursively_check_macros_modified follows the macros' depends_on).
func TestStateModifiedThroughCalledMacros(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		// h calls inner itself, inc through outer.
		{"macro called by a called macro", "{% macro inner() %}1{% endmacro %}", "{% macro inner() %}11{% endmacro %}", "p.h\np.inc"},
		{"dispatch implementation", "{% macro default__disp() %}2{% endmacro %}", "{% macro default__disp() %}22{% endmacro %}", "p.inc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := macroDepsProject(t)
			mustElt(t, dir, "parse")
			writeFile(t, dir, "state/manifest.json", mustRead(t, filepath.Join(dir, "target", "manifest.json")))
			if res := mustElt(t, dir, "ls", "-s", "state:modified", "--state", "state"); strings.Contains(res.stdout, "p.inc") {
				t.Fatalf("nothing changed, yet state:modified lists:\n%s", res.stdout)
			}
			src := mustRead(t, filepath.Join(dir, "macros", "m.sql"))
			writeFile(t, dir, "macros/m.sql", strings.Replace(src, tc.from, tc.to, 1))
			res := mustElt(t, dir, "ls", "-s", "state:modified.macros", "--state", "state", "--resource-type", "model")
			if strings.TrimSpace(res.stdout) != tc.want {
				t.Errorf("state:modified.macros after changing %s: want\n%s\ngot\n%s", tc.to, tc.want, res.stdout)
			}
		})
	}
}

// TestUnitTestIncrementalOverrideFromDependsOn: dbt asks a unit test for
// an is_incremental override only when the model's depends_on.macros
// holds macro.dbt.is_incremental (core/dbt/parser/unit_tests.py), that
// is when its own code called it while parsing: not for the name in a
// comment, nor in a branch parsing does not take.
func TestUnitTestIncrementalOverrideFromDependsOn(t *testing.T) {
	dir := miniProject(t, "")
	writeFiles(t, dir, map[string]string{
		"models/commented.sql": "{# not is_incremental() #}\n{% if execute and is_incremental() %}where 1 = 1{% endif %}\nselect 1 as id\n",
		"models/unit.yml":      "unit_tests:\n  - name: t\n    model: commented\n    given: []\n    expect: {rows: [{id: 1}]}\n",
	})
	res := elt(t, dir, "ls")
	if res.code != 0 {
		t.Fatalf("ls: exit %d, want 0 (dbt asks no is_incremental override)\n%s%s", res.code, res.stdout, res.stderr)
	}
}
