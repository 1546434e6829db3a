-- stage the new rows
declare _dbt_max_partition DATE default (
  select max(`ordered_on`) from `proj`.`analytics`.`orders` where `ordered_on` is not null
);
create or replace table `proj`.`analytics`.`orders__elt_tmp_0002`
options(
  expiration_timestamp = timestamp_add(current_timestamp(), interval 12 hour)
)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
where ordered_on >= _dbt_max_partition
);

-- rows inserted
select count(*) from `proj`.`analytics`.`orders__elt_tmp_0002`;

-- apply (INSERT OVERWRITE)
declare elt_partitions array<DATE> default (
  select array_agg(distinct s.`ordered_on` ignore nulls) from `proj`.`analytics`.`orders__elt_tmp_0002` as s
);
merge into `proj`.`analytics`.`orders` as t
using `proj`.`analytics`.`orders__elt_tmp_0002` as s
on false
when not matched then
  insert (`id`, `customer`, `amount`, `ordered_at`, `ordered_on`)
  values (s.`id`, s.`customer`, s.`amount`, s.`ordered_at`, s.`ordered_on`)
when not matched by source and t.`ordered_on` in unnest(elt_partitions) then
  delete;

-- clean up
drop table if exists `proj`.`analytics`.`orders__elt_tmp_0002`;

