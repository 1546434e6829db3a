begin;

create or replace view "<database>"."<schema>"."orders_view" as (
select id, amount * 2 as doubled from "<database>"."<schema>"."orders"
);

commit;

