-- model.shop.base_e

select 1 as id
-- model.shop.mid_e

with __dbt__cte__base_e as (

select 1 as id
) select id from __dbt__cte__base_e
-- model.shop.nested -> "warehouse"."main"."nested"
with __dbt__cte__base_e as (

select 1 as id
),  __dbt__cte__mid_e as (

select id from __dbt__cte__base_e
) select * from __dbt__cte__mid_e
-- model.shop.simple -> "warehouse"."main"."simple"
with __dbt__cte__base_e as (

select 1 as id
) select * from __dbt__cte__base_e
-- model.shop.with_existing -> "warehouse"."main"."with_existing"
-- leading comment
WITH  __dbt__cte__base_e as (

select 1 as id
),  __dbt__cte__mid_e as (

select id from __dbt__cte__base_e
), x as (select * from __dbt__cte__base_e)
select * from x join __dbt__cte__mid_e using (id)
