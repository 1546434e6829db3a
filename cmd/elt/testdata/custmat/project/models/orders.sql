{{ config(materialized='swap_table', indexes=[{'columns': ['id'], 'unique': True}], post_hook="insert into {{ this }} values (3, 30)") }}
select 1 as id, 10 as amount union all select 2, 20
