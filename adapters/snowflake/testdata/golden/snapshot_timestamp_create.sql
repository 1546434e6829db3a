-- snapshot analytics.snapshots.orders_snapshot: strategy timestamp, unique_key [id], hard_deletes ignore, existing: ""
-- source columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), UPDATED_AT TIMESTAMP_NTZ(9)

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

-- create: create the snapshot table
create table analytics.snapshots.orders_snapshot as
select src.*,
  md5(coalesce(cast(src."ID" as varchar), '') || '|' || coalesce(cast(src."UPDATED_AT" as varchar), '')) as dbt_scd_id,
  src."UPDATED_AT" as dbt_updated_at,
  src."UPDATED_AT" as dbt_valid_from,
  cast(null as TIMESTAMP_NTZ(9)) as dbt_valid_to
from analytics.snapshots.orders_snapshot__elt_tmp_src_0123456789ab as src;

-- counts: new, changed, deleted
select count(*), 0, 0 from analytics.snapshots.orders_snapshot__elt_tmp_src_0123456789ab;

-- cleanup: drop the source rows
drop table if exists analytics.snapshots.orders_snapshot__elt_tmp_src_0123456789ab;
