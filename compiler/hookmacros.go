package compiler

// hookMacroSQL are dbt's global helpers for hooks and model configs:
// set_sql_header (a call block whose body becomes the sql_header config),
// before_begin, in_transaction and after_commit (a hook as the JSON text of
// {sql, transaction}, which a hook entry is read back from), and
// drop_schema_named and snapshot_get_time, written for elt.
const hookMacroSQL = `
{% macro set_sql_header(config) -%}{{ config.set('sql_header', caller()) }}{%- endmacro %}

{% macro make_hook_config(sql, inside_transaction) -%}
  {{ tojson({"sql": sql, "transaction": inside_transaction}) }}
{%- endmacro %}
{% macro before_begin(sql) -%}{{ make_hook_config(sql, inside_transaction=False) }}{%- endmacro %}
{% macro in_transaction(sql) -%}{{ make_hook_config(sql, inside_transaction=True) }}{%- endmacro %}
{% macro after_commit(sql) -%}{{ make_hook_config(sql, inside_transaction=False) }}{%- endmacro %}

{% macro drop_schema_named(schema_name) -%}
  {{ return(adapter.dispatch('drop_schema_named', 'dbt')(schema_name)) }}
{%- endmacro %}
{% macro default__drop_schema_named(schema_name) -%}
  {% do adapter.drop_schema(api.Relation.create(database=target.database, schema=schema_name)) %}
{%- endmacro %}

{% macro snapshot_get_time() -%}{{ return(adapter.dispatch('snapshot_get_time', 'dbt')()) }}{%- endmacro %}
{% macro default__snapshot_get_time() -%}{{ current_timestamp() }}{%- endmacro %}
{% macro postgres__snapshot_get_time() -%}{{ current_timestamp() }}::timestamp without time zone{%- endmacro %}
`
