{{ config(schema='marts', alias='fct_orders') }}
select * from {{ ref('plain') }}
