-- table analytics.dbt_ann.orders, existing: ""
-- build: build the table (create or replace is atomic)
create or replace transient table analytics.dbt_ann.orders cluster by (order_date, status) as (
select * from (
select id, status from analytics.dbt_ann.stg_orders
) order by (order_date, status)
);

-- count rows
select count(*) from analytics.dbt_ann.orders;
