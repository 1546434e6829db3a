begin;

create temporary table "temp"."main"."elt_snapshot_source__elt_tmp_<id>" as (
select * from "<database>"."<schema>"."source"
);

select name, type, cid + 1 from pragma_table_info('"temp"."main"."elt_snapshot_source__elt_tmp_<id>"') order by cid;

select "id", count(*) from "temp"."main"."elt_snapshot_source__elt_tmp_<id>" where "id" is not null group by "id" having count(*) > 1 order by count(*) desc, "id" limit 3;

describe select src."updated_at" as x from "temp"."main"."elt_snapshot_source__elt_tmp_<id>" as src;

create table "<database>"."<schema>"."orders_snapshot" as
select src.*,
  md5(coalesce(cast(src."id" as varchar), '') || '|' || coalesce(cast(src."updated_at" as varchar), '')) as "dbt_scd_id",
  src."updated_at" as "dbt_updated_at",
  src."updated_at" as "dbt_valid_from",
  cast(null as TIMESTAMP) as "dbt_valid_to"
from "temp"."main"."elt_snapshot_source__elt_tmp_<id>" as src;

select count(*) from "temp"."main"."elt_snapshot_source__elt_tmp_<id>";

drop table if exists "temp"."main"."elt_snapshot_source__elt_tmp_<id>";

commit;

