begin;

create temporary table "elt_snapshot_source__elt_tmp_<id>" on commit drop as (
select * from "<database>"."<schema>"."source"
);

select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
		row_number() over (order by a.attnum),
		coalesce(pg_catalog.col_description(a.attrelid, a.attnum), '')
	from pg_catalog.pg_attribute a
	where a.attrelid = (select c.oid from pg_catalog.pg_class c where c.relnamespace = (select n.oid from pg_catalog.pg_namespace n
		where n.nspname = coalesce(nullif($1, ''), current_schema())
		   or ($1 = 'pg_temp' and n.oid = pg_catalog.pg_my_temp_schema())
		order by n.nspname = $1 desc limit 1)
	and c.relname = $2)
		and a.attnum > 0 and not a.attisdropped
	order by a.attnum;

select c.relkind::text from pg_catalog.pg_class c where c.relnamespace = (select n.oid from pg_catalog.pg_namespace n
		where n.nspname = coalesce(nullif($1, ''), current_schema())
		   or ($1 = 'pg_temp' and n.oid = pg_catalog.pg_my_temp_schema())
		order by n.nspname = $1 desc limit 1)
	and c.relname = $2;

select "id", count(*) from "pg_temp"."elt_snapshot_source__elt_tmp_<id>" where "id" is not null group by "id" having count(*) > 1 order by count(*) desc, "id" limit 3;

select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
		row_number() over (order by a.attnum),
		coalesce(pg_catalog.col_description(a.attrelid, a.attnum), '')
	from pg_catalog.pg_attribute a
	where a.attrelid = (select c.oid from pg_catalog.pg_class c where c.relnamespace = (select n.oid from pg_catalog.pg_namespace n
		where n.nspname = coalesce(nullif($1, ''), current_schema())
		   or ($1 = 'pg_temp' and n.oid = pg_catalog.pg_my_temp_schema())
		order by n.nspname = $1 desc limit 1)
	and c.relname = $2)
		and a.attnum > 0 and not a.attisdropped
	order by a.attnum;

select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
		row_number() over (order by a.attnum),
		coalesce(pg_catalog.col_description(a.attrelid, a.attnum), '')
	from pg_catalog.pg_attribute a
	where a.attrelid = (select c.oid from pg_catalog.pg_class c where c.relnamespace = (select n.oid from pg_catalog.pg_namespace n
		where n.nspname = coalesce(nullif($1, ''), current_schema())
		   or ($1 = 'pg_temp' and n.oid = pg_catalog.pg_my_temp_schema())
		order by n.nspname = $1 desc limit 1)
	and c.relname = $2)
		and a.attnum > 0 and not a.attisdropped
	order by a.attnum;

select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
		row_number() over (order by a.attnum),
		coalesce(pg_catalog.col_description(a.attrelid, a.attnum), '')
	from pg_catalog.pg_attribute a
	where a.attrelid = (select c.oid from pg_catalog.pg_class c where c.relnamespace = (select n.oid from pg_catalog.pg_namespace n
		where n.nspname = coalesce(nullif($1, ''), current_schema())
		   or ($1 = 'pg_temp' and n.oid = pg_catalog.pg_my_temp_schema())
		order by n.nspname = $1 desc limit 1)
	and c.relname = $2)
		and a.attnum > 0 and not a.attisdropped
	order by a.attnum;

create temporary table "elt_snapshot_stage__elt_tmp_<id>" on commit drop as (
select src.*, src."updated_at" as "elt_snapshot__valid_from", cur."elt_snapshot__current" is null as "elt_snapshot__is_new", cur."dbt_scd_id" as "elt_snapshot__close_scd_id"
from "pg_temp"."elt_snapshot_source__elt_tmp_<id>" as src
left join (select *, true as "elt_snapshot__current" from "<database>"."<schema>"."orders_snapshot" as t where t."dbt_valid_to" is null) as cur on src."id" = cur."id"
where cur."elt_snapshot__current" is null or (src."updated_at" > cur."dbt_valid_from")
);

select count(*) from "pg_temp"."elt_snapshot_stage__elt_tmp_<id>" where "elt_snapshot__is_new";

select count(*) from "pg_temp"."elt_snapshot_stage__elt_tmp_<id>" where not "elt_snapshot__is_new";

update "<database>"."<schema>"."orders_snapshot" as t set "dbt_valid_to" = stage."elt_snapshot__valid_from" from "pg_temp"."elt_snapshot_stage__elt_tmp_<id>" as stage where not stage."elt_snapshot__is_new" and stage."elt_snapshot__close_scd_id" = t."dbt_scd_id" and t."dbt_valid_to" is null;

insert into "<database>"."<schema>"."orders_snapshot" ("id", "status", "updated_at", "dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to")
select src."id", src."status", src."updated_at", md5(coalesce(cast(src."id" as varchar), '') || '|' || coalesce(cast(src."elt_snapshot__valid_from" as varchar), '')), src."elt_snapshot__valid_from", src."elt_snapshot__valid_from", cast(null as timestamp without time zone)
from "pg_temp"."elt_snapshot_stage__elt_tmp_<id>" as src;

commit;

