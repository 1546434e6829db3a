-- One row per customer, names tidied and emails lower-cased so they can be matched.
select
    customer_id,
    first_name,
    last_name,
    first_name || ' ' || last_name as full_name,
    lower(email) as email,
    cast(signup_date as date) as signup_date
from {{ ref('raw_customers') }}
