{#- not_null: a row fails when the tested column is null. As dbt's, the failing
    rows keep every column only when failures are stored. -#}
{% test not_null(model, column_name) -%}
{{ adapter.dispatch('test_not_null', 'dbt')(model, column_name) }}
{%- endtest %}
{#- As dbt's: the test dispatches, so a project's default__test_not_null
    (or one a package has and the dispatch config searches) replaces it. -#}
{% macro default__test_not_null(model, column_name) %}

{% set column_list = '*' if should_store_failures() else column_name %}

select {{ column_list }}
from {{ model }}
where {{ column_name }} is null

{% endmacro %}
