-- Revenue per calendar day from orders that count as revenue (see the
-- revenue_statuses var). Days without such orders have no row.
-- Override the first day with: --vars '{revenue_start_date: 2024-03-01}'

select
    order_date,
    count(*) as orders,
    sum(item_count) as items_sold,
    sum(order_total) as revenue,
    sum(gift_card_amount) as gift_card_revenue
from {{ ref('fct_orders') }}
where is_revenue
    and order_date >= cast('{{ var("revenue_start_date", "2024-01-01") }}' as date)
group by order_date
