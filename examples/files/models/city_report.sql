{{ config(materialized='table') }}
select city, sum(readings) as readings, round(avg(avg_celsius), 2) as avg_celsius
from {{ ref('station_summary') }}
group by city
