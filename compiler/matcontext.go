package compiler

import (
	"context"
	"fmt"

	"github.com/elt-dev/elt/jinja"
)

// The names a materialization block uses that dbt's global project
// defines as macros: relation helpers, DDL builders, hooks and flags.
// They are dispatched as in dbt, so a project's <adapter>__ or default__
// macro replaces elt's. A block's statements run in a transaction
// (transaction.go); run_hooks commits it before the hooks that run
// outside it, as dbt's does.
const materializationMacroSQL = `
{% macro run_hooks(hooks, inside_transaction=True) %}
  {%- for hook in hooks -%}
    {%- if not inside_transaction and loop.first -%}
      {%- call statement(auto_begin=inside_transaction) -%}commit;{%- endcall -%}
    {%- endif -%}
    {%- if hook.get('transaction', True) == inside_transaction -%}
      {%- set rendered = render(hook.get('sql')) | trim -%}
      {%- if (rendered | length) > 0 -%}
        {%- call statement(auto_begin=inside_transaction) -%}{{ rendered }}{%- endcall -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
{% endmacro %}

{% macro should_full_refresh() %}
  {%- set full_refresh = config.get('full_refresh') -%}
  {%- if full_refresh is none -%}{%- set full_refresh = flags.FULL_REFRESH -%}{%- endif -%}
  {%- do return(full_refresh) -%}
{% endmacro %}

{% macro copy_grants() %}{{ return(adapter.dispatch('copy_grants', 'dbt')()) }}{% endmacro %}
{% macro default__copy_grants() %}{{ return(True) }}{% endmacro %}
{% macro snowflake__copy_grants() %}{{ return(config.get('copy_grants', False)) }}{% endmacro %}
{#- dbt-postgres: a replaced table keeps none of the old one's grants. -#}
{% macro postgres__copy_grants() %}{{ return(False) }}{% endmacro %}

{% macro should_revoke(existing_relation, full_refresh_mode=True) %}
  {%- if not existing_relation -%}{{ return(False) }}
  {%- elif full_refresh_mode -%}{{ return(copy_grants()) }}
  {%- else -%}{{ return(True) }}{%- endif -%}
{% endmacro %}

{% macro make_intermediate_relation(base_relation, suffix='__dbt_tmp') %}
  {{ return(adapter.dispatch('make_intermediate_relation', 'dbt')(base_relation, suffix)) }}
{% endmacro %}
{% macro default__make_intermediate_relation(base_relation, suffix) %}
  {{ return(default__make_temp_relation(base_relation, suffix)) }}
{% endmacro %}

{% macro make_temp_relation(base_relation, suffix='__dbt_tmp') %}
  {%- if suffix == '__dbt_tmp' and model.batch -%}{%- set suffix = suffix ~ '_' ~ model.batch.id -%}{%- endif -%}
  {{ return(adapter.dispatch('make_temp_relation', 'dbt')(base_relation, suffix)) }}
{% endmacro %}
{% macro default__make_temp_relation(base_relation, suffix) %}
  {{ return(base_relation.incorporate(path={"identifier": base_relation.identifier ~ suffix})) }}
{% endmacro %}

{% macro make_backup_relation(base_relation, backup_relation_type, suffix='__dbt_backup') %}
  {{ return(adapter.dispatch('make_backup_relation', 'dbt')(base_relation, backup_relation_type, suffix)) }}
{% endmacro %}
{% macro default__make_backup_relation(base_relation, backup_relation_type, suffix) %}
  {{ return(base_relation.incorporate(path={"identifier": base_relation.identifier ~ suffix}, type=backup_relation_type)) }}
{% endmacro %}

{#- dbt-duckdb: temporary tables live in the connection's temp schema. -#}
{% macro duckdb__make_temp_relation(base_relation, suffix) %}
  {%- set stamp = modules.datetime.datetime.now().strftime('%Y%m%d%H%M%S%f') -%}
  {{ return(base_relation.incorporate(path={"identifier": base_relation.identifier ~ suffix ~ stamp, "schema": none, "database": none})) }}
{% endmacro %}

{#- dbt-postgres: names fit Postgres's 63 characters; temporary tables have no schema. -#}
{% macro postgres__make_relation_with_suffix(base_relation, suffix, dstring) %}
  {%- if dstring -%}{%- set suffix = suffix ~ modules.datetime.datetime.now().strftime('%H%M%S%f') -%}{%- endif -%}
  {%- set identifier = base_relation.identifier[:63 - (suffix | length)] ~ suffix -%}
  {{ return(base_relation.incorporate(path={"identifier": identifier})) }}
{% endmacro %}
{% macro postgres__make_intermediate_relation(base_relation, suffix) %}
  {{ return(postgres__make_relation_with_suffix(base_relation, suffix, dstring=False)) }}
{% endmacro %}
{% macro postgres__make_temp_relation(base_relation, suffix) %}
  {%- set rel = postgres__make_relation_with_suffix(base_relation, suffix, dstring=True) -%}
  {{ return(rel.incorporate(path={"schema": none, "database": none})) }}
{% endmacro %}
{% macro postgres__make_backup_relation(base_relation, backup_relation_type, suffix) %}
  {%- set rel = postgres__make_relation_with_suffix(base_relation, suffix, dstring=False) -%}
  {{ return(rel.incorporate(type=backup_relation_type)) }}
{% endmacro %}

{% macro get_create_table_as_sql(temporary, relation, sql) -%}
  {{ adapter.dispatch('get_create_table_as_sql', 'dbt')(temporary, relation, sql) }}
{%- endmacro %}
{% macro default__get_create_table_as_sql(temporary, relation, sql) -%}
  {{ return(create_table_as(temporary, relation, sql)) }}
{%- endmacro %}

{#- A model with an enforced contract: the table is created with its
    declared columns and constraints, then filled from the model's select
    (dbt-adapters' relations/table/create.sql, columns_spec_ddl.sql). The
    runner has compared the model's columns with the contract before the
    block runs, so get_assert_columns_equivalent has nothing left to do. -#}
{% macro get_table_columns_and_constraints() -%}
  {{ adapter.dispatch('get_table_columns_and_constraints', 'dbt')() }}
{%- endmacro %}
{% macro default__get_table_columns_and_constraints() -%}
  {{ return(__elt_contract_columns()) }}
{%- endmacro %}
{% macro get_assert_columns_equivalent(sql) -%}
  {{ adapter.dispatch('get_assert_columns_equivalent', 'dbt')(sql) }}
{%- endmacro %}
{% macro default__get_assert_columns_equivalent(sql) -%}{%- endmacro %}
{% macro get_column_names() -%}
  {{ adapter.dispatch('get_column_names', 'dbt')() }}
{%- endmacro %}
{% macro default__get_column_names() -%}
  {{ __elt_contract_column_names() | join(', ') }}
{%- endmacro %}
{#- dbt-duckdb's get_column_names, which dbt-duckdb's create_table_as calls, has the list in parentheses. -#}
{% macro duckdb__get_column_names() -%}
  ({{ __elt_contract_column_names() | join(', ') }})
{%- endmacro %}
{% macro get_select_subquery(sql) -%}
  {{ return(adapter.dispatch('get_select_subquery', 'dbt')(sql)) }}
{%- endmacro %}
{% macro default__get_select_subquery(sql) -%}
    select {{ default__get_column_names() }}
    from (
        {{ sql }}
    ) as model_subq
{%- endmacro %}

{% macro create_table_as(temporary, relation, compiled_code, language='sql') -%}
  {%- if language != 'sql' -%}
    {{ exceptions.raise_compiler_error("elt runs SQL models only; create_table_as got language " ~ language) }}
  {%- endif -%}
  {{ adapter.dispatch('create_table_as', 'dbt')(temporary, relation, compiled_code) }}
{%- endmacro %}
{% macro default__create_table_as(temporary, relation, sql) -%}
  {%- set sql_header = config.get('sql_header', none) -%}
  {%- set contract = config.get('contract') -%}
  {{ sql_header if sql_header is not none }}
  create {% if temporary %}temporary {% endif %}table {{ relation.include(database=(not temporary), schema=(not temporary)) }}
  {%- if contract and contract.enforced and not temporary %}
  {{ get_assert_columns_equivalent(sql) }}
  {{ get_table_columns_and_constraints() }}
  {%- set sql = get_select_subquery(sql) %}
  {%- endif %}
  as (
    {{ sql }}
  );
{%- endmacro %}
{#- dbt-duckdb: a contracted table is created, then filled (no constraints on a temporary one). -#}
{% macro duckdb__create_table_as(temporary, relation, sql) -%}
  {%- set contract = config.get('contract') -%}
  {%- set sql_header = config.get('sql_header', none) -%}
  {{ sql_header if sql_header is not none }}
  create {% if temporary %}temporary {% endif %}table {{ relation.include(database=(not temporary), schema=(not temporary)) }}
  {%- if contract and contract.enforced and not temporary %}
  {{ get_table_columns_and_constraints() }};
  insert into {{ relation }} {{ get_column_names() }} (
    {{ get_select_subquery(sql) }}
  );
  {%- else %}
  as (
    {{ sql }}
  );
  {%- endif %}
{%- endmacro %}
{#- dbt-postgres: the same, and unlogged where the config says so. -#}
{% macro postgres__create_table_as(temporary, relation, sql) -%}
  {%- set contract = config.get('contract') -%}
  {%- set sql_header = config.get('sql_header', none) -%}
  {{ sql_header if sql_header is not none }}
  create {% if temporary %}temporary {% elif config.get('unlogged', False) %}unlogged {% endif %}table {{ relation }}
  {%- if contract and contract.enforced and not temporary %}
  {{ get_table_columns_and_constraints() }};
  insert into {{ relation }} (
    {{ adapter.dispatch('get_column_names', 'dbt')() }}
  )
  {{ get_select_subquery(sql) }};
  {%- else %}
  as (
    {{ sql }}
  );
  {%- endif %}
{%- endmacro %}

{#- apply_grants dispatches, as dbt's, so a project's or package's
    default__apply_grants (snowplow_utils adds its grantees) replaces elt's,
    which applies the grants in Go (fnApplyGrants). -#}
{% macro apply_grants(relation, grant_config, should_revoke=True) -%}
  {{ return(adapter.dispatch('apply_grants', 'dbt')(relation, grant_config, should_revoke)) }}
{%- endmacro %}
{% macro default__apply_grants(relation, grant_config, should_revoke=True) -%}
  {{ return(__elt_apply_grants(relation, grant_config, should_revoke)) }}
{%- endmacro %}

{#- The steps dbt's default__apply_grants is built of (its
    adapters/apply_grants.sql), each dispatched, for a project's own
    apply_grants written with them: read the relation's grants, compare
    them with the config, and run the grant and revoke statements. -#}
{% macro get_show_grant_sql(relation) -%}
  {{ return(adapter.dispatch('get_show_grant_sql', 'dbt')(relation)) }}
{%- endmacro %}
{% macro default__get_show_grant_sql(relation) -%}
  show grants on {{ relation.render() }}
{%- endmacro %}
{#- dbt-postgres: the grants this role gave to other roles. -#}
{% macro postgres__get_show_grant_sql(relation) -%}
  select grantee, privilege_type
  from {{ relation.information_schema('role_table_grants') }}
  where grantor = current_role and grantee != current_role
    and table_schema = '{{ relation.schema }}' and table_name = '{{ relation.identifier }}'
{%- endmacro %}
{% macro support_multiple_grantees_per_dcl_statement() -%}
  {{ return(adapter.dispatch('support_multiple_grantees_per_dcl_statement', 'dbt')()) }}
{%- endmacro %}
{% macro default__support_multiple_grantees_per_dcl_statement() -%}{{ return(True) }}{%- endmacro %}
{% macro get_grant_sql(relation, privilege, grantees) -%}
  {{ return(adapter.dispatch('get_grant_sql', 'dbt')(relation, privilege, grantees)) }}
{%- endmacro %}
{% macro default__get_grant_sql(relation, privilege, grantees) -%}
  grant {{ privilege }} on {{ relation.render() }} to {{ grantees | join(', ') }}
{%- endmacro %}
{% macro get_revoke_sql(relation, privilege, grantees) -%}
  {{ return(adapter.dispatch('get_revoke_sql', 'dbt')(relation, privilege, grantees)) }}
{%- endmacro %}
{#- A revoke quotes its grantees (a grant does not), as dbt's. -#}
{% macro default__get_revoke_sql(relation, privilege, grantees) -%}
  {%- set quoted = [] -%}
  {%- for grantee in grantees -%}{%- do quoted.append(adapter.quote(grantee)) -%}{%- endfor -%}
  revoke {{ privilege }} on {{ relation.render() }} from {{ quoted | join(', ') }}
{%- endmacro %}
{#- One statement per privilege, or per privilege and grantee where a
    statement takes one grantee; get_dcl_macro is get_grant_sql or
    get_revoke_sql. -#}
{% macro get_dcl_statement_list(relation, grant_config, get_dcl_macro) -%}
  {{ return(adapter.dispatch('get_dcl_statement_list', 'dbt')(relation, grant_config, get_dcl_macro)) }}
{%- endmacro %}
{% macro default__get_dcl_statement_list(relation, grant_config, get_dcl_macro) -%}
  {%- set statements = [] -%}
  {%- set together = support_multiple_grantees_per_dcl_statement() -%}
  {%- for privilege, grantees in grant_config.items() -%}
    {%- if together and grantees -%}
      {%- do statements.append(get_dcl_macro(relation, privilege, grantees)) -%}
    {%- else -%}
      {%- for grantee in grantees -%}
        {%- do statements.append(get_dcl_macro(relation, privilege, [grantee])) -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(statements) }}
{%- endmacro %}
{#- All the statements in one block, run together. -#}
{% macro call_dcl_statements(dcl_statement_list) -%}
  {{ return(adapter.dispatch('call_dcl_statements', 'dbt')(dcl_statement_list)) }}
{%- endmacro %}
{% macro default__call_dcl_statements(dcl_statement_list) -%}
  {%- call statement('grants') -%}
    {%- for dcl in dcl_statement_list %}
    {{ dcl }};
    {%- endfor %}
  {%- endcall -%}
{%- endmacro %}

{% macro get_create_view_as_sql(relation, sql) -%}
  {{ adapter.dispatch('get_create_view_as_sql', 'dbt')(relation, sql) }}
{%- endmacro %}
{% macro default__get_create_view_as_sql(relation, sql) -%}
  {{ return(create_view_as(relation, sql)) }}
{%- endmacro %}

{#- dbt's test materialization, for a project's {% materialization test %}
    block to call: elt runs the test as it runs every data test
    (fnMaterializationTest), its verdict left in statement('main'). -#}
{% macro materialization_test_default() -%}
  {{ return(__elt_materialization_test()) }}
{%- endmacro %}

{% macro get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) -%}
  {{ adapter.dispatch('get_test_sql', 'dbt')(main_sql, fail_calc, warn_if, error_if, limit) }}
{%- endmacro %}
{% macro default__get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) -%}
    select
      {{ fail_calc }} as failures,
      {{ fail_calc }} {{ warn_if }} as should_warn,
      {{ fail_calc }} {{ error_if }} as should_error
    from (
      {{ main_sql }}
      {{ "limit " ~ limit if limit != none }}
    ) dbt_internal_test
{%- endmacro %}

{% macro create_view_as(relation, sql) -%}
  {{ adapter.dispatch('create_view_as', 'dbt')(relation, sql) }}
{%- endmacro %}
{% macro default__create_view_as(relation, sql) -%}
  {%- set sql_header = config.get('sql_header', none) -%}
  {{ sql_header if sql_header is not none }}
  create view {{ relation }} as (
    {{ sql }}
  );
{%- endmacro %}
`

