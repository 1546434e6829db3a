-- stage the new rows
create or replace table `proj`.`analytics`.`orders__elt_tmp_0002`
options(
  expiration_timestamp = timestamp_add(current_timestamp(), interval 12 hour)
)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

-- checks: counts
select (select count(*) from `proj`.`analytics`.`orders__elt_tmp_0002` where `id` is null), (select count(*) from (select `id` from `proj`.`analytics`.`orders__elt_tmp_0002` group by `id` having count(*) > 1));

-- check NULL keys: samples
select `id` from `proj`.`analytics`.`orders__elt_tmp_0002` where `id` is null order by `id` limit 5;

-- check repeated keys: samples
select `id` from `proj`.`analytics`.`orders__elt_tmp_0002` group by `id` having count(*) > 1 order by `id` limit 5;

-- on_schema_change sync_all_columns
alter table `proj`.`analytics`.`orders`
  add column `channel` STRING;

-- on_schema_change sync_all_columns
alter table `proj`.`analytics`.`orders`
  drop column `legacy`;

-- on_schema_change sync_all_columns
alter table `proj`.`analytics`.`orders`
  alter column `amount` set data type FLOAT64;

-- on_schema_change sync_all_columns
create or replace table `proj`.`analytics`.`orders`
cluster by `id`
options(
  labels = [('team', 'finance')]
)
as (
select * replace (cast(`customer` as INT64) as `customer`) from `proj`.`analytics`.`orders`
);

-- apply (MERGE)
merge into `proj`.`analytics`.`orders` as t
using `proj`.`analytics`.`orders__elt_tmp_0002` as s
on t.`id` = s.`id`
when matched then
  update set `customer` = s.`customer`, `amount` = s.`amount`, `channel` = s.`channel`
when not matched then
  insert (`id`, `customer`, `amount`, `channel`)
  values (s.`id`, s.`customer`, s.`amount`, s.`channel`);

-- clean up
drop table if exists `proj`.`analytics`.`orders__elt_tmp_0002`;

