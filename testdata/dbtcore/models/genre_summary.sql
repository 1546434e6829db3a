{{ config(materialized='table', alias='genre_stats') }}

select
    books.genre,
    count(distinct books.book_id) as titles,
    count(loans.loan_id) as loans,
    sum(loans.late_fee_cents) as late_fee_cents,
    {{ cents_to_currency('sum(loans.late_fee_cents)', 1) }} as late_fees
from {{ ref('stg_books') }} as books
left join {{ ref('stg_loans') }} as loans
    on loans.book_id = books.book_id
group by books.genre
