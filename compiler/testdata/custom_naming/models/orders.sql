{{ config(schema='marts') }}
select 1 as id
