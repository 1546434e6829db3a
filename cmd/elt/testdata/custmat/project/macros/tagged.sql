{#- One materialization, three blocks: the adapter's own wins over default. -#}
{% macro build_tagged(label) %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {{ drop_relation_if_exists(load_relation(this)) }}
  {% call statement('main') -%}
    {{ create_table_as(False, target_relation, "select '" ~ label ~ "' as built_by, m.* from (" ~ sql ~ ") as m") }}
  {%- endcall %}
  {{ return({'relations': [target_relation]}) }}
{% endmacro %}

{% materialization tagged, default %}{{ return(build_tagged('default')) }}{% endmaterialization %}
{% materialization tagged, adapter='duckdb' %}{{ return(build_tagged('duckdb')) }}{% endmaterialization %}
{% materialization tagged, adapter='postgres' %}{{ return(build_tagged('postgres')) }}{% endmaterialization %}
