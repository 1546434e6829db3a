-- model.shop.orders -> "warehouse"."marts"."orders_model"

select 1 as id
-- model.shop.plain -> "warehouse"."main"."plain_model"
select * from "warehouse"."marts"."orders_model"
