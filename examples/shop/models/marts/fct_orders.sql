{% set payment_methods = ['card', 'cash', 'gift_card'] %}

with orders as (
    select * from {{ ref('stg_orders') }}
),

totals as (
    select * from {{ ref('int_order_totals') }}
),

payments_by_method as (
    select
        order_id,
        {% for method in payment_methods %}
        sum(case when payment_method = '{{ method }}' then amount else 0 end) as {{ method }}_amount
        {{- "," if not loop.last }}
        {% endfor %}
    from {{ ref('stg_payments') }}
    group by order_id
)

select
    orders.order_id,
    orders.customer_id,
    orders.ordered_at,
    orders.order_date,
    orders.status,
    totals.line_count,
    totals.item_count,
    {{ cents_to_dollars('totals.items_total_cents') }} as order_total,
    {{ cents_to_dollars('totals.paid_cents') }} as amount_paid,
    {% for method in payment_methods %}
    coalesce(payments_by_method.{{ method }}_amount, 0) as {{ method }}_amount,
    {% endfor %}
    orders.status in (
        {%- for status in var('revenue_statuses') %}'{{ status }}'{{ ", " if not loop.last }}{% endfor -%}
    ) as is_revenue
from orders
inner join totals on totals.order_id = orders.order_id
left join payments_by_method on payments_by_method.order_id = orders.order_id
