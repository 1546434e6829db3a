-- default quoting: the tables and views of two schemas
select table_schema, table_name, table_type
from analytics.information_schema.tables
where table_schema in ('MART', 'Raw Data')
order by table_schema, table_name;

-- default quoting: their columns
select table_schema, table_name, column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, datetime_precision, ordinal_position, coalesce(comment, '')
from analytics.information_schema.columns
where table_schema in ('MART', 'Raw Data')
order by table_schema, table_name, ordinal_position;

-- quoting on: the tables and views of two schemas
select table_schema, table_name, table_type
from "analytics".information_schema.tables
where table_schema in ('mart', 'Raw Data')
order by table_schema, table_name;

-- quoting on: their columns
select table_schema, table_name, column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, datetime_precision, ordinal_position, coalesce(comment, '')
from "analytics".information_schema.columns
where table_schema in ('mart', 'Raw Data')
order by table_schema, table_name, ordinal_position;

