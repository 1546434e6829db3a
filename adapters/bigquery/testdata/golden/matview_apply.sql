-- build
alter materialized view `proj`.`analytics`.`orders` set
options(
  enable_refresh = true,
  refresh_interval_minutes = 30
);

