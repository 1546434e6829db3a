select * from {{ ref('off') }}
