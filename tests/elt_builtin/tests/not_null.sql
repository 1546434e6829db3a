{#- not_null: a row fails when the tested column is null. Every column of the
    failing row is kept so that stored failures show the whole record. -#}
{% test not_null(model, column_name) -%}
{{ adapter.dispatch('test_not_null', 'dbt')(model, column_name) }}
{%- endtest %}
{#- As dbt's: the test dispatches, so a project's default__test_not_null
    (or one a package has and the dispatch config searches) replaces it. -#}
{% macro default__test_not_null(model, column_name) %}
select *
from {{ model }}
where {{ column_name }} is null
{% endmacro %}
