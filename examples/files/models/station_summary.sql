-- Written to target/exports/station_summary.csv.
{{ config(materialized='external', format='csv') }}
select
    s.station_id,
    s.name,
    s.city,
    count(r.celsius) as readings,
    round(avg(r.celsius), 2) as avg_celsius
from {{ source('weather', 'stations') }} s
left join {{ ref('readings_by_month') }} r using (station_id)
group by all
