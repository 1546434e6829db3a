package compiler

import (
	"context"
	"fmt"

	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// freshnessMacroSQL are dbt's freshness macros, for a project's or a
// package's collect_freshness to hand back to (fivetran_utils dispatches
// to dbt.default__collect_freshness). Where none replaces them, elt's
// freshness query stands for them (runner/freshness.go).
const freshnessMacroSQL = `{% macro collect_freshness(source, loaded_at_field, filter) %}
  {{ return(adapter.dispatch('collect_freshness', 'dbt')(source, loaded_at_field, filter)) }}
{% endmacro %}

{% macro default__collect_freshness(source, loaded_at_field, filter) %}
  {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
    select
      max({{ loaded_at_field }}) as max_loaded_at,
      {{ current_timestamp() }} as snapshotted_at
    from {{ source }}
    {% if filter %}
    where {{ filter }}
    {% endif %}
  {% endcall %}
  {{ return(load_result('collect_freshness')) }}
{% endmacro %}

{% macro collect_freshness_custom_sql(source, loaded_at_query) %}
  {{ return(adapter.dispatch('collect_freshness_custom_sql', 'dbt')(source, loaded_at_query)) }}
{% endmacro %}

{% macro default__collect_freshness_custom_sql(source, loaded_at_query) %}
  {% call statement('collect_freshness_custom_sql', fetch_result=True, auto_begin=False) -%}
  with source_query as (
    {{ loaded_at_query }}
  )
  select
    (select * from source_query) as max_loaded_at,
    {{ current_timestamp() }} as snapshotted_at
  {% endcall %}
  {{ return(load_result('collect_freshness_custom_sql')) }}
{% endmacro %}
`

// freshnessMacro is the project's or a package's collect_freshness, which
// dbt's freshness task calls in place of its own: a macro of that name in
// the root project or a package, or the <adapter>__ / default__ one
// dispatch finds in the dbt namespace outside dbt itself. ok is false when
// dbt's own would run (elt's freshness query then stands for it).
func (e *engine) freshnessMacro() (*macroDef, bool) {
	return e.overridingMacro("collect_freshness")
}

// FreshnessReplaced says whether the project or a package replaces dbt's
// collect_freshness, so that CollectFreshness must run it.
func (m *Manifest) FreshnessReplaced() bool {
	_, ok := m.engine.freshnessMacro()
	return ok
}

// CollectFreshness runs the project's collect_freshness(source,
// loaded_at_field, filter) for src, as dbt's freshness task does, and
// returns the one row of its result (max_loaded_at, snapshotted_at) and
// the response of its statement. The macro returns load_result(...) (its
// table and response) or, as older ones did, the table itself.
func (m *Manifest) CollectFreshness(ctx context.Context, src *project.SourceTable, filter string) (row []any, response map[string]any, err error) {
	def, ok := m.engine.freshnessMacro()
	if !ok {
		return nil, nil, fmt.Errorf("no collect_freshness macro replaces dbt's")
	}
	st := m.engine.newState(m, nil, true)
	st.ctx = ctx
	var f any
	if filter != "" {
		f = filter
	}
	rel := st.newRelation(Relation{Database: src.Database, Schema: src.Schema, Identifier: src.Identifier}, "table")
	v, err := st.callMacro(def, nil, []any{rel, src.LoadedAtField, f}, nil)
	if err != nil {
		return nil, nil, m.engine.macroError(def, def.meta.Package+"."+def.meta.Name, err)
	}
	var table any = v
	switch x := v.(type) {
	case map[string]any:
		table = x["table"]
		response, _ = x["response"].(map[string]any)
	case *jinja.Dict:
		table, _ = x.Get("table")
		if r, ok := x.Get("response"); ok {
			response, _ = r.(map[string]any)
		}
	}
	t, ok := table.(*agateTable)
	if !ok || len(t.rows) != 1 || len(t.rows[0].vals) != 2 {
		return nil, nil, fmt.Errorf("%s.%s returned %s, not a table of one row of two values (max_loaded_at, snapshotted_at)",
			def.meta.Package, def.meta.Name, jinja.Repr(v))
	}
	row = append([]any(nil), t.rows[0].vals...)
	for i, c := range row {
		if tv, ok := c.(*timeValue); ok {
			row[i] = tv.t // a naive one is UTC, as dbt takes it
		}
	}
	return row, response, nil
}
