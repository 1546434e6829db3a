begin;

select c.relkind::text from pg_catalog.pg_class c where c.relnamespace = (select n.oid from pg_catalog.pg_namespace n
		where n.nspname = coalesce(nullif($1, ''), current_schema())
		   or ($1 = 'pg_temp' and n.oid = pg_catalog.pg_my_temp_schema())
		order by n.nspname = $1 desc limit 1)
	and c.relname = $2;

create table "<database>"."<schema>"."customers__elt_tmp_<id>" ("id" integer, "Full Name" text, "score" double precision, "joined" date, "active" boolean, "code" varchar);

select c.relkind::text from pg_catalog.pg_class c where c.relnamespace = (select n.oid from pg_catalog.pg_namespace n
		where n.nspname = coalesce(nullif($1, ''), current_schema())
		   or ($1 = 'pg_temp' and n.oid = pg_catalog.pg_my_temp_schema())
		order by n.nspname = $1 desc limit 1)
	and c.relname = $2;

alter table "<database>"."<schema>"."customers__elt_tmp_<id>" rename to "customers";

copy "<database>"."<schema>"."customers" ("id", "Full Name", "score", "joined", "active", "code") from stdin with (format csv, header true, delimiter ',');

commit;

