-- build
create or replace table `proj`.`analytics`.`orders`
partition by range_bucket(`id`, generate_array(0, 1000, 10))
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

