begin;

select 'table' from duckdb_tables() where not temporary and lower(database_name) = lower(coalesce(nullif(?, ''), current_database()))
	and lower(schema_name) = lower(coalesce(nullif(?, ''), current_schema()))
	and lower(table_name) = lower(?)
		union all
		select 'view' from duckdb_views() where not internal and not temporary and lower(database_name) = lower(coalesce(nullif(?, ''), current_database()))
	and lower(schema_name) = lower(coalesce(nullif(?, ''), current_schema()))
	and lower(view_name) = lower(?)
		limit 1;

create or replace view "<database>"."<schema>"."orders_view" as (
select id, amount * 2 as doubled from "<database>"."<schema>"."orders"
);

commit;

