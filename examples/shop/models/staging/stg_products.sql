select
    product_id,
    sku,
    product_name,
    lower(category) as category,
    price_cents,
    {{ cents_to_dollars('price_cents') }} as list_price
from {{ ref('raw_products') }}
