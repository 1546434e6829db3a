-- load job (files uploaded: <testdata>/people.tsv)
-- {
--   "configuration": {
--     "load": {
--       "createDisposition": "CREATE_IF_NEEDED",
--       "destinationTable": {
--         "datasetId": "raw",
--         "projectId": "my-project",
--         "tableId": "t__elt_raw_0123abcd"
--       },
--       "encoding": "ISO-8859-1",
--       "fieldDelimiter": "\t",
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
--             "name": "name",
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
create table if not exists `my-project`.`raw`.`t` (`id` string, `name` string, `_elt_loaded_at` timestamp, `_elt_load_id` string);
begin transaction;
merge into `my-project`.`raw`.`t` as t using (select `id`, `name`, current_timestamp() as `_elt_loaded_at`, '0123abcd' as `_elt_load_id` from `my-project`.`raw`.`t__elt_raw_0123abcd`) as s on t.`id` = s.`id` when matched then update set `id` = s.`id`, `name` = s.`name`, `_elt_loaded_at` = s.`_elt_loaded_at`, `_elt_load_id` = s.`_elt_load_id` when not matched then insert (`id`, `name`, `_elt_loaded_at`, `_elt_load_id`) values (s.`id`, s.`name`, s.`_elt_loaded_at`, s.`_elt_load_id`);
insert into `my-project`.`raw`.`_elt_loads` (load_id, loader, started_at, finished_at, status, row_count, pages, rejected) select '0123abcd', 'bigquery_merge_tsv', timestamp '2024-05-06 07:08:09.000000+00', current_timestamp(), 'success', count(*), 1, 0 from `my-project`.`raw`.`t__elt_raw_0123abcd`;
commit transaction;
drop table if exists `my-project`.`raw`.`t__elt_raw_0123abcd`;
