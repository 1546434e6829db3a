select
    book_id,
    title,
    lower(genre) as genre,
    pages
from {{ ref('books') }}
