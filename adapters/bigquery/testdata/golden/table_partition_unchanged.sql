-- build
create or replace table `proj`.`analytics`.`orders`
partition by `ordered_on`
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

