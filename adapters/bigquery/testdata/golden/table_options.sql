-- build
create or replace table `proj`.`analytics`.`orders`
partition by `ordered_on`
options(
  expiration_timestamp = timestamp_add(current_timestamp(), interval 6 hour),
  kms_key_name = 'projects/p/locations/us/keyRings/r/cryptoKeys/k',
  labels = [('team', 'finance'), ('tier', '1')],
  partition_expiration_days = 90,
  require_partition_filter = true
)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

