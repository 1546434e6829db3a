with loans as (
    select
        *,
        coalesce(returned_on, cast('{{ var("reference_date") }}' as date)) as counted_until
    from {{ ref('stg_loans') }}
)

select
    loan_id,
    member_id,
    book_id,
    status,
    loaned_on,
    returned_on,
    {{ days_between('loaned_on', 'counted_until') }} as days_out,
    late_fee_cents
from loans
