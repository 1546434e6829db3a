{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='occurred_at', batch_size='day', begin='2024-01-01') }}
select
    e.id,
    c.name,
    p.amount,
    '{{ model.batch.id }}' as batch_id,
    '{{ model.batch.event_time_start }}' as batch_start,
    '{{ config.get("__dbt_internal_microbatch_event_time_end") }}' as batch_end,
    e.occurred_at
from {{ ref('events') }} e
join {{ ref('customers') }} c on c.id = e.customer_id
join {{ source('raw', 'payments') }} p on p.event_id = e.id
where e.id in (select id from {{ ref('recent_events') }})
{% if is_incremental() %}  -- incremental batch{% else %}  -- full build{% endif %}
