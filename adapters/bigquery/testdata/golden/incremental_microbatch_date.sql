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

-- apply (DELETE+INSERT)
begin
  begin transaction;
  delete from `proj`.`analytics`.`orders` as t
  where cast(t.`ordered_on` as datetime) >= datetime '2024-02-01 12:00:00' and cast(t.`ordered_on` as datetime) < datetime '2024-02-01 13:00:00';
  insert into `proj`.`analytics`.`orders` (`id`, `customer`, `amount`, `ordered_at`, `ordered_on`)
  select s.`id`, s.`customer`, s.`amount`, s.`ordered_at`, s.`ordered_on`
  from `proj`.`analytics`.`orders__elt_tmp_0002` as s;
  commit transaction;
exception when error then
  rollback transaction;
  raise using message = @@error.message;
end;

-- clean up
drop table if exists `proj`.`analytics`.`orders__elt_tmp_0002`;

