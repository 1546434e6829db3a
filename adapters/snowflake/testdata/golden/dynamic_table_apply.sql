-- dynamic_table analytics.dbt_ann.orders, existing: "table", dynamic: true, full refresh: false
-- build: apply the configuration changes
alter dynamic table analytics.dbt_ann.orders set
    target_lag = '1 hour'
    warehouse = transforming;
