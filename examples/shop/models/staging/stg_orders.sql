-- The point-of-sale export spells statuses however the clerk typed them:
-- 'Completed', 'SHIPPED', 'returned'. Downstream models only see lower case.
select
    order_id,
    customer_id,
    cast(ordered_at as timestamp) as ordered_at,
    cast(ordered_at as date) as order_date,
    lower(trim(status)) as status
from {{ ref('raw_orders') }}
