package compiler

// snapshotMacroSQL are the helpers of dbt's snapshot strategies that a
// project's strategy macro (a custom strategy, or a replacement of
// timestamp or check) calls, with the adapters' versions dbt-postgres,
// dbt-duckdb and dbt-bigquery give them, written for elt.
const snapshotMacroSQL = `
{% macro snapshot_hash_arguments(args) -%}
  {{ adapter.dispatch('snapshot_hash_arguments', 'dbt')(args) }}
{%- endmacro %}
{% macro default__snapshot_hash_arguments(args) -%}
  md5({% for a in args %}coalesce(cast({{ a }} as varchar ), ''){% if not loop.last %} || '|' || {% endif %}{% endfor %})
{%- endmacro %}
{% macro bigquery__snapshot_hash_arguments(args) -%}
  to_hex(md5(concat({% for a in args %}coalesce(cast({{ a }} as string), ''){% if not loop.last %}, '|', {% endif %}{% endfor %})))
{%- endmacro %}

{% macro snapshot_string_as_time(timestamp) -%}
  {{ adapter.dispatch('snapshot_string_as_time', 'dbt')(timestamp) }}
{%- endmacro %}
{% macro default__snapshot_string_as_time(timestamp) -%}
  {% do exceptions.raise_not_implemented('snapshot_string_as_time macro not implemented for adapter ' + adapter.type()) %}
{%- endmacro %}
{% macro postgres__snapshot_string_as_time(timestamp) -%}{{ return("'" ~ timestamp ~ "'::timestamp without time zone") }}{%- endmacro %}
{% macro duckdb__snapshot_string_as_time(timestamp) -%}{{ return("'" ~ timestamp ~ "'::timestamp") }}{%- endmacro %}

{% macro get_true_sql() -%}{{ adapter.dispatch('get_true_sql', 'dbt')() }}{%- endmacro %}
{% macro default__get_true_sql() -%}{{ return('TRUE') }}{%- endmacro %}

{% macro get_snapshot_table_column_names() -%}
  {{ return({'dbt_valid_to': 'dbt_valid_to', 'dbt_valid_from': 'dbt_valid_from', 'dbt_scd_id': 'dbt_scd_id', 'dbt_updated_at': 'dbt_updated_at', 'dbt_is_deleted': 'dbt_is_deleted'}) }}
{%- endmacro %}

{% macro snapshot_check_all_get_existing_columns(node, target_exists, check_cols_config) -%}
  {%- if not target_exists -%}
    {{ return((false, [])) }}
  {%- endif -%}
  {%- set target_relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
  {%- if check_cols_config == 'all' -%}
    {%- set query_columns = get_columns_in_query(node['compiled_code']) -%}
  {%- elif check_cols_config is iterable and (check_cols_config | length) > 0 -%}
    {%- set query_columns = get_columns_in_query('select ' ~ (check_cols_config | join(', ')) ~ ' from (\n' ~ node['compiled_code'] ~ '\n) subq') -%}
  {%- else -%}
    {% do exceptions.raise_compiler_error("Invalid value for 'check_cols': " ~ check_cols_config) %}
  {%- endif -%}
  {%- set existing = adapter.get_columns_in_relation(target_relation) | map(attribute='name') | list -%}
  {%- set ns = namespace(added=false, cols=[]) -%}
  {%- for col in query_columns -%}
    {%- if col in existing -%}
      {%- do ns.cols.append(adapter.quote(col)) -%}
    {%- else -%}
      {%- set ns.added = true -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return((ns.added, ns.cols)) }}
{%- endmacro %}
`
