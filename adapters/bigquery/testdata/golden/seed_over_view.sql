-- load job into `proj`.`analytics`.`orders__elt_tmp_0001` (CSV, WRITE_TRUNCATE, CREATE_IF_NEEDED), 1 rows
-- schema: `id` INT64, `name` STRING
--   1,a

-- after
drop view if exists `proj`.`analytics`.`orders`;

-- after
create or replace table `proj`.`analytics`.`orders` copy `proj`.`analytics`.`orders__elt_tmp_0001`;

-- after
drop table if exists `proj`.`analytics`.`orders__elt_tmp_0001`;

