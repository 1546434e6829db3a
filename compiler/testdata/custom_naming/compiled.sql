-- model.shop.orders -> "warehouse"."marts"."orders_model"

select 1 as id
-- model.shop.plain -> "warehouse"."main"."plain_model"
select * from "warehouse"."marts"."orders_model"
-- snapshot.shop.legacy_snap -> "warehouse"."snapshots"."legacy_snap_snapshot"

select 1 as id
-- snapshot.shop.modern_snap -> "warehouse"."snaps"."modern_snap_snapshot"

select 1 as id
