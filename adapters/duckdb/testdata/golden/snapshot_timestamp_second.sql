begin;

create temporary table "temp"."main"."elt_snapshot_source__elt_tmp_<id>" as (
select * from "<database>"."<schema>"."source"
);

select name, type, cid + 1 from pragma_table_info('"temp"."main"."elt_snapshot_source__elt_tmp_<id>"') order by cid;

select "id", count(*) from "temp"."main"."elt_snapshot_source__elt_tmp_<id>" where "id" is not null group by "id" having count(*) > 1 order by count(*) desc, "id" limit 3;

select name, type, cid + 1 from pragma_table_info('"<database>"."<schema>"."orders_snapshot"') order by cid;

select name, type, cid + 1 from pragma_table_info('"temp"."main"."elt_snapshot_source__elt_tmp_<id>"') order by cid;

select name, type, cid + 1 from pragma_table_info('"<database>"."<schema>"."orders_snapshot"') order by cid;

create temporary table "temp"."main"."elt_snapshot_stage__elt_tmp_<id>" as (
select src.*, src."updated_at" as "elt_snapshot__valid_from", cur."elt_snapshot__current" is null as "elt_snapshot__is_new", cur."dbt_scd_id" as "elt_snapshot__close_scd_id"
from "temp"."main"."elt_snapshot_source__elt_tmp_<id>" as src
left join (select *, true as "elt_snapshot__current" from "<database>"."<schema>"."orders_snapshot" as t where t."dbt_valid_to" is null) as cur on src."id" = cur."id"
where cur."elt_snapshot__current" is null or (src."updated_at" > cur."dbt_valid_from")
);

select count(*) from "temp"."main"."elt_snapshot_stage__elt_tmp_<id>" where "elt_snapshot__is_new";

select count(*) from "temp"."main"."elt_snapshot_stage__elt_tmp_<id>" where not "elt_snapshot__is_new";

update "<database>"."<schema>"."orders_snapshot" as t set "dbt_valid_to" = stage."elt_snapshot__valid_from" from "temp"."main"."elt_snapshot_stage__elt_tmp_<id>" as stage where not stage."elt_snapshot__is_new" and stage."elt_snapshot__close_scd_id" = t."dbt_scd_id" and t."dbt_valid_to" is null;

insert into "<database>"."<schema>"."orders_snapshot" ("id", "status", "updated_at", "dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to")
select src."id", src."status", src."updated_at", md5(coalesce(cast(src."id" as varchar), '') || '|' || coalesce(cast(src."elt_snapshot__valid_from" as varchar), '')), src."elt_snapshot__valid_from", src."elt_snapshot__valid_from", null
from "temp"."main"."elt_snapshot_stage__elt_tmp_<id>" as src;

drop table if exists "temp"."main"."elt_snapshot_source__elt_tmp_<id>";

drop table if exists "temp"."main"."elt_snapshot_stage__elt_tmp_<id>";

commit;

