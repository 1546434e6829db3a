-- snapshot analytics.snapshots.orders_snapshot: strategy timestamp, unique_key [id], hard_deletes ignore, existing: ""
-- source columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), UPDATED_AT TIMESTAMP_NTZ(9), DBT_VALID_TO DATE

-- source: read the source once
create or replace temporary table analytics.snapshots.orders_snapshot__elt_tmp_src_0123456789ab as (
select * from analytics.dbt_ann.orders
);

-- error: the source has a column "DBT_VALID_TO", which is a snapshot meta column name; rename it in the select, or set snapshot_meta_column_names
-- cleanup: drop the source rows
drop table if exists analytics.snapshots.orders_snapshot__elt_tmp_src_0123456789ab;
