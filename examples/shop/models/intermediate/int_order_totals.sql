{{ config(materialized='ephemeral') }}

-- Per-order sums that two marts need. Ephemeral: it is inlined as a CTE
-- into the models that ref it and never becomes a relation of its own.
with items as (
    select
        order_id,
        count(*) as line_count,
        sum(quantity) as item_count,
        sum(line_total_cents) as items_total_cents
    from {{ ref('stg_order_items') }}
    group by order_id
),

payments as (
    select
        order_id,
        sum(amount_cents) as paid_cents
    from {{ ref('stg_payments') }}
    group by order_id
)

select
    items.order_id,
    items.line_count,
    items.item_count,
    items.items_total_cents,
    coalesce(payments.paid_cents, 0) as paid_cents
from items
left join payments on payments.order_id = items.order_id
