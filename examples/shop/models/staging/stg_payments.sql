select
    payment_id,
    order_id,
    lower(payment_method) as payment_method,
    amount_cents,
    {{ cents_to_dollars('amount_cents') }} as amount,
    cast(paid_at as date) as paid_at
from {{ ref('raw_payments') }}
