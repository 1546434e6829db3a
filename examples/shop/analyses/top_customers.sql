-- The customers worth a thank-you note, best first: compiled by
-- `elt compile` into target/compiled/shop/analyses/top_customers.sql,
-- never run by build. Preview it with: elt show --select top_customers
select customer_id, full_name, lifetime_value
from {{ ref('dim_customers') }}
where lifetime_value >= {{ var('top_customer_min_value', 100) }}
order by lifetime_value desc, customer_id
