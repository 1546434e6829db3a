-- build
drop materialized view if exists `proj`.`analytics`.`orders`;

-- build
create materialized view if not exists `proj`.`analytics`.`orders`
partition by `created_at`
options(
  enable_refresh = true,
  refresh_interval_minutes = 30
)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

