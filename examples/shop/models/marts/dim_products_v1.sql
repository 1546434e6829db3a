-- Version 1 of dim_products: prices in cents only.
select
    product_id,
    product_name,
    category,
    price_cents
from {{ ref('stg_products') }}
