-- table Analytics."dbt ann"."select", existing: ""
-- build: build the table (create or replace is atomic)
create or replace transient table Analytics."dbt ann"."select" as (
select id, status from analytics.dbt_ann.stg_orders
);

-- count rows
select count(*) from Analytics."dbt ann"."select";