// fnStandardizeGrantsDict is adapter.standardize_grants_dict(table): the
// rows of get_show_grant_sql's query as a grants config, each
// privilege_type with its grantees in row order (dbt's BaseAdapter
// method, adapters/base/impl.py).
func fnStandardizeGrantsDict(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	v, _ := argAt(args, kw, 0, "grants_table")
	t, ok := v.(*agateTable)
	if !ok {
		return nil, &jinjaError{msg: "adapter.standardize_grants_dict() takes the table run_query returns"}
	}
	grantee, privilege := -1, -1
	for i, c := range t.columns {
		switch c {
		case "grantee":
			grantee = i
		case "privilege_type":
			privilege = i
		}
	}
	out := jinja.NewDict()
	if len(t.rows) == 0 {
		return out, nil
	}
	if grantee < 0 || privilege < 0 {
		return nil, &jinjaError{msg: fmt.Sprintf("adapter.standardize_grants_dict(): the table needs columns grantee and privilege_type, not %v", t.columns)}
	}
	var order []any
	grantees := map[any][]any{}
	for _, r := range t.rows {
		p := r.vals[privilege]
		if _, seen := grantees[p]; !seen {
			order = append(order, p)
		}
		grantees[p] = append(grantees[p], r.vals[grantee])
	}
	for _, p := range order {
		out.Set(p, jinja.NewList(grantees[p]...))
	}
	return out, nil
}

