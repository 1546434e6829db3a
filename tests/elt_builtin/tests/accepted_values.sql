{#- accepted_values: one failing row per distinct value outside the list, with
    how often it occurs. A null is not compared (null not in (...) is null), so
    nulls never fail. quote=false writes the values as SQL literals unquoted,
    for numbers and booleans. As dbt's, a quoted value is written between
    quotes as it is (a quote inside it is doubled in the YAML, as dbt users
    do). An empty list accepts no value (dbt's SQL is an error). -#}
{% test accepted_values(model, column_name, values, quote=True) -%}
{{ adapter.dispatch('test_accepted_values', 'dbt')(model, column_name, values, quote) }}
{%- endtest %}
{#- As dbt's: the test dispatches, so a project's default__test_accepted_values
    (or one a package has and the dispatch config searches) replaces it. -#}
{% macro default__test_accepted_values(model, column_name, values, quote=True) %}

with all_values as (

    select
        {{ column_name }} as value_field,
        count(*) as n_records

    from {{ model }}
    group by {{ column_name }}

)

select *
from all_values
{%- if values | length == 0 %}
where value_field is not null
{%- else %}
where value_field not in (
    {% for value in values -%}
        {% if quote -%}
        '{{ value }}'
        {%- else -%}
        {{ value }}
        {%- endif -%}
        {%- if not loop.last -%},{%- endif %}
    {%- endfor %}
)
{%- endif %}

{% endmacro %}
