select
    member_id,
    full_name,
    tier,
    case tier
        when 1 then 'basic'
        when 2 then 'plus'
        when 3 then 'patron'
    end as tier_name,
    joined_on
from {{ ref('members') }}
