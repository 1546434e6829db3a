{#- Converts an integer amount of cents to an exact decimal amount of dollars.
    Dividing by 100.0, not 100, keeps the cents on Postgres, where integer / integer
    truncates; DuckDB and Postgres then agree to the cent. -#}
{% macro cents_to_dollars(column_name, scale=2) -%}
    cast({{ column_name }} / 100.0 as decimal(18, {{ scale }}))
{%- endmacro %}
