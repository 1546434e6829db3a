-- view analytics.dbt_ann.orders, existing: ""
-- build: create or replace the view
create or replace view analytics.dbt_ann.orders as (
select id, status from analytics.dbt_ann.stg_orders
);
