{{ config(database='other_db') }}
select 1 as x
