select
    order_item_id,
    order_id,
    product_id,
    quantity,
    unit_price_cents,
    quantity * unit_price_cents as line_total_cents
from {{ ref('raw_order_items') }}
