-- dynamic_table analytics.dbt_ann.orders, existing: "view", dynamic: false, full refresh: false
-- build: drop the view holding the name
drop view if exists analytics.dbt_ann.orders;

-- build: create the dynamic table
create or replace dynamic table analytics.dbt_ann.orders
    target_lag = '1 hour'
    warehouse = transforming
    refresh_mode = AUTO
    initialize = ON_CREATE
    as (
select id, status from analytics.dbt_ann.stg_orders
);
