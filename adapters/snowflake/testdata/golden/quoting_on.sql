-- table "Analytics"."dbt_ann"."Orders", existing: "view"
-- build: build the table under a temporary name
create or replace transient table "Analytics"."dbt_ann"."Orders__elt_tmp_0123456789ab" as (
select id, status from analytics.dbt_ann.stg_orders
);

-- build: drop the view it replaces
drop view if exists "Analytics"."dbt_ann"."Orders";

-- build: move the new table into place
alter table "Analytics"."dbt_ann"."Orders__elt_tmp_0123456789ab" rename to "Analytics"."dbt_ann"."Orders";

-- count rows
select count(*) from "Analytics"."dbt_ann"."Orders";

-- cleanup: drop the temporary table if it is left
drop table if exists "Analytics"."dbt_ann"."Orders__elt_tmp_0123456789ab";
