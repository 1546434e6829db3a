-- build
create or replace table `proj`.`analytics`.`orders`
cluster by `customer`
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

