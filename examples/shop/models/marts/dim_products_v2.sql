-- Version 2 of dim_products (the latest): the list price in dollars too.
select
    product_id,
    product_name,
    category,
    price_cents,
    list_price
from {{ ref('stg_products') }}
