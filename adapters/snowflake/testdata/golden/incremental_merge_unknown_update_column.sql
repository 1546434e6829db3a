-- incremental analytics.dbt_ann.orders: strategy merge, unique_key [id], on_schema_change ignore
-- target columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), AMOUNT NUMBER(10,2), UPDATED_AT TIMESTAMP_NTZ(9)
-- new rows' columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), AMOUNT NUMBER(10,2), UPDATED_AT TIMESTAMP_NTZ(9)

-- stage: stage the new rows
create or replace temporary table analytics.dbt_ann.orders__elt_tmp_0123456789ab as (
select * from analytics.dbt_ann.stg_orders where updated_at > (select max(updated_at) from analytics.dbt_ann.orders)
);

-- error: invalid incremental config: merge_update_columns: "nope" is not a column of both the model and the target (ID, STATUS, AMOUNT, UPDATED_AT)
-- key checks: counts
select (select count(*) from analytics.dbt_ann.orders__elt_tmp_0123456789ab where "ID" is null),
  (select count(*) from (select "ID" from analytics.dbt_ann.orders__elt_tmp_0123456789ab group by "ID" having count(*) > 1));

-- key check, NULL keys: samples
select "ID" from analytics.dbt_ann.orders__elt_tmp_0123456789ab where "ID" is null
order by 1
limit 5;

-- key check, repeated keys: samples
select "ID" from analytics.dbt_ann.orders__elt_tmp_0123456789ab group by "ID" having count(*) > 1
order by 1
limit 5;

-- cleanup: drop the staged rows
drop table if exists analytics.dbt_ann.orders__elt_tmp_0123456789ab;
