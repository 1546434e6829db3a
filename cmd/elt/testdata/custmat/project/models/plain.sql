{{ config(materialized='table') }}
select 7 as id
