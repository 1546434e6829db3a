package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// onBothWarehouses runs test in a project on DuckDB, and in one on the
// test PostgreSQL server in schema (skipped without it).
func onBothWarehouses(t *testing.T, schema string, test func(t *testing.T, dir, warehouse string)) {
	for _, wh := range []string{"duckdb", "postgres"} {
		t.Run(wh, func(t *testing.T) {
			dir := miniProject(t, "")
			if wh == "postgres" {
				pgSchema(t, schema)
				writeFile(t, dir, "profiles.yml", pgProfile)
			}
			test(t, dir, wh)
		})
	}
}

// TestNodeOnOneConnection: as on dbt's one connection per thread, what a
// node's render runs, its hooks and its statements share one connection,
// on four threads: a pre-hook's session setting is what the model's table
// is built under, and a temporary table a test's render creates with
// run_query (dbt-datamocktool's way of mocking a model) is there for the
// test's query. Each warehouse keeps a setting and a temporary table to
// its connection, so a node spread over the pool's connections reads
// another's setting or none, and misses its table.
func TestNodeOnOneConnection(t *testing.T) {
	// A pre-hook setting the tag; the expression reading it; a query
	// that takes a few milliseconds: while one node runs it, the others
	// take and give back connections, so a node that asks the pool for
	// each statement is all but sure to get another one.
	type session struct{ set, read, busy string }
	sessions := map[string]session{
		"duckdb":   {"set variable tag = '%s'", "getvariable('tag')", "select count(*) from range(2000000)"},
		"postgres": {"set elt.tag = '%s'", "current_setting('elt.tag', true)", "select pg_sleep(0.01)"},
	}
	onBothWarehouses(t, "one_conn", func(t *testing.T, dir, warehouse string) {
		wh := sessions[warehouse]
		var checks []string
		for i := range 16 {
			name := fmt.Sprintf("m%d", i)
			writeFile(t, dir, "models/"+name+".sql", fmt.Sprintf("{{ config(materialized='table', pre_hook=[\"%s\", \"%s\"]) }}\nselect %s as tag\n",
				fmt.Sprintf(wh.set, name), wh.busy, wh.read))
			checks = append(checks, fmt.Sprintf("select '%s' as want, tag from {{ ref('%s') }}", name, name))
			writeFile(t, dir, fmt.Sprintf("tests/mocked_%d.sql", i), fmt.Sprintf(
				"{%% if execute %%}{%% do run_query(\"create temporary table if not exists tmp_%d as select 1 as x where 1 = 0\") %%}"+
					"{%% for _ in range(8) %%}{%% do run_query(\"select count(*) from tmp_%d\") %%}{%% endfor %%}{%% endif %%}\nselect * from tmp_%d\n", i, i, i))
		}
		writeFile(t, dir, "tests/tags.sql", "select * from (\n"+strings.Join(checks, "\nunion all\n")+"\n) as t where tag is null or tag <> want\n")
		res := elt(t, dir, "build", "--threads", "4")
		if res.code != 0 {
			t.Fatalf("want every node on one connection, got exit %d:\n%s%s", res.code, res.stdout, res.stderr)
		}
		if !strings.Contains(res.stdout, "PASS=33 ") {
			t.Errorf("want 16 models and 17 tests to pass:\n%s", res.stdout)
		}
	})
}

