-- build
create or replace table `proj`.`analytics`.`orders`
partition by date_trunc(`ordered_on`, month)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

