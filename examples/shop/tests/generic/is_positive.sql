{% test is_positive(model, column_name) %}
-- Rows where the column is zero or negative. Nulls are left to not_null.
select *
from {{ model }}
where {{ column_name }} <= 0
{% endtest %}
