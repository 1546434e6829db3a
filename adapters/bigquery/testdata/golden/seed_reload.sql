-- load job into `proj`.`analytics`.`orders` (CSV, WRITE_TRUNCATE, CREATE_IF_NEEDED), 2 rows
-- schema (the table's own): `id` INT64, `name` STRING
--   1,a
--   2,"b, c"

