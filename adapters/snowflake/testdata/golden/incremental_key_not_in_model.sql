-- incremental analytics.dbt_ann.orders: strategy merge, unique_key [order_id], on_schema_change ignore
-- target columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), AMOUNT NUMBER(10,2), UPDATED_AT TIMESTAMP_NTZ(9)
-- new rows' columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), AMOUNT NUMBER(10,2), UPDATED_AT TIMESTAMP_NTZ(9)

-- stage: stage the new rows
create or replace temporary table analytics.dbt_ann.orders__elt_tmp_0123456789ab as (
select * from analytics.dbt_ann.stg_orders where updated_at > (select max(updated_at) from analytics.dbt_ann.orders)
);

-- error: invalid incremental config: unique_key column "order_id" is not in the model's columns (ID, STATUS, AMOUNT, UPDATED_AT)
-- cleanup: drop the staged rows
drop table if exists analytics.dbt_ann.orders__elt_tmp_0123456789ab;
