{{ config(schema='reporting') }}

select
    durations.loan_id,
    members.full_name,
    books.title,
    durations.status,
    durations.days_out,
    durations.late_fee_cents
from {{ ref('int_loan_durations') }} as durations
inner join {{ ref('stg_members') }} as members
    on members.member_id = durations.member_id
inner join {{ ref('stg_books') }} as books
    on books.book_id = durations.book_id
where durations.days_out > {{ var('loan_period_days', 21) }}
