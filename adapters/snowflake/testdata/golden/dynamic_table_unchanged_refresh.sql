-- dynamic_table analytics.dbt_ann.orders, existing: "table", dynamic: true, full refresh: false
-- build: refresh the dynamic table
alter dynamic table analytics.dbt_ann.orders refresh;
