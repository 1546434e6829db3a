-- build
create or replace view `proj`.`analytics`.`orders`
options(
  labels = [('team', 'finance')]
)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

