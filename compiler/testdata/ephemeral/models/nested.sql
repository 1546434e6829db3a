select * from {{ ref('mid_e') }}
