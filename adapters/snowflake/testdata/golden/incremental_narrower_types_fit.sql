-- incremental analytics.dbt_ann.orders: strategy append, unique_key [], on_schema_change fail
-- target columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), AMOUNT NUMBER(10,2), UPDATED_AT TIMESTAMP_NTZ(9)
-- new rows' columns: ID NUMBER(3,0), STATUS VARCHAR(5), AMOUNT NUMBER(12,2), UPDATED_AT TIMESTAMP_NTZ(9)

-- stage: stage the new rows
create or replace temporary table analytics.dbt_ann.orders__elt_tmp_0123456789ab as (
select * from analytics.dbt_ann.stg_orders where updated_at > (select max(updated_at) from analytics.dbt_ann.orders)
);

-- schema change: widen AMOUNT to fit the new rows
alter table analytics.dbt_ann.orders alter column "AMOUNT" set data type NUMBER(12,2);

-- apply: write the rows in one transaction
begin;

-- apply: append the new rows [rows affected]
insert into analytics.dbt_ann.orders ("ID", "STATUS", "AMOUNT", "UPDATED_AT")
select s."ID", s."STATUS", s."AMOUNT", s."UPDATED_AT"
from analytics.dbt_ann.orders__elt_tmp_0123456789ab as s;

-- apply: commit
commit;

-- cleanup: drop the staged rows
drop table if exists analytics.dbt_ann.orders__elt_tmp_0123456789ab;

-- result: INSERT <rows affected>
