-- model.shop.elsewhere -> "other_db"."main"."elsewhere"

select 1 as x
-- model.shop.orders -> "warehouse"."main_marts"."fct_orders"

select * from "warehouse"."main"."plain"
-- model.shop.plain -> "warehouse"."main"."plain"
select 1 as id
-- model.shop.stg_a -> "warehouse"."main_stg"."stg_a"
select 2 as id
-- seed.shop.countries -> "warehouse"."main"."country_codes"

-- snapshot.shop.default_snap -> "warehouse"."main"."default_snap"

select 1 as id
-- snapshot.shop.modern -> "warehouse"."main_snaps"."modern"

select 1 as id
-- snapshot.shop.snap -> "warehouse"."snapshots"."snap"

select * from "warehouse"."main"."country_codes"
