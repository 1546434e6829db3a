{#- accepted_values: one failing row per distinct value outside the list, with
    how often it occurs. A null is not compared (null not in (...) is null), so
    nulls never fail. quote=false writes the values as SQL literals unquoted,
    for numbers and booleans. An empty list accepts no value. -#}
{% test accepted_values(model, column_name, values, quote=True) -%}
{{ adapter.dispatch('test_accepted_values', 'dbt')(model, column_name, values, quote) }}
{%- endtest %}
{#- As dbt's: the test dispatches, so a project's default__test_accepted_values
    (or one a package has and the dispatch config searches) replaces it. -#}
{% macro default__test_accepted_values(model, column_name, values, quote=True) %}
with observed as (
    select
        {{ column_name }} as value_field,
        count(*) as n_records
    from {{ model }}
    group by {{ column_name }}
)
select value_field, n_records
from observed
{%- if values | length == 0 %}
where value_field is not null
{%- else %}
where value_field not in (
    {%- for v in values %}
    {% if quote %}'{{ v | string | replace("'", "''") }}'{% else %}{{ v }}{% endif %}{% if not loop.last %},{% endif %}
    {%- endfor %}
)
{%- endif %}
{% endmacro %}
