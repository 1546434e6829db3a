-- Built in the attached archive.duckdb.
{{ config(materialized='table', database='archive') }}
select distinct month from {{ ref('readings_by_month') }}
