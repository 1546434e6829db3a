{{ config(schema='snaps') }}
select 1 as id
