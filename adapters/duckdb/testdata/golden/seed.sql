begin;

select lower(table_name), 'table' from duckdb_tables()
		where not temporary and lower(database_name) = lower(?) and lower(schema_name) = lower(?)
		union all
		select lower(view_name), 'view' from duckdb_views()
		where not internal and not temporary and lower(database_name) = lower(?) and lower(schema_name) = lower(?);

select Columns, DateFormat, TimestampFormat from sniff_csv('<dir>/customers.csv', header = true, delim = ',', quote = '"', escape = '"', skip = 0, sample_size = -1, strict_mode = true, types = {'code': 'varchar'});

create table "<database>"."<schema>"."customers__elt_tmp_<id>" as select * from read_csv('<dir>/customers.csv', header = true, delim = ',', quote = '"', escape = '"', skip = 0, sample_size = 20480, strict_mode = true, types = {'Full Name': 'VARCHAR', 'active': 'BOOLEAN', 'code': 'varchar', 'id': 'BIGINT', 'joined': 'DATE', 'score': 'DOUBLE'}, dateformat = '%Y-%m-%d');

select count("Full Name") from "<database>"."<schema>"."customers__elt_tmp_<id>";

alter table "<database>"."<schema>"."customers__elt_tmp_<id>" rename to "customers";

commit;

