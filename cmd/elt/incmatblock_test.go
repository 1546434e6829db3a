package main

import (
	"fmt"
	"os"
	"os/exec"
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
// the strategy macro adapter.get_incremental_strategy_macro finds. On
// DuckDB it makes the temporary table as dbt-duckdb's does.
func ownIncrementalBlock(adapter string) string {
	tempTable := "get_create_table_as_sql(True, temp, sql)"
	if adapter == "duckdb" {
		// dbt-duckdb's: a temporary table unless on MotherDuck.
		tempTable = "create_table_as(not adapter.is_motherduck(), temp, compiled_code, model['language'])"
	}
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
    {%- do run_query(` + tempTable + `) -%}
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
func runIncSteps(t *testing.T, dir string, steps []string, state func(rel string) string) []string {
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
		out = append(out, steps[i]+"\n"+state("inc"))
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
func compareIncremental(t *testing.T, newProject incProject, blocks map[string]string) {
	t.Helper()
	dir, state := newProject(nil)
	want := runIncSteps(t, dir, incStepVars(), state)
	builtinRun := runFile(t, dir, "inc")
	dir, state = newProject(blocks)
	got := runIncSteps(t, dir, incStepVars(), state)
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("after step %d, elt's incremental:\n%s\nthe project's block:\n%s", i+1, want[i], got[i])
		}
	}
	// The full refresh swapped the table in through a backup, as the
	// blocks do and elt's own incremental does not.
	if b := runFile(t, dir, "inc"); b == builtinRun || !strings.Contains(b, "__dbt_backup") {
		t.Errorf("the last build did not run through the block:\n%s", b)
	}
}

// runFile is the model's target/run file.
func runFile(t *testing.T, dir, model string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "target", "run", "p", "models", model+".sql"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// incProject makes a project with incModel and blocks in macros/, and
// gives its folder and a function that tells a relation's rows and
// columns and the relations of the project's schema.
type incProject func(blocks map[string]string) (dir string, state func(rel string) string)

// duckdbIncProject is a DuckDB incProject.
func duckdbIncProject(t *testing.T) incProject {
	return func(blocks map[string]string) (string, func(string) string) {
		dir := miniProject(t, "")
		writeFile(t, dir, "models/inc.sql", incModel)
		for name, text := range blocks {
			writeFile(t, dir, "macros/"+name, text)
		}
		return dir, func(rel string) string {
			db := openDB(t, filepath.Join(dir, "p.duckdb"))
			defer db.Close()
			return queryRows(t, db, "select concat_ws('|', *columns(*)) from (select * from main."+rel+" order by all)") + "\n" +
				queryRows(t, db, "select column_name || ' ' || data_type || ' ' || is_nullable from information_schema.columns where table_name = '"+rel+"' order by ordinal_position") + "\n" +
				queryRows(t, db, "select table_name || ' ' || table_type from information_schema.tables order by 1")
		}
	}
}

// postgresIncProject is the same on the test server, each project in
// its own schema.
func postgresIncProject(t *testing.T) incProject {
	n := 0
	return func(blocks map[string]string) (string, func(string) string) {
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
		return dir, func(rel string) string {
			return rows("select (select string_agg(coalesce(v, ''), '|' order by k) from jsonb_each_text(to_jsonb(r)) as e(k, v)) from "+schema+"."+rel+" as r where $1 <> '' order by 1") + "\n" +
				rows("select column_name || ' ' || data_type || ' ' || is_nullable from information_schema.columns where table_schema = $1 and table_name = '"+rel+"' order by ordinal_position") + "\n" +
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
	if got, want := strings.SplitN(state("inc"), "\n", 5)[:4], []string{"0|zero-r2", "0|zero-r2", "1|r1", "2|r2"}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows after upsert_twice: %q", got)
	}
}

// TestDuckDBAdapterMethodsAsDBT: dbt-duckdb's adapter methods its table
// and incremental materializations call (1.10.1): is_motherduck (false
// for a local file), disable_transactions (the profile's setting) and
// valid_incremental_strategies.
func TestDuckDBAdapterMethodsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "profiles.yml", "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      disable_transactions: true\n")
	writeFile(t, dir, "macros/probe.sql", `{% macro probe() %}
  {{ log('md=' ~ adapter.is_motherduck() ~ ' notx=' ~ adapter.disable_transactions() ~ ' valid=' ~ adapter.valid_incremental_strategies() | join(','), info=true) }}
{% endmacro %}`)
	res := mustElt(t, dir, "run-operation", "probe")
	wantAll(t, res.stdout, "md=False notx=True valid=append,delete+insert,merge,microbatch")
}

// mirroredFile is a file of a git mirror of dbt's repositories at the
// first of refs that has it; the test is skipped where there is none
// (the repositories are not part of elt, and dbt's code is not copied
// into it).
func mirroredFile(t *testing.T, repo, path string, refs ...string) string {
	t.Helper()
	dir := filepath.Join("/work/.mirror", repo, "repo")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no mirror of %s: %v", repo, err)
	}
	for _, ref := range refs {
		out, err := exec.Command("git", "-C", dir, "show", ref+":"+path).Output()
		if err == nil {
			return string(out)
		}
	}
	t.Skipf("%s has no %s at %v", repo, path, refs)
	return ""
}

