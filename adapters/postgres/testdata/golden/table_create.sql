begin;

create table "<database>"."<schema>"."orders__elt_tmp_<id>" as (
select * from (values (1, 'a', 10), (2, 'b', 20)) as v(id, name, amount)
);

select c.relkind::text from pg_catalog.pg_class c where c.relnamespace = (select n.oid from pg_catalog.pg_namespace n
		where n.nspname = coalesce(nullif($1, ''), current_schema())
		   or ($1 = 'pg_temp' and n.oid = pg_catalog.pg_my_temp_schema())
		order by n.nspname = $1 desc limit 1)
	and c.relname = $2;

alter table "<database>"."<schema>"."orders__elt_tmp_<id>" rename to "orders";

commit;