// incrementalMacrosDemo runs dbt's incremental statement macros on real
// tables: each strategy on a target of ids 1 and 2 and new rows of ids 1
// and 3, printing the target after.
const incrementalMacrosDemo = `{% macro demo() %}
{%- set strategies = [
  ('merge', 'get_incremental_merge_sql', 'id'),
  ('delete_insert', 'get_incremental_delete_insert_sql', ['id']),
  ('default_keyed', 'get_incremental_default_sql', 'id'),
  ('default_append', 'get_incremental_default_sql', none),
  ('append', 'get_incremental_append_sql', none),
] -%}
{%- do adapter.create_schema(api.Relation.create(database=target.database, schema=target.schema)) -%}
{%- for name, macro, key in strategies -%}
  {%- set tgt = api.Relation.create(database=target.database, schema=target.schema, identifier='tgt_' ~ name) -%}
  {%- set src = api.Relation.create(database=target.database, schema=target.schema, identifier='src_' ~ name) -%}
  {%- do run_query("create table " ~ tgt ~ " as select 1 as id, cast('old' as varchar(10)) as v union all select 2, 'keep'") -%}
  {%- do run_query("create table " ~ src ~ " as select 1 as id, cast('new' as varchar(10)) as v union all select 3, 'added'") -%}
  {%- set sql = context[macro]({'target_relation': tgt, 'temp_relation': src, 'unique_key': key,
      'dest_columns': adapter.get_columns_in_relation(tgt), 'incremental_predicates': none}) -%}
  {%- do run_query(sql) -%}
  {%- set rows = run_query("select id, v from " ~ tgt ~ " order by id, v") -%}
  {%- do print(name ~ ' ' ~ (rows.rows | map('join', ':') | join(','))) -%}
{%- endfor -%}
{%- do print('csv ' ~ get_quoted_csv(['a', 'b'])) -%}
{%- do print('merge sql ' ~ (get_merge_sql(this, this, ['a', 'b'], [], predicates=['x > 1']) | replace('\n', ' ') | replace('  ', ''))) -%}
{% endmacro %}
`

// TestIncrementalMacrosAsDBT: dbt's macros that build an incremental
// model's statements (get_merge_sql, get_delete_insert_merge_sql, the
// get_incremental_<strategy>_sql family, get_quoted_csv), which packages
// and materialization blocks call (dbt-datamocktool builds a model's
// merge with get_merge_sql), give dbt's statements: run on DuckDB and
// PostgreSQL they leave dbt's rows, each warehouse's default strategy its
// adapter's (delete+insert on DuckDB; on PostgreSQL append, delete+insert
// with a unique_key).
func TestIncrementalMacrosAsDBT(t *testing.T) {
	onBothWarehouses(t, "inc_macros", func(t *testing.T, dir, _ string) {
		writeFile(t, dir, "macros/demo.sql", incrementalMacrosDemo)
		res := mustElt(t, dir, "run-operation", "demo")
		wantAll(t, res.stdout,
			"merge 1:new,2:keep,3:added\n",
			"delete_insert 1:new,2:keep,3:added\n",
			"default_keyed 1:new,2:keep,3:added\n",
			"default_append 1:new,1:old,2:keep,3:added\n",
			"append 1:new,1:old,2:keep,3:added\n",
			`csv "a", "b"`+"\n",
			"on (x > 1) and (DBT_INTERNAL_SOURCE.a = DBT_INTERNAL_DEST.a) and (DBT_INTERNAL_SOURCE.b = DBT_INTERNAL_DEST.b)",
		)
	})
}

// TestNodeStatementsRunOnce: a statement a model's render runs (an audit
// row inserted with run_query) runs once a run, when the model runs, as
// dbt compiles a node only then, and not again in a render made ahead of
// the run.
func TestNodeStatementsRunOnce(t *testing.T) {
	dir := miniProject(t, "on-run-start:\n  - create table if not exists audit (x integer)\n")
	writeFile(t, dir, "models/m.sql", "{% if execute %}{% do run_query('insert into audit values (1)') %}{% endif %}\nselect 1 as id\n")
	for range 2 {
		mustElt(t, dir, "run")
	}
	if got := rowsOf(t, dir, "(select count(*) from main.audit)"); got != "2" {
		t.Errorf("two runs inserted %s audit rows, want 2", got)
	}
	// Its SQL, from the render made when it ran, is in the artifacts.
	if b, err := os.ReadFile(filepath.Join(dir, "target/compiled/p/models/m.sql")); err != nil || !strings.Contains(string(b), "select 1 as id") {
		t.Errorf("target/compiled/p/models/m.sql: %q, %v", b, err)
	}
	nodes, _ := readManifest(t, dir)["nodes"].(map[string]any)
	m, _ := nodes["model.p.m"].(map[string]any)
	if code, _ := m["compiled_code"].(string); !strings.Contains(code, "select 1 as id") || m["compiled"] != true {
		t.Errorf("the manifest's model.p.m: compiled %v, compiled_code %q", m["compiled"], code)
	}
}

