select *
from {{ ref('stg_loans') }}
where returned_on < loaned_on
