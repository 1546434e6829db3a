-- table analytics.dbt_ann.orders, existing: ""
-- build: build the table (create or replace is atomic)
create or replace table analytics.dbt_ann.orders as (
select id, status from analytics.dbt_ann.stg_orders
);

-- count rows
select count(*) from analytics.dbt_ann.orders;
