{{ config(materialized='table') }}

with paid as (
    select * from {{ ref('stg_payments') }} where status = 'paid'
)

select o.id, c.name, p.amount, i.total, it.sku, oo.legacy_id
from {{ ref('stg_orders') }} as o
left join {{ ref("stg_customers") }} c on c.id = o.customer_id
join raw_db.finance.invoices i on i.order_id = o.id
JOIN legacy.items it on it.order_id = o.id
join "Old Orders" oo on oo.id = o.id
join paid p on p.order_id = o.id
