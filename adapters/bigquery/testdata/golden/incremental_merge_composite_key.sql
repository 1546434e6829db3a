-- stage the new rows
create or replace table `proj`.`analytics`.`orders__elt_tmp_0002`
options(
  expiration_timestamp = timestamp_add(current_timestamp(), interval 12 hour)
)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

-- checks: counts
select (select count(*) from `proj`.`analytics`.`orders__elt_tmp_0002` where `customer` is null or `id` is null), (select count(*) from (select `customer`, `id` from `proj`.`analytics`.`orders__elt_tmp_0002` group by `customer`, `id` having count(*) > 1));

-- check NULL keys: samples
select `customer`, `id` from `proj`.`analytics`.`orders__elt_tmp_0002` where `customer` is null or `id` is null order by `customer`, `id` limit 5;

-- check repeated keys: samples
select `customer`, `id` from `proj`.`analytics`.`orders__elt_tmp_0002` group by `customer`, `id` having count(*) > 1 order by `customer`, `id` limit 5;

-- apply (MERGE)
merge into `proj`.`analytics`.`orders` as t
using `proj`.`analytics`.`orders__elt_tmp_0002` as s
on t.`customer` = s.`customer` and t.`id` = s.`id`
when matched then
  update set `amount` = s.`amount`, `ordered_at` = s.`ordered_at`, `ordered_on` = s.`ordered_on`
when not matched then
  insert (`id`, `customer`, `amount`, `ordered_at`, `ordered_on`)
  values (s.`id`, s.`customer`, s.`amount`, s.`ordered_at`, s.`ordered_on`);

-- clean up
drop table if exists `proj`.`analytics`.`orders__elt_tmp_0002`;

