-- incremental analytics.dbt_ann.orders: strategy microbatch, unique_key [], on_schema_change ignore
-- target columns: ID NUMBER(38,0), UPDATED_AT TIMESTAMP_TZ(9)
-- new rows' columns: ID NUMBER(38,0), UPDATED_AT TIMESTAMP_TZ(9)

-- stage: stage the new rows
create or replace temporary table analytics.dbt_ann.orders__elt_tmp_0123456789ab as (
select * from analytics.dbt_ann.stg_orders where updated_at > (select max(updated_at) from analytics.dbt_ann.orders)
);

-- apply: write the rows in one transaction
begin;

-- apply: delete the batch's rows
delete from analytics.dbt_ann.orders
where "UPDATED_AT" >= '2024-03-01 00:00:00 +00:00'::timestamp_tz and "UPDATED_AT" < '2024-03-02 00:00:00 +00:00'::timestamp_tz;

-- apply: insert the batch's new rows [rows affected]
insert into analytics.dbt_ann.orders ("ID", "UPDATED_AT")
select s."ID", s."UPDATED_AT"
from analytics.dbt_ann.orders__elt_tmp_0123456789ab as s;

-- apply: commit
commit;

-- cleanup: drop the staged rows
drop table if exists analytics.dbt_ann.orders__elt_tmp_0123456789ab;

-- result: DELETE+INSERT <rows affected>
