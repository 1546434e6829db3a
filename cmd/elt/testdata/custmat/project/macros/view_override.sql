{#- The project's own view materialization: it replaces elt's for every
    view model, and records each model it builds in view_audit. -#}
{% materialization view, default %}
  {%- set existing = load_relation(this) -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set audit = api.Relation.create(database=this.database, schema=this.schema, identifier='view_audit', type='table') -%}
  {{ run_hooks(pre_hooks) }}
  {% if existing is not none %}{{ adapter.drop_relation(existing) }}{% endif %}
  {% call statement('main') -%}
    {{ get_create_view_as_sql(target_relation, sql) }}
  {%- endcall %}
  {% call statement('audit') -%}
    create table if not exists {{ audit }} (model varchar(100))
  {%- endcall %}
  {% call statement('audit') -%}
    insert into {{ audit }} values ('{{ model.name }}')
  {%- endcall %}
  {{ run_hooks(post_hooks) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
