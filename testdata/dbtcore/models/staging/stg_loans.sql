select
    loan_id,
    member_id,
    book_id,
    loaned_on,
    returned_on,
    lower(status) as status,
    late_fee_cents,
    {{ cents_to_currency('late_fee_cents') }} as late_fee
from {{ ref('loans') }}
