{% macro cents_to_dollars(col, scale=2) -%}
    ({{ col }} / 100)::numeric(16, {{ scale }})
{%- endmacro %}

{% macro column_list() %}
    {{ return(['id', 'amount']) }}
{% endmacro %}

{% macro is_big(n) %}
    {% if n > 5 %}{{ return(true) }}{% endif %}
    {{ return(false) }}
{% endmacro %}

{% macro settings() %}
    {% do return({'mode': 'fast', 'n': 3}) %}
{% endmacro %}

{% macro wrap(tag) -%}
    <{{ tag }}>{{ caller() }}</{{ tag }}>
{%- endmacro %}

{% macro outer_macro() -%}
    outer({{ inner_macro() }}) this={{ this.identifier }}
{%- endmacro %}

{% macro inner_macro() -%}
    inner
{%- endmacro %}

{% macro default__greet(who) -%}
    hello {{ who }}
{%- endmacro %}

{% macro duckdb__greet(who) -%}
    quack {{ who }}
{%- endmacro %}
