{{ config(event_time='occurred_at') }}
select 1 as id, 10 as customer_id, timestamp '2024-01-01 05:00:00' as occurred_at