// fnApplyGrants is dbt's default__apply_grants(relation, grant_config,
// should_revoke=True): elt's grants (runner), applied to relation by the
// materialization's host.
func fnApplyGrants(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if !st.execute {
		return "", nil
	}
	rel, ok := relationArg(args, kw, 0, "relation")
	if !ok {
		return nil, st.fail("call apply_grants(target_relation, config.get('grants'), should_revoke=...)", "apply_grants() needs a relation")
	}
	cfg, _ := argAt(args, kw, 1, "grant_config")
	grants, _ := toGo(cfg).(map[string]any)
	if len(grants) == 0 {
		return "", nil
	}
	if st.host == nil {
		return nil, st.fail("call apply_grants only inside a {% materialization %} block", "apply_grants() runs only while a materialization builds a node")
	}
	revoke := argBool(args, kw, 2, "should_revoke", true)
	if err := st.host.ApplyGrants(st.ctx, Relation{Database: rel.Database, Schema: rel.Schema, Identifier: rel.Identifier}, grants, revoke); err != nil {
		return nil, &jinjaError{msg: fmt.Sprintf("apply_grants(%s): %v", rel.rendered, err)}
	}
	return "", nil
}

// fnPersistDocs is persist_docs(relation, model, for_relation=True,
// for_columns=True): the model's descriptions as comments, where its
// persist_docs config asks for them.
func fnPersistDocs(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if !st.execute {
		return "", nil
	}
	rel, ok := relationArg(args, kw, 0, "relation")
	if !ok {
		return nil, st.fail("call persist_docs(target_relation, model)", "persist_docs() needs a relation")
	}
	if st.host == nil {
		return nil, st.fail("call persist_docs only inside a {% materialization %} block", "persist_docs() runs only while a materialization builds a model")
	}
	forRel := argBool(args, kw, 2, "for_relation", true)
	forCols := argBool(args, kw, 3, "for_columns", true)
	if err := st.host.PersistDocs(st.ctx, Relation{Database: rel.Database, Schema: rel.Schema, Identifier: rel.Identifier}, forRel, forCols); err != nil {
		return nil, &jinjaError{msg: fmt.Sprintf("persist_docs(%s): %v", rel.rendered, err)}
	}
	return "", nil
}

