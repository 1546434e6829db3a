-- stage the source
create or replace table `proj`.`snapshots`.`orders_snapshot__elt_tmp_0001`
options(
  expiration_timestamp = timestamp_add(current_timestamp(), interval 12 hour)
)
as (
select * from `proj`.`raw`.`orders`
);

-- check unique_key
select `id`, count(*) from `proj`.`snapshots`.`orders_snapshot__elt_tmp_0001` where `id` is not null group by `id` having count(*) > 1 order by count(*) desc, `id` limit 3;

-- first run
create table `proj`.`snapshots`.`orders_snapshot`
as (
select
  src.*,
  to_hex(md5(concat(coalesce(cast(src.`id` as string), ''), '|', coalesce(cast(src.`updated_at` as string), '')))) as `dbt_scd_id`,
  src.`updated_at` as `dbt_updated_at`,
  src.`updated_at` as `dbt_valid_from`,
  cast(null as DATETIME) as `dbt_valid_to`
from `proj`.`snapshots`.`orders_snapshot__elt_tmp_0001` as src
);

-- clean up
drop table if exists `proj`.`snapshots`.`orders_snapshot__elt_tmp_0001`;

