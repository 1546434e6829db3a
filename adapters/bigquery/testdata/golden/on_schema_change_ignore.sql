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

-- apply (MERGE)
merge into `proj`.`analytics`.`orders` as t
using `proj`.`analytics`.`orders__elt_tmp_0002` as s
on t.`id` = s.`id`
when matched then
  update set `customer` = cast(s.`customer` as STRING), `amount` = cast(s.`amount` as NUMERIC)
when not matched then
  insert (`id`, `customer`, `amount`)
  values (s.`id`, cast(s.`customer` as STRING), cast(s.`amount` as NUMERIC));

-- clean up
drop table if exists `proj`.`analytics`.`orders__elt_tmp_0002`;

