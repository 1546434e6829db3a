-- load job (files uploaded: <testdata>/orders.csv)
-- {
--   "configuration": {
--     "load": {
--       "createDisposition": "CREATE_IF_NEEDED",
--       "destinationTable": {
--         "datasetId": "raw",
--         "projectId": "my-project",
--         "tableId": "t__elt_raw_0123abcd"
--       },
--       "encoding": "UTF-8",
--       "fieldDelimiter": ",",
--       "quote": "\"",
--       "schema": {
--         "fields": [
--           {
--             "mode": "NULLABLE",
--             "name": "id",
--             "type": "STRING"
--           },
--           {
--             "mode": "NULLABLE",
--             "name": "customer_name",
--             "type": "STRING"
--           },
--           {
--             "mode": "NULLABLE",
--             "name": "amount",
--             "type": "STRING"
--           }
--         ]
--       },
--       "skipLeadingRows": 1,
--       "sourceFormat": "CSV",
--       "writeDisposition": "WRITE_TRUNCATE"
--     }
--   }
-- }
create schema if not exists `my-project`.`raw`;
create table if not exists `my-project`.`raw`.`_elt_loads` (load_id string, loader string, started_at timestamp, finished_at timestamp, status string, row_count int64, pages int64, rejected int64, cursor_value string, checkpoint string, error_message string);
create table if not exists `my-project`.`raw`.`t` (`id` string, `customer_name` string, `amount` string, `_elt_loaded_at` timestamp, `_elt_load_id` string);
alter table `my-project`.`raw`.`t` add column if not exists `id` string;
alter table `my-project`.`raw`.`t` add column if not exists `customer_name` string;
alter table `my-project`.`raw`.`t` add column if not exists `amount` string;
begin transaction;
insert into `my-project`.`raw`.`t` (`id`, `customer_name`, `amount`, `_elt_loaded_at`, `_elt_load_id`) select `id`, `customer_name`, `amount`, current_timestamp() as `_elt_loaded_at`, '0123abcd' as `_elt_load_id` from `my-project`.`raw`.`t__elt_raw_0123abcd`;
insert into `my-project`.`raw`.`_elt_loads` (load_id, loader, started_at, finished_at, status, row_count, pages, rejected) select '0123abcd', 'bigquery_append_csv', timestamp '2024-05-06 07:08:09.000000+00', current_timestamp(), 'success', count(*), 1, 0 from `my-project`.`raw`.`t__elt_raw_0123abcd`;
commit transaction;
drop table if exists `my-project`.`raw`.`t__elt_raw_0123abcd`;
