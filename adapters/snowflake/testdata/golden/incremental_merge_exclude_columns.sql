-- incremental analytics.dbt_ann.orders: strategy merge, unique_key [id], on_schema_change ignore
-- target columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), AMOUNT NUMBER(10,2), UPDATED_AT TIMESTAMP_NTZ(9)
-- new rows' columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), AMOUNT NUMBER(10,2), UPDATED_AT TIMESTAMP_NTZ(9)

-- stage: stage the new rows
create or replace temporary table analytics.dbt_ann.orders__elt_tmp_0123456789ab as (
select * from analytics.dbt_ann.stg_orders where updated_at > (select max(updated_at) from analytics.dbt_ann.orders)
);

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

-- apply: write the rows in one transaction
begin;

-- apply: update matching rows, insert the others [rows affected]
merge into analytics.dbt_ann.orders as t
using analytics.dbt_ann.orders__elt_tmp_0123456789ab as s
on t."ID" = s."ID"
when matched then update set t."STATUS" = s."STATUS", t."AMOUNT" = s."AMOUNT"
when not matched then insert ("ID", "STATUS", "AMOUNT", "UPDATED_AT")
values (s."ID", s."STATUS", s."AMOUNT", s."UPDATED_AT");

-- apply: commit
commit;

-- cleanup: drop the staged rows
drop table if exists analytics.dbt_ann.orders__elt_tmp_0123456789ab;

-- result: MERGE <rows affected>
