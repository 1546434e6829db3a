package compiler

// incrementalMacroSQL are the macros of dbt's global project that build an
// incremental model's statements: get_merge_sql, get_delete_insert_merge_sql,
// get_incremental_<strategy>_sql and their helpers. elt's own incremental
// materialization is in Go (adapters); these are for the packages and
// materialization blocks that call them, as a test double building a
// model's merge does. Each dispatches as in dbt, so a project's or an
// adapter's <adapter>__ version replaces the default, and the defaults per
// warehouse are dbt's: append without a unique_key on PostgreSQL, else
// delete+insert; delete+insert on DuckDB; merge on Snowflake.
const incrementalMacroSQL = `
{% macro get_quoted_csv(column_names) -%}
  {%- set quoted = [] -%}
  {%- for name in column_names -%}{%- do quoted.append(adapter.quote(name)) -%}{%- endfor -%}
  {{ return(quoted | join(', ')) }}
{%- endmacro %}

{#- The source's columns the target lacks, by name. -#}
{% macro diff_columns(source_columns, target_columns) -%}
  {%- set target_names = target_columns | map(attribute='column') | list -%}
  {%- set missing = [] -%}
  {%- for col in source_columns -%}
    {%- if col.name not in target_names -%}{%- do missing.append(col) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(missing) }}
{%- endmacro %}

{#- on_schema_change, as dbt's incremental materializations handle it: the
    value checked (another one logs and falls back to default), the new
    rows' columns compared with the table's, and the table changed to
    match (append_new_columns, sync_all_columns) or the run stopped (fail).
    process_schema_changes returns the new rows' columns, or {} when
    on_schema_change is ignore. -#}
{% macro incremental_validate_on_schema_change(on_schema_change, default='ignore') -%}
  {%- if on_schema_change in ['sync_all_columns', 'append_new_columns', 'fail', 'ignore'] -%}
    {{ return(on_schema_change) }}
  {%- endif -%}
  {%- do log('Invalid value for on_schema_change (%s) specified. Setting default value of %s.' % (on_schema_change, default)) -%}
  {{ return(default) }}
{%- endmacro %}

{% macro check_for_schema_changes(source_relation, target_relation) -%}
  {%- set source_columns = adapter.get_columns_in_relation(source_relation) -%}
  {%- set target_columns = adapter.get_columns_in_relation(target_relation) -%}
  {%- set source_not_in_target = diff_columns(source_columns, target_columns) -%}
  {%- set target_not_in_source = diff_columns(target_columns, source_columns) -%}
  {%- set new_target_types = diff_column_data_types(source_columns, target_columns) -%}
  {%- set changes = {
    'schema_changed': source_not_in_target != [] or target_not_in_source != [] or new_target_types != [],
    'source_not_in_target': source_not_in_target,
    'target_not_in_source': target_not_in_source,
    'source_columns': source_columns,
    'target_columns': target_columns,
    'new_target_types': new_target_types
  } -%}
  {%- do log('In ' ~ target_relation ~ ': schema changed: ' ~ changes['schema_changed'] ~ '; source columns not in target: ' ~ source_not_in_target ~ '; target columns not in source: ' ~ target_not_in_source ~ '; new column types: ' ~ new_target_types) -%}
  {{ return(changes) }}
{%- endmacro %}

{% macro sync_column_schemas(on_schema_change, target_relation, schema_changes_dict) -%}
  {%- set added = schema_changes_dict['source_not_in_target'] -%}
  {%- set removed = schema_changes_dict['target_not_in_source'] if on_schema_change == 'sync_all_columns' else [] -%}
  {%- set retyped = schema_changes_dict['new_target_types'] if on_schema_change == 'sync_all_columns' else [] -%}
  {%- if on_schema_change == 'append_new_columns' and added | length > 0 -%}
    {%- do alter_relation_add_remove_columns(target_relation, added, none) -%}
  {%- elif on_schema_change == 'sync_all_columns' -%}
    {%- if added | length > 0 or removed | length > 0 -%}
      {%- do alter_relation_add_remove_columns(target_relation, added, removed) -%}
    {%- endif -%}
    {%- for change in retyped -%}
      {%- do alter_column_type(target_relation, change['column_name'], change['new_type']) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- do log('In ' ~ target_relation ~ ': schema change approach: ' ~ on_schema_change ~ '; columns added: ' ~ added ~ '; columns removed: ' ~ removed ~ '; data types changed: ' ~ retyped) -%}
{%- endmacro %}

{% macro process_schema_changes(on_schema_change, source_relation, target_relation) -%}
  {%- if on_schema_change == 'ignore' -%}
    {{ return({}) }}
  {%- endif -%}
  {%- set changes = check_for_schema_changes(source_relation, target_relation) -%}
  {%- if changes['schema_changed'] and on_schema_change == 'fail' -%}
    {%- set message -%}
      The source and target schemas on this incremental model are out of sync!
      They can be reconciled in several ways:
        - set the ` + "`on_schema_change`" + ` config to either append_new_columns or sync_all_columns, depending on your situation.
        - Re-run the incremental model with ` + "`full_refresh: True`" + ` to update the target schema.
        - update the schema manually and re-run the process.

      Additional troubleshooting context:
         Source columns not in target: {{ changes['source_not_in_target'] }}
         Target columns not in source: {{ changes['target_not_in_source'] }}
         New column types: {{ changes['new_target_types'] }}
    {%- endset -%}
    {%- do exceptions.raise_compiler_error(message) -%}
  {%- elif changes['schema_changed'] -%}
    {%- do sync_column_schemas(on_schema_change, target_relation, changes) -%}
  {%- endif -%}
  {{ return(changes['source_columns']) }}
{%- endmacro %}

{#- Column changes, dispatched: a column retyped through a copy under a
    temporary name; columns added and dropped in one statement (one per
    column on DuckDB, as dbt-duckdb). -#}
{% macro alter_column_type(relation, column_name, new_column_type) -%}
  {{ return(adapter.dispatch('alter_column_type', 'dbt')(relation, column_name, new_column_type)) }}
{%- endmacro %}
{% macro default__alter_column_type(relation, column_name, new_column_type) -%}
  {%- set tmp_column = column_name ~ '__dbt_alter' -%}
  {%- call statement('alter_column_type') -%}
    alter table {{ relation.render() }} add column {{ adapter.quote(tmp_column) }} {{ new_column_type }};
    update {{ relation.render() }} set {{ adapter.quote(tmp_column) }} = {{ adapter.quote(column_name) }};
    alter table {{ relation.render() }} drop column {{ adapter.quote(column_name) }} cascade;
    alter table {{ relation.render() }} rename column {{ adapter.quote(tmp_column) }} to {{ adapter.quote(column_name) }}
  {%- endcall -%}
{%- endmacro %}

{% macro alter_relation_add_remove_columns(relation, add_columns=none, remove_columns=none) -%}
  {{ return(adapter.dispatch('alter_relation_add_remove_columns', 'dbt')(relation, add_columns, remove_columns)) }}
{%- endmacro %}
{% macro default__alter_relation_add_remove_columns(relation, add_columns, remove_columns) -%}
  {%- set changes = [] -%}
  {%- for column in add_columns or [] -%}
    {%- do changes.append('add column ' ~ column.quoted ~ ' ' ~ column.data_type) -%}
  {%- endfor -%}
  {%- for column in remove_columns or [] -%}
    {%- do changes.append('drop column ' ~ column.quoted) -%}
  {%- endfor -%}
  {%- do run_query('alter ' ~ relation.type ~ ' ' ~ relation.render() ~ ' ' ~ changes | join(', ')) -%}
{%- endmacro %}
{% macro duckdb__alter_relation_add_remove_columns(relation, add_columns, remove_columns) -%}
  {%- for column in add_columns or [] -%}
    {%- do run_query('alter ' ~ relation.type ~ ' ' ~ relation ~ ' add column ' ~ api.Relation.create(identifier=column.name) ~ ' ' ~ column.data_type) -%}
  {%- endfor -%}
  {%- for column in remove_columns or [] -%}
    {%- do run_query('alter ' ~ relation.type ~ ' ' ~ relation ~ ' drop column ' ~ api.Relation.create(identifier=column.name)) -%}
  {%- endfor -%}
{%- endmacro %}

{% macro diff_column_data_types(source_columns, target_columns) -%}
  {{ return(adapter.dispatch('diff_column_data_types', 'dbt')(source_columns, target_columns)) }}
{%- endmacro %}
{% macro default__diff_column_data_types(source_columns, target_columns) -%}
  {%- set changed = [] -%}
  {%- for col in source_columns -%}
    {%- set other = target_columns | selectattr('name', 'equalto', col.name) | list | first -%}
    {%- if other and col.expanded_data_type != other.expanded_data_type and not col.can_expand_to(other_column=other) -%}
      {%- do changed.append({'column_name': other.name, 'new_type': col.expanded_data_type}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(changed) }}
{%- endmacro %}

{% macro get_merge_update_columns(merge_update_columns, merge_exclude_columns, dest_columns) -%}
  {{ return(adapter.dispatch('get_merge_update_columns', 'dbt')(merge_update_columns, merge_exclude_columns, dest_columns)) }}
{%- endmacro %}
{% macro default__get_merge_update_columns(merge_update_columns, merge_exclude_columns, dest_columns) -%}
  {%- if merge_update_columns and merge_exclude_columns -%}
    {{ exceptions.raise_compiler_error('Model cannot specify merge_update_columns and merge_exclude_columns. Please update model to use only one config') }}
  {%- elif merge_update_columns -%}
    {{ return(merge_update_columns) }}
  {%- endif -%}
  {%- set excluded = (merge_exclude_columns or []) | map('lower') | list -%}
  {%- set columns = [] -%}
  {%- for col in dest_columns -%}
    {%- if col.column | lower not in excluded -%}{%- do columns.append(col.quoted) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(columns) }}
{%- endmacro %}

{% macro get_merge_unique_key_match(source_unique_key, target_unique_key) -%}
  {{ return(adapter.dispatch('get_merge_unique_key_match', 'dbt')(source_unique_key, target_unique_key)) }}
{%- endmacro %}
{% macro default__get_merge_unique_key_match(source_unique_key, target_unique_key) -%}
  {{ return(equals(source_unique_key, target_unique_key) | trim) }}
{%- endmacro %}

{% macro get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates=none) -%}
  {#- predicates is the argument's name before dbt 1.4 -#}
  {%- set incremental_predicates = kwargs.get('predicates', incremental_predicates) -%}
  {{ adapter.dispatch('get_merge_sql', 'dbt')(target, source, unique_key, dest_columns, incremental_predicates) }}
{%- endmacro %}
{% macro default__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates=none) -%}
  {%- set conditions = [] + (incremental_predicates or []) -%}
  {%- set columns_csv = get_quoted_csv(dest_columns | map(attribute='name')) -%}
  {%- set update_columns = get_merge_update_columns(config.get('merge_update_columns'), config.get('merge_exclude_columns'), dest_columns) -%}
  {%- set sql_header = config.get('sql_header', none) -%}
  {%- if not unique_key -%}
    {%- do conditions.append('FALSE') -%}
  {%- elif unique_key is sequence and unique_key is not mapping and unique_key is not string -%}
    {%- for key in unique_key -%}
      {%- do conditions.append('DBT_INTERNAL_SOURCE.' ~ key ~ ' = DBT_INTERNAL_DEST.' ~ key) -%}
    {%- endfor -%}
  {%- else -%}
    {%- do conditions.append(get_merge_unique_key_match(('DBT_INTERNAL_SOURCE.' ~ unique_key) | trim, ('DBT_INTERNAL_DEST.' ~ unique_key) | trim)) -%}
  {%- endif -%}
  {{ sql_header if sql_header is not none }}
    merge into {{ target }} as DBT_INTERNAL_DEST
        using {{ source }} as DBT_INTERNAL_SOURCE
        on ({{ conditions | join(') and (') }})
  {%- if unique_key %}
    when matched then update set
        {% for col in update_columns -%}
        {{ col }} = DBT_INTERNAL_SOURCE.{{ col }}{{ ', ' if not loop.last }}
        {%- endfor %}
  {%- endif %}
    when not matched then insert
        ({{ columns_csv }})
    values
        ({{ columns_csv }})
{%- endmacro %}
{#- dbt-duckdb's merge (1.10.1) also reads merge_update_condition,
    merge_insert_condition, merge_update_set_expressions, merge_clauses,
    merge_on_using_columns and merge_returning_columns, which this one does
    not write: a model setting one stops here, rather than having its new
    rows applied otherwise than it asks. -#}
{% macro duckdb__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates=none) -%}
  {%- for key in ['merge_update_condition', 'merge_insert_condition', 'merge_update_set_expressions', 'merge_clauses', 'merge_on_using_columns', 'merge_returning_columns'] -%}
    {%- if config.get(key) -%}
      {{ exceptions.raise_compiler_error("model " ~ model.name ~ ": elt does not support dbt-duckdb's " ~ key ~ " yet; remove it, or use merge_update_columns or merge_exclude_columns") }}
    {%- endif -%}
  {%- endfor -%}
  {{ default__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) }}
{%- endmacro %}
{#- dbt-snowflake: no merge on a constant-false condition; each statement in an explicit transaction. -#}
{% macro snowflake__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {%- if unique_key is none -%}
    {%- set sql_header = config.get('sql_header', none) -%}
    {%- set dml -%}{{ sql_header if sql_header is not none }}
    {{ get_insert_into_sql(target, source, dest_columns) }}{%- endset -%}
  {%- else -%}
    {%- set dml = default__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {%- endif -%}
  {{ return(snowflake_dml_explicit_transaction(dml)) }}
{%- endmacro %}
{% macro snowflake_dml_explicit_transaction(dml) -%}
  {{ return('begin;\n' ~ dml ~ ';\ncommit;') }}
{%- endmacro %}

{% macro get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {{ adapter.dispatch('get_delete_insert_merge_sql', 'dbt')(target, source, unique_key, dest_columns, incremental_predicates) }}
{%- endmacro %}
{% macro default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {%- set columns_csv = get_quoted_csv(dest_columns | map(attribute='name')) -%}
  {%- if unique_key -%}
    {%- set keys = ([unique_key] if unique_key is string else unique_key) | join(', ') %}
    delete from {{ target }} as DBT_INTERNAL_DEST
    where ({{ keys }}) in (
        select distinct {{ keys }}
        from {{ source }} as DBT_INTERNAL_SOURCE
    )
    {%- for predicate in incremental_predicates or [] %}
        and {{ predicate }}
    {%- endfor %};
  {% endif %}
    insert into {{ target }} ({{ columns_csv }})
    (
        select {{ columns_csv }}
        from {{ source }}
    )
{%- endmacro %}
{#- dbt-duckdb: a key of several columns deletes with a join. -#}
{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {%- if unique_key and unique_key is sequence and unique_key is not string -%}
    {%- set columns_csv = get_quoted_csv(dest_columns | map(attribute='name')) %}
    delete from {{ target }} as DBT_INCREMENTAL_TARGET
    using {{ source }}
    where (
        {%- for key in unique_key %}
        {{ source }}.{{ key }} = DBT_INCREMENTAL_TARGET.{{ key }}{{ ' and' if not loop.last }}
        {%- endfor %}
        {%- for predicate in incremental_predicates or [] %}
        and {{ predicate }}
        {%- endfor %}
    );
    insert into {{ target }} ({{ columns_csv }})
    (
        select {{ columns_csv }}
        from {{ source }}
    )
  {%- else -%}
    {{ default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) }}
  {%- endif -%}
{%- endmacro %}
{% macro snowflake__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {{ return(snowflake_dml_explicit_transaction(default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates))) }}
{%- endmacro %}

{% macro get_insert_overwrite_merge_sql(target, source, dest_columns, predicates, include_sql_header=false) -%}
  {{ adapter.dispatch('get_insert_overwrite_merge_sql', 'dbt')(target, source, dest_columns, predicates, include_sql_header) }}
{%- endmacro %}
{% macro default__get_insert_overwrite_merge_sql(target, source, dest_columns, predicates, include_sql_header) -%}
  {%- set columns_csv = get_quoted_csv(dest_columns | map(attribute='name')) -%}
  {%- set sql_header = config.get('sql_header', none) -%}
  {{ sql_header if sql_header is not none and include_sql_header }}
    merge into {{ target }} as DBT_INTERNAL_DEST
        using {{ source }} as DBT_INTERNAL_SOURCE
        on FALSE
    when not matched by source
        {%- if predicates %} and {{ predicates | join(' and ') }}{% endif %}
        then delete
    when not matched then insert
        ({{ columns_csv }})
    values
        ({{ columns_csv }})
{%- endmacro %}

{% macro get_insert_into_sql(target_relation, temp_relation, dest_columns) -%}
  {%- set columns_csv = get_quoted_csv(dest_columns | map(attribute='name')) %}
    insert into {{ target_relation }} ({{ columns_csv }})
    (
        select {{ columns_csv }}
        from {{ temp_relation }}
    )
{%- endmacro %}

{#- The strategies: each takes dbt's arg_dict (target_relation, temp_relation,
    unique_key, dest_columns, incremental_predicates). -#}
{% macro get_incremental_append_sql(arg_dict) %}{{ return(adapter.dispatch('get_incremental_append_sql', 'dbt')(arg_dict)) }}{% endmacro %}
{% macro default__get_incremental_append_sql(arg_dict) -%}
  {{ return(get_insert_into_sql(arg_dict['target_relation'], arg_dict['temp_relation'], arg_dict['dest_columns'])) }}
{%- endmacro %}
{% macro snowflake__get_incremental_append_sql(arg_dict) -%}
  {{ return(snowflake_dml_explicit_transaction(default__get_incremental_append_sql(arg_dict))) }}
{%- endmacro %}

{% macro get_incremental_delete_insert_sql(arg_dict) %}{{ return(adapter.dispatch('get_incremental_delete_insert_sql', 'dbt')(arg_dict)) }}{% endmacro %}
{% macro default__get_incremental_delete_insert_sql(arg_dict) -%}
  {{ return(get_delete_insert_merge_sql(arg_dict['target_relation'], arg_dict['temp_relation'], arg_dict['unique_key'], arg_dict['dest_columns'], arg_dict['incremental_predicates'])) }}
{%- endmacro %}

{% macro get_incremental_merge_sql(arg_dict) %}{{ return(adapter.dispatch('get_incremental_merge_sql', 'dbt')(arg_dict)) }}{% endmacro %}
{% macro default__get_incremental_merge_sql(arg_dict) -%}
  {{ return(get_merge_sql(arg_dict['target_relation'], arg_dict['temp_relation'], arg_dict['unique_key'], arg_dict['dest_columns'], arg_dict['incremental_predicates'])) }}
{%- endmacro %}

{% macro get_incremental_insert_overwrite_sql(arg_dict) %}{{ return(adapter.dispatch('get_incremental_insert_overwrite_sql', 'dbt')(arg_dict)) }}{% endmacro %}
{% macro default__get_incremental_insert_overwrite_sql(arg_dict) -%}
  {{ return(get_insert_overwrite_merge_sql(arg_dict['target_relation'], arg_dict['temp_relation'], arg_dict['dest_columns'], arg_dict['incremental_predicates'])) }}
{%- endmacro %}

{% macro get_incremental_microbatch_sql(arg_dict) %}{{ return(adapter.dispatch('get_incremental_microbatch_sql', 'dbt')(arg_dict)) }}{% endmacro %}
{% macro default__get_incremental_microbatch_sql(arg_dict) -%}
  {{ exceptions.raise_not_implemented('microbatch materialization strategy not implemented for adapter ' + adapter.type()) }}
{%- endmacro %}
{#- dbt-postgres: a batch is merged on its unique_key, which it requires. -#}
{% macro postgres__get_incremental_microbatch_sql(arg_dict) -%}
  {%- if not arg_dict['unique_key'] -%}
    {{ exceptions.raise_compiler_error("dbt-postgres 'microbatch' requires a ` + "`unique_key`" + ` config") }}
  {%- endif -%}
  {{ return(adapter.dispatch('get_incremental_merge_sql', 'dbt')(arg_dict)) }}
{%- endmacro %}
{#- dbt-duckdb (1.10.1): the batch's event_time window of the target is
    deleted (narrowed by incremental_predicates) and the new rows of that
    window inserted; event_time and the batch's bounds are required and a
    unique_key refused. -#}
{% macro duckdb__get_incremental_microbatch_sql(arg_dict) -%}
  {%- set event_time = config.get('event_time') -%}
  {%- if not event_time -%}
    {{ exceptions.raise_compiler_error("microbatch incremental strategy requires an 'event_time' model config") }}
  {%- endif -%}
  {%- if config.get('unique_key') -%}
    {{ exceptions.raise_compiler_error("microbatch incremental strategy does not support 'unique_key'. Microbatch runs delete+insert per batch based on 'event_time' and does not do key-based upserts. Remove 'unique_key' or use incremental_strategy='merge'.") }}
  {%- endif -%}
  {%- set batch = model.get('batch') -%}
  {%- set start = batch.get('event_time_start') if batch else none -%}
  {%- set end = batch.get('event_time_end') if batch else none -%}
  {%- if not (start and end) -%}
    {{ exceptions.raise_compiler_error("microbatch incremental strategy requires 'batch.event_time_start' and 'batch.event_time_end' to be set in the context") }}
  {%- endif -%}
  {%- set predicates = arg_dict.get('incremental_predicates') -%}
  {%- if predicates is none -%}
    {%- set predicates = [] -%}
  {%- elif predicates is string -%}
    {%- set predicates = [predicates] -%}
  {%- endif -%}
  {%- set columns_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
  {%- set window -%}
    {{ event_time }} >= '{{ start }}'
        and {{ event_time }} < '{{ end }}'
  {%- endset -%}
  {%- set sql -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ window }}
    {%- for predicate in predicates %}
        and ({{ predicate }})
    {%- endfor %};

    insert into {{ arg_dict['target_relation'] }} ({{ columns_csv }})
    select {{ columns_csv }}
    from {{ arg_dict['temp_relation'] }}
    where {{ window }};
  {%- endset -%}
  {{ return(sql) }}
{%- endmacro %}

{% macro get_incremental_default_sql(arg_dict) %}{{ return(adapter.dispatch('get_incremental_default_sql', 'dbt')(arg_dict)) }}{% endmacro %}
{% macro default__get_incremental_default_sql(arg_dict) -%}
  {{ return(get_incremental_append_sql(arg_dict)) }}
{%- endmacro %}
{% macro postgres__get_incremental_default_sql(arg_dict) -%}
  {%- if arg_dict['unique_key'] -%}
    {{ return(get_incremental_delete_insert_sql(arg_dict)) }}
  {%- endif -%}
  {{ return(get_incremental_append_sql(arg_dict)) }}
{%- endmacro %}
{% macro duckdb__get_incremental_default_sql(arg_dict) -%}
  {{ return(get_incremental_delete_insert_sql(arg_dict)) }}
{%- endmacro %}
{% macro snowflake__get_incremental_default_sql(arg_dict) -%}
  {{ return(get_incremental_merge_sql(arg_dict)) }}
{%- endmacro %}
`
