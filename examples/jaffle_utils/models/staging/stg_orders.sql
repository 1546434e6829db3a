-- Each store exports its orders on its own; union_relations stacks them,
-- matching columns by name, and says where each row came from.
with unioned as (
    {{ dbt_utils.union_relations(relations=[ref('raw_orders_city'), ref('raw_orders_harbour')]) }}
)

select
    id as order_id,
    user_id as customer_id,
    order_date,
    status,
    case when _dbt_source_relation like '%raw_orders_city%' then 'city' else 'harbour' end as store
from unioned
