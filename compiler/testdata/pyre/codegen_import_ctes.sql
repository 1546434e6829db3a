{{ config(materialized='table') }}

with legacy_items as (

    select * from legacy.items
    -- CAUTION: It's best practice to use the ref or source function instead of a direct reference
  
),

old orders as (

    select * from "Old Orders"
    -- CAUTION: It's best practice to use the ref or source function instead of a direct reference
  
),

raw_db_finance_invoices as (

    select * from raw_db.finance.invoices
    -- CAUTION: It's best practice to use the ref or source function instead of a direct reference
  
),

stg_customers as (

    select * from {{ ref("stg_customers") }}
  
),

stg_orders as (

    select * from {{ ref('stg_orders') }}
  
),

stg_payments as (

    select * from {{ ref('stg_payments') }}
  
),

paid as (
    select * from stg_payments where status = 'paid'
)

select o.id, c.name, p.amount, i.total, it.sku, oo.legacy_id
from stg_orders as o
left join stg_customers c on c.id = o.customer_id
join raw_db_finance_invoices i on i.order_id = o.id
JOIN legacy_items it on it.order_id = o.id
join Old Orders oo on oo.id = o.id
join paid p on p.order_id = o.id