{% snapshot customers_snapshot %}
{#
    Keeps every version of a customer's contact details. When a customer's
    email or last name changes in the CRM export, the old row is closed
    (dbt_valid_to is set) and a new current row is added.
#}
{{
    config(
        unique_key='customer_id',
        strategy='check',
        check_cols=['email', 'last_name'],
        hard_deletes='invalidate'
    )
}}

select customer_id, first_name, last_name, email, signup_date
from {{ ref('raw_customers') }}

{% endsnapshot %}
