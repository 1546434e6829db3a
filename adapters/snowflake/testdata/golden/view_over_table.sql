-- view analytics.dbt_ann.orders, existing: "table"
-- build: create the view under a temporary name
create or replace view analytics.dbt_ann.orders__elt_tmp_0123456789ab as (
select id, status from analytics.dbt_ann.stg_orders
);

-- build: drop the table it replaces
drop table if exists analytics.dbt_ann.orders;

-- build: move the new view into place
alter view analytics.dbt_ann.orders__elt_tmp_0123456789ab rename to analytics.dbt_ann.orders;

-- cleanup: drop the temporary view if it is left
drop view if exists analytics.dbt_ann.orders__elt_tmp_0123456789ab;
