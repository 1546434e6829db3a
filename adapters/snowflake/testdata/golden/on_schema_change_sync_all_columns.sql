-- incremental analytics.dbt_ann.orders: strategy merge, unique_key [id], on_schema_change sync_all_columns
-- target columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), AMOUNT NUMBER(10,2), UPDATED_AT TIMESTAMP_NTZ(9)
-- new rows' columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), AMOUNT FLOAT, CHANNEL VARCHAR(10)

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

-- schema change: add new column CHANNEL
alter table analytics.dbt_ann.orders add column "CHANNEL" VARCHAR(10);

-- schema change: drop removed column UPDATED_AT
alter table analytics.dbt_ann.orders drop column "UPDATED_AT";

-- schema change: add AMOUNT with its new type FLOAT
alter table analytics.dbt_ann.orders add column "AMOUNT__elt_tmp_0123456789ab" FLOAT;

-- schema change: copy AMOUNT into its new type
update analytics.dbt_ann.orders set "AMOUNT__elt_tmp_0123456789ab" = cast("AMOUNT" as FLOAT);

-- schema change: drop AMOUNT with its old type
alter table analytics.dbt_ann.orders drop column "AMOUNT";

-- schema change: give AMOUNT its name back
alter table analytics.dbt_ann.orders rename column "AMOUNT__elt_tmp_0123456789ab" to "AMOUNT";

-- apply: write the rows in one transaction
begin;

-- apply: update matching rows, insert the others [rows affected]
merge into analytics.dbt_ann.orders as t
using analytics.dbt_ann.orders__elt_tmp_0123456789ab as s
on t."ID" = s."ID"
when matched then update set t."STATUS" = s."STATUS", t."AMOUNT" = s."AMOUNT", t."CHANNEL" = s."CHANNEL"
when not matched then insert ("ID", "STATUS", "AMOUNT", "CHANNEL")
values (s."ID", s."STATUS", s."AMOUNT", s."CHANNEL");

-- apply: commit
commit;

-- cleanup: drop the staged rows
drop table if exists analytics.dbt_ann.orders__elt_tmp_0123456789ab;

-- result: MERGE <rows affected>
