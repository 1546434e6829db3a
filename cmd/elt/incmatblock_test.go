package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestSchemaChangeMacrosAsDBT: the macros dbt's incremental
// materializations handle on_schema_change with (dbt-adapters'
// on_schema_change.sql and columns.sql), for a project's copy of such a
// materialization: incremental_validate_on_schema_change falls back to
// its default for an unknown value, process_schema_changes returns {} for
// ignore, else the new rows' columns after it added (append_new_columns)
// or added and dropped (sync_all_columns) the table's columns, or stops
// with dbt's message (fail).
func TestSchemaChangeMacrosAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	db := filepath.Join(dir, "p.duckdb")
	reset := func() {
		execDuckDB(t, db, "create or replace table main.target_t (id integer, gone varchar)", "insert into main.target_t values (1, 'x')",
			"create or replace table main.source_t (id integer, added varchar)")
	}
	writeFile(t, dir, "macros/probe.sql", `
{% macro probe(mode) %}
  {%- set source = api.Relation.create(database='p', schema='main', identifier='source_t', type='table') -%}
  {%- set target = api.Relation.create(database='p', schema='main', identifier='target_t', type='table') -%}
  {%- set mode = incremental_validate_on_schema_change(mode, default='ignore') -%}
  {%- set cols = process_schema_changes(mode, source, target) -%}
  {{ log('mode=' ~ mode ~ ' columns=' ~ (cols | map(attribute='name') | join(',')), info=true) }}
{% endmacro %}
`)
	columns := func() string {
		conn := openDB(t, db)
		defer conn.Close()
		return queryRows(t, conn, "select column_name from information_schema.columns where table_name = 'target_t' order by ordinal_position")
	}
	for _, c := range []struct {
		mode, log, columns string
	}{
		{"bogus", "mode=ignore columns=", "id\ngone"},
		{"ignore", "mode=ignore columns=", "id\ngone"},
		{"append_new_columns", "mode=append_new_columns columns=id,added", "id\ngone\nadded"},
		{"sync_all_columns", "mode=sync_all_columns columns=id,added", "id\nadded"},
	} {
		t.Run(c.mode, func(t *testing.T) {
			reset()
			res := mustElt(t, dir, "run-operation", "probe", "--args", "{mode: "+c.mode+"}")
			wantAll(t, res.stdout, c.log)
			if got := columns(); got != c.columns {
				t.Errorf("columns of target_t: want %q, got %q", c.columns, got)
			}
		})
	}
	t.Run("fail", func(t *testing.T) {
		reset()
		res := elt(t, dir, "run-operation", "probe", "--args", "{mode: fail}")
		out := res.stdout + res.stderr
		if res.code == 0 || !strings.Contains(out, "The source and target schemas on this incremental model are out of sync!") {
			t.Errorf("exit %d:\n%s", res.code, out)
		}
		if got := columns(); got != "id\ngone" {
			t.Errorf("columns of target_t: %q", got)
		}
	})
}

// ownIncrementalBlock is a project's incremental materialization for
// adapter built, as dbt's (dbt-adapters' incremental.sql) is, of dbt's
// helper macros and adapter methods: a first build or a full refresh
// creates the table (the latter beside it, then swapped in), a later run
// puts the new rows in a temporary table, applies on_schema_change and
// the strategy macro adapter.get_incremental_strategy_macro finds.
func ownIncrementalBlock(adapter string) string {
	return `{% materialization incremental, adapter='` + adapter + `' -%}
  {%- set existing = load_cached_relation(this) -%}
  {%- set target = this.incorporate(type='table') -%}
  {%- set temp = make_temp_relation(target) -%}
  {%- set intermediate = make_intermediate_relation(target) -%}
  {%- set backup = make_backup_relation(target, 'table' if existing is none else existing.type) -%}
  {%- set full_refresh = should_full_refresh() or existing.is_view -%}
  {%- set on_schema_change = incremental_validate_on_schema_change(config.get('on_schema_change'), default='ignore') -%}
  {%- do drop_relation_if_exists(load_cached_relation(intermediate)) -%}
  {%- do drop_relation_if_exists(load_cached_relation(backup)) -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {%- set swap = [] -%}
  {%- set strategy = adapter.get_incremental_strategy_macro(context, config.get('incremental_strategy') or 'default') -%}
  {%- if existing is none -%}
    {%- set build_sql = get_create_table_as_sql(False, target, sql) -%}
  {%- elif full_refresh -%}
    {%- set build_sql = get_create_table_as_sql(False, intermediate, sql) -%}
    {%- do swap.append(true) -%}
  {%- else -%}
    {%- do run_query(get_create_table_as_sql(True, temp, sql)) -%}
    {%- do adapter.expand_target_column_types(from_relation=temp, to_relation=target) -%}
    {%- set dest_columns = process_schema_changes(on_schema_change, temp, existing) -%}
    {%- if not dest_columns -%}{%- set dest_columns = adapter.get_columns_in_relation(existing) -%}{%- endif -%}
    {%- set build_sql = strategy({'target_relation': target, 'temp_relation': temp, 'unique_key': config.get('unique_key'),
        'dest_columns': dest_columns, 'incremental_predicates': config.get('incremental_predicates')}) -%}
  {%- endif -%}
  {%- call statement('main') -%}{{ build_sql }}{%- endcall -%}
  {%- if swap -%}
    {%- do adapter.rename_relation(target, backup) -%}
    {%- do adapter.rename_relation(intermediate, target) -%}
  {%- endif -%}
  {%- do apply_grants(target, config.get('grants'), should_revoke=should_revoke(existing, full_refresh)) -%}
  {%- do persist_docs(target, model) -%}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {%- do adapter.commit() -%}
  {%- if swap -%}{%- do adapter.drop_relation(backup) -%}{%- endif -%}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target]}) }}
{%- endmaterialization %}
`
}

