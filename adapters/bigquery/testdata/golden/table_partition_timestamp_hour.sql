-- build
create or replace table `proj`.`analytics`.`orders`
partition by timestamp_trunc(`ordered_at`, hour)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

