-- incremental analytics.dbt_ann.orders: strategy merge, unique_key [id], on_schema_change fail
-- target columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), AMOUNT NUMBER(10,2), UPDATED_AT TIMESTAMP_NTZ(9)
-- new rows' columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), AMOUNT FLOAT, CHANNEL VARCHAR(10)

-- stage: stage the new rows
create or replace temporary table analytics.dbt_ann.orders__elt_tmp_0123456789ab as (
select * from analytics.dbt_ann.stg_orders where updated_at > (select max(updated_at) from analytics.dbt_ann.orders)
);

-- error: model.shop.orders: The source and target schemas on this incremental model are out of sync: added columns [CHANNEL], removed columns [UPDATED_AT], changed types [AMOUNT NUMBER(10,2) -> FLOAT]; set on_schema_change to append_new_columns or sync_all_columns, or run with --full-refresh
-- cleanup: drop the staged rows
drop table if exists analytics.dbt_ann.orders__elt_tmp_0123456789ab;