// dbtMaterializations are dbt's own table, view and incremental
// materializations, from the mirrors: dbt-adapters' (the default ones,
// which dbt-postgres uses) and, for DuckDB, dbt-duckdb 1.10.1's table and
// incremental.
func dbtMaterializations(t *testing.T, duckdb bool) map[string]string {
	const global = "dbt-adapters/src/dbt/include/global_project/macros/materializations/models/"
	out := map[string]string{}
	for _, f := range []string{"table.sql", "view.sql", "incremental/incremental.sql"} {
		out["dbt_"+filepath.Base(f)] = mirroredFile(t, "dbt-labs+dbt-adapters", global+f, "v1.17.3", "HEAD")
	}
	if duckdb {
		for _, f := range []string{"table.sql", "incremental.sql"} {
			out["duckdb_"+f] = mirroredFile(t, "duckdb+dbt-duckdb", "dbt/include/duckdb/macros/materializations/"+f, "1.10.1")
		}
	}
	return out
}

// compareTableView builds a table and a view on it twice, in a project
// with blocks and in one without, and fails t where the relations differ.
func compareTableView(t *testing.T, newProject incProject, blocks map[string]string) {
	t.Helper()
	var results, runs [2]string
	for i, b := range []map[string]string{nil, blocks} {
		dir, state := newProject(b)
		writeFile(t, dir, "models/t.sql", "{{ config(materialized='table') }}\nselect {{ var('run', 1) }} as id, 'a' as name")
		writeFile(t, dir, "models/v.sql", "select * from {{ ref('t') }}")
		mustElt(t, dir, "run", "--exclude", "inc")
		mustElt(t, dir, "run", "--exclude", "inc", "--vars", "{run: 2}")
		results[i] = state("t") + "\n" + state("v")
		runs[i] = runFile(t, dir, "t") + runFile(t, dir, "v")
	}
	// The blocks build beside the relation and rename it in.
	if runs[0] == runs[1] || strings.Count(runs[1], "__dbt_tmp") < 2 {
		t.Errorf("the table and the view were not built through the blocks:\n%s", runs[1])
	}
	if results[0] != results[1] {
		t.Errorf("elt's table and view:\n%s\nthe blocks':\n%s", results[0], results[1])
	}
}

// TestDBTMaterializationsDuckDB: dbt's own table, view and incremental
// materializations copied into a project (dbt-duckdb's where it has its
// own) build what elt's do on DuckDB.
func TestDBTMaterializationsDuckDB(t *testing.T) {
	blocks := dbtMaterializations(t, true)
	compareIncremental(t, duckdbIncProject(t), blocks)
	compareTableView(t, duckdbIncProject(t), blocks)
}

// TestDBTMaterializationsPostgres: the same on Postgres.
func TestDBTMaterializationsPostgres(t *testing.T) {
	blocks := dbtMaterializations(t, false)
	compareIncremental(t, postgresIncProject(t), blocks)
	compareTableView(t, postgresIncProject(t), blocks)
}

// TestContractThroughBlockAsDBT: a block's get_create_table_as_sql
// creates a model with an enforced contract as dbt's create_table_as does
// (dbt-adapters' default, dbt-postgres's, dbt-duckdb's): the declared
// columns with their constraints, then the rows, so that the table has
// what elt's own incremental gives it.
func TestContractThroughBlockAsDBT(t *testing.T) {
	const contracted = `{{ config(materialized='incremental', on_schema_change='fail', contract={'enforced': true}) }}
select 1 as id, 'a' as name
`
	const props = `models:
  - name: inc
    columns:
      - name: id
        data_type: integer
        constraints: [{type: not_null}]
      - name: name
        data_type: varchar
`
	for _, c := range []struct {
		name       string
		newProject func(*testing.T) incProject
		adapter    string
	}{
		{"duckdb", duckdbIncProject, "duckdb"},
		{"postgres", postgresIncProject, "default"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "postgres" {
				pgEnv(t, "incmat_contract")
			}
			newProject := c.newProject(t)
			var got [2]string
			for i, blocks := range []map[string]string{nil, {"incremental.sql": ownIncrementalBlock(c.adapter)}} {
				dir, state := newProject(blocks)
				writeFile(t, dir, "models/inc.sql", contracted)
				writeFile(t, dir, "models/inc.yml", props)
				mustElt(t, dir, "run")
				got[i] = state("inc")
				if i == 1 {
					wantAll(t, runFile(t, dir, "inc"), "not null", "model_subq")
				}
			}
			if got[0] != got[1] {
				t.Errorf("elt's incremental:\n%s\nthe block:\n%s", got[0], got[1])
			}
		})
	}
}

