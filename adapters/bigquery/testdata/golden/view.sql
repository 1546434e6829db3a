-- build
create or replace view `proj`.`analytics`.`orders`
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

