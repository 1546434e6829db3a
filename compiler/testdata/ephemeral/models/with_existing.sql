-- leading comment
WITH x as (select * from {{ ref('base_e') }})
select * from x join {{ ref('mid_e') }} using (id)
