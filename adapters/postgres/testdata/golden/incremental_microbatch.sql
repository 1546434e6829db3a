begin;

select c.relkind::text from pg_catalog.pg_class c where c.relnamespace = (select n.oid from pg_catalog.pg_namespace n
		where n.nspname = coalesce(nullif($1, ''), current_schema())
		   or ($1 = 'pg_temp' and n.oid = pg_catalog.pg_my_temp_schema())
		order by n.nspname = $1 desc limit 1)
	and c.relname = $2;

create temp table "orders__elt_tmp_<id>" on commit drop as (
select * from (values (3, cast('2024-01-02 12:00:00' as timestamp))) as v(id, event_time)
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

select (select count(*) from "pg_temp"."orders__elt_tmp_<id>" where "id" is null), (select count(*) from (select "id" from "pg_temp"."orders__elt_tmp_<id>" group by "id" having count(*) > 1) as repeated);

update "<database>"."<schema>"."orders" as t set "event_time" = s."event_time" from "pg_temp"."orders__elt_tmp_<id>" as s where t."id" = s."id";

insert into "<database>"."<schema>"."orders" ("id", "event_time")
select s."id", s."event_time" from "pg_temp"."orders__elt_tmp_<id>" as s where not exists (select 1 from "<database>"."<schema>"."orders" as t where t."id" = s."id");

commit;

