select lower(table_name), 'table' from duckdb_tables()
		where not temporary and lower(database_name) = lower(?) and lower(schema_name) = lower(?)
		union all
		select lower(view_name), 'view' from duckdb_views()
		where not internal and not temporary and lower(database_name) = lower(?) and lower(schema_name) = lower(?);

create or replace table "<database>"."<schema>"."orders" as (
select * from (values (1, 'a', 10), (2, 'b', 20)) as v(id, name, amount)
);

