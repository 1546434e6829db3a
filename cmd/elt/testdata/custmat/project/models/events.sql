{{ config(materialized='insert_only') }}
select {{ var('batch', 1) }} as batch
