{#- Appends the model's rows on every run; a full refresh rebuilds it. -#}
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
    {% call statement('main') -%}
      insert into {{ target_relation }} select * from ({{ sql }}) as new_rows
    {%- endcall %}
  {% endif %}
  {{ run_hooks(post_hooks) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
