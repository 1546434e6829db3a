package compiler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/jinja"
)

// The adapter methods that change or list the warehouse's objects
// (adapter.drop_relation, rename_relation, create_schema, list_schemas,
// get_missing_columns, ...). As in dbt, each runs the SQL of a macro of
// the dbt namespace (drop_relation → default__drop_relation...), so a
// project can replace a warehouse's SQL with its own <adapter>__ macro.
// They only act when executing; while parsing they do nothing.

const adapterOpsSQL = `
{#- The relation if the warehouse has it, else a new one: [found, relation]. -#}
{% macro get_or_create_relation(database, schema, identifier, type) -%}
  {{ return(adapter.dispatch('get_or_create_relation', 'dbt')(database, schema, identifier, type)) }}
{%- endmacro %}
{% macro default__get_or_create_relation(database, schema, identifier, type) -%}
  {%- set found = adapter.get_relation(database=database, schema=schema, identifier=identifier) -%}
  {%- if found -%}
    {{ return([true, found]) }}
  {%- endif -%}
  {{ return([false, api.Relation.create(database=database, schema=schema, identifier=identifier, type=type)]) }}
{%- endmacro %}
{% macro get_columns_in_relation(relation) -%}
  {{ return(adapter.dispatch('get_columns_in_relation', 'dbt')(relation)) }}
{%- endmacro %}
{% macro default__get_columns_in_relation(relation) -%}
  {{ return(adapter.get_columns_in_relation(relation)) }}
{%- endmacro %}
{#- A query's columns without reading its rows: the query wrapped to return none. -#}
{% macro get_empty_subquery_sql(select_sql, select_sql_header=none) -%}
  {{ return(adapter.dispatch('get_empty_subquery_sql', 'dbt')(select_sql, select_sql_header)) }}
{%- endmacro %}
{% macro default__get_empty_subquery_sql(select_sql, select_sql_header=none) %}
    {%- if select_sql_header is not none -%}
    {{ select_sql_header }}
    {%- endif -%}
    select * from (
        {{ select_sql }}
    ) as __dbt_sbq
    where false
    limit 0
{% endmacro %}
{% macro get_column_schema_from_query(select_sql, select_sql_header=none) -%}
  {{ return(adapter.get_column_schema_from_query(get_empty_subquery_sql(select_sql, select_sql_header))) }}
{%- endmacro %}
{% macro get_columns_in_query(select_sql) -%}
  {{ return(adapter.dispatch('get_columns_in_query', 'dbt')(select_sql)) }}
{%- endmacro %}
{% macro default__get_columns_in_query(select_sql) %}
    {% call statement('get_columns_in_query', fetch_result=True, auto_begin=False) -%}
        {{ get_empty_subquery_sql(select_sql) }}
    {% endcall %}
    {{ return(load_result('get_columns_in_query').table.columns | map(attribute='name') | list) }}
{% endmacro %}
{% macro drop_relation(relation) -%}{{ return(adapter.dispatch('drop_relation', 'dbt')(relation)) }}{%- endmacro %}
{% macro default__drop_relation(relation) -%}
  {% call statement('drop_relation', auto_begin=False) -%}
    drop {{ (relation.type or 'table') | replace('_', ' ') }} if exists {{ relation }} cascade
  {%- endcall %}
{%- endmacro %}
{% macro bigquery__drop_relation(relation) -%}
  {% call statement('drop_relation', auto_begin=False) -%}
    drop {{ relation.type or 'table' }} if exists {{ relation }}
  {%- endcall %}
{%- endmacro %}

{% macro drop_relation_if_exists(relation) -%}
  {% if relation is not none %}{{ adapter.drop_relation(relation) }}{% endif %}
{%- endmacro %}

{% macro truncate_relation(relation) -%}{{ return(adapter.dispatch('truncate_relation', 'dbt')(relation)) }}{%- endmacro %}
{% macro default__truncate_relation(relation) -%}
  {% call statement('truncate_relation') -%}
    truncate table {{ relation }}
  {%- endcall %}
{%- endmacro %}
{% macro duckdb__truncate_relation(relation) -%}
  {% call statement('truncate_relation') -%}
    delete from {{ relation }}
  {%- endcall %}
{%- endmacro %}

{#- dbt-duckdb's (1.10.1) drop_indexes_on_relation: DuckDB renames no table
    that has indexes, so a materialization drops them first. -#}
{% macro drop_indexes_on_relation(relation) -%}
  {% if target.type != 'duckdb' %}{{ exceptions.raise_compiler_error("drop_indexes_on_relation is dbt-duckdb's macro; this target is " ~ target.type) }}{% endif %}
  {% call statement('get_indexes_on_relation', fetch_result=True, auto_begin=False) -%}
    select index_name from duckdb_indexes()
    where database_name = '{{ relation.database }}' and schema_name = '{{ relation.schema }}' and table_name = '{{ relation.identifier }}'
  {%- endcall %}
  {% for row in load_result('get_indexes_on_relation').table %}
    {% call statement('drop_index_' ~ loop.index, auto_begin=False) -%}
      drop index "{{ relation.database }}"."{{ relation.schema }}"."{{ row[0] }}"
    {%- endcall %}
  {% endfor %}
{%- endmacro %}

{% macro rename_relation(from_relation, to_relation) -%}{{ return(adapter.dispatch('rename_relation', 'dbt')(from_relation, to_relation)) }}{%- endmacro %}
{% macro default__rename_relation(from_relation, to_relation) -%}
  {% call statement('rename_relation') -%}
    alter {{ from_relation.type or 'table' }} {{ from_relation }} rename to {{ adapter.quote(to_relation.identifier) }}
  {%- endcall %}
{%- endmacro %}

{#- dbt-duckdb: the statement names the new relation's type (a view moved
    aside is altered as a view). -#}
{% macro duckdb__rename_relation(from_relation, to_relation) -%}
  {% call statement('rename_relation') -%}
    alter {{ to_relation.type or 'table' }} {{ from_relation }} rename to {{ adapter.quote_as_configured(to_relation.identifier, 'identifier') }}
  {%- endcall %}
{%- endmacro %}

{% macro create_schema(relation) -%}{{ return(adapter.dispatch('create_schema', 'dbt')(relation)) }}{%- endmacro %}
{% macro default__create_schema(relation) -%}
  {%- call statement('create_schema') -%}
    create schema if not exists {{ relation.without_identifier() }}
  {%- endcall -%}
{%- endmacro %}

{% macro postgres__create_schema(relation) -%}
  {%- call statement('create_schema') -%}
    create schema if not exists {{ relation.without_identifier().include(database=False) }}
  {%- endcall -%}
{%- endmacro %}

{% macro drop_schema(relation) -%}{{ return(adapter.dispatch('drop_schema', 'dbt')(relation)) }}{%- endmacro %}
{% macro default__drop_schema(relation) -%}
  {%- call statement('drop_schema') -%}
    drop schema if exists {{ relation.without_identifier() }} cascade
  {%- endcall -%}
{%- endmacro %}

{% macro postgres__drop_schema(relation) -%}
  {%- call statement('drop_schema') -%}
    drop schema if exists {{ relation.without_identifier().include(database=False) }} cascade
  {%- endcall -%}
{%- endmacro %}

{% macro list_schemas(database) -%}{{ return(adapter.dispatch('list_schemas', 'dbt')(database)) }}{%- endmacro %}
{% macro default__list_schemas(database) -%}
  {% set sql %}
    select distinct schema_name from information_schema.schemata
    {% if database %}where catalog_name = '{{ database }}'{% endif %}
  {% endset %}
  {{ return(run_query(sql)) }}
{%- endmacro %}

{% macro list_relations_without_caching(schema_relation) -%}{{ return(adapter.dispatch('list_relations_without_caching', 'dbt')(schema_relation)) }}{%- endmacro %}
{% macro default__list_relations_without_caching(schema_relation) -%}
  {% call statement('list_relations_without_caching', fetch_result=True) -%}
    select table_catalog as database, table_name as name, table_schema as schema,
      case when table_type = 'VIEW' then 'view' else 'table' end as type
    from information_schema.tables
    where table_schema = '{{ schema_relation.schema }}'
    {% if schema_relation.database %}and table_catalog = '{{ schema_relation.database }}'{% endif %}
  {%- endcall %}
  {{ return(load_result('list_relations_without_caching').table) }}
{%- endmacro %}
`

