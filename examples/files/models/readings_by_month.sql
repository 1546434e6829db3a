-- Written to Parquet files, one folder per month (month=2024-01/...), and
-- read back through a view of the same name.
{{ config(
    materialized='external',
    options={'partition_by': 'month', 'overwrite': true}
) }}
select
    station_id,
    strftime(cast(taken_at as timestamp), '%Y-%m') as month,
    celsius
from {{ source('weather', 'readings') }}
