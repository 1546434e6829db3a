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

-- schema changes
alter table `proj`.`snapshots`.`orders_snapshot`
  add column `dbt_updated_at` TIMESTAMP;

-- stage the changes
create or replace table `proj`.`snapshots`.`orders_snapshot__elt_tmp_0002`
options(
  expiration_timestamp = timestamp_add(current_timestamp(), interval 12 hour)
)
as (
with cur as (
  select *, true as `elt_snapshot__current` from `proj`.`snapshots`.`orders_snapshot` as t where t.`dbt_valid_to` is null
),
changed as (
  select src.*, src.`updated_at` as `elt_snapshot__ts`, cur.`elt_snapshot__current` is null as `elt_snapshot__is_new`, cur.`dbt_scd_id` as `elt_snapshot__close_scd_id`
  from `proj`.`snapshots`.`orders_snapshot__elt_tmp_0001` as src
  left join cur on src.`id` = cur.`id`
  where cur.`elt_snapshot__current` is null or (src.`updated_at` > cur.`dbt_valid_from`)
)
select changed.`id` as `id`, changed.`status` as `status`, changed.`updated_at` as `updated_at`, changed.`elt_snapshot__ts`, if(changed.`elt_snapshot__is_new`, 'new', 'changed') as `elt_snapshot__action`, to_hex(md5(concat(coalesce(cast(changed.`id` as string), ''), '|', coalesce(cast(changed.`elt_snapshot__ts` as string), '')))) as `elt_snapshot__scd_id` from changed
union all
select changed.`id` as `id`, changed.`status` as `status`, changed.`updated_at` as `updated_at`, changed.`elt_snapshot__ts`, 'close', changed.`elt_snapshot__close_scd_id` from changed where not changed.`elt_snapshot__is_new`
);

-- count new, changed, deleted
select countif(`elt_snapshot__action` = 'new'), countif(`elt_snapshot__action` = 'changed'), countif(`elt_snapshot__action` = 'deleted') from `proj`.`snapshots`.`orders_snapshot__elt_tmp_0002`;

-- write the changes
merge into `proj`.`snapshots`.`orders_snapshot` as t
using `proj`.`snapshots`.`orders_snapshot__elt_tmp_0002` as s
on t.`dbt_scd_id` = s.`elt_snapshot__scd_id`
when matched and t.`dbt_valid_to` is null and s.`elt_snapshot__action` in ('close', 'deleted') then
  update set `dbt_valid_to` = s.`elt_snapshot__ts`
when not matched and s.`elt_snapshot__action` in ('new', 'changed') then
  insert (`id`, `status`, `updated_at`, `dbt_scd_id`, `dbt_updated_at`, `dbt_valid_from`, `dbt_valid_to`)
  values (s.`id`, s.`status`, s.`updated_at`, s.`elt_snapshot__scd_id`, s.`elt_snapshot__ts`, s.`elt_snapshot__ts`, cast(null as TIMESTAMP));

-- clean up
drop table if exists `proj`.`snapshots`.`orders_snapshot__elt_tmp_0002`;

-- clean up
drop table if exists `proj`.`snapshots`.`orders_snapshot__elt_tmp_0001`;

