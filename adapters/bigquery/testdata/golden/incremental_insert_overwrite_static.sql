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
when not matched by source and t.`ordered_on` in (date('2024-02-01'), date_sub(current_date(), interval 1 day)) then
  delete;

-- clean up
drop table if exists `proj`.`analytics`.`orders__elt_tmp_0002`;

