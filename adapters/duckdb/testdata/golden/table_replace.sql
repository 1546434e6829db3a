begin;

create table "<database>"."<schema>"."orders__elt_tmp_<id>" as (
select id, name from "<database>"."<schema>"."orders" where id > 1
);

select count(*) from "<database>"."<schema>"."orders__elt_tmp_<id>";

select 'table' from duckdb_tables() where not temporary and lower(database_name) = lower(coalesce(nullif(?, ''), current_database()))
	and lower(schema_name) = lower(coalesce(nullif(?, ''), current_schema()))
	and lower(table_name) = lower(?)
		union all
		select 'view' from duckdb_views() where not internal and not temporary and lower(database_name) = lower(coalesce(nullif(?, ''), current_database()))
	and lower(schema_name) = lower(coalesce(nullif(?, ''), current_schema()))
	and lower(view_name) = lower(?)
		limit 1;

drop table "<database>"."<schema>"."orders";

alter table "<database>"."<schema>"."orders__elt_tmp_<id>" rename to "orders";

commit;

