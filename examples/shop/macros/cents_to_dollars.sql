{#- Converts an integer amount of cents to an exact decimal amount of dollars. -#}
{% macro cents_to_dollars(column_name, scale=2) -%}
    cast({{ column_name }} / 100 as decimal(18, {{ scale }}))
{%- endmacro %}
