{#- relationships: one failing row per child row whose (non-null) value has no
    match in the parent's field. Null children are not orphans. -#}
{% test relationships(model, column_name, to, field) -%}
{{ adapter.dispatch('test_relationships', 'dbt')(model, column_name, to, field) }}
{%- endtest %}
{#- As dbt's: the test dispatches, so a project's default__test_relationships
    (or one a package has and the dispatch config searches) replaces it. -#}
{% macro default__test_relationships(model, column_name, to, field) %}

with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null

{% endmacro %}
