-- build
create materialized view if not exists `proj`.`analytics`.`orders`
options(
  enable_refresh = false
)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

