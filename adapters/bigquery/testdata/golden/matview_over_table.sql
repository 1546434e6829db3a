-- build
drop table if exists `proj`.`analytics`.`orders`;

-- build
create materialized view if not exists `proj`.`analytics`.`orders`
options(
  enable_refresh = true,
  refresh_interval_minutes = 30
)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