// incModel is an incremental model whose rows and columns the vars
// choose: run (its two rows' id and name), strategy, osc
// (on_schema_change), extra (a third column) and bigid (id as bigint).
const incModel = `{{ config(materialized='incremental', unique_key='id', incremental_strategy=var('strategy', none), on_schema_change=var('osc', 'ignore')) }}
select {{ var('run', 1) }}{{ '::bigint' if var('bigid', false) }} as id, 'r{{ var("run", 1) }}' as name{{ ', 42 as extra' if var('extra', false) }}
union all select 0, 'zero-r{{ var("run", 1) }}'{{ ', 43' if var('extra', false) }}
`

// incSteps are the runs compared: a first build, delete+insert (the
// default with a unique_key on both warehouses), merge, append, a schema
// change that on_schema_change fail refuses, append_new_columns,
// sync_all_columns and a full refresh.
var incSteps = []struct {
	vars    string
	refresh bool
	fails   bool
}{
	{vars: "{}"},
	{vars: "{run: 2}"},
	{vars: "{run: 3, strategy: merge}"},
	{vars: "{run: 4, strategy: append}"},
	{vars: "{run: 5, extra: true, osc: fail}", fails: true},
	{vars: "{run: 5, extra: true, osc: append_new_columns}"},
	{vars: "{run: 6, osc: sync_all_columns}"},
	{vars: "{run: 7}", refresh: true},
}

// runIncSteps runs incSteps in dir and gives, after each, what state
// says of the warehouse (the model's rows, columns and the relations
// there).
func runIncSteps(t *testing.T, dir string, steps []string, state func() string) []string {
	t.Helper()
	var out []string
	for i, s := range incSteps {
		if i >= len(steps) {
			break
		}
		args := []string{"run", "--select", "inc", "--vars", steps[i]}
		if s.refresh {
			args = append(args, "--full-refresh")
		}
		res := elt(t, dir, args...)
		if (res.code != 0) != s.fails {
			t.Fatalf("elt %s: exit %d\n%s%s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
		}
		if s.fails {
			wantAll(t, res.stdout+res.stderr, "out of sync")
		}
		out = append(out, steps[i]+"\n"+state())
	}
	return out
}

// incStepVars are incSteps' vars.
func incStepVars() []string {
	out := make([]string, len(incSteps))
	for i, s := range incSteps {
		out[i] = s.vars
	}
	return out
}

// compareIncremental runs incSteps in a project whose macros are blocks
// (file name to text) and in one with elt's own incremental, and fails t
// where the two differ.
func compareIncremental(t *testing.T, newProject func(blocks map[string]string) (dir string, state func() string), blocks map[string]string) {
	t.Helper()
	dir, state := newProject(nil)
	want := runIncSteps(t, dir, incStepVars(), state)
	dir, state = newProject(blocks)
	got := runIncSteps(t, dir, incStepVars(), state)
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("after step %d, elt's incremental:\n%s\nthe project's block:\n%s", i+1, want[i], got[i])
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "run", "p", "models", "inc.sql"))
	if err != nil || !strings.Contains(string(b), "__dbt_backup") {
		t.Errorf("the last build did not run through the block (target/run: %v):\n%s", err, b)
	}
}

