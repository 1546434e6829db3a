-- table analytics.dbt_ann.orders, existing: "table"
-- build: build the table (create or replace is atomic)
create or replace transient table analytics.dbt_ann.orders copy grants as (
select id, status from analytics.dbt_ann.stg_orders
);

-- count rows
select count(*) from analytics.dbt_ann.orders;
