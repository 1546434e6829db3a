-- Every order that left the shop (shipped, completed or returned) must be
-- paid to the cent; placed and cancelled orders must have no payments.
select
    order_id,
    status,
    order_total,
    amount_paid
from {{ ref('fct_orders') }}
where (status in ('shipped', 'completed', 'returned') and amount_paid != order_total)
   or (status in ('placed', 'cancelled') and amount_paid != 0)
