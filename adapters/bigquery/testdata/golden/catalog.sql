-- columns (@table is the identifier)
select c.column_name, c.data_type, c.ordinal_position, coalesce(p.description, '') as description
from `proj`.`analytics`.INFORMATION_SCHEMA.COLUMNS as c
left join `proj`.`analytics`.INFORMATION_SCHEMA.COLUMN_FIELD_PATHS as p
  on p.table_name = c.table_name and p.column_name = c.column_name and p.field_path = c.column_name
where c.table_name = @table
order by c.ordinal_position;

-- every table and view of a dataset (DescribeMany)
select table_name, table_type
from `proj`.`analytics`.INFORMATION_SCHEMA.TABLES
order by table_name;

-- their columns (DescribeMany)
select c.table_name, c.column_name, c.data_type, c.ordinal_position, coalesce(p.description, '') as description
from `proj`.`analytics`.INFORMATION_SCHEMA.COLUMNS as c
left join `proj`.`analytics`.INFORMATION_SCHEMA.COLUMN_FIELD_PATHS as p
  on p.table_name = c.table_name and p.column_name = c.column_name and p.field_path = c.column_name
order by c.table_name, c.ordinal_position;

-- create dataset
create schema if not exists `proj`.`analytics`;

-- create dataset in a location
create schema if not exists `proj`.`analytics_eu`
options(location = 'EU');

-- quoting
`my-project`.`data set`.`we\`ird\\name`;

