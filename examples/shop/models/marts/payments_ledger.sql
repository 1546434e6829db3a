-- An append-mostly ledger of payments, kept incrementally: the first run
-- builds the table; later runs only read payments on or after the newest
-- day already in the table and merge them in by payment_id, so a payment
-- that is corrected upstream replaces its old row instead of duplicating it.
{{
    config(
        materialized='incremental',
        unique_key='payment_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns'
    )
}}

select
    payment_id,
    order_id,
    payment_method,
    amount,
    paid_at
from {{ ref('stg_payments') }}

{% if is_incremental() %}
where paid_at >= (select max(paid_at) from {{ this }})
{% endif %}
