-- Every day of the first ten days of January, orders or not.
with days as (
    {{ dbt_utils.date_spine(datepart='day', start_date="cast('2024-01-01' as date)", end_date="cast('2024-01-11' as date)") }}
)

select
    cast(days.date_day as date) as order_date,
    count(o.order_id) as orders,
    coalesce(sum(o.amount), 0) as revenue
from days
left join {{ ref('orders') }} as o on o.order_date = cast(days.date_day as date)
group by 1
