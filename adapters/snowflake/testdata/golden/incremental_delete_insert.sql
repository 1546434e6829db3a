-- incremental analytics.dbt_ann.orders: strategy delete+insert, unique_key [id status], on_schema_change ignore
-- target columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), AMOUNT NUMBER(10,2), UPDATED_AT TIMESTAMP_NTZ(9)
-- new rows' columns: ID NUMBER(38,0), STATUS VARCHAR(16777216), AMOUNT NUMBER(10,2), UPDATED_AT TIMESTAMP_NTZ(9)

-- stage: stage the new rows
create or replace temporary table analytics.dbt_ann.orders__elt_tmp_0123456789ab as (
select * from analytics.dbt_ann.stg_orders where updated_at > (select max(updated_at) from analytics.dbt_ann.orders)
);

-- key checks: counts
select (select count(*) from analytics.dbt_ann.orders__elt_tmp_0123456789ab where "ID" is null or "STATUS" is null),
  (select count(*) from (select "ID", "STATUS" from analytics.dbt_ann.orders__elt_tmp_0123456789ab group by "ID", "STATUS" having count(*) > 1));

-- key check, NULL keys: samples
select "ID", "STATUS" from analytics.dbt_ann.orders__elt_tmp_0123456789ab where "ID" is null or "STATUS" is null
order by 1, 2
limit 5;

-- key check, repeated keys: samples
select "ID", "STATUS" from analytics.dbt_ann.orders__elt_tmp_0123456789ab group by "ID", "STATUS" having count(*) > 1
order by 1, 2
limit 5;

-- apply: write the rows in one transaction
begin;

-- apply: delete the rows being replaced
delete from analytics.dbt_ann.orders as t
using analytics.dbt_ann.orders__elt_tmp_0123456789ab as s
where t."ID" = s."ID" and t."STATUS" = s."STATUS";

-- apply: insert the new rows [rows affected]
insert into analytics.dbt_ann.orders ("ID", "STATUS", "AMOUNT", "UPDATED_AT")
select s."ID", s."STATUS", s."AMOUNT", s."UPDATED_AT"
from analytics.dbt_ann.orders__elt_tmp_0123456789ab as s;

-- apply: commit
commit;

-- cleanup: drop the staged rows
drop table if exists analytics.dbt_ann.orders__elt_tmp_0123456789ab;

-- result: DELETE+INSERT <rows affected>
