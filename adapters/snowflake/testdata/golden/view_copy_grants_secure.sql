-- view analytics.dbt_ann.orders, existing: "view"
-- build: create or replace the view
create or replace secure view analytics.dbt_ann.orders copy grants as (
select id, status from analytics.dbt_ann.stg_orders
);
