-- view analytics.dbt_ann.orders, existing: "view"
-- build: tag this model's queries
alter session set query_tag = 'views';

-- build: create or replace the view
create or replace view analytics.dbt_ann.orders as (
select id, status from analytics.dbt_ann.stg_orders
);

-- cleanup: restore the profile's query tag
alter session set query_tag = 'elt_profile';
