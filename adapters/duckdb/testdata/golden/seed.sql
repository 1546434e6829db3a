begin;

select lower(table_name), 'table' from duckdb_tables()
		where not temporary and lower(database_name) = lower(?) and lower(schema_name) = lower(?)
		union all
		select lower(view_name), 'view' from duckdb_views()
		where not internal and not temporary and lower(database_name) = lower(?) and lower(schema_name) = lower(?);

select current_setting('default_collation')::varchar, current_setting('preserve_insertion_order')::varchar;

select Columns, DateFormat, TimestampFormat from sniff_csv('<dir>/customers.csv', header = true, delim = ',', quote = '"', escape = '"', skip = 0, sample_size = 20480, strict_mode = true, nullstr = ['', 'null', 'NULL', 'Null'], types = {'code': 'varchar'});

create table "<database>"."<schema>"."customers" as select case when cast(v0 as varchar) = s0 then v0 when s0 is null then null else error('elt: a value may not fit its column''s sampled type') end as "id", s1 as "Full Name", case when v2 is not null and s2 >= '-' and not (s2 >= '00' and s2 < '0:') and not contains(s2, '_') and not (suffix(s2, ' ') or suffix(s2, chr(9)) or suffix(s2, chr(10)) or suffix(s2, chr(11)) or suffix(s2, chr(12)) or suffix(s2, chr(13))) then v2 when s2 is null then null else error('elt: a value may not fit its column''s sampled type') end as "score", s3 as "joined", case when v4 is not null and (strlen(s4) <> 1 or s4 in ('t', 'f', 'T', 'F')) then v4 when s4 is null then null else error('elt: a value may not fit its column''s sampled type') end as "active", s5 as "code" from (select "id" as s0, try_cast("id" as INTEGER) as v0, "Full Name" as s1, "score" as s2, try_cast("score" as DOUBLE) as v2, "joined" as s3, "active" as s4, try_cast("active" as BOOLEAN) as v4, "code" as s5 from read_csv('<dir>/customers.csv', header = true, delim = ',', quote = '"', escape = '"', skip = 0, sample_size = 20480, strict_mode = true, nullstr = ['', 'null', 'NULL', 'Null'], types = {'Full Name': 'VARCHAR', 'active': 'VARCHAR', 'code': 'varchar', 'id': 'VARCHAR', 'joined': 'DATE', 'score': 'VARCHAR'}, dateformat = '%Y-%m-%d'));

select count("Full Name") from (select "Full Name" from "<database>"."<schema>"."customers" limit 2047);

commit;

