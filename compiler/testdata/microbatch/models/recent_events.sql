{{ config(materialized='ephemeral') }}
select * from {{ ref('events') }}
