-- stage the new rows
create or replace table `proj`.`analytics`.`orders__elt_tmp_0002`
options(
  expiration_timestamp = timestamp_add(current_timestamp(), interval 12 hour)
)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

-- rows inserted
select count(*) from `proj`.`analytics`.`orders__elt_tmp_0002`;

-- apply (INSERT OVERWRITE)
declare elt_partitions array<TIMESTAMP> default (
  select array_agg(distinct timestamp_trunc(s.`ordered_at`, day) ignore nulls) from `proj`.`analytics`.`orders__elt_tmp_0002` as s
);
merge into `proj`.`analytics`.`orders` as t
using `proj`.`analytics`.`orders__elt_tmp_0002` as s
on false
when not matched then
  insert (`id`, `customer`, `amount`, `ordered_at`, `ordered_on`)
  values (s.`id`, s.`customer`, s.`amount`, s.`ordered_at`, s.`ordered_on`)
when not matched by source and timestamp_trunc(t.`ordered_at`, day) in unnest(elt_partitions) then
  delete;

-- clean up
drop table if exists `proj`.`analytics`.`orders__elt_tmp_0002`;

