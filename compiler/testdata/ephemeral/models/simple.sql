select * from {{ ref('base_e') }}
