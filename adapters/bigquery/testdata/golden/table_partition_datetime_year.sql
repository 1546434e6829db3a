-- build
create or replace table `proj`.`analytics`.`orders`
partition by datetime_trunc(`ordered_at`, year)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

