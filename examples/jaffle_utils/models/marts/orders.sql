select
    {{ dbt_utils.generate_surrogate_key(['o.store', 'o.order_id']) }} as order_key,
    {{ dbt_utils.star(ref('stg_orders'), relation_alias='o') }},
    coalesce(p.total_amount, 0) as amount,
    {{ dbt_utils.star(ref('order_payments'), relation_alias='p', except=['order_id', 'total_amount']) }}
from {{ ref('stg_orders') }} as o
left join {{ ref('order_payments') }} as p on p.order_id = o.order_id
