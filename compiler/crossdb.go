package compiler

// crossDBMacroSQL are dbt's cross-database macros, written for elt. Each
// public macro dispatches with adapter.dispatch('<name>', 'dbt'), so a
// project macro named duckdb__<name> or default__<name> replaces one
// warehouse's SQL, and a project macro named <name> replaces the macro
// for bare calls (dbt.<name> keeps the built-in, as in dbt).
//
// Arguments are SQL text, as in dbt: dateadd('day', 1, 'created_at')
// adds to the column created_at; string literals are passed quoted
// ("'2024-01-01'"). Output is kept on one line so compiled SQL reads well.
const crossDBMacroSQL = `
{#- dbt's equals: plain equality, or NULL equal to NULL when the project turns the adapter
    behaviour flag enable_truthy_nulls_equals_macro on. -#}
{% macro equals(expr1, expr2) -%}{{ return(adapter.dispatch('equals', 'dbt')(expr1, expr2)) }}{%- endmacro %}
{% macro default__equals(expr1, expr2) -%}
{%- if adapter.behavior.enable_truthy_nulls_equals_macro.no_warn -%}
case when (({{ expr1 }} = {{ expr2 }}) or ({{ expr1 }} is null and {{ expr2 }} is null)) then 0 else 1 end = 0
{%- else -%}
({{ expr1 }} = {{ expr2 }})
{%- endif -%}
{%- endmacro %}
{% macro postgres__equals(expr1, expr2) -%}
{%- if adapter.behavior.enable_truthy_nulls_equals_macro.no_warn -%}
({{ expr1 }} is not distinct from {{ expr2 }})
{%- else -%}
({{ expr1 }} = {{ expr2 }})
{%- endif -%}
{%- endmacro %}

{#- dbt's date_spine: one row per datepart from start_date up to end_date, from a series of
    1..n made by cross joining n copies of {0, 1} (n the number of bits of the count). -#}
{% macro get_intervals_between(start_date, end_date, datepart) -%}
  {{ return(adapter.dispatch('get_intervals_between', 'dbt')(start_date, end_date, datepart)) }}
{%- endmacro %}
{% macro default__get_intervals_between(start_date, end_date, datepart) -%}
  {%- call statement('get_intervals_between', fetch_result=True) -%}
    select {{ dbt.datediff(start_date, end_date, datepart) }}
  {%- endcall -%}
  {%- set found = load_result('get_intervals_between') -%}
  {%- if found and found['data'] -%}
    {{ return(found['data'][0][0]) }}
  {%- endif -%}
  {{ return(1) }}
{%- endmacro %}
{% macro get_powers_of_two(upper_bound) -%}
  {{ return(adapter.dispatch('get_powers_of_two', 'dbt')(upper_bound)) }}
{%- endmacro %}
{% macro default__get_powers_of_two(upper_bound) -%}
  {%- if upper_bound <= 0 -%}
    {{ exceptions.raise_compiler_error("upper bound must be positive") }}
  {%- endif -%}
  {%- for bits in range(1, 100) -%}
    {%- if upper_bound <= 2 ** bits -%}{{ return(bits) }}{%- endif -%}
  {%- endfor -%}
{%- endmacro %}
{% macro generate_series(upper_bound) -%}
  {{ return(adapter.dispatch('generate_series', 'dbt')(upper_bound)) }}
{%- endmacro %}
{% macro default__generate_series(upper_bound) %}
    {%- set bits = dbt.get_powers_of_two(upper_bound) %}
    with p as (
        select 0 as generated_number union all select 1
    ), unioned as (
    select
    {% for i in range(bits) %}p{{ i }}.generated_number * power(2, {{ i }}){{ ' + ' if not loop.last }}{% endfor %}
    + 1 as generated_number
    from {% for i in range(bits) %}p as p{{ i }}{{ ' cross join ' if not loop.last }}{% endfor %}
    )
    select *
    from unioned
    where generated_number <= {{ upper_bound }}
    order by generated_number
{% endmacro %}
{% macro date_spine(datepart, start_date, end_date) -%}
  {{ return(adapter.dispatch('date_spine', 'dbt')(datepart, start_date, end_date)) }}
{%- endmacro %}
{% macro default__date_spine(datepart, start_date, end_date) %}
    with rawdata as (
        {{ dbt.generate_series(dbt.get_intervals_between(start_date, end_date, datepart)) }}
    ),
    all_periods as (
        select ({{ dbt.dateadd(datepart, "row_number() over (order by 1) - 1", start_date) }}) as date_{{ datepart }}
        from rawdata
    ),
    filtered as (
        select *
        from all_periods
        where date_{{ datepart }} <= {{ end_date }}
    )
    select * from filtered
{% endmacro %}
{#- Types: as dbt's, the adapter's api.Column names them (TEXT, or string on BigQuery). -#}
{% macro type_string() %}{{ return(adapter.dispatch('type_string', 'dbt')()) }}{% endmacro %}
{% macro default__type_string() %}{{ return(api.Column.translate_type("string")) }}{% endmacro %}

{% macro type_int() %}{{ return(adapter.dispatch('type_int', 'dbt')()) }}{% endmacro %}
{% macro default__type_int() %}{{ return(api.Column.translate_type("integer")) }}{% endmacro %}

{% macro type_bigint() %}{{ return(adapter.dispatch('type_bigint', 'dbt')()) }}{% endmacro %}
{% macro default__type_bigint() %}{{ return(api.Column.translate_type("bigint")) }}{% endmacro %}

{% macro type_float() %}{{ return(adapter.dispatch('type_float', 'dbt')()) }}{% endmacro %}
{% macro default__type_float() %}{{ return(api.Column.translate_type("float")) }}{% endmacro %}

{% macro type_numeric() %}{{ return(adapter.dispatch('type_numeric', 'dbt')()) }}{% endmacro %}
{% macro default__type_numeric() %}{{ return(api.Column.numeric_type("numeric", 28, 6)) }}{% endmacro %}

{% macro type_boolean() %}{{ return(adapter.dispatch('type_boolean', 'dbt')()) }}{% endmacro %}
{% macro default__type_boolean() %}{{ return(api.Column.translate_type("boolean")) }}{% endmacro %}

{% macro type_timestamp() %}{{ return(adapter.dispatch('type_timestamp', 'dbt')()) }}{% endmacro %}
{% macro default__type_timestamp() %}{{ return(api.Column.translate_type("timestamp")) }}{% endmacro %}

{% macro cast(field, type) %}{{ return(adapter.dispatch('cast', 'dbt')(field, type)) }}{% endmacro %}
{% macro default__cast(field, type) %}{{ return('cast(' ~ field ~ ' as ' ~ type ~ ')') }}{% endmacro %}
{#- Snowflake makes its spatial types with functions, not casts. -#}
{% macro snowflake__cast(field, type) -%}
{%- if type | upper == 'GEOGRAPHY' -%}{{ return('to_geography(' ~ field ~ ')') }}
{%- elif type | upper == 'GEOMETRY' -%}{{ return('to_geometry(' ~ field ~ ')') }}
{%- else -%}{{ return('cast(' ~ field ~ ' as ' ~ type ~ ')') }}
{%- endif -%}
{%- endmacro %}

{#- Date and time -#}
{% macro current_timestamp() %}{{ return(adapter.dispatch('current_timestamp', 'dbt')()) }}{% endmacro %}
{% macro default__current_timestamp() %}{{ return('current_timestamp') }}{% endmacro %}
{% macro duckdb__current_timestamp() %}{{ return('now()') }}{% endmacro %}
{% macro postgres__current_timestamp() %}{{ return('now()') }}{% endmacro %}
{% macro snowflake__current_timestamp() %}{{ return('current_timestamp()') }}{% endmacro %}
{% macro bigquery__current_timestamp() %}{{ return('current_timestamp()') }}{% endmacro %}

{#- dbt's deprecated current timestamps, kept for packages written against dbt_utils' old ones. -#}
{% macro current_timestamp_backcompat() %}{{ return(adapter.dispatch('current_timestamp_backcompat', 'dbt')()) }}{% endmacro %}
{% macro default__current_timestamp_backcompat() %}{{ return('current_timestamp::timestamp') }}{% endmacro %}
{% macro postgres__current_timestamp_backcompat() %}{{ return('current_timestamp::' ~ type_timestamp()) }}{% endmacro %}
{% macro snowflake__current_timestamp_backcompat() %}{{ return('current_timestamp::' ~ type_timestamp()) }}{% endmacro %}
{% macro bigquery__current_timestamp_backcompat() %}{{ return('current_timestamp') }}{% endmacro %}
{% macro current_timestamp_in_utc_backcompat() %}{{ return(adapter.dispatch('current_timestamp_in_utc_backcompat', 'dbt')()) }}{% endmacro %}
{% macro default__current_timestamp_in_utc_backcompat() %}{{ return(adapter.dispatch('current_timestamp_backcompat', 'dbt')()) }}{% endmacro %}
{% macro postgres__current_timestamp_in_utc_backcompat() %}{{ return("(current_timestamp at time zone 'utc')::" ~ type_timestamp()) }}{% endmacro %}
{% macro snowflake__current_timestamp_in_utc_backcompat() %}{{ return("convert_timezone('UTC', " ~ snowflake__current_timestamp_backcompat() ~ ")::" ~ type_timestamp()) }}{% endmacro %}

{% macro date(year, month, day) %}{{ return(adapter.dispatch('date', 'dbt')(year, month, day)) }}{% endmacro %}
{#- A date literal from its parts (checked as Python's datetime.date checks them). -#}
{% macro default__date(year, month, day) %}{{ return("to_date('" ~ modules.datetime.date(year, month, day).strftime('%Y-%m-%d') ~ "', 'YYYY-MM-DD')") }}{% endmacro %}
{% macro duckdb__date(year, month, day) %}{{ return('make_date(' ~ year ~ ', ' ~ month ~ ', ' ~ day ~ ')') }}{% endmacro %}
{% macro bigquery__date(year, month, day) %}{{ return('date(' ~ year ~ ', ' ~ month ~ ', ' ~ day ~ ')') }}{% endmacro %}

{% macro dateadd(datepart, interval, from_date_or_timestamp) %}{{ return(adapter.dispatch('dateadd', 'dbt')(datepart, interval, from_date_or_timestamp)) }}{% endmacro %}
{% macro default__dateadd(datepart, interval, from_date_or_timestamp) -%}
dateadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}
{#- As dbt-duckdb: a whole number of units times a one-unit interval (quarter is 3 months, week 7 days). -#}
{% macro duckdb__dateadd(datepart, interval, from_date_or_timestamp) -%}
{%- set unit = datepart | lower -%}
{%- if unit == 'quarter' -%}
({{ from_date_or_timestamp }} + (cast({{ interval }} as bigint) * 3) * interval 1 month)
{%- elif unit == 'week' -%}
({{ from_date_or_timestamp }} + (cast({{ interval }} as bigint) * 7) * interval 1 day)
{%- else -%}
({{ from_date_or_timestamp }} + cast({{ interval }} as bigint) * interval 1 {{ unit }})
{%- endif -%}
{%- endmacro %}
{#- As dbt-postgres, without parentheses around the sum: a cast after it applies to the interval. -#}
{% macro postgres__dateadd(datepart, interval, from_date_or_timestamp) -%}
{{ from_date_or_timestamp }} + ((interval '1 {{ datepart }}') * ({{ interval }}))
{%- endmacro %}
{% macro bigquery__dateadd(datepart, interval, from_date_or_timestamp) -%}
datetime_add(cast({{ from_date_or_timestamp }} as datetime), interval {{ interval }} {{ datepart }})
{%- endmacro %}

{% macro datediff(first_date, second_date, datepart) %}{{ return(adapter.dispatch('datediff', 'dbt')(first_date, second_date, datepart)) }}{% endmacro %}
{% macro default__datediff(first_date, second_date, datepart) -%}
datediff({{ datepart }}, {{ first_date }}, {{ second_date }})
{%- endmacro %}
{#- As dbt-duckdb: weeks are whole days // 7, adjusted by the weekdays. -#}
{% macro duckdb__datediff(first_date, second_date, datepart) -%}
{%- if datepart == 'week' -%}
({{ dbt.datediff(first_date, second_date, 'day') }} // 7 + case when date_part('dow', ({{ first_date }})::timestamp) <= date_part('dow', ({{ second_date }})::timestamp) then case when {{ first_date }} <= {{ second_date }} then 0 else -1 end else case when {{ first_date }} <= {{ second_date }} then 1 else 0 end end)
{%- else -%}
(date_diff('{{ datepart }}', ({{ first_date }})::timestamp, ({{ second_date }})::timestamp))
{%- endif -%}
{%- endmacro %}
{% macro bigquery__datediff(first_date, second_date, datepart) -%}
datetime_diff(cast({{ second_date }} as datetime), cast({{ first_date }} as datetime), {{ datepart }})
{%- endmacro %}
{#- Postgres has no datediff. As dbt-postgres: years, quarters and months from the dates'
    parts; days between the dates; weeks as whole days / 7, one more or less where the
    weekday (Sunday first) wraps; hours, minutes and the rest built on the larger unit's
    count plus the difference of their own parts (double precision, as date_part's). -#}
{% macro postgres__datediff(first_date, second_date, datepart) -%}
{%- set part = "date_part('{}', ({})::{})" -%}
{%- if datepart in ('year', 'quarter', 'month') -%}
{%- set diff = part.format(datepart, second_date, 'date') ~ ' - ' ~ part.format(datepart, first_date, 'date') -%}
{%- if datepart == 'year' -%}
({{ diff }})
{%- else -%}
({{ datediff(first_date, second_date, 'year') }} * {{ 4 if datepart == 'quarter' else 12 }} + {{ diff }})
{%- endif -%}
{%- elif datepart == 'day' -%}
(({{ second_date }})::date - ({{ first_date }})::date)
{%- elif datepart == 'week' -%}
({{ datediff(first_date, second_date, 'day') }} / 7 + case when {{ part.format('dow', first_date, 'timestamp') }} <= {{ part.format('dow', second_date, 'timestamp') }} then case when {{ first_date }} <= {{ second_date }} then 0 else -1 end else case when {{ first_date }} <= {{ second_date }} then 1 else 0 end end)
{%- elif datepart in ('hour', 'minute') -%}
{%- set larger = {'hour': ('day', 24), 'minute': ('hour', 60)}[datepart] -%}
({{ datediff(first_date, second_date, larger[0]) }} * {{ larger[1] }} + {{ part.format(datepart, second_date, 'timestamp') }} - {{ part.format(datepart, first_date, 'timestamp') }})
{%- elif datepart in ('second', 'millisecond', 'microsecond') -%}
{%- set per_minute = {'second': 60, 'millisecond': 60000, 'microsecond': 60000000}[datepart] -%}
({{ datediff(first_date, second_date, 'minute') }} * {{ per_minute }} + floor({{ part.format(datepart, second_date, 'timestamp') }}) - floor({{ part.format(datepart, first_date, 'timestamp') }}))
{%- else -%}
{{ exceptions.raise_compiler_error("datediff: unsupported datepart '" ~ datepart ~ "' on postgres") }}
{%- endif -%}
{%- endmacro %}

{% macro date_trunc(datepart, date) %}{{ return(adapter.dispatch('date_trunc', 'dbt')(datepart, date)) }}{% endmacro %}
{% macro default__date_trunc(datepart, date) -%}
date_trunc('{{ datepart }}', {{ date }})
{%- endmacro %}
{% macro snowflake__date_trunc(datepart, date) -%}
date_trunc({{ datepart }}, {{ date }})
{%- endmacro %}
{% macro bigquery__date_trunc(datepart, date) -%}
timestamp_trunc(cast({{ date }} as timestamp), {{ datepart }})
{%- endmacro %}

{% macro last_day(date, datepart) %}{{ return(adapter.dispatch('last_day', 'dbt')(date, datepart)) }}{% endmacro %}
{% macro default_last_day(date, datepart) -%}
cast({{ dbt.dateadd('day', '-1', dbt.dateadd(datepart, '1', dbt.date_trunc(datepart, date))) }} as date)
{%- endmacro %}
{% macro default__last_day(date, datepart) -%}{{ dbt.default_last_day(date, datepart) }}{%- endmacro %}
{#- Postgres and DuckDB add no quarter interval: a quarter's last day is three months on, less a day. -#}
{% macro postgres__last_day(date, datepart) -%}
{%- if datepart == 'quarter' -%}
cast({{ dbt.dateadd('day', '-1', dbt.dateadd('month', '3', dbt.date_trunc(datepart, date))) }} as date)
{%- else -%}
{{ dbt.default_last_day(date, datepart) }}
{%- endif -%}
{%- endmacro %}
{% macro duckdb__last_day(date, datepart) -%}{{ dbt.postgres__last_day(date, datepart) }}{%- endmacro %}
{% macro snowflake__last_day(date, datepart) -%}
last_day({{ date }}, {{ datepart }})
{%- endmacro %}
{% macro bigquery__last_day(date, datepart) -%}
last_day(cast({{ date }} as date), {{ datepart }})
{%- endmacro %}

{#- Strings -#}
{% macro concat(fields) %}{{ return(adapter.dispatch('concat', 'dbt')(fields)) }}{% endmacro %}
{#- || as dbt: NULL if any field is NULL. -#}
{% macro default__concat(fields) -%}
{{ fields | join(' || ') }}
{%- endmacro %}

{% macro hash(field) %}{{ return(adapter.dispatch('hash', 'dbt')(field)) }}{% endmacro %}
{#- As dbt's: the adapter's string type from api.Column, not dbt.type_string(), which a project may override. -#}
{% macro default__hash(field) -%}
md5(cast({{ field }} as {{ api.Column.translate_type('string') }}))
{%- endmacro %}
{% macro bigquery__hash(field) -%}
to_hex({{ dbt.default__hash(field) }})
{%- endmacro %}

{% macro safe_cast(field, type) %}{{ return(adapter.dispatch('safe_cast', 'dbt')(field, type)) }}{% endmacro %}
{#- Postgres has no non-failing cast; dbt's default is a plain cast too. -#}
{% macro default__safe_cast(field, type) -%}
cast({{ field }} as {{ type }})
{%- endmacro %}
{% macro snowflake__safe_cast(field, type) -%}
try_cast({{ field }} as {{ type }})
{%- endmacro %}
{% macro bigquery__safe_cast(field, type) -%}
safe_cast({{ field }} as {{ type }})
{%- endmacro %}

{% macro cast_bool_to_text(field) %}{{ return(adapter.dispatch('cast_bool_to_text', 'dbt')(field)) }}{% endmacro %}
{% macro default__cast_bool_to_text(field) -%}
cast({{ field }} as {{ api.Column.translate_type('string') }})
{%- endmacro %}

{% macro split_part(string_text, delimiter_text, part_number) %}{{ return(adapter.dispatch('split_part', 'dbt')(string_text, delimiter_text, part_number)) }}{% endmacro %}
{% macro default__split_part(string_text, delimiter_text, part_number) -%}
split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- endmacro %}
{#- A part counted from the end, as dbt finds it: the number of delimiters from the string's
    length less its length without them (so one-character delimiters), plus 2 and the part. -#}
{% macro _split_part_negative(string_text, delimiter_text, part_number) -%}
split_part({{ string_text }}, {{ delimiter_text }}, length({{ string_text }}) - length(replace({{ string_text }}, {{ delimiter_text }}, '')) + 2 + {{ part_number }})
{%- endmacro %}
{% macro postgres__split_part(string_text, delimiter_text, part_number) -%}
{%- if part_number >= 0 -%}
{{ dbt.default__split_part(string_text, delimiter_text, part_number) }}
{%- else -%}
{{ dbt._split_part_negative(string_text, delimiter_text, part_number) }}
{%- endif -%}
{%- endmacro %}
{% macro duckdb__split_part(string_text, delimiter_text, part_number) -%}
string_split({{ string_text }}, {{ delimiter_text }})[{{ part_number }}]
{%- endmacro %}
{% macro bigquery__split_part(string_text, delimiter_text, part_number) -%}
split({{ string_text }}, {{ delimiter_text }})[safe_offset({{ part_number }} - 1)]
{%- endmacro %}

{% macro replace(field, old_chars, new_chars) %}{{ return(adapter.dispatch('replace', 'dbt')(field, old_chars, new_chars)) }}{% endmacro %}
{% macro default__replace(field, old_chars, new_chars) -%}
replace({{ field }}, {{ old_chars }}, {{ new_chars }})
{%- endmacro %}

{% macro right(string_text, length_expression) %}{{ return(adapter.dispatch('right', 'dbt')(string_text, length_expression)) }}{% endmacro %}
{% macro default__right(string_text, length_expression) -%}
right({{ string_text }}, {{ length_expression }})
{%- endmacro %}
{% macro bigquery__right(string_text, length_expression) -%}
case when {{ length_expression }} = 0 then '' else substr({{ string_text }}, -1 * ({{ length_expression }})) end
{%- endmacro %}

{% macro length(expression) %}{{ return(adapter.dispatch('length', 'dbt')(expression)) }}{% endmacro %}
{% macro default__length(expression) -%}
length({{ expression }})
{%- endmacro %}

{% macro position(substring_text, string_text) %}{{ return(adapter.dispatch('position', 'dbt')(substring_text, string_text)) }}{% endmacro %}
{% macro default__position(substring_text, string_text) -%}
position({{ substring_text }} in {{ string_text }})
{%- endmacro %}
{% macro bigquery__position(substring_text, string_text) -%}
strpos({{ string_text }}, {{ substring_text }})
{%- endmacro %}

{% macro escape_single_quotes(expression) %}{{ return(adapter.dispatch('escape_single_quotes', 'dbt')(expression)) }}{% endmacro %}
{% macro default__escape_single_quotes(expression) -%}
{{ expression | replace("'", "''") }}
{%- endmacro %}
{% macro bigquery__escape_single_quotes(expression) -%}
{{ expression | replace("'", '\\\'') }}
{%- endmacro %}

{% macro string_literal(value) %}{{ return(adapter.dispatch('string_literal', 'dbt')(value)) }}{% endmacro %}
{% macro default__string_literal(value) -%}
'{{ value }}'
{%- endmacro %}

{#- Aggregates -#}
{% macro any_value(expression) %}{{ return(adapter.dispatch('any_value', 'dbt')(expression)) }}{% endmacro %}
{% macro default__any_value(expression) -%}
any_value({{ expression }})
{%- endmacro %}
{% macro duckdb__any_value(expression) -%}
arbitrary({{ expression }})
{%- endmacro %}
{#- any_value is new in Postgres 16; min() works on every version. -#}
{% macro postgres__any_value(expression) -%}
min({{ expression }})
{%- endmacro %}

{% macro bool_or(expression) %}{{ return(adapter.dispatch('bool_or', 'dbt')(expression)) }}{% endmacro %}
{% macro default__bool_or(expression) -%}
bool_or({{ expression }})
{%- endmacro %}
{% macro snowflake__bool_or(expression) -%}
boolor_agg({{ expression }})
{%- endmacro %}
{% macro bigquery__bool_or(expression) -%}
logical_or({{ expression }})
{%- endmacro %}

{% macro listagg(measure, delimiter_text="','", order_by_clause=none, limit_num=none) %}{{ return(adapter.dispatch('listagg', 'dbt')(measure, delimiter_text, order_by_clause, limit_num)) }}{% endmacro %}
{% macro default__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
{%- if limit_num -%}
array_to_string(array_slice(array_agg({{ measure }}){% if order_by_clause %} within group ({{ order_by_clause }}){% endif %}, 0, {{ limit_num }}), {{ delimiter_text }})
{%- else -%}
listagg({{ measure }}, {{ delimiter_text }}){% if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endif -%}
{%- endmacro %}
{% macro duckdb__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
{%- if limit_num -%}
array_to_string(list_slice(list({{ measure }}{% if order_by_clause %} {{ order_by_clause }}{% endif %}), 1, {{ limit_num }}), {{ delimiter_text }})
{%- else -%}
string_agg({{ measure }}, {{ delimiter_text }}{% if order_by_clause %} {{ order_by_clause }}{% endif %})
{%- endif -%}
{%- endmacro %}
{% macro postgres__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
{%- if limit_num -%}
array_to_string((array_agg({{ measure }}{% if order_by_clause %} {{ order_by_clause }}{% endif %}))[1:{{ limit_num }}], {{ delimiter_text }})
{%- else -%}
string_agg({{ measure }}, {{ delimiter_text }}{% if order_by_clause %} {{ order_by_clause }}{% endif %})
{%- endif -%}
{%- endmacro %}
{% macro bigquery__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
string_agg({{ measure }}, {{ delimiter_text }}{% if order_by_clause %} {{ order_by_clause }}{% endif %}{% if limit_num %} limit {{ limit_num }}{% endif %})
{%- endmacro %}

{#- Set operators -#}
{% macro except() %}{{ return(adapter.dispatch('except', 'dbt')()) }}{% endmacro %}
{% macro default__except() %}{{ return('except') }}{% endmacro %}
{% macro bigquery__except() %}{{ return('except distinct') }}{% endmacro %}

{% macro intersect() %}{{ return(adapter.dispatch('intersect', 'dbt')()) }}{% endmacro %}
{% macro default__intersect() %}{{ return('intersect') }}{% endmacro %}
{% macro bigquery__intersect() %}{{ return('intersect distinct') }}{% endmacro %}

{#- Arrays -#}
{% macro array_construct(inputs=[], data_type=none) %}{{ return(adapter.dispatch('array_construct', 'dbt')(inputs, data_type or dbt.type_int())) }}{% endmacro %}
{% macro default__array_construct(inputs, data_type) -%}
{%- if inputs | length > 0 -%}
array[{{ inputs | join(', ') }}]
{%- else -%}
array[]::{{ data_type }}[]
{%- endif -%}
{%- endmacro %}
{% macro duckdb__array_construct(inputs, data_type) -%}
{%- if inputs | length > 0 -%}
[{{ inputs | join(', ') }}]
{%- else -%}
cast([] as {{ data_type }}[])
{%- endif -%}
{%- endmacro %}
{% macro snowflake__array_construct(inputs, data_type) -%}
array_construct({{ inputs | join(', ') }})
{%- endmacro %}
{% macro bigquery__array_construct(inputs, data_type) -%}
{%- if inputs | length > 0 -%}
[{{ inputs | join(', ') }}]
{%- else -%}
array<{{ data_type }}>[]
{%- endif -%}
{%- endmacro %}

{% macro array_append(array, new_element) %}{{ return(adapter.dispatch('array_append', 'dbt')(array, new_element)) }}{% endmacro %}
{% macro default__array_append(array, new_element) -%}
array_append({{ array }}, {{ new_element }})
{%- endmacro %}
{% macro duckdb__array_append(array, new_element) -%}
list_append({{ array }}, {{ new_element }})
{%- endmacro %}
{% macro bigquery__array_append(array, new_element) -%}
array_concat({{ array }}, [{{ new_element }}])
{%- endmacro %}

{% macro array_concat(array_1, array_2) %}{{ return(adapter.dispatch('array_concat', 'dbt')(array_1, array_2)) }}{% endmacro %}
{% macro default__array_concat(array_1, array_2) -%}
array_cat({{ array_1 }}, {{ array_2 }})
{%- endmacro %}
{% macro duckdb__array_concat(array_1, array_2) -%}
list_concat({{ array_1 }}, {{ array_2 }})
{%- endmacro %}
{% macro bigquery__array_concat(array_1, array_2) -%}
array_concat({{ array_1 }}, {{ array_2 }})
{%- endmacro %}
`