// adapterOps are the adapter methods defined here, by name.
func (e *engine) adapterOps() map[string]any {
	return map[string]any{
		"drop_relation":       e.opCallMacro("drop_relation", 1),
		"truncate_relation":   e.opCallMacro("truncate_relation", 1),
		"rename_relation":     e.opCallMacro("rename_relation", 2),
		"create_schema":       e.opCallMacro("create_schema", 1),
		"drop_schema":         e.opCallMacro("drop_schema", 1),
		"list_schemas":        jinja.Func(fnListSchemas),
		"check_schema_exists": jinja.Func(fnCheckSchemaExists),
		"list_relations":      jinja.Func(fnListRelations),
		"list_relations_without_caching": jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			return listRelations(s, args, kw)
		}),
		"already_exists":             jinja.Func(fnAlreadyExists),
		"get_missing_columns":        jinja.Func(fnGetMissingColumns),
		"expand_target_column_types": jinja.Func(fnExpandTargetColumnTypes),
		"quote_as_configured":        jinja.Func(e.fnQuoteAsConfigured),
		"quote_seed_column":          jinja.Func(e.fnQuoteSeedColumn),
		"execute":                    jinja.Func(fnAdapterExecute),
		// incrementalops.go
		"get_incremental_strategy_macro": jinja.Func(e.fnGetIncrementalStrategyMacro),
	}
}

