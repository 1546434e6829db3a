begin;

create temp table "orders__elt_tmp_<id>" as (
select * from (values (3, cast('2024-01-02 12:00:00' as timestamp))) as v(id, event_time)
);

select column_name, data_type, column_index, coalesce(comment, '')
		from duckdb_columns()
		where lower(database_name) = lower(coalesce(nullif(?, ''), current_database()))
	and lower(schema_name) = lower(coalesce(nullif(?, ''), current_schema()))
	and lower(table_name) = lower(?)
		order by column_index;

select column_name, data_type, column_index, coalesce(comment, '')
		from duckdb_columns()
		where lower(database_name) = lower(coalesce(nullif(?, ''), current_database()))
	and lower(schema_name) = lower(coalesce(nullif(?, ''), current_schema()))
	and lower(table_name) = lower(?)
		order by column_index;

delete from "<database>"."<schema>"."orders" where "event_time" >= '2024-01-02 00:00:00'::timestamp and "event_time" < '2024-01-03 00:00:00'::timestamp;

insert into "<database>"."<schema>"."orders" ("id", "event_time")
select s."id", s."event_time" from "temp"."main"."orders__elt_tmp_<id>" as s;

drop table "temp"."main"."orders__elt_tmp_<id>";

commit;

