-- model.shop.orders -> "warehouse"."main_sales"."orders"

-- this="warehouse"."main_sales"."orders" schema=main_sales identifier=orders database=warehouse
-- target=dev/main/duckdb/4/warehouse/shop dev
-- config.get=table missing=dflt require=table tags=daily
-- var=eu cli=from-cli scoped=package-scope default=fallback
-- env=from-env env_default=d
-- incremental=False execute=True
-- started=2024-05-06 07:08:09.123456+00:00 day=2024-05-06 07:08 iso=2024-05-06T07:08:09.123456+00:00
-- invocation=00000000-0000-0000-0000-000000000000 version=1.10.9 project=shop
-- model=orders model.shop.orders table model
-- json={"a": [1, 2]} from=x zip=[(1, 'a'), (2, 'b')]
-- quote="Weird Col" cents=(amount / 100)::numeric(16, 2)
-- namespace=6
-- set_block=captured 2
-- returned_list=2 first=id returned_bool=True returned_dict=fast
-- after_do=id,amount,extra
-- caller=<x>inner 42</x>
-- nested=outer(inner) this=orders
-- dispatch=quack you
-- md5=900150983cd24fb0d6963f7d28e17f72 log=
select *
from "warehouse"."main"."stg_orders"
join "warehouse"."raw"."payments" using (id)
-- model.shop.stg_orders -> "warehouse"."main"."stg_orders"
select 1 as id
