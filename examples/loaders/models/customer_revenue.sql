select c.id, c.name, count(o.id) as orders, coalesce(sum(o.amount), 0) as revenue
from {{ source('raw', 'customers') }} as c
left join {{ source('raw', 'orders') }} as o on o.customer_id = c.id
group by c.id, c.name
