begin;

create temp table "orders__elt_tmp_<id>" as (
select * from (values (3, cast('2024-01-02 12:00:00' as timestamp))) as v(id, event_time)
);

select name, type, cid + 1 from pragma_table_info('"temp"."main"."orders__elt_tmp_<id>"') order by cid;

select name, type, cid + 1 from pragma_table_info('"<database>"."<schema>"."orders"') order by cid;

delete from "<database>"."<schema>"."orders" where "event_time" >= '2024-01-02 00:00:00'::timestamp and "event_time" < '2024-01-03 00:00:00'::timestamp;

insert into "<database>"."<schema>"."orders" ("id", "event_time")
select s."id", s."event_time" from "temp"."main"."orders__elt_tmp_<id>" as s where "event_time" >= '2024-01-02 00:00:00'::timestamp and "event_time" < '2024-01-03 00:00:00'::timestamp;

drop table "temp"."main"."orders__elt_tmp_<id>";

commit;

