create or replace table "<database>"."<schema>"."orders" as (
select id, name from "<database>"."<schema>"."orders" where id > 1
);

