package compiler

import "github.com/elt-dev/elt/project"

// builtinMacroSQL are dbt's default naming macros. They are real Jinja
// macros so that a project macro of the same name overrides them, which is
// how dbt users customise relation names; as in dbt, each dispatches to
// default__<name>, which a project may override instead, or call from its
// own. When none is overridden, Parse computes the same names in Go (see
// defaultRelation and namingMacro).
const builtinMacroSQL = `{% macro generate_database_name(custom_database_name=none, node=none) -%}
    {{ return(adapter.dispatch('generate_database_name', 'dbt')(custom_database_name, node)) }}
{%- endmacro %}

{% macro default__generate_database_name(custom_database_name=none, node=none) -%}
    {%- if custom_database_name is none -%}
        {{ target.database }}
    {%- else -%}
        {{ custom_database_name | trim }}
    {%- endif -%}
{%- endmacro %}

{% macro generate_schema_name(custom_schema_name=none, node=none) -%}
    {{ return(adapter.dispatch('generate_schema_name', 'dbt')(custom_schema_name, node)) }}
{%- endmacro %}

{% macro default__generate_schema_name(custom_schema_name=none, node=none) -%}
    {%- set default_schema = target.schema -%}
    {%- if custom_schema_name is none -%}
        {{ default_schema }}
    {%- else -%}
        {{ default_schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

{#- dbt's other schema naming: the custom schema alone on the target named prod, else the target's schema. -#}
{% macro generate_schema_name_for_env(custom_schema_name, node) -%}
    {%- if target.name == 'prod' and custom_schema_name is not none -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}
    {%- endif -%}
{%- endmacro %}

{#- flags.STORE_FAILURES as __elt_store_failures_flag: the same value,
    which a cached compile render may read (its key holds the flag), where
    flags (every flag of the invocation) makes a render uncacheable. -#}
{% macro should_store_failures() -%}
    {%- set config_store_failures = config.get('store_failures') -%}
    {%- if config_store_failures is none -%}
        {%- set config_store_failures = __elt_store_failures_flag -%}
    {%- endif -%}
    {%- do return(config_store_failures) -%}
{%- endmacro %}

{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
    {{ return(adapter.dispatch('generate_alias_name', 'dbt')(custom_alias_name, node)) }}
{%- endmacro %}

{% macro default__generate_alias_name(custom_alias_name=none, node=none) -%}
    {%- if custom_alias_name -%}
        {{ custom_alias_name | trim }}
    {%- elif node.version -%}
        {{ node.name ~ "_v" ~ (node.version | replace(".", "_")) }}
    {%- else -%}
        {{ node.name }}
    {%- endif -%}
{%- endmacro %}
`

func builtinMacroFiles() []*project.File {
	return []*project.File{
		{Path: "elt/builtin_macros.sql", Contents: builtinMacroSQL},
		{Path: "elt/cross_database_macros.sql", Contents: crossDBMacroSQL},
		{Path: "elt/adapter_macros.sql", Contents: adapterOpsSQL},
		{Path: "elt/statement_macros.sql", Contents: statementMacroSQL},
		{Path: "elt/hook_macros.sql", Contents: hookMacroSQL},
		{Path: "elt/external_macros.sql", Contents: externalMacroSQL},
		{Path: "elt/materialization_macros.sql", Contents: materializationMacroSQL},
		{Path: "elt/incremental_macros.sql", Contents: incrementalMacroSQL},
		{Path: "elt/freshness_macros.sql", Contents: freshnessMacroSQL},
		{Path: "elt/snapshot_macros.sql", Contents: snapshotMacroSQL},
		{Path: "elt/show_macros.sql", Contents: showMacroSQL},
	}
}
