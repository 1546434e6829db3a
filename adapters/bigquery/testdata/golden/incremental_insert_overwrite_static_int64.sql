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
merge into `proj`.`analytics`.`orders` as t
using `proj`.`analytics`.`orders__elt_tmp_0002` as s
on false
when not matched then
  insert (`id`, `customer`, `amount`, `ordered_at`, `ordered_on`)
  values (s.`id`, s.`customer`, s.`amount`, s.`ordered_at`, s.`ordered_on`)
when not matched by source and range_bucket(t.`id`, generate_array(0, 100, 10)) in (range_bucket(0, generate_array(0, 100, 10)), range_bucket(10, generate_array(0, 100, 10))) then
  delete;

-- clean up
drop table if exists `proj`.`analytics`.`orders__elt_tmp_0002`;