// fnCreateIndexes is create_indexes(relation): the model's indexes config
// created on relation (Postgres; nothing elsewhere, as in dbt).
func fnCreateIndexes(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if !st.execute {
		return "", nil
	}
	rel, ok := relationArg(args, kw, 0, "relation")
	if !ok {
		return nil, st.fail("call create_indexes(target_relation)", "create_indexes() needs a relation")
	}
	if st.host == nil {
		return nil, st.fail("call create_indexes only inside a {% materialization %} block", "create_indexes() runs only while a materialization builds a model")
	}
	if err := st.host.CreateIndexes(st.ctx, Relation{Database: rel.Database, Schema: rel.Schema, Identifier: rel.Identifier}); err != nil {
		return nil, &jinjaError{msg: fmt.Sprintf("create_indexes(%s): %v", rel.rendered, err)}
	}
	return "", nil
}

// DataTestHost is the host of a {% materialization test %} block: it runs
// the test node as elt runs every data test (storing its failing rows
// where the test says so) and gives what dbt's test materialization
// leaves in statement('main').
type DataTestHost interface {
	RunDataTest(ctx context.Context) (DataTestMain, error)
}

// DataTestMain is a data test's verdict query result: one row of
// failures, should_warn and should_error.
type DataTestMain struct {
	Columns []string
	Rows    [][]any
	// Status and RowsAffected are the warehouse's for the query.
	Status       string
	RowsAffected int64
	// Stored is where the failing rows were stored, nil when they were
	// not; StoredType its kind (table or view).
	Stored     *Relation
	StoredType string
}

