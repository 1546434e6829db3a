-- table analytics.dbt_ann.orders, existing: "table"
-- build: tag this model's queries
alter session set query_tag = 'it''s tagged';

-- build: build the table (create or replace is atomic)
create or replace transient table analytics.dbt_ann.orders as (
select id, status from analytics.dbt_ann.stg_orders
);

-- count rows
select count(*) from analytics.dbt_ann.orders;

-- cleanup: remove the model's query tag
alter session unset query_tag;
