begin;

create table "<database>"."<schema>"."orders__elt_tmp_<id>" as (
select id, name from "<database>"."<schema>"."orders" where id > 1
);

drop table "<database>"."<schema>"."orders";

alter table "<database>"."<schema>"."orders__elt_tmp_<id>" rename to "orders";

commit;

