-- One row per order, one column per payment method.
select
    order_id,
    {{ dbt_utils.pivot('payment_method', var('payment_methods'), agg='sum', then_value='amount', else_value=0, suffix='_amount', quote_identifiers=false) }},
    sum(amount) as total_amount
from {{ ref('stg_payments') }}
group by order_id
