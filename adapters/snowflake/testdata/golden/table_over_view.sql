-- table analytics.dbt_ann.orders, existing: "view"
-- build: build the table under a temporary name
create or replace transient table analytics.dbt_ann.orders__elt_tmp_0123456789ab copy grants as (
select id, status from analytics.dbt_ann.stg_orders
);

-- build: drop the view it replaces
drop view if exists analytics.dbt_ann.orders;

-- build: move the new table into place
alter table analytics.dbt_ann.orders__elt_tmp_0123456789ab rename to analytics.dbt_ann.orders;

-- count rows
select count(*) from analytics.dbt_ann.orders;

-- cleanup: drop the temporary table if it is left
drop table if exists analytics.dbt_ann.orders__elt_tmp_0123456789ab;
