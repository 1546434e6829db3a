select table_schema as schema,
       table_name as identifier,
       last_altered as last_modified,
       convert_timezone('UTC', current_timestamp()) as snapshotted_at
from "Raw DB".INFORMATION_SCHEMA.tables
where ((upper(table_schema) = upper('it''s') and
        upper(table_name) = upper('Orders')))
