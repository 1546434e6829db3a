begin;

create temp table "orders__elt_tmp_<id>" as (
select * from (values (2, 'B', 21), (3, 'c', 30)) as v(id, name, amount)
);

select name, type, cid + 1 from pragma_table_info('"temp"."main"."orders__elt_tmp_<id>"') order by cid;

select name, type, cid + 1 from pragma_table_info('"<database>"."<schema>"."orders"') order by cid;

select (select count(*) from "temp"."main"."orders__elt_tmp_<id>" where "id" is null), (select count(*) from (select "id" from "temp"."main"."orders__elt_tmp_<id>" group by "id" having count(*) > 1));

delete from "<database>"."<schema>"."orders" where exists (select 1 from "temp"."main"."orders__elt_tmp_<id>" as s where "orders"."id" = s."id");

insert into "<database>"."<schema>"."orders" ("id", "name", "amount")
select s."id", s."name", s."amount" from "temp"."main"."orders__elt_tmp_<id>" as s;

drop table "temp"."main"."orders__elt_tmp_<id>";

commit;

