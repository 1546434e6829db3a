-- dynamic_table analytics.dbt_ann.orders, existing: "", dynamic: false, full refresh: false
-- build: create the dynamic table
create or replace dynamic table analytics.dbt_ann.orders
    target_lag = downstream
    warehouse = transforming
    refresh_mode = INCREMENTAL
    initialize = ON_SCHEDULE
    as (
select id, status from analytics.dbt_ann.stg_orders
);
