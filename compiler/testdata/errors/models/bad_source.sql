select 1
union all
select * from {{ source('raw', 'nope') }}
