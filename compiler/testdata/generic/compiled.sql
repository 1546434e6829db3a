-- model.shop.customers -> "warehouse"."main"."customers"
select 1 as id
-- model.shop.orders -> "warehouse"."main"."orders"
select 1 as id, 2 as customer_id, 3 as status
-- test.shop.accepted_values_orders_status__placed__shipped__completed.1859fef9bd

select * from "warehouse"."main"."orders" where status not in ('placed', 'shipped', 'completed')

-- test.shop.accepted_values_orders_status__placed__shipped__completed__return_pending__returned.be6b5b5ec3

select * from "warehouse"."main"."orders" where status not in ('placed', 'shipped', 'completed', 'return_pending', 'returned')

-- test.shop.not_null_orders_customer_id.c5f02694af

select * from (select * from "warehouse"."main"."orders" where status = 'placed') dbt_subquery where customer_id is null

-- test.shop.not_null_orders_id.84ef11d8fe

select * from "warehouse"."main"."orders" where id is null

-- test.shop.orders_customer_unique.1fee2f070f

select customer_id from "warehouse"."main"."orders" group by 1 having count(*) > 1

-- test.shop.relationships_orders_customer_id__id__ref_customers_.4282b0c525

select * from "warehouse"."main"."orders" c left join "warehouse"."main"."customers" p on c.customer_id = p.id where p.id is null
-- test.shop.source_not_null_raw_orders_id.f232a64478

select * from "warehouse"."raw"."orders" where id is null

-- test.shop.unique_orders_id.1360ecc70e

select id from "warehouse"."main"."orders" group by 1 having count(*) > 1

