{% macro upper_city(column) %}upper({{ column }}){% endmacro %}