// TestMicrobatchThroughBlockAsDBT: a microbatch model whose incremental
// materialization is the project's block runs the block once per batch,
// as dbt's microbatch runner does (the batch's SQL, model.batch, the
// pre-hooks in the first batch only and the post-hooks in the last; after
// the first, is_incremental() and not should_full_refresh()), and gets
// the rows elt's own microbatch gives it.
func TestMicrobatchThroughBlockAsDBT(t *testing.T) {
	for _, c := range []struct {
		name       string
		newProject func(*testing.T) incProject
		adapter    string
		config     string
	}{
		// dbt-duckdb's microbatch refuses a unique_key; dbt-postgres's merges on one.
		{"duckdb", duckdbIncProject, "duckdb", ""},
		{"postgres", postgresIncProject, "default", ", unique_key='id'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "postgres" {
				pgEnv(t, "incmat_mb")
			}
			newProject := c.newProject(t)
			var got [2]string
			for i, blocks := range []map[string]string{nil, {"incremental.sql": ownIncrementalBlock(c.adapter)}} {
				dir, state := newProject(blocks)
				writeFile(t, dir, "seeds/ev.csv", "id,name\n1,2024-01-01 10:00:00\n2,2024-01-02 10:00:00\n3,2024-01-03 10:00:00\n")
				writeFile(t, dir, "seeds/ev.yml", "seeds:\n  - name: ev\n    config:\n      event_time: name\n      column_types: {name: timestamp}\n")
				writeFile(t, dir, "models/hook_log.sql", "{{ config(materialized='table') }}\nselect 'start' as msg")
				writeFile(t, dir, "models/inc.sql", `{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='name', batch_size='day', begin='2024-01-01'`+c.config+`,
    pre_hook="insert into {{ ref('hook_log') }} values ('pre')", post_hook="insert into {{ ref('hook_log') }} values ('post')") }}
select id + {{ var('run', 1) }} * 10 as id, name from {{ ref('ev') }}
`)
				mustElt(t, dir, "seed")
				mustElt(t, dir, "run", "--select", "hook_log")
				res := mustElt(t, dir, "run", "--select", "inc", "--event-time-start", "2024-01-01", "--event-time-end", "2024-01-04")
				wantAll(t, res.stdout, "Batch 3 of 3")
				mustElt(t, dir, "run", "--select", "inc", "--event-time-start", "2024-01-02", "--event-time-end", "2024-01-03", "--vars", "{run: 2}")
				got[i] = state("inc") + "\n" + state("hook_log")
				// A full refresh rebuilds the table in the first batch only.
				mustElt(t, dir, "run", "--select", "inc", "--full-refresh", "--event-time-start", "2024-01-01", "--event-time-end", "2024-01-04", "--vars", "{run: 3}")
				got[i] += "\n" + state("inc")
			}
			if got[0] != got[1] {
				t.Errorf("elt's microbatch:\n%s\nthe block:\n%s", got[0], got[1])
			}
			if n := strings.Count(got[1], "pre"); n != 2 {
				t.Errorf("the pre-hook ran %d times in two runs:\n%s", n, got[1])
			}
		})
	}
}

// TestDuckDBMergeConfigsThroughBlock: dbt-duckdb's merge configs that
// elt's get_merge_sql does not write (merge_update_condition...) stop a
// project's incremental block at the merge, rather than being ignored;
// a merge without them goes on.
func TestDuckDBMergeConfigsThroughBlock(t *testing.T) {
	dir, state := duckdbIncProject(t)(map[string]string{"incremental.sql": ownIncrementalBlock("duckdb")})
	writeFile(t, dir, "models/inc.sql", `{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge', merge_update_condition=var('cond', none)) }}
select {{ var('run', 1) }} as id, 'r{{ var("run", 1) }}' as name
`)
	mustElt(t, dir, "run")
	res := elt(t, dir, "run", "--vars", "{run: 2, cond: 'DBT_INTERNAL_DEST.id > 5'}")
	if out := res.stdout + res.stderr; res.code == 0 || !strings.Contains(out, "model inc: elt does not support dbt-duckdb's merge_update_condition yet") {
		t.Errorf("exit %d:\n%s", res.code, out)
	}
	mustElt(t, dir, "run", "--vars", "{run: 2}")
	if got := strings.SplitN(state("inc"), "\n", 3)[:2]; strings.Join(got, ",") != "1|r1,2|r2" {
		t.Errorf("rows: %q", got)
	}
}

// TestViewToIncrementalThroughBlockDuckDB: a view becoming an incremental
// model through the project's block is moved aside as a view, as
// dbt-duckdb's rename_relation names the relation's type (alter view),
// and the table replaces it as elt's own incremental does.
func TestViewToIncrementalThroughBlockDuckDB(t *testing.T) {
	newProject := duckdbIncProject(t)
	var got [2]string
	for i, blocks := range []map[string]string{nil, {"incremental.sql": ownIncrementalBlock("duckdb")}} {
		dir, state := newProject(blocks)
		writeFile(t, dir, "models/inc.sql", "{{ config(materialized=var('mat', 'view')) }}\nselect 1 as id, 'a' as name")
		mustElt(t, dir, "run")
		mustElt(t, dir, "run", "--vars", "{mat: incremental}")
		got[i] = state("inc")
	}
	if got[0] != got[1] || !strings.Contains(got[1], "inc BASE TABLE") {
		t.Errorf("elt's incremental:\n%s\nthe block:\n%s", got[0], got[1])
	}
}
