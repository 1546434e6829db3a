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

delete from "<database>"."<schema>"."orders" where "event_time" >= '2024-01-02 00:00:00'::timestamp and "event_time" < '2024-01-03 00:00:00'::timestamp;

insert into "<database>"."<schema>"."orders" ("id", "event_time")
select s."id", s."event_time" from "pg_temp"."orders__elt_tmp_<id>" as s;

commit;

