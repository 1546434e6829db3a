{#- Appends the model's rows on every run, staged in a temporary table;
    a full refresh rebuilds it. -#}
{% materialization insert_only, default %}
  {%- set existing = load_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {{ run_hooks(pre_hooks) }}
  {% if existing is none or should_full_refresh() %}
    {{ drop_relation_if_exists(existing) }}
    {% call statement('main') -%}
      {{ create_table_as(False, target_relation, sql) }}
    {%- endcall %}
  {% else %}
    {%- set staged = make_temp_relation(target_relation) -%}
    {% call statement('stage') -%}
      {{ create_table_as(True, staged, sql) }}
    {%- endcall %}
    {% call statement('main') -%}
      insert into {{ target_relation }} select * from {{ staged }}
    {%- endcall %}
    {% call statement('unstage') -%}
      drop table {{ staged }}
    {%- endcall %}
  {% endif %}
  {{ run_hooks(post_hooks) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
