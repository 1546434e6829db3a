
with __dbt__cte__recent_events as (

select * from "warehouse"."main"."events"
) select
    e.id,
    c.name,
    p.amount,
    '20240102' as batch_id,
    '2024-01-02 00:00:00+00:00' as batch_start,
    '2024-01-03 00:00:00+00:00' as batch_end,
    e.occurred_at
from (select * from "warehouse"."main"."events" where occurred_at >= '2024-01-02 00:00:00+00:00' and occurred_at < '2024-01-03 00:00:00+00:00') _dbt_et_filter_subq_events e
join "warehouse"."main"."customers" c on c.id = e.customer_id
join (select * from "warehouse"."raw"."payments" where paid_at >= '2024-01-02 00:00:00+00:00' and paid_at < '2024-01-03 00:00:00+00:00') _dbt_et_filter_subq_payments p on p.event_id = e.id
where e.id in (select id from __dbt__cte__recent_events)
  -- full build
