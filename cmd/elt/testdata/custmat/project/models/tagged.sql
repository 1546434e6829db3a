{{ config(materialized='tagged') }}
select 1 as x