// fnMaterializationTest is dbt.materialization_test_default(): the test
// run by the block's host, statement('main') holding its verdict, and
// {'relations': [...]} the relation its failing rows were stored in.
func fnMaterializationTest(s *jinja.State, _ []any, _ jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	rels := jinja.NewList()
	if !st.execute {
		return map[string]any{"relations": rels}, nil
	}
	h, ok := st.host.(DataTestHost)
	if !ok {
		return nil, st.fail("call materialization_test_default only in a {% materialization test %} block", "materialization_test_default() runs only while a data test runs")
	}
	main, err := h.RunDataTest(st.ctx)
	if err != nil {
		return nil, &jinjaError{msg: err.Error()}
	}
	if st.results == nil {
		st.results = map[string]*queryResult{}
	}
	st.results["main"] = &queryResult{columns: main.Columns, rows: main.Rows, status: main.Status, rowsAffected: main.RowsAffected}
	if st.runFile != nil {
		*st.runFile = runFile{}
	}
	if main.Stored != nil {
		rels.Items = append(rels.Items, st.newRelation(*main.Stored, main.StoredType))
	}
	return map[string]any{"relations": rels}, nil
}

// ContractHost is the host of a model's materialization block when the
// model enforces a contract: the declared columns and constraints as DDL
// and the columns' names, for create_table_as.
type ContractHost interface {
	ContractDDL() (columns string, names []string, ok bool)
}

