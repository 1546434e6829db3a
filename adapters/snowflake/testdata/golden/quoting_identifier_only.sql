-- view analytics.dbt_ann."Orders", existing: ""
-- build: create or replace the view
create or replace view analytics.dbt_ann."Orders" as (
select id, status from analytics.dbt_ann.stg_orders
);