// TestHookRefsAreDependencies: a ref in a model's pre- or post-hook, here
// inside a macro the hook calls, makes the model a child of the model it
// reads, as dbt renders hooks while parsing: the hook runs once that
// model is built.
func TestHookRefsAreDependencies(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/stitch.sql", "{% macro stitch() %}insert into {{ this }} select id from {{ ref('mapping') }}{% endmacro %}\n")
	writeFile(t, dir, "models/sessions.sql", "{{ config(materialized='table', post_hook='{{ stitch() }}') }}\nselect 1 as id\n")
	writeFile(t, dir, "models/mapping.sql", "{{ config(materialized='table') }}\nselect 2 as id\n")
	mustElt(t, dir, "run", "--threads", "4")
	nodes, _ := readManifest(t, dir)["nodes"].(map[string]any)
	sessions, _ := nodes["model.p.sessions"].(map[string]any)
	dependsOn, _ := sessions["depends_on"].(map[string]any)
	deps, _ := dependsOn["nodes"].([]any)
	if !slices.Contains(deps, any("model.p.mapping")) {
		t.Errorf("sessions depends on %v, want model.p.mapping among them", deps)
	}
	if got := rowsOf(t, dir, "(select id from main.sessions order by id)"); got != "1\n2" {
		t.Errorf("sessions holds %q, want its row and the mapping's", got)
	}
}

// TestIgnoredOverridesWarn: a macro with which dbt would change how its
// built-in materializations build a node (the root project's
// duckdb__create_table_as or get_batch_size, a package's
// default__load_csv_rows that the project's dispatch config searches) is
// one elt's Go materializations do not call: the load says so at each
// definition, and not of other macros (a package's drop_relation or
// default__get_merge_sql, or the project's snapshot_check_strategy, which
// elt runs, a package's
// default__load_csv_rows the dispatch config leaves out, another
// adapter's, or a macro of no such name). The project's
// duckdb__get_limit_sql, which elt's show calls and its data tests do
// not, is warned of as such.
func TestIgnoredOverridesWarn(t *testing.T) {
	dir := miniProject(t, "dispatch:\n  - macro_namespace: dbt\n    search_order: [p, tuned, dbt]\n")
	writeFile(t, dir, "macros/steps.sql", "{% macro duckdb__create_table_as(temporary, relation, sql) %}create table {{ relation }} as {{ sql }}{% endmacro %}\n"+
		"{% macro get_batch_size() %}{{ return(10) }}{% endmacro %}\n{% macro postgres__get_merge_sql() %}{% endmacro %}\n{% macro my_helper() %}{% endmacro %}\n"+
		"{% macro duckdb__get_limit_sql(sql, limit) %}{{ sql }} limit {{ limit * 2 }}{% endmacro %}\n")
	writeFile(t, dir, "dbt_packages/tuned/dbt_project.yml", "name: tuned\n")
	writeFile(t, dir, "dbt_packages/tuned/macros/merge.sql", "{% macro default__load_csv_rows(a, b) %}{% endmacro %}\n{% macro drop_relation(relation) %}{% endmacro %}\n{% macro default__get_merge_sql(a, b, c, d, e) %}{% endmacro %}\n")
	writeFile(t, dir, "dbt_packages/other/dbt_project.yml", "name: other\n")
	writeFile(t, dir, "dbt_packages/other/macros/merge.sql", "{% macro default__load_csv_rows(a, b) %}{% endmacro %}\n")
	writeFile(t, dir, "macros/snap.sql", "{% macro snapshot_check_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) %}{% endmacro %}\n")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	res := mustElt(t, dir, "ls")
	out := res.stdout + res.stderr
	wantAll(t, out,
		"dbt_packages/tuned/macros/merge.sql:1: warning: default__load_csv_rows replaces dbt's load_csv_rows, which elt's built-in materializations do not call",
		"macros/steps.sql:1: warning: duckdb__create_table_as replaces dbt's create_table_as",
		"macros/steps.sql:2: warning: get_batch_size replaces dbt's get_batch_size",
		"macros/steps.sql:5: warning: duckdb__get_limit_sql replaces dbt's get_limit_sql, which elt's show calls but its data tests do not",
	)
	// A package's drop_relation is honoured on DuckDB (TestRelationOpsAsDBT).
	wantNone(t, out, "other/macros", "get_merge_sql", "my_helper", "drop_relation", "snapshot_check_strategy")
}

