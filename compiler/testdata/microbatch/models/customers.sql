select 10 as id, 'ada' as name