// duckdbIncProject is a DuckDB project with incModel and blocks in macros/.
func duckdbIncProject(t *testing.T) func(map[string]string) (string, func() string) {
	return func(blocks map[string]string) (string, func() string) {
		dir := miniProject(t, "")
		writeFile(t, dir, "models/inc.sql", incModel)
		for name, text := range blocks {
			writeFile(t, dir, "macros/"+name, text)
		}
		return dir, func() string {
			db := openDB(t, filepath.Join(dir, "p.duckdb"))
			defer db.Close()
			return queryRows(t, db, "select concat_ws('|', *columns(*)) from (select * from main.inc order by all)") + "\n" +
				queryRows(t, db, "select column_name || ' ' || data_type from information_schema.columns where table_name = 'inc' order by ordinal_position") + "\n" +
				queryRows(t, db, "select table_name || ' ' || table_type from information_schema.tables order by 1")
		}
	}
}

// postgresIncProject is the same on the test server, each project in
// its own schema.
func postgresIncProject(t *testing.T) func(map[string]string) (string, func() string) {
	n := 0
	return func(blocks map[string]string) (string, func() string) {
		n++
		schema := fmt.Sprintf("incmat_%d", n)
		ctx, conn := pgSchema(t, schema)
		dir := t.TempDir()
		writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
		writeFile(t, dir, "profiles.yml", pgProfile)
		writeFile(t, dir, "models/inc.sql", incModel)
		for name, text := range blocks {
			writeFile(t, dir, "macros/"+name, text)
		}
		rows := func(q string) string {
			r, err := conn.Query(ctx, q, schema)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			list, err := pgx.CollectRows(r, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			return strings.Join(list, "\n")
		}
		return dir, func() string {
			return rows("select concat_ws('|', id, name, to_jsonb(r)->>'extra') from "+schema+".inc as r where $1 <> '' order by 1") + "\n" +
				rows("select column_name || ' ' || data_type from information_schema.columns where table_schema = $1 and table_name = 'inc' order by ordinal_position") + "\n" +
				rows("select table_name || ' ' || table_type from information_schema.tables where table_schema = $1 order by 1")
		}
	}
}

// TestIncrementalBlockAsBuiltinDuckDB: a project's incremental
// materialization built of dbt's helpers gives, run after run, the rows,
// columns and relations elt's own incremental gives, on DuckDB (where the
// block must be the adapter's own to beat dbt-duckdb's).
func TestIncrementalBlockAsBuiltinDuckDB(t *testing.T) {
	compareIncremental(t, duckdbIncProject(t), map[string]string{"incremental.sql": ownIncrementalBlock("duckdb")})
}

// TestIncrementalBlockAsBuiltinPostgres: the same with a default block on
// Postgres (dbt-postgres has no incremental materialization of its own).
func TestIncrementalBlockAsBuiltinPostgres(t *testing.T) {
	compareIncremental(t, postgresIncProject(t), map[string]string{"incremental.sql": ownIncrementalBlock("default")})
}

// TestIncrementalStrategyMacroAsDBT: adapter.get_incremental_strategy_macro
// refuses a builtin strategy the adapter does not support and a strategy
// without a get_incremental_<strategy>_sql macro with dbt's messages, and
// finds the project's own strategy macro.
func TestIncrementalStrategyMacroAsDBT(t *testing.T) {
	dir, state := duckdbIncProject(t)(map[string]string{
		"incremental.sql": ownIncrementalBlock("duckdb"),
		"strategy.sql": `{% macro get_incremental_upsert_twice_sql(arg_dict) %}
  {{ return(get_incremental_delete_insert_sql(arg_dict) ~ ';\n' ~ get_incremental_append_sql(arg_dict)) }}
{% endmacro %}`,
	})
	mustElt(t, dir, "run")
	for _, c := range []struct{ strategy, err string }{
		{"insert_overwrite", "The incremental strategy 'insert_overwrite' is not valid for this adapter"},
		{"nope", `dbt could not find an incremental strategy macro with the name "get_incremental_nope_sql" in p`},
	} {
		res := elt(t, dir, "run", "--vars", "{run: 2, strategy: "+c.strategy+"}")
		if out := res.stdout + res.stderr; res.code == 0 || !strings.Contains(out, c.err) {
			t.Errorf("strategy %s: exit %d:\n%s", c.strategy, res.code, out)
		}
	}
	mustElt(t, dir, "run", "--vars", "{run: 2, strategy: upsert_twice}")
	if got, want := strings.SplitN(state(), "\n", 5)[:4], []string{"0|zero-r2", "0|zero-r2", "1|r1", "2|r2"}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows after upsert_twice: %q", got)
	}
}