// TestSeedBlankLinesAsDBT: a seed's blank line after the header is a row
// of nulls, as dbt's agate reads Python's csv records, and a row shorter
// than the header gets nulls for its missing fields, on DuckDB (whose
// reader pads only unparallel, so such a file loads again so) and
// PostgreSQL alike.
func TestSeedBlankLinesAsDBT(t *testing.T) {
	onBothWarehouses(t, "seed_blanks", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "seeds/pairs.csv", "a,b\n1,x\n\n2,y\n\n")
		writeFile(t, dir, "seeds/single.csv", "ip\n1.2.3.4\n\n5.6.7.8\n")
		writeFile(t, dir, "seeds/short.csv", "a,b,c\n1,x,y\n2\n\n3,z\n")
		queries := map[string]string{
			"select count(*) as n, count(a) as a, count(b) as b from {{ ref('pairs') }}":                "| 4 | 2 | 2 |",
			"select count(*) as n, count(ip) as ip from {{ ref('single') }}":                            "| 3 |  2 |",
			"select count(*) as n, count(a) as a, count(b) as b, count(c) as c from {{ ref('short') }}": "| 4 | 3 | 2 | 1 |",
			"select a, b, c from {{ ref('short') }} where a = 3":                                        "| 3 | z |   |",
		}
		mustElt(t, dir, "seed")
		// Again: the tables exist and are refilled.
		mustElt(t, dir, "seed")
		for q, want := range queries {
			res := mustElt(t, dir, "show", "--inline", q)
			if !strings.Contains(res.stdout, want) {
				t.Errorf("%s: want %s:\n%s", q, want, res.stdout)
			}
		}
	})
}

