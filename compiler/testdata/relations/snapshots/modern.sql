{{ config(schema='snaps', unique_key='id', strategy='check', check_cols='all') }}
select 1 as id
