begin;

select 'table' from duckdb_tables() where not temporary and lower(database_name) = lower(coalesce(nullif(?, ''), current_database()))
	and lower(schema_name) = lower(coalesce(nullif(?, ''), current_schema()))
	and lower(table_name) = lower(?)
		union all
		select 'view' from duckdb_views() where not internal and not temporary and lower(database_name) = lower(coalesce(nullif(?, ''), current_database()))
	and lower(schema_name) = lower(coalesce(nullif(?, ''), current_schema()))
	and lower(view_name) = lower(?)
		limit 1;

describe select * from read_csv('<dir>/customers.csv', header = true, delim = ',', quote = '"', escape = '"', skip = 0, sample_size = -1, strict_mode = true, types = {'code': 'varchar'});

select count("Full Name") from read_csv('<dir>/customers.csv', header = true, delim = ',', quote = '"', escape = '"', skip = 0, sample_size = -1, strict_mode = true, types = {'code': 'varchar'});

create table "<database>"."<schema>"."customers__elt_tmp_<id>" as select * from read_csv('<dir>/customers.csv', header = true, delim = ',', quote = '"', escape = '"', skip = 0, sample_size = -1, strict_mode = true, types = {'code': 'varchar'});

select count(*) from "<database>"."<schema>"."customers__elt_tmp_<id>";

select 'table' from duckdb_tables() where not temporary and lower(database_name) = lower(coalesce(nullif(?, ''), current_database()))
	and lower(schema_name) = lower(coalesce(nullif(?, ''), current_schema()))
	and lower(table_name) = lower(?)
		union all
		select 'view' from duckdb_views() where not internal and not temporary and lower(database_name) = lower(coalesce(nullif(?, ''), current_database()))
	and lower(schema_name) = lower(coalesce(nullif(?, ''), current_schema()))
	and lower(view_name) = lower(?)
		limit 1;

alter table "<database>"."<schema>"."customers__elt_tmp_<id>" rename to "customers";

commit;

