{% macro days_between(start_column, end_column) -%}
    date_diff('day', {{ start_column }}, {{ end_column }})
{%- endmacro %}
