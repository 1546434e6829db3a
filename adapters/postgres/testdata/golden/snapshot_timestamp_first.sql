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

create temporary table "elt_snapshot_type__elt_tmp_<id>" on commit drop as (
select src."updated_at" as x from "pg_temp"."elt_snapshot_source__elt_tmp_<id>" as src limit 0
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

create table "<database>"."<schema>"."orders_snapshot" as
select src.*,
  md5(coalesce(cast(src."id" as varchar), '') || '|' || coalesce(cast(src."updated_at" as varchar), '')) as "dbt_scd_id",
  src."updated_at" as "dbt_updated_at",
  src."updated_at" as "dbt_valid_from",
  cast(null as timestamp without time zone) as "dbt_valid_to"
from "pg_temp"."elt_snapshot_source__elt_tmp_<id>" as src;

select count(*) from "pg_temp"."elt_snapshot_source__elt_tmp_<id>";

commit;

