-- load job into `proj`.`analytics`.`orders__elt_tmp_0001` (CSV, WRITE_TRUNCATE, CREATE_IF_NEEDED), 3 rows
-- schema: `id` INT64, `Full Name` STRING, `score` NUMERIC, `joined` DATE, `active` BOOL, `code` STRING, `seen_at` DATETIME
--   1,Ann,1.5,2024-01-02,true,007,2024-01-02 10:00:00
--   2,,2.25,2024-01-03,false,10,2024-01-03T11:30:00
--   3,"Smith, Jo",,,true,,

-- after
create or replace table `proj`.`analytics`.`orders` copy `proj`.`analytics`.`orders__elt_tmp_0001`;

-- after
drop table if exists `proj`.`analytics`.`orders__elt_tmp_0001`;

