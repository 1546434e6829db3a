-- columns
select column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, datetime_precision, ordinal_position, coalesce(comment, '')
from "Analytics".information_schema.columns
where table_schema = 'dbt_ann' and table_name = 'Orders'
order by ordinal_position;

-- relation kind
select table_type
from "Analytics".information_schema.tables
where table_schema = 'dbt_ann' and table_name = 'Orders';

-- relation kind, current database and schema
select table_type
from information_schema.tables
where table_schema = current_schema() and table_name = 'orders';

-- describe
describe table "Analytics"."dbt_ann"."Orders";

-- create schema
create schema if not exists "Analytics"."dbt_ann_staging";
