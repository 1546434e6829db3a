-- build
create materialized view if not exists `proj`.`analytics`.`orders`
cluster by `id`
options(
  enable_refresh = true,
  labels = [('team', 'finance')],
  refresh_interval_minutes = 15
)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

