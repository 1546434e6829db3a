begin;

create temp table "orders__elt_tmp_<id>" as (
select * from (values (2, 'B', 21), (3, 'c', 30)) as v(id, name, amount)
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

select count(*) from "temp"."main"."orders__elt_tmp_<id>" where "id" is null;

select count(*) from (select "id" from "temp"."main"."orders__elt_tmp_<id>" group by "id" having count(*) > 1);

update "<database>"."<schema>"."orders" as t set "name" = s."name", "amount" = s."amount" from "temp"."main"."orders__elt_tmp_<id>" as s where t."id" = s."id";

insert into "<database>"."<schema>"."orders" ("id", "name", "amount")
select s."id", s."name", s."amount" from "temp"."main"."orders__elt_tmp_<id>" as s where not exists (select 1 from "<database>"."<schema>"."orders" as t where t."id" = s."id");

drop table "temp"."main"."orders__elt_tmp_<id>";

commit;

