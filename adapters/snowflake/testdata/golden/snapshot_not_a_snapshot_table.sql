-- snapshot analytics.snapshots.orders_snapshot: strategy timestamp, unique_key [id], hard_deletes ignore, existing: "table"
-- source columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), UPDATED_AT TIMESTAMP_NTZ(9)
-- target columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), UPDATED_AT TIMESTAMP_NTZ(9)

-- source: read the source once
create or replace temporary table analytics.snapshots.orders_snapshot__elt_tmp_src_0123456789ab as (
select * from analytics.dbt_ann.orders
);

-- error: Snapshot target is missing configured columns (missing "dbt_scd_id", "dbt_valid_from", "dbt_valid_to"). See https://docs.getdbt.com/docs/build/snapshots#snapshot-meta-fields for more information.
-- duplicate keys
select "ID", count(*)
from analytics.snapshots.orders_snapshot__elt_tmp_src_0123456789ab
where "ID" is not null
group by "ID"
having count(*) > 1
order by count(*) desc, "ID"
limit 3;

-- cleanup: drop the source rows
drop table if exists analytics.snapshots.orders_snapshot__elt_tmp_src_0123456789ab;

-- cleanup: drop the changes
drop table if exists analytics.snapshots.orders_snapshot__elt_tmp_chg_0123456789ab;
