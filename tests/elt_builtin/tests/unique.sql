{#- unique: one failing row per value that occurs more than once, with how
    often it occurs. Nulls are not values, so they never fail this test. -#}
{% test unique(model, column_name) -%}
{{ adapter.dispatch('test_unique', 'dbt')(model, column_name) }}
{%- endtest %}
{#- As dbt's: the test dispatches, so a project's default__test_unique
    (or one a package has and the dispatch config searches) replaces it. -#}
{% macro default__test_unique(model, column_name) %}

select
    {{ column_name }} as unique_field,
    count(*) as n_records

from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1

{% endmacro %}
