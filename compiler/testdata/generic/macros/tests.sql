{% test not_null(model, column_name) %}
select * from {{ model }} where {{ column_name }} is null
{% endtest %}

{% test unique(model, column_name) %}
select {{ column_name }} from {{ model }} group by 1 having count(*) > 1
{% endtest %}

{% test accepted_values(model, column_name, values, quote=true) %}
select * from {{ model }} where {{ column_name }} not in ({% for v in values %}'{{ v }}'{% if not loop.last %}, {% endif %}{% endfor %})
{% endtest %}

{%- test relationships(model, column_name, to, field) -%}
{{ config(severity='warn') }}
select * from {{ model }} c left join {{ to }} p on c.{{ column_name }} = p.{{ field }} where p.{{ field }} is null
{%- endtest %}
