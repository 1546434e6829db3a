-- model.shop.customers -> "warehouse"."main"."customers"
select 1 as id
-- model.shop.orders -> "warehouse"."main"."orders"
select 1 as id, 2 as customer_id, 3 as status
-- test.shop.accepted_values_orders_status__placed__shipped__completed.bb6fe55ee8

select * from "warehouse"."main"."orders" where status not in ('placed', 'shipped', 'completed')

-- test.shop.accepted_values_orders_status__placed__shipped__completed__return_pending__returned.dbddf0a871

select * from "warehouse"."main"."orders" where status not in ('placed', 'shipped', 'completed', 'return_pending', 'returned')

-- test.shop.not_null_orders_customer_id.4b1a21a2a6

select * from (select * from "warehouse"."main"."orders" where status = 'placed') dbt_subquery where customer_id is null

-- test.shop.not_null_orders_id.8eb1b5c678

select * from "warehouse"."main"."orders" where id is null

-- test.shop.orders_customer_unique.a469aa7151

select customer_id from "warehouse"."main"."orders" group by 1 having count(*) > 1

-- test.shop.relationships_orders_customer_id__id__ref_customers_.0fd6bd2570

select * from "warehouse"."main"."orders" c left join "warehouse"."main"."customers" p on c.customer_id = p.id where p.id is null
-- test.shop.source_not_null_raw_orders_id.5d3ae0778e

select * from "warehouse"."raw"."orders" where id is null

-- test.shop.unique_orders_id.3a703a5885

select id from "warehouse"."main"."orders" group by 1 having count(*) > 1

