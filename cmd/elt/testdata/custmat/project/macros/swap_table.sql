{#- Builds the table under a temporary name, then swaps it into place. -#}
{% materialization swap_table, default %}
  {%- set existing = load_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set intermediate = make_intermediate_relation(target_relation) -%}
  {%- set backup = make_backup_relation(target_relation, 'table' if existing is none else existing.type) -%}
  {{ drop_relation_if_exists(load_relation(intermediate)) }}
  {{ drop_relation_if_exists(load_relation(backup)) }}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% call statement('main') -%}
    {{ create_table_as(False, intermediate, sql) }}
  {%- endcall %}
  {#- DuckDB renames no table with indexes: dbt-duckdb's materializations drop them first. -#}
  {% if existing is not none and target.type == 'duckdb' %}{% do drop_indexes_on_relation(existing) %}{% endif %}
  {% if existing is not none %}{{ adapter.rename_relation(existing, backup) }}{% endif %}
  {{ adapter.rename_relation(intermediate, target_relation) }}
  {% do create_indexes(target_relation) %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do apply_grants(target_relation, config.get('grants'), should_revoke=should_revoke(existing)) %}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ drop_relation_if_exists(backup) }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