// opCallMacro is an adapter method that runs the dbt macro of the same
// name with n relation arguments, when executing.
func (e *engine) opCallMacro(name string, n int) jinja.Func {
	return func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		st, err := renderStateOf(s)
		if err != nil {
			return nil, err
		}
		if !st.execute {
			return nil, nil
		}
		names := [][]string{{"relation"}, {"from_relation", "to_relation"}}[n-1]
		call := make([]any, n)
		for i := range call {
			rel, ok := relationArg(args, kw, i, names[i])
			if !ok {
				return nil, st.fail(fmt.Sprintf("pass %d relation(s), e.g. adapter.%s(this)", n, name), "adapter.%s() needs a relation as %s", name, names[i])
			}
			call[i] = rel
		}
		st.introspected = true
		// dbt's adapter runs the macro it finds by name in the root
		// project, then the packages, then its own (adapterMethodMacro).
		def, ok := e.adapterMethodMacro(name)
		if !ok {
			return nil, fmt.Errorf("macro %q is not defined", name)
		}
		if _, err := st.callMacro(def, nil, call, nil); err != nil {
			return nil, err
		}
		return nil, nil
	}
}

// fnListSchemas is adapter.list_schemas(database): the schema names.
func fnListSchemas(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if !st.execute {
		return jinja.NewList(), nil
	}
	db, _ := argString(args, kw, 0, "database")
	st.introspected = true
	v, err := st.invoke("list_schemas", []any{db}, nil)
	if err != nil {
		return nil, err
	}
	out := jinja.NewList()
	if t, ok := v.(*agateTable); ok {
		for _, r := range t.rows {
			if len(r.vals) > 0 {
				out.Items = append(out.Items, fmt.Sprint(r.vals[0]))
			}
		}
	}
	return out, nil
}

// fnCheckSchemaExists is adapter.check_schema_exists(database, schema).
func fnCheckSchemaExists(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	v, err := fnListSchemas(s, args[:min(len(args), 1)], kw)
	if err != nil {
		return nil, err
	}
	schema, _ := argString(args, kw, 1, "schema")
	if l, ok := v.(*jinja.List); ok {
		for _, it := range l.Items {
			if strings.EqualFold(fmt.Sprint(it), schema) {
				return true, nil
			}
		}
	}
	return false, nil
}

// listRelations runs list_relations_without_caching(schema_relation) and
// turns its rows into relations.
func listRelations(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if !st.execute {
		return jinja.NewList(), nil
	}
	rel, ok := relationArg(args, kw, 0, "schema_relation")
	if !ok {
		return nil, st.fail("pass a relation: api.Relation.create(database=..., schema=...)", "list_relations_without_caching() needs a relation")
	}
	st.introspected = true
	v, err := st.invoke("list_relations_without_caching", []any{rel}, nil)
	if err != nil {
		return nil, err
	}
	out := jinja.NewList()
	if t, ok := v.(*agateTable); ok {
		for _, r := range t.rows {
			get := func(k string) string { x, _ := r.byName(k); return fmt.Sprint(x) }
			out.Items = append(out.Items, st.newRelation(Relation{Database: get("database"), Schema: get("schema"), Identifier: get("name")}, get("type")))
		}
	}
	return out, nil
}

// fnListRelations is adapter.list_relations(database, schema).
func fnListRelations(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	db, _ := argString(args, kw, 0, "database")
	schema, _ := argString(args, kw, 1, "schema")
	rel := &relationValue{Database: db, Schema: schema}
	return listRelations(s, []any{rel}, nil)
}

// fnAlreadyExists is adapter.already_exists(schema, name).
func fnAlreadyExists(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	schema, _ := argString(args, kw, 0, "schema")
	name, _ := argString(args, kw, 1, "name")
	v, err := st.getRelation(Relation{Database: st.engine.target.Database, Schema: schema, Identifier: name}, "adapter.already_exists")
	return v != nil, err
}

// columnsOf lists a relation argument's columns from the catalog.
func (st *renderState) columnsOf(args []any, kw jinja.Kwargs, i int, name, what string) ([]Column, error) {
	rel, ok := relationArg(args, kw, i, name)
	if !ok {
		return nil, st.fail("pass two relations, e.g. adapter."+what+"(this, ref('x'))", "adapter.%s() needs a relation as %s", what, name)
	}
	cat, err := st.catalog("adapter." + what)
	if err != nil {
		return nil, err
	}
	cols, err := cat.Columns(st.ctx, Relation{Database: rel.Database, Schema: rel.Schema, Identifier: rel.Identifier})
	if err != nil {
		return nil, &jinjaError{msg: fmt.Sprintf("adapter.%s(%s): %v", what, rel.rendered, err)}
	}
	return cols, nil
}

