with customers as (
    select * from {{ ref('stg_customers') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

customer_orders as (
    select
        customer_id,
        min(order_date) as first_order_date,
        max(order_date) as most_recent_order_date,
        count(*) as number_of_orders,
        {% for status in var('order_statuses') %}
        count(*) filter (where status = '{{ status }}') as {{ column_name(status) }}_orders,
        {% endfor %}
        sum(case when is_revenue then amount_paid else 0 end) as lifetime_value
    from orders
    group by customer_id
)

select
    customers.customer_id,
    customers.full_name,
    customers.email,
    customers.signup_date,
    customer_orders.first_order_date,
    customer_orders.most_recent_order_date,
    coalesce(customer_orders.number_of_orders, 0) as number_of_orders,
    {% for status in var('order_statuses') %}
    coalesce(customer_orders.{{ column_name(status) }}_orders, 0) as {{ column_name(status) }}_orders,
    {% endfor %}
    coalesce(customer_orders.lifetime_value, 0) as lifetime_value
from customers
left join customer_orders on customer_orders.customer_id = customers.customer_id
