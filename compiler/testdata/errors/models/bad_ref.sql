select *
from {{ ref('stg_order') }}
