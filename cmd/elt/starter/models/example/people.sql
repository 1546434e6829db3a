select
    id,
    name,
    {{ upper_city('city') }} as city
from {{ ref('raw_people') }}
