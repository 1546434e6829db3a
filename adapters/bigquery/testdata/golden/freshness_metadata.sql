select table_schema as schema,
  table_name as identifier,
  storage_last_modified_time as last_modified,
  current_timestamp() as snapshotted_at
from `my-project`.`region-US`.INFORMATION_SCHEMA.TABLE_STORAGE
where (upper(table_schema) in (upper('jaffle')))
and ((upper(table_schema) = upper('jaffle') and
      upper(table_name) = upper('orders')))