// TestAgateToJSON: agate's Table.to_json(path) writes the rows as a JSON
// list of objects, each value as its column's type jsonifies it (re_data
// writes its overview so), under the target path only: a path outside it
// fails the operation and writes nothing.
func TestAgateToJSON(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/dump.sql", `{% macro dump(path) %}
{%- do run_query("select 1 as n, 2.5::double as x, 'a\"b' as s, date '2024-01-31' as d, null as z union all select 2, 3, 'é', date '2024-02-01', null order by n").to_json(path) -%}
{% endmacro %}
`)
	mustElt(t, dir, "run-operation", "dump", "--args", "{path: target/out/rows.json}")
	b, err := os.ReadFile(filepath.Join(dir, "target/out/rows.json"))
	want := `[{"n": 1, "x": 2.5, "s": "a\"b", "d": "2024-01-31", "z": null}, {"n": 2, "x": 3.0, "s": "é", "d": "2024-02-01", "z": null}]`
	if err != nil || string(b) != want {
		t.Errorf("rows.json: %v\n got %s\nwant %s", err, b, want)
	}
	res := elt(t, dir, "run-operation", "dump", "--args", "{path: ../escaped.json}")
	if res.code == 0 || !strings.Contains(res.stdout+res.stderr, "is not under the target path") {
		t.Errorf("a path outside the target path: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escaped.json")); err == nil {
		t.Error("escaped.json was written outside the target path")
	}
}

// TestAgateGroupByAndCSV: agate's Table.group_by(column) gives a
// TableSet, a table per value in the order values first appear (elementary
// reads its artifacts' hashes so at the end of every run), and
// Table.to_csv(path) writes the header and rows under the target path.
func TestAgateGroupByAndCSV(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/probe.sql", `{% macro probe() %}
{%- set t = run_query("select 'y' as k, 1 as v, null as z union all select 'x', 2, 'a,b' union all select 'y', 3, null order by v") -%}
{%- set g = t.group_by('k') -%}
{%- for key, sub in g.items() %}{{ log(key ~ '=' ~ (sub.columns['v'] | list | join('+')), info=True) }}{% endfor -%}
{{ log('keys ' ~ (g.keys() | list) ~ ' len ' ~ (g | length) ~ ' x ' ~ (g['x'] | length), info=True) }}
{%- do t.to_csv('target/out/t.csv') -%}
{% endmacro %}
`)
	res := mustElt(t, dir, "run-operation", "probe")
	wantAll(t, res.stdout, "y=1+3", "x=2", "keys ['y', 'x'] len 2 x 1")
	if got := mustRead(t, filepath.Join(dir, "target/out/t.csv")); got != "k,v,z\ny,1,\nx,2,\"a,b\"\ny,3,\n" {
		t.Errorf("t.csv: %q", got)
	}
}

// TestAgatePrintCSVAndJSON: agate's Table.print_csv() and print_json()
// write to_csv's and to_json's text to standard output and return None
// (dbt-project-evaluator's print_dbt_project_evaluator_issues(format='csv')
// prints so): lines end in "\n" (agate's lineterminator), Python's csv
// quoting, dates and datetimes in ISO form, None as nothing; print_json
// takes to_json's key, newline and indent.
func TestAgatePrintCSVAndJSON(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/probe.sql", `{% macro probe() %}
{%- set t = run_query("select 1 as a, 'x' as b, date '2024-01-02' as d, timestamp '2024-01-02 03:04:05' as ts union all select 2, 'q\"r, s', null, null order by a") -%}
{{ print('csv=' ~ t.print_csv()) }}
{{ print('semi=' ~ t.print_csv(delimiter=';')) }}
{{ print('json=' ~ t.print_json()) }}
{{ print('keyed=' ~ t.print_json(key='b')) }}
{% endmacro %}
`)
	res := mustElt(t, dir, "run-operation", "probe")
	wantAll(t, res.stdout,
		"a,b,d,ts\n1,x,2024-01-02,2024-01-02T03:04:05\n2,\"q\"\"r, s\",,\ncsv=None\n",
		"a;b;d;ts\n1;x;2024-01-02;2024-01-02T03:04:05\n2;\"q\"\"r, s\";;\nsemi=None\n",
		`[{"a": 1, "b": "x", "d": "2024-01-02", "ts": "2024-01-02T03:04:05"}, {"a": 2, "b": "q\"r, s", "d": null, "ts": null}]`+"\njson=None",
		`{"x": {"a": 1, "b": "x", "d": "2024-01-02", "ts": "2024-01-02T03:04:05"}, "q\"r, s": {"a": 2, "b": "q\"r, s", "d": null, "ts": null}}`)
}

// TestTempTableColumnsDuckDB: adapter.get_columns_in_relation finds a
// temporary table made with make_temp_relation (no database or schema, as
// dbt-duckdb makes it), which lives in the render's own connection:
// elementary reads its staged artifacts so.
func TestTempTableColumnsDuckDB(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/probe.sql", `{% macro probe() %}
{%- set base = api.Relation.create(database=target.database, schema=target.schema, identifier='base_tbl', type='table') -%}
{%- set tmp = make_temp_relation(base, '__tmp') -%}
{%- do run_query(dbt.create_table_as(True, tmp, 'select 1 as a, 2 as b')) -%}
{{ log('columns ' ~ (adapter.get_columns_in_relation(tmp) | map(attribute='name') | list), info=True) }}
{% endmacro %}
`)
	res := mustElt(t, dir, "run-operation", "probe")
	wantAll(t, res.stdout, "columns ['a', 'b']")
}

// TestRunOperationResultsAsDBT: run-operation writes run_results.json as
// dbt's does: one result named by the macro's unique id, a success with
// failures 0, or an error with failures 1 (the command failing), timed
// "compile" then "execute" (task/run_operation.py). A macro no package
// defines is dbt's UndefinedMacroError: exit 2, no run_results.json.
func TestRunOperationResultsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/ops.sql", "{% macro ok_op() %}{{ log('fine', info=True) }}{% endmacro %}\n{% macro bad_op() %}{{ exceptions.raise_compiler_error('nope') }}{% endmacro %}\n")
	read := func() map[string]any {
		var rr struct {
			Results []map[string]any `json:"results"`
			Args    map[string]any   `json:"args"`
		}
		if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "run_results.json"))), &rr); err != nil {
			t.Fatal(err)
		}
		if len(rr.Results) != 1 || rr.Args["which"] != "run-operation" {
			t.Fatalf("results %v, args %v", rr.Results, rr.Args)
		}
		return rr.Results[0]
	}
	timing := func(r map[string]any) string {
		var names []string
		steps, _ := r["timing"].([]any)
		for _, st := range steps {
			step, _ := st.(map[string]any)
			names = append(names, fmt.Sprint(step["name"]))
		}
		return strings.Join(names, ",")
	}
	mustElt(t, dir, "run-operation", "ok_op")
	if r := read(); r["unique_id"] != "macro.p.ok_op" || r["status"] != "success" || r["failures"] != float64(0) || r["thread_id"] != "MainThread" || timing(r) != "compile,execute" {
		t.Errorf("ok_op: %v", r)
	}
	if res := elt(t, dir, "run-operation", "bad_op"); res.code != 1 {
		t.Fatalf("bad_op: exit %d", res.code)
	}
	if r := read(); r["unique_id"] != "macro.p.bad_op" || r["status"] != "error" || r["failures"] != float64(1) || timing(r) != "compile,execute" {
		t.Errorf("bad_op: %v", r)
	}
	if err := os.Remove(filepath.Join(dir, "target", "run_results.json")); err != nil {
		t.Fatal(err)
	}
	res := elt(t, dir, "run-operation", "no_such_op")
	if res.code != exitUsage {
		t.Errorf("no_such_op: exit %d, want %d\n%s%s", res.code, exitUsage, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout, `dbt could not find a macro with the name "no_such_op" in any package`)
	wantAll(t, res.stderr, "dbt could not find a macro with the name 'no_such_op' in any package")
	if _, err := os.Stat(filepath.Join(dir, "target", "run_results.json")); !os.IsNotExist(err) {
		t.Errorf("no_such_op: run_results.json written (stat: %v)", err)
	}
}

// TestTestAdapterResponseAsDBT: a data test's result carries its query's
// adapter_response as dbt's adapter gives it (PostgreSQL's "SELECT 1",
// dbt-duckdb's bare "OK"), as dbt's test task records it.
func TestTestAdapterResponseAsDBT(t *testing.T) {
	onBothWarehouses(t, "test_response", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "models/a.sql", "select 1 as id\n")
		writeFile(t, dir, "models/s.yml", "models:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique]\n")
		mustElt(t, dir, "build")
		var rr struct {
			Results []struct {
				UniqueID        string         `json:"unique_id"`
				AdapterResponse map[string]any `json:"adapter_response"`
			} `json:"results"`
		}
		if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "run_results.json"))), &rr); err != nil {
			t.Fatal(err)
		}
		for _, r := range rr.Results {
			if !strings.HasPrefix(r.UniqueID, "test.") {
				continue
			}
			want := "map[_message:OK]"
			if warehouse == "postgres" {
				want = "map[_message:SELECT 1 code:SELECT rows_affected:1]"
			}
			if got := fmt.Sprint(r.AdapterResponse); got != want {
				t.Errorf("%s: adapter_response %s, want %s", r.UniqueID, got, want)
			}
		}
	})
}

// TestRelationOpsAsDBT: a project's drop_relation and truncate_relation
// are what dbt's materializations drop and empty relations with
// (adapter.drop_relation, adapter.truncate_relation), so elt's builds run
// them: a table and a view rebuilt drop the old relation through the
// project's macro, with its type, and a seed loaded again is emptied
// through it; a package's drop_relation is what adapter.drop_relation
// runs in Jinja when the project has none (dbt looks it up so). On
// PostgreSQL the run creates its schema before on-run-start writes there,
// as dbt does.
func TestRelationOpsAsDBT(t *testing.T) {
	onBothWarehouses(t, "relation_ops", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\non-run-start: \"create table if not exists {{ target.schema }}.ops_log (op varchar, name varchar, kind varchar)\"\n")
		writeFile(t, dir, "macros/ops.sql", `{% macro drop_relation(relation) %}
  {% do run_query("insert into " ~ target.schema ~ ".ops_log values ('drop', '" ~ relation.identifier ~ "', '" ~ relation.type ~ "')") %}
  {{ return(adapter.dispatch('drop_relation', 'dbt')(relation)) }}
{% endmacro %}
{% macro truncate_relation(relation) %}
  {% do run_query("insert into " ~ target.schema ~ ".ops_log values ('truncate', '" ~ relation.identifier ~ "', '" ~ relation.type ~ "')") %}
  {{ return(adapter.dispatch('truncate_relation', 'dbt')(relation)) }}
{% endmacro %}
`)
		writeFile(t, dir, "seeds/s.csv", "id\n1\n2\n")
		writeFile(t, dir, "models/t.sql", "{{ config(materialized='table') }}\nselect id from {{ ref('s') }}\n")
		writeFile(t, dir, "models/v.sql", "{{ config(materialized='view') }}\nselect id from {{ ref('s') }}\n")
		mustElt(t, dir, "build")
		log := "select op, name, kind, count(*) as n from {{ target.schema }}.ops_log group by 1, 2, 3 order by 1, 2"
		if res := mustElt(t, dir, "show", "--inline", log); strings.Contains(res.stdout, "| drop") || strings.Contains(res.stdout, "| truncate") {
			t.Fatalf("the first build dropped or emptied something:\n%s", res.stdout)
		}
		writeFile(t, dir, "seeds/s.csv", "id\n1\n2\n3\n")
		mustElt(t, dir, "build")
		res := mustElt(t, dir, "show", "--inline", log)
		wantAll(t, res.stdout, "| drop     | t    | table |", "| drop     | v    | view  |", "| truncate | s    | table |")
		if res := mustElt(t, dir, "show", "--inline", "select count(*) as n from {{ ref('v') }}"); !strings.Contains(res.stdout, "| 3 |") {
			t.Errorf("the rebuilt view does not read the reloaded seed:\n%s", res.stdout)
		}

		// A package's drop_relation, and none in the project: Jinja's
		// adapter.drop_relation runs the package's.
		if err := os.Remove(filepath.Join(dir, "macros", "ops.sql")); err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, "dbt_packages/keeper/dbt_project.yml", "name: keeper\n")
		writeFile(t, dir, "dbt_packages/keeper/macros/ops.sql", `{% macro drop_relation(relation) %}
  {% do run_query("insert into " ~ target.schema ~ ".ops_log values ('keeper', '" ~ relation.identifier ~ "', '" ~ relation.type ~ "')") %}
{% endmacro %}
`)
		writeFile(t, dir, "macros/drop_v.sql", "{% macro drop_v() %}{% do adapter.drop_relation(api.Relation.create(schema=target.schema, identifier='v', type='view')) %}{% endmacro %}\n")
		mustElt(t, dir, "run-operation", "drop_v")
		if res := mustElt(t, dir, "show", "--inline", log); !strings.Contains(res.stdout, "| keeper   | v    | view  |") {
			t.Errorf("adapter.drop_relation did not run the package's macro:\n%s", res.stdout)
		}
	})
}

// TestThreadsAboveTheProfileAsDBT: --threads wins over the profile's
// threads for the warehouse connections too. Sixteen table models, each
// in a schema of its own (a node's first look at a schema reads its
// catalog beside the node's own session), run on eight threads with a
// profile of one: each running node must find its connections, as
// dbt's threads do, and the run ends.
func TestThreadsAboveTheProfileAsDBT(t *testing.T) {
	onBothWarehouses(t, "threads_above_profile", func(t *testing.T, dir, warehouse string) {
		// (On PostgreSQL in the test's one schema, which its cleanup drops.)
		schema := func(i int) string { return fmt.Sprintf(", schema='threads_%02d'", i) }
		if warehouse == "postgres" {
			writeFile(t, dir, "profiles.yml", strings.Replace(pgProfile, "threads: 2", "threads: 1", 1))
			schema = func(int) string { return "" }
		} else {
			writeFile(t, dir, "profiles.yml", "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      threads: 1\n")
		}
		for i := range 16 {
			writeFile(t, dir, fmt.Sprintf("models/m%02d.sql", i), fmt.Sprintf("{{ config(materialized='table'%s) }}\nselect %d as x\n", schema(i), i))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		var out, errb bytes.Buffer
		env := environment{lookupEnv: os.LookupEnv, workDir: dir, homeDir: t.TempDir()}
		code := runWith(ctx, []string{"run", "--threads", "8"}, &out, &errb, env)
		if ctx.Err() != nil {
			t.Fatalf("the run did not end in 90s:\n%s%s", out.String(), errb.String())
		}
		if code != 0 || !strings.Contains(out.String(), "PASS=16") {
			t.Errorf("exit %d, want 16 models built:\n%s%s", code, out.String(), errb.String())
		}
	})
}

// TestBuiltinTestOverrideAsDBT: dbt's built-in generic tests dispatch, so
// the root project's default__test_accepted_values replaces the built-in
// SQL (a project that accepts every value passes); a generic test's
// depends_on.macros are what dbt records: the test's macro, and
// get_where_subquery for the tests dbt renders at parse time (not
// not_null and unique), not the macros they call in turn (the project's
// default__test_accepted_values is in the test macro's own depends_on).
func TestBuiltinTestOverrideAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/accept_all.sql", "{% macro default__test_accepted_values(model, column_name, values, quote=True) %}\nselect * from {{ model }} where 1 = 0\n{% endmacro %}\n")
	writeFile(t, dir, "models/m.sql", "select 'z' as v\n")
	writeFile(t, dir, "models/m.yml", "version: 2\nmodels:\n  - name: m\n    columns:\n      - name: v\n        data_tests:\n          - not_null\n          - accepted_values:\n              values: [a]\n")
	res := mustElt(t, dir, "build")
	wantAll(t, res.stdout, "PASS accepted_values_m_v__a")
	nodes, _ := readManifest(t, dir)["nodes"].(map[string]any)
	got := map[string]string{}
	for id, raw := range nodes {
		n, _ := raw.(map[string]any)
		if strings.HasPrefix(id, "test.") {
			dep, _ := n["depends_on"].(map[string]any)
			got[strings.SplitN(id, ".", 4)[2]] = fmt.Sprint(dep["macros"])
		}
	}
	want := map[string]string{
		"not_null_m_v":           "[macro.dbt.test_not_null]",
		"accepted_values_m_v__a": "[macro.dbt.test_accepted_values macro.dbt.get_where_subquery]",
	}
	for name, macros := range want {
		if got[name] != macros {
			t.Errorf("%s depends on macros %s, want %s", name, got[name], macros)
		}
	}
}

// TestBuildNoOpNodesAsDBT: dbt 1.10's build reports every selected
// exposure and saved query as a no-op node after its parents: a NO-OP
// line (no START), no-op in run_results.json with no timing, compiled
// null and failures 0, the Done line's NO-OP count; one whose parent
// failed is skipped as "exposure <name>". run and --resource-type model
// leave them out.
func TestBuildNoOpNodesAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/orders.sql", "select 1 as order_id, 5 as amount, date '2024-01-01' as ordered_at\n")
	writeFile(t, dir, "models/time_spine.sql", "select date '2024-01-01' as date_day\n")
	writeFile(t, dir, "models/sl.yml", `models:
  - name: time_spine
    time_spine:
      standard_granularity_column: date_day
    columns:
      - name: date_day
        granularity: day
semantic_models:
  - name: orders
    model: ref('orders')
    defaults:
      agg_time_dimension: ordered_at
    entities:
      - name: order_id
        type: primary
    dimensions:
      - name: ordered_at
        type: time
        type_params:
          time_granularity: day
    measures:
      - name: amount
        agg: sum
metrics:
  - name: amount
    label: Amount
    type: simple
    type_params:
      measure: amount
saved_queries:
  - name: sq
    query_params:
      metrics: [amount]
    exports:
      - name: sq_export
        config:
          export_as: table
exposures:
  - name: dash
    type: dashboard
    owner: {email: a@example.com}
    depends_on:
      - ref('orders')
`)
	res := mustElt(t, dir, "build")
	wantAll(t, res.stdout, "NO-OP exposure dash ", "NO-OP saved query sq ", "[NO-OP in 0.00s]",
		"Finished running 1 exposure, 1 saved query, 2 view models", "Done. PASS=2 WARN=0 ERROR=0 SKIP=0 NO-OP=2 TOTAL=4")
	wantNone(t, res.stdout, "START exposure", "START saved query")
	got := map[string]string{}
	for id, r := range runResultEntries(t, dir) {
		got[id] = fmt.Sprint(r["status"], " ", r["message"], " ", r["timing"], " ", r["compiled"], " ", r["failures"], " ", r["adapter_response"])
	}
	for _, id := range []string{"exposure.p.dash", "saved_query.p.sq"} {
		if want := "no-op NO-OP [] <nil> 0 map[]"; got[id] != want {
			t.Errorf("%s in run_results: %q, want %q", id, got[id], want)
		}
	}
	if res := mustElt(t, dir, "build", "--resource-type", "model"); !strings.Contains(res.stdout, "NO-OP=0 TOTAL=2") {
		t.Errorf("--resource-type model ran the no-op nodes:\n%s", res.stdout)
	}
	if res := mustElt(t, dir, "run"); strings.Contains(res.stdout, "NO-OP exposure") {
		t.Errorf("run reported the exposure:\n%s", res.stdout)
	}
	writeFile(t, dir, "models/orders.sql", "select nope\n")
	res = elt(t, dir, "build", "--no-check", "-s", "+exposure:dash")
	wantAll(t, res.stdout, "SKIP exposure dash ", "SKIP=1 NO-OP=0 TOTAL=2")
}
