select 1

where x = {{ var('missing_var') }}
