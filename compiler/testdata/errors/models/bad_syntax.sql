select 1
{% if true %}
select {{ 1 + }}
