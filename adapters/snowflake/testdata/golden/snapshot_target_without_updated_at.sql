-- snapshot analytics.snapshots.orders_snapshot: strategy timestamp, unique_key [id], hard_deletes ignore, existing: "table"
-- source columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), UPDATED_AT TIMESTAMP_NTZ(9)
-- target columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), UPDATED_AT TIMESTAMP_NTZ(9), DBT_SCD_ID VARCHAR(32), DBT_VALID_FROM TIMESTAMP_NTZ(9), DBT_VALID_TO TIMESTAMP_NTZ(9)

-- source: read the source once
create or replace temporary table analytics.snapshots.orders_snapshot__elt_tmp_src_0123456789ab as (
select * from analytics.dbt_ann.orders
);

-- duplicate keys
select "ID", count(*)
from analytics.snapshots.orders_snapshot__elt_tmp_src_0123456789ab
where "ID" is not null
group by "ID"
having count(*) > 1
order by count(*) desc, "ID"
limit 3;

-- schema change: add the updated-at column
alter table analytics.snapshots.orders_snapshot add column dbt_updated_at TIMESTAMP_NTZ(9);

-- stage: compute the changes
create or replace temporary table analytics.snapshots.orders_snapshot__elt_tmp_chg_0123456789ab as
with cur as (
  select * from analytics.snapshots.orders_snapshot as t where t.dbt_valid_to is null
)
-- new keys, and new versions of changed keys
select src."ID", src."STATUS", src."UPDATED_AT", src."UPDATED_AT" as ELT_SNAPSHOT__VALID_FROM, case when cur.dbt_scd_id is null then 'insert_new' else 'insert_changed' end as ELT_SNAPSHOT__ACTION, md5(coalesce(cast(src."ID" as varchar), '') || '|' || coalesce(cast(src."UPDATED_AT" as varchar), '')) as ELT_SNAPSHOT__SCD_ID
from analytics.snapshots.orders_snapshot__elt_tmp_src_0123456789ab as src
left join cur on src."ID" = cur."ID"
where cur.dbt_scd_id is null or (src."UPDATED_AT" > cur.dbt_valid_from)
union all
-- close the current versions of changed keys
select src."ID", src."STATUS", src."UPDATED_AT", src."UPDATED_AT" as ELT_SNAPSHOT__VALID_FROM, 'close_changed' as ELT_SNAPSHOT__ACTION, cur.dbt_scd_id as ELT_SNAPSHOT__SCD_ID
from analytics.snapshots.orders_snapshot__elt_tmp_src_0123456789ab as src
join cur on src."ID" = cur."ID"
where (src."UPDATED_AT" > cur.dbt_valid_from);

-- counts: new, changed, deleted
select count_if(ELT_SNAPSHOT__ACTION = 'insert_new'), count_if(ELT_SNAPSHOT__ACTION = 'insert_changed'), count_if(ELT_SNAPSHOT__ACTION = 'close_deleted') from analytics.snapshots.orders_snapshot__elt_tmp_chg_0123456789ab;

-- apply: write the changes in one transaction
begin;

-- apply: close changed and deleted versions, insert new ones [rows affected]
merge into analytics.snapshots.orders_snapshot as t
using analytics.snapshots.orders_snapshot__elt_tmp_chg_0123456789ab as c
on t.dbt_scd_id = c.ELT_SNAPSHOT__SCD_ID
when matched and t.dbt_valid_to is null and c.ELT_SNAPSHOT__ACTION in ('close_changed', 'close_deleted') then update set t.dbt_valid_to = c.ELT_SNAPSHOT__VALID_FROM
when not matched and c.ELT_SNAPSHOT__ACTION in ('insert_new', 'insert_changed', 'insert_deleted') then insert ("ID", "STATUS", "UPDATED_AT", dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to)
values (c."ID", c."STATUS", c."UPDATED_AT", c.ELT_SNAPSHOT__SCD_ID, c.ELT_SNAPSHOT__VALID_FROM, c.ELT_SNAPSHOT__VALID_FROM, null);

-- apply: commit
commit;

-- cleanup: drop the source rows
drop table if exists analytics.snapshots.orders_snapshot__elt_tmp_src_0123456789ab;

-- cleanup: drop the changes
drop table if exists analytics.snapshots.orders_snapshot__elt_tmp_chg_0123456789ab;