// fnGetMissingColumns is adapter.get_missing_columns(from_relation,
// to_relation): the columns of from_relation that to_relation lacks
// (names compared case-insensitively, as dbt).
func fnGetMissingColumns(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if !st.execute {
		return jinja.NewList(), nil
	}
	st.introspected = true
	from, err := st.columnsOf(args, kw, 0, "from_relation", "get_missing_columns")
	if err != nil {
		return nil, err
	}
	to, err := st.columnsOf(args, kw, 1, "to_relation", "get_missing_columns")
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, c := range to {
		have[strings.ToLower(c.Name)] = true
	}
	out := jinja.NewList()
	for _, c := range from {
		if !have[strings.ToLower(c.Name)] {
			out.Items = append(out.Items, &columnValue{Column: c, quoted: st.engine.dialect.Quote(c.Name)})
		}
	}
	return out, nil
}

// fnExpandTargetColumnTypes is adapter.expand_target_column_types(
// from_relation, to_relation): as dbt, every string column of to_relation
// that is narrower than the same column of from_relation is widened.
func fnExpandTargetColumnTypes(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if !st.execute {
		return nil, nil
	}
	st.introspected = true
	from, err := st.columnsOf(args, kw, 0, "from_relation", "expand_target_column_types")
	if err != nil {
		return nil, err
	}
	to, err := st.columnsOf(args, kw, 1, "to_relation", "expand_target_column_types")
	if err != nil {
		return nil, err
	}
	target, _ := relationArg(args, kw, 1, "to_relation")
	fromSize := map[string]int{}
	for _, c := range from {
		if n, ok := stringSize(c.DataType); ok {
			fromSize[strings.ToLower(c.Name)] = n
		}
	}
	for _, c := range to {
		want, ok := fromSize[strings.ToLower(c.Name)]
		have, sized := stringSize(c.DataType)
		if !ok || !sized || have >= want {
			continue
		}
		sql := fmt.Sprintf("alter table %s alter column %s type varchar(%d)", target.rendered, st.engine.dialect.Quote(c.Name), want)
		if _, err := st.query(sql); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// stringSize is the size of a sized string type ("character varying(10)").
func stringSize(dataType string) (int, bool) {
	t := strings.ToLower(strings.TrimSpace(dataType))
	base, size, ok := strings.Cut(strings.TrimSuffix(t, ")"), "(")
	if !ok {
		return 0, false
	}
	switch strings.TrimSpace(base) {
	case "character varying", "varchar", "character", "char", "text":
	default:
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(size))
	return n, err == nil
}

// fnQuoteAsConfigured is adapter.quote_as_configured(identifier,
// quote_key): quoted when the project's quoting for quote_key (database,
// schema or identifier) is on, which is dbt's default.
func (e *engine) fnQuoteAsConfigured(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	ident, _ := argString(args, kw, 0, "identifier")
	key, _ := argString(args, kw, 1, "quote_key")
	if q, ok := e.proj.Config.Quoting[key].(bool); ok && !q {
		return ident, nil
	}
	return e.dialect.Quote(ident), nil
}

// fnQuoteSeedColumn is adapter.quote_seed_column(column, quote_config):
// quoted when quote_config says so; when it is None, dbt's default for
// the warehouse (quoted, except on Snowflake).
func (e *engine) fnQuoteSeedColumn(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	col, _ := argString(args, kw, 0, "column")
	quote := e.dialect.Type() != "snowflake"
	if v, ok := argAt(args, kw, 1, "quote_config"); ok {
		if b, isBool := v.(bool); isBool {
			quote = b
		}
	}
	if !quote {
		return col, nil
	}
	return e.dialect.Quote(col), nil
}

// fnAdapterExecute is adapter.execute(sql, auto_begin=False, fetch=False):
// a (response, table) pair; the table is empty unless fetch is true.
func fnAdapterExecute(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	sql, ok := argString(args, kw, 0, "sql")
	if !ok {
		return nil, st.fail("", "adapter.execute() needs a SQL string")
	}
	if !st.execute {
		return jinja.Tuple{nil, nil}, nil
	}
	res, err := st.query(sql)
	if err != nil {
		return nil, err
	}
	fetch := argBool(args, kw, 2, "fetch", false)
	table := res.table()
	if !fetch {
		table = (&queryResult{columns: res.columns}).table()
	}
	return jinja.Tuple{map[string]any{"_message": "OK", "code": "OK", "rows_affected": len(res.rows)}, table}, nil
}
