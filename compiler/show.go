package compiler

import (
	"context"
	"fmt"

	"github.com/elt-dev/elt/jinja"
)

// showMacroSQL are dbt's show macros (dbt-adapters' global project,
// macros/adapters/show.sql): ShowSQL renders get_show_sql, found as dbt's
// show task finds it, so that a project's or package's get_show_sql,
// get_limit_subquery_sql or dispatched get_limit_sql builds the preview
// query. A query with its own limit gets a second one, a syntax error, as
// in dbt.
const showMacroSQL = `{% macro get_show_sql(compiled_code, sql_header, limit) -%}
  {%- if sql_header is not none -%}
  {{ sql_header }}
  {%- endif %}
  {{ get_limit_subquery_sql(compiled_code, limit) }}
{% endmacro %}

{%- macro get_limit_subquery_sql(sql, limit) -%}
  {{ adapter.dispatch('get_limit_sql', 'dbt')(sql, limit) }}
{%- endmacro -%}

{% macro default__get_limit_sql(sql, limit) %}
  {{ sql }}
  {% if limit is not none %}
  limit {{ limit }}
  {%- endif -%}
{% endmacro %}
`

// ShowSQL is the query dbt's show runs for node n: get_show_sql(
// compiled_code, sql_header, limit) rendered in the node's runtime
// context, the macro found by name as dbt's adapter.execute_macro finds
// it (the root project's, else a package's, else dbt's). A nil limit is
// dbt's None: no limit.
func (m *Manifest) ShowSQL(ctx context.Context, n *Node, limit *int) (string, error) {
	def, ok := m.engine.adapterMethodMacro("get_show_sql")
	if !ok {
		return "", fmt.Errorf("show: macro get_show_sql is not defined")
	}
	st := m.engine.newState(m, n, true)
	st.ctx = ctx
	st.extra = map[string]any{
		"sql":           n.CompiledCode,
		"compiled_code": n.CompiledCode,
	}
	var header, lim any
	if h, ok := n.Config["sql_header"]; ok {
		header = templateValue(h)
	}
	if limit != nil {
		lim = *limit
	}
	out, err := st.callMacro(def, nil, []any{n.CompiledCode, header, lim}, nil)
	if err != nil {
		return "", m.engine.macroError(def, def.meta.Package+"."+def.meta.Name, err)
	}
	s, err := jinja.Str(out)
	if err != nil {
		return "", m.engine.macroError(def, def.meta.Package+"."+def.meta.Name, err)
	}
	return s, nil
}
