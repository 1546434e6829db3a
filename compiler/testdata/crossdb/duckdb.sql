-- model.shop.any_value -> "warehouse"."main"."any_value"
select arbitrary(x) as v from (values (5), (5)) t(x)
-- model.shop.array_empty -> "warehouse"."main"."array_empty"
select len(cast([] as integer[])) as v
-- model.shop.arrays -> "warehouse"."main"."arrays"
select len(list_concat(list_append([1, 2], 3), [4])) as v
-- model.shop.bool_or -> "warehouse"."main"."bool_or"
select bool_or(x > 2) as v from (values (1), (3)) t(x)
-- model.shop.cast -> "warehouse"."main"."cast"
select cast('7' as integer) + 1 as v
-- model.shop.cast_bool_to_text -> "warehouse"."main"."cast_bool_to_text"
select cast(1 = 1 as TEXT) as v
-- model.shop.cast_date -> "warehouse"."main"."cast_date"
select cast('2024-02-29' as date) as v
-- model.shop.concat -> "warehouse"."main"."concat"
select 'a' || x || 'c' as v from (select 'b' as x)
-- model.shop.current_timestamp -> "warehouse"."main"."current_timestamp"
select now() is not null as v
-- model.shop.current_timestamp_backcompat -> "warehouse"."main"."current_timestamp_backcompat"
select current_timestamp::timestamp <= now() as v
-- model.shop.current_timestamp_in_utc_backcompat -> "warehouse"."main"."current_timestamp_in_utc_backcompat"
select current_timestamp::timestamp is not null as v
-- model.shop.date -> "warehouse"."main"."date"
select make_date(2024, 2, 29) as v
-- model.shop.date_trunc -> "warehouse"."main"."date_trunc"
select cast(date_trunc('month', date '2024-05-17') as date) as v
-- model.shop.dateadd_column -> "warehouse"."main"."dateadd_column"
select (ts + cast(n as bigint) * interval 1 hour) as v from (select timestamp '2024-01-01 10:00:00' as ts, 3 as n)
-- model.shop.dateadd_day -> "warehouse"."main"."dateadd_day"
select (date '2024-01-31' + cast(1 as bigint) * interval 1 day) as v
-- model.shop.dateadd_month_back -> "warehouse"."main"."dateadd_month_back"
select (date '2024-03-31' + cast(-1 as bigint) * interval 1 month) as v
-- model.shop.datediff_day -> "warehouse"."main"."datediff_day"
select (date_diff('day', (date '2024-01-01')::timestamp, (date '2024-01-08')::timestamp)) as v
-- model.shop.datediff_hour -> "warehouse"."main"."datediff_hour"
select (date_diff('hour', (timestamp '2024-01-01 10:59:00')::timestamp, (timestamp '2024-01-01 12:00:00')::timestamp)) as v
-- model.shop.datediff_month -> "warehouse"."main"."datediff_month"
select (date_diff('month', ('2024-01-01')::timestamp, ('2024-03-01')::timestamp)) as v
-- model.shop.escape_single_quotes -> "warehouse"."main"."escape_single_quotes"
select 'it''s' as v
-- model.shop.except -> "warehouse"."main"."except"
select count(*) as v from (select 1 except select 2)
-- model.shop.hash -> "warehouse"."main"."hash"
select md5(cast('abc' as TEXT)) as v
-- model.shop.intersect -> "warehouse"."main"."intersect"
select count(*) as v from (select 1 intersect select 2)
-- model.shop.last_day -> "warehouse"."main"."last_day"
select cast(((date_trunc('month', date '2024-02-10') + cast(1 as bigint) * interval 1 month) + cast(-1 as bigint) * interval 1 day) as date) as v
-- model.shop.last_day_year -> "warehouse"."main"."last_day_year"
select cast(((date_trunc('year', date '2023-06-10') + cast(1 as bigint) * interval 1 year) + cast(-1 as bigint) * interval 1 day) as date) as v
-- model.shop.length -> "warehouse"."main"."length"
select length('abcd') as v
-- model.shop.listagg -> "warehouse"."main"."listagg"
select string_agg(x, ',' order by x desc) as v from (values ('a'), ('c'), ('b')) t(x)
-- model.shop.listagg_default -> "warehouse"."main"."listagg_default"
select length(string_agg(x, ',')) as v from (values ('a'), ('b')) t(x)
-- model.shop.listagg_limit -> "warehouse"."main"."listagg_limit"
select array_to_string(list_slice(list(x order by x), 1, 2), '|') as v from (values ('a'), ('c'), ('b')) t(x)
-- model.shop.position -> "warehouse"."main"."position"
select position('c' in 'abcd') as v
-- model.shop.replace -> "warehouse"."main"."replace"
select replace('a-b', '-', '+') as v
-- model.shop.right -> "warehouse"."main"."right"
select right('abcdef', 2) as v
-- model.shop.safe_cast_bad -> "warehouse"."main"."safe_cast_bad"
select cast('oops' as integer) is null as v
-- model.shop.safe_cast_good -> "warehouse"."main"."safe_cast_good"
select cast('42' as bigint) + 1 as v
-- model.shop.split_part -> "warehouse"."main"."split_part"
select string_split('a-b-c', '-')[2] as v
-- model.shop.string_literal -> "warehouse"."main"."string_literal"
select 'hello' as v
-- model.shop.type_string -> "warehouse"."main"."type_string"
select cast(12 as TEXT) || cast(true as boolean) as v
-- model.shop.type_timestamp -> "warehouse"."main"."type_timestamp"
select cast('2024-01-02 03:04:05' as timestamp) as v
-- model.shop.types -> "warehouse"."main"."types"
select cast(1.5 as float) + cast(2 as integer) + cast(0.25 as numeric(28,6)) as v
