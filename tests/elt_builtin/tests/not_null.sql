{#- not_null: a row fails when the tested column is null. Every column of the
    failing row is kept so that stored failures show the whole record. -#}
{% test not_null(model, column_name) %}
select *
from {{ model }}
where {{ column_name }} is null
{% endtest %}