// contractOf is the host's contract, or an error naming what asked.
func contractOf(s *jinja.State, what string) (columns string, names []string, err error) {
	st, err := renderStateOf(s)
	if err != nil {
		return "", nil, err
	}
	h, ok := st.host.(ContractHost)
	if ok {
		if columns, names, ok = h.ContractDDL(); ok {
			return columns, names, nil
		}
	}
	return "", nil, st.fail("call it from create_table_as in a materialization block, for a model with contract: {enforced: true}",
		"%s gives the model's enforced contract, and there is none here", what)
}

// fnContractColumns is dbt's table_columns_and_constraints(): the
// declared columns with their types and constraints, in parentheses.
func fnContractColumns(s *jinja.State, _ []any, _ jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if !st.execute {
		return "", nil
	}
	columns, _, err := contractOf(s, "get_table_columns_and_constraints()")
	return columns, err
}

// fnContractColumnNames are the declared columns' names, as the DDL
// writes them (quoted where a column says quote: true).
func fnContractColumnNames(s *jinja.State, _ []any, _ jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if !st.execute {
		return jinja.NewList(), nil
	}
	_, names, err := contractOf(s, "get_column_names()")
	if err != nil {
		return nil, err
	}
	return jinja.NewList(toAnyList(names)...), nil
}
