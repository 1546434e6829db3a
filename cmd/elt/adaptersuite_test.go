package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The behaviours below are those dbt's adapter and functional test suites
// (dbt-tests-adapter, dbt-core's tests/functional) check, written here as
// our own cases on both warehouses.

// TestCrossDatabaseMacrosAsDBT: dbt's cross-database macros give dbt's
// values: concat is NULL when a part is (dbt joins with ||), a week
// difference counts the weekday wrapping from Sunday on PostgreSQL as
// dbt-postgres does, a quarter's last day is three months on less a day,
// a negative split_part counts from the end, dbt.default_last_day is
// callable, and with the adapter behaviour flag
// enable_truthy_nulls_equals_macro on, equals matches NULL with NULL
// (adapter.behavior reads it).
func TestCrossDatabaseMacrosAsDBT(t *testing.T) {
	onBothWarehouses(t, "crossdb_dbt", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nflags:\n  enable_truthy_nulls_equals_macro: true\n")
		writeFile(t, dir, "models/m.sql", `select
  case when {{ dbt.concat(["'a'", "cast(null as varchar)"]) }} is null then 'null' else 'value' end as concat_null,
  {{ dbt.datediff("cast('2023-01-01' as timestamp)", "cast('2023-01-02' as timestamp)", 'week') }} as sun_to_mon,
  {{ dbt.datediff("cast('2023-01-07' as timestamp)", "cast('2023-01-08' as timestamp)", 'week') }} as sat_to_sun,
  {{ dbt.datediff("cast('2023-01-08' as timestamp)", "cast('2023-01-01' as timestamp)", 'week') }} as back_a_week,
  {{ dbt.last_day("cast('2024-02-10' as date)", 'quarter') }} as quarter_end,
  {{ dbt.default_last_day("cast('2024-02-10' as date)", 'month') }} as month_end,
  {{ dbt.split_part("'a,b,c'", "','", -1) }} as last_part,
  case when {{ dbt.equals('cast(null as integer)', 'cast(null as integer)') }} then 'same' else 'different' end as nulls,
  '{{ adapter.behavior.enable_truthy_nulls_equals_macro.no_warn }}' as flag
`)
		mustElt(t, dir, "run")
		res := mustElt(t, dir, "show", "--inline", "select * from {{ ref('m') }}", "--output", "json")
		wantAll(t, strings.ReplaceAll(res.stdout, " ", ""), `"concat_null":"null"`, `"sat_to_sun":1`, `"back_a_week":-2`,
			`"quarter_end":"2024-03-31"`, `"month_end":"2024-02-29"`, `"last_part":"c"`, `"nulls":"same"`, `"flag":"True"`)
		if !strings.Contains(strings.ReplaceAll(res.stdout, " ", ""), `"sun_to_mon":0`) {
			t.Errorf("Sunday to Monday is no week in dbt:\n%s", res.stdout)
		}
	})
}

// TestHookTransactionsAsDBT: a node's hooks run in dbt's order, those
// outside its transaction (before_begin, after_commit, transaction: false)
// before the pre-hooks and after the post-hooks in it; set_sql_header's
// body runs before the build, on its connection; on-run-end's
// database_schemas holds (database, schema) pairs.
func TestHookTransactionsAsDBT(t *testing.T) {
	onBothWarehouses(t, "hook_order", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "dbt_project.yml", `name: p
profile: p
on-run-start: "create table if not exists {{ target.schema }}.hook_log (label varchar)"
on-run-end:
  - "{% for db, schema in database_schemas %}insert into {{ target.schema }}.hook_log values ('end {{ schema }}'){% endfor %}"
`)
		insert := func(label string) string {
			return `"insert into {{ this.schema }}.hook_log values ('` + label + `')"`
		}
		writeFile(t, dir, "models/m.sql", `{{ config(materialized='table',
  pre_hook=[`+insert("pre inside")+`, before_begin(`+insert("pre outside")+`)],
  post_hook=[after_commit(`+insert("post outside")+`), in_transaction(`+insert("post inside")+`)]) }}
{% call set_sql_header(config) %}create temporary table header_made as select 7 as v;{% endcall %}
select v from header_made
`)
		mustElt(t, dir, "run")
		res := mustElt(t, dir, "show", "--inline", "select string_agg(label, ',') as labels from {{ target.schema }}.hook_log", "--output", "json")
		schema := "main"
		if warehouse == "postgres" {
			schema = "hook_order"
		}
		if want := `pre outside,pre inside,post inside,post outside,end ` + schema; !strings.Contains(res.stdout, want) {
			t.Errorf("hooks ran out of dbt's order, want %q:\n%s", want, res.stdout)
		}
		if res := mustElt(t, dir, "show", "--inline", "select v from {{ ref('m') }}"); !strings.Contains(res.stdout, "| 7 |") {
			t.Errorf("the sql_header's temporary table was not there for the build:\n%s", res.stdout)
		}
	})
}

// TestEmptyAndLongNamedNodesAsDBT: a model whose file holds only
// whitespace is no error and nothing runs for it, as dbt never selects an
// empty node (ls still lists it); a generic test whose name is too long
// for a relation stores its failures under its hashed short name, dbt's
// alias; test_name: selects unit tests by name.
func TestEmptyAndLongNamedNodesAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/empty.sql", "\n  \n")
	writeFile(t, dir, "models/a_model_whose_name_is_long_enough_to_make_a_test_name_too_long.sql", "select 1 as id union all select 1\n")
	writeFile(t, dir, "models/schema.yml", `models:
  - name: a_model_whose_name_is_long_enough_to_make_a_test_name_too_long
    columns:
      - name: id
        data_tests: [unique]
unit_tests:
  - name: checks_the_ids
    model: a_model_whose_name_is_long_enough_to_make_a_test_name_too_long
    given: []
    expect:
      rows: [{id: 1}, {id: 1}]
`)
	if res := mustElt(t, dir, "ls"); !strings.Contains(res.stdout, "p.empty") {
		t.Errorf("ls does not list the empty model:\n%s", res.stdout)
	}
	res := elt(t, dir, "build", "--store-failures")
	if res.code != 1 || strings.Contains(res.stdout, "empty") {
		t.Fatalf("want the unique test alone to fail and nothing of the empty model: exit %d\n%s", res.code, res.stdout)
	}
	short := "unique_a_model_whose_name_is_l_"
	out := mustElt(t, dir, "show", "--output", "json", "--inline", "select table_name from information_schema.tables where table_schema = 'main_dbt_test__audit'").stdout
	if !strings.Contains(out, short) || strings.Contains(out, "unique_a_model_whose_name_is_long_enough_to_make_a_test_name_too_long_id") {
		t.Errorf("the stored failures are not under the test's hashed short name %s...:\n%s", short, out)
	}
	if res := mustElt(t, dir, "ls", "--select", "test_name:checks_the_ids"); !strings.Contains(res.stdout, "checks_the_ids") {
		t.Errorf("test_name: does not select the unit test:\n%s", res.stdout)
	}
}

// TestIncrementalPredicatesAsDBT: incremental_predicates (or predicates)
// narrow what a delete+insert deletes and what a merge matches, naming
// the target DBT_INTERNAL_DEST as in dbt: the old row the predicate
// leaves out stays, and the new row with its key is added beside it.
func TestIncrementalPredicatesAsDBT(t *testing.T) {
	onBothWarehouses(t, "inc_predicates", func(t *testing.T, dir, warehouse string) {
		for strategy, pred := range map[string]string{"delete+insert": "id != 2", "merge": "DBT_INTERNAL_DEST.id != 2"} {
			name := strings.ReplaceAll(strategy, "+", "_")
			writeFile(t, dir, "models/"+name+".sql", `{{ config(materialized='incremental', unique_key='id', incremental_strategy='`+strategy+`', incremental_predicates=["`+pred+`"]) }}
{% if is_incremental() %}
select 2 as id, 'new' as v union all select 3 as id, 'new' as v
{% else %}
select 1 as id, 'old' as v union all select 2 as id, 'old' as v union all select 3 as id, 'old' as v
{% endif %}
`)
		}
		mustElt(t, dir, "run")
		mustElt(t, dir, "run")
		for _, name := range []string{"delete_insert", "merge"} {
			res := mustElt(t, dir, "show", "--inline", "select string_agg(cast(id as varchar) || v, ',' order by id, v) as rows from {{ ref('"+name+"') }}")
			if !strings.Contains(res.stdout, "1old,2new,2old,3new") {
				t.Errorf("%s: want 1old,2new,2old,3new:\n%s", name, res.stdout)
			}
		}
	})
}

// TestContextNamesAsDBT: {{ schema }} and {{ database }} are the node's
// (dbt's model context); -m and --models are --select; a column's tags
// are its tests' tags; config.severity: compares without case; a
// statement's result read before it runs (while parsing) gives nothing
// to every lookup made on it, as dbt's parse-time undefined does.
func TestContextNamesAsDBT(t *testing.T) {
	dir := miniProject(t, "models:\n  p:\n    custom:\n      +schema: custom\n")
	writeFile(t, dir, "models/custom/m.sql", `{% call statement('n', fetch_result=True) %}select 3 as n{% endcall %}
{% set n = load_result('n')['data'][0][0] %}
select '{{ schema }}' as s, '{{ database }}' as d, {{ n if execute else 0 }} as n
`)
	writeFile(t, dir, "models/custom/schema.yml", `models:
  - name: m
    columns:
      - name: s
        tags: [on_s]
        data_tests: [{not_null: {config: {severity: warn}}}]
`)
	mustElt(t, dir, "run", "-m", "m")
	res := mustElt(t, dir, "show", "--inline", "select * from {{ ref('m') }}")
	if !strings.Contains(res.stdout, "| main_custom | p ") || !strings.Contains(res.stdout, "| 3 |") {
		t.Errorf("want schema main_custom, database p and the statement's 3:\n%s", res.stdout)
	}
	for _, sel := range []string{"tag:on_s", "config.severity:warn", "config.severity:WARN"} {
		if res := mustElt(t, dir, "ls", "--select", sel); !strings.Contains(res.stdout, "not_null_m_s") {
			t.Errorf("%s does not select the column's test:\n%s", sel, res.stdout)
		}
	}
	// As dbt: a test's severity is kept as written; the default is ERROR.
	res = mustElt(t, dir, "ls", "--resource-type", "test", "--output", "json", "--output-keys", "name,config")
	wantAll(t, res.stdout, `"severity": "warn"`)
	writeFile(t, dir, "models/custom/schema.yml", "models:\n  - name: m\n    columns:\n      - name: s\n        data_tests: [not_null]\n")
	res = mustElt(t, dir, "ls", "--resource-type", "test", "--output", "json", "--output-keys", "name,config")
	wantAll(t, res.stdout, `"severity": "ERROR"`)
}

// TestParsingAsDBT: what dbt's functional tests of parsing expect:
// toyaml gives its default for a value it cannot write (no crash; tojson
// does only for a circular one: compiler's TestToJSONDefaultOnlyForValueError); a generic test's top-level severity and enabled are
// rendered (a None drops the key); config(enabled=true) in a model's file
// enables what the project's YAML disabled, as in-file config comes last;
// a models: entry naming a seed still declares its tests; include()
// keeps what an earlier include() left out; a package's generic test that
// dispatches by name finds its own default__ implementation.
func TestParsingAsDBT(t *testing.T) {
	dir := miniProject(t, "models:\n  p:\n    off:\n      +enabled: false\n")
	writeFile(t, dir, "seeds/base.csv", "id\n1\n")
	writeFile(t, dir, "seeds/schema.yml", "models:\n  - name: base\n    columns:\n      - name: id\n        data_tests: [not_null]\n")
	writeFile(t, dir, "models/off/back_on.sql", "{{ config(enabled=true) }}\nselect 1 as id\n")
	writeFile(t, dir, "models/off/still_off.sql", "select 1 as id\n")
	writeFile(t, dir, "models/m.sql", `select '{{ toyaml({"a": adapter}, "no yaml") }}' as y, '{{ tojson({"a": [[1]]}, "no json") }}' as j,
  '{{ api.Relation.create(database="d", schema="s", identifier="t").include(identifier=False).include(database=False) }}' as r,
  '{{ api.Relation.create(database="d", schema="s", identifier="t").replace_path(identifier="u") }}' as rp
`)
	writeFile(t, dir, "models/schema.yml", `models:
  - name: m
    columns:
      - name: y
        data_tests:
          - not_null:
              severity: "{{ 'warn' }}"
          - unique:
              enabled: "{{ var('unique_on', None) | as_native }}"
          - pk.same_as_itself
`)
	writeFile(t, dir, "dbt_packages/pk/dbt_project.yml", "name: pk\n")
	writeFile(t, dir, "dbt_packages/pk/macros/same.sql", `{% test same_as_itself(model, column_name) %}{{ return(adapter.dispatch('test_same_as_itself')(model, column_name)) }}{% endtest %}
{% macro default__test_same_as_itself(model, column_name) %}select * from {{ model }} where {{ column_name }} != {{ column_name }}{% endmacro %}
`)
	res := mustElt(t, dir, "build", "--vars", "{unique_on: false}")
	wantAll(t, res.stdout, "not_null_base_id", "back_on", "not_null_m_y", "pk_same_as_itself_m_y")
	wantNone(t, res.stdout, "still_off", "unique_m_y")
	if out := mustElt(t, dir, "show", "--inline", "select * from {{ ref('m') }}").stdout; !strings.Contains(out, "| no yaml | {\"a\": [[1]]} | \"s\" | \"d\".\"s\".\"u\" |") {
		t.Errorf("want the defaults and \"s\":\n%s", out)
	}
	if out := mustElt(t, dir, "ls", "-s", "config.severity:warn").stdout; !strings.Contains(out, "not_null_m_y") {
		t.Errorf("the rendered severity is not warn:\n%s", out)
	}
}

// TestSnapshotMetaNamesAsDBT: snapshot_meta_column_names are written
// unquoted by dbt, so PostgreSQL folds an upper-case one to lower case
// (DuckDB keeps the name as written).
func TestSnapshotMetaNamesAsDBT(t *testing.T) {
	onBothWarehouses(t, "snap_meta_names", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "snapshots/s.yml", `snapshots:
  - name: s
    relation: ref('src')
    config:
      unique_key: id
      strategy: check
      check_cols: all
      snapshot_meta_column_names: {dbt_valid_to: TEST_VALID_TO}
`)
		writeFile(t, dir, "models/src.sql", "select 1 as id\n")
		mustElt(t, dir, "build")
		want := map[string]string{"postgres": "test_valid_to", "duckdb": "TEST_VALID_TO"}[warehouse]
		out := mustElt(t, dir, "show", "--inline", "select column_name from information_schema.columns where table_name = 's' and lower(column_name) = 'test_valid_to'").stdout
		if !strings.Contains(out, "| "+want+" |") {
			t.Errorf("want the column %s:\n%s", want, out)
		}
	})
}

// TestContractStringTypesAsDBT: an enforced contract's varchar(10) takes
// a text column, as dbt compares PostgreSQL's string types as one.
func TestContractStringTypesAsDBT(t *testing.T) {
	onBothWarehouses(t, "contract_strings", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "models/m.sql", "select cast('a' as text) as name\n")
		writeFile(t, dir, "models/m.yml", `models:
  - name: m
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - name: name
        data_type: varchar(10)
`)
		mustElt(t, dir, "run")
	})
}

// TestDisabledSourcesAsDBT: a source table its config disables is no
// source of the project (ls, the manifest, freshness), and a source()
// of it fails naming it as disabled.
func TestDisabledSourcesAsDBT(t *testing.T) {
	dir := miniProject(t, "sources:\n  p:\n    raw:\n      off_by_project:\n        +enabled: false\n")
	writeFile(t, dir, "models/s.yml", `sources:
  - name: raw
    tables:
      - name: on_t
      - name: off_t
        config: {enabled: false}
      - name: off_by_project
`)
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	out := mustElt(t, dir, "ls", "--resource-type", "source").stdout
	if !strings.Contains(out, "source:p.raw.on_t") || strings.Contains(out, "off_t") || strings.Contains(out, "off_by_project") {
		t.Errorf("want on_t alone:\n%s", out)
	}
	writeFile(t, dir, "models/bad.sql", "select * from {{ source('raw', 'off_t') }}\n")
	if res := elt(t, dir, "ls"); res.code == 0 || !strings.Contains(res.stdout+res.stderr, "depends on a source named 'raw.off_t' which is disabled") {
		t.Errorf("a source() of a disabled source: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestRetryVarsAsDBT: retry runs with the failed run's --vars, which
// run_results.json records, as dbt's does.
func TestRetryVarsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select {{ var('a', '1') }} as v\n")
	if res := elt(t, dir, "run", "--vars", "{a: 'not a number'}"); res.code != 1 {
		t.Fatalf("the run with a bad var: exit %d\n%s", res.code, res.stdout)
	}
	if res := elt(t, dir, "retry"); res.code != 1 {
		t.Errorf("retry did not run with the failed run's vars: exit %d\n%s", res.code, res.stdout)
	}
	mustElt(t, dir, "retry", "--vars", "{a: 2}")
}

// TestRetryTargetAsDBT: retry runs against the failed run's --target
// with its --empty, which run_results.json records, as dbt's retry takes
// every flag of the run it retries but the paths.
func TestRetryTargetAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "profiles.yml", "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n"+
		"    prod:\n      type: duckdb\n      path: prod.duckdb\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id union all select 2\n")
	writeFile(t, dir, "models/b.sql", "{{ config(materialized='table') }}\nselect id, {{ var('f', 'no_such_function') }}(id) as v from {{ ref('a') }}\n")
	if res := elt(t, dir, "run", "--target", "prod", "--empty"); res.code != 1 {
		t.Fatalf("the failing run: exit %d\n%s", res.code, res.stdout)
	}
	args := runResultsArgs(t, dir)
	if args["target"] != "prod" || args["empty"] != true {
		t.Errorf("run_results args: %v", args)
	}
	res := mustElt(t, dir, "retry", "--vars", "{f: abs}")
	wantAll(t, res.stdout, "1 of 1 OK created sql table model main.b")
	if _, err := os.Stat(filepath.Join(dir, "p.duckdb")); err == nil {
		t.Errorf("retry built into the dev target")
	}
	db := openDB(t, filepath.Join(dir, "prod.duckdb"))
	defer db.Close()
	// --empty: b reads a limited to no rows.
	if got := queryRows(t, db, "select count(*) from main.b"); got != "0" {
		t.Errorf("prod b: %s rows", got)
	}
	if got := queryRows(t, db, "select count(*) from main.a"); got != "2" {
		t.Errorf("prod a: %s rows", got)
	}
}

// TestCleanReadsNoProfileAsDBT: clean does not read profiles.yml, as
// dbt's unsets the profile: an env_var() no target of it can render
// (dbt_artifacts' CI cleans before its secrets are set) stops nothing.
func TestCleanReadsNoProfileAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "profiles.yml", "p:\n  target: cloud\n  outputs:\n    cloud:\n      type: postgres\n"+
		"      host: \"{{ env_var('ELT_TEST_NEVER_SET_HOST') }}\"\n      user: u\n      password: p\n      port: 5432\n      dbname: d\n      schema: s\n")
	writeFile(t, dir, "target/x.txt", "x")
	res := mustElt(t, dir, "clean", "--target", "cloud")
	wantAll(t, res.stdout, "Cleaned target/")
	if _, err := os.Stat(filepath.Join(dir, "target")); !os.IsNotExist(err) {
		t.Errorf("target/ still there: %v", err)
	}
}

// TestDuckDBIndexesAsDBT: the indexes config creates DuckDB indexes as
// dbt-duckdb (1.10.1) does: on every build of a table model, and when an
// incremental model, a seed or a snapshot gets its table, not on the runs
// that add rows; a type is refused, as DuckDB has one kind of index.
func TestDuckDBIndexesAsDBT(t *testing.T) {
	dir := miniProject(t, "seeds:\n  p:\n    +indexes: [{columns: [id], unique: true}]\n")
	writeFile(t, dir, "seeds/s.csv", "id,v\n1,a\n2,b\n")
	writeFile(t, dir, "models/t.sql", "{{ config(materialized='table', indexes=[{'columns': ['id'], 'unique': True}, {'columns': ['id', 'v']}]) }}\nselect * from {{ ref('s') }}\n")
	writeFile(t, dir, "models/inc.sql", "{{ config(materialized='incremental', unique_key='id', indexes=[{'columns': ['v']}]) }}\nselect * from {{ ref('s') }}\n")
	writeFile(t, dir, "snapshots/snap.sql", `{% snapshot snap %}
{{ config(unique_key='id', strategy='check', check_cols='all', indexes=[{'columns': ['id']}]) }}
select * from {{ ref('s') }}
{% endsnapshot %}
`)
	count := func() string {
		db := openDB(t, filepath.Join(dir, "p.duckdb"))
		defer db.Close()
		return queryRows(t, db, "select string_agg(table_name || ':' || is_unique || ':' || expressions, ' ' order by table_name, expressions) from duckdb_indexes()")
	}
	mustElt(t, dir, "build")
	want := `inc:false:[v] s:true:[id] snap:false:[id] t:false:[id, v] t:true:[id]`
	if got := count(); got != want {
		t.Errorf("after the first build: %s, want %s", got, want)
	}
	// The second build rebuilds t (its indexes again), refills s and adds
	// to inc and snap (theirs kept).
	mustElt(t, dir, "build")
	if got := count(); got != want {
		t.Errorf("after the second build: %s, want %s", got, want)
	}
	writeFile(t, dir, "models/t.sql", "{{ config(materialized='table', indexes=[{'columns': ['id'], 'type': 'hash'}]) }}\nselect * from {{ ref('s') }}\n")
	res := elt(t, dir, "run", "-s", "t")
	if res.code != 1 || !strings.Contains(res.stdout, `indexes[0]: unknown key "type" (columns and unique are the keys`) {
		t.Errorf("a type: exit %d\n%s", res.code, res.stdout)
	}
}

// TestGenericTestModelAsDBT: in a generic test, model is the test node's
// dict as dbt's (to_dict(omit_none=True)): test_metadata, attached_node,
// file_key_name and column_name where set, and keys(); elementary's
// exposure_schema_validity finds its exposure by model.attached_node.
func TestGenericTestModelAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/m.yml", "models:\n  - name: m\n    data_tests: [show_model]\n    columns:\n      - name: id\n        data_tests: [show_model]\n")
	writeFile(t, dir, "tests/generic/show_model.sql", `{% test show_model(model, column_name=none) %}
{% if execute %}{% set m = context['model'] %}
{% do print('TEST ' ~ m.name ~ ' ' ~ m.attached_node ~ ' ' ~ (m.column_name if m.column_name is defined else 'no column') ~ ' ' ~ m.file_key_name ~ ' ' ~ m.test_metadata.name ~ ' ' ~ ('test_metadata' in m.keys())) %}
{% endif %}
select 1 where false
{% endtest %}
`)
	res := mustElt(t, dir, "build")
	wantAll(t, res.stdout, "TEST show_model_m_ model.p.m no column models.m show_model True",
		"TEST show_model_m_id model.p.m id models.m show_model True")
}

// TestFreshnessRunEndResultsAsDBT: after source freshness, on-run-end's
// results are the freshness results, as dbt's freshness task passes them
// (elementary uploads them to dbt_source_freshness_results).
func TestFreshnessRunEndResultsAsDBT(t *testing.T) {
	dir := miniProject(t, "on-run-end: [\"{{ show_results() }}\"]\n")
	eventsSource(t, dir, "1,2020-01-01 00:00:00\n", "main", "{warn_after: {count: 1, period: day}}")
	writeFile(t, dir, "macros/show.sql", `{% macro show_results() %}{% if execute and flags.WHICH == 'freshness' %}
{% do print('results=' ~ (results | length)) %}
{% for r in results %}{% set d = r.to_dict() %}{% do print(d.node.unique_id ~ ' ' ~ d.status ~ ' ' ~ d.max_loaded_at ~ ' ' ~ d.node.freshness.warn_after.count ~ ' ' ~ (d.age > 0)) %}{% endfor %}
{% endif %}{% endmacro %}
`)
	mustElt(t, dir, "seed")
	res := mustElt(t, dir, "source", "freshness")
	wantAll(t, res.stdout, "results=1", "source.p.raw.events warn 2020-01-01T00:00:00+00:00 1 True")
}

// TestYAMLResourcePathAsDBT: an exposure's and a group's path is relative
// to the folder searched (dbt's yaml.path.relative_path), its
// original_file_path relative to the project.
func TestYAMLResourcePathAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/sub/props.yml", `groups:
  - name: g
    owner: {name: a}
exposures:
  - name: e
    type: dashboard
    owner: {name: a}
    depends_on: [ref('m')]
`)
	mustElt(t, dir, "parse")
	m := readManifest(t, dir)
	for _, r := range []map[string]any{m["exposures"].(map[string]any)["exposure.p.e"].(map[string]any), m["groups"].(map[string]any)["group.p.g"].(map[string]any)} {
		if r["path"] != "sub/props.yml" || r["original_file_path"] != "models/sub/props.yml" {
			t.Errorf("%v: path %v, original_file_path %v", r["unique_id"], r["path"], r["original_file_path"])
		}
	}
}

// TestRuntimeConfigAsDBT: builtins.ref.config is dbt's RuntimeConfig as
// packages read it: the project's vars: block as written (to_dict()),
// --vars as cli_vars, the target's names and threads, model_paths
// (elementary uploads the vars to dbt_invocations).
func TestRuntimeConfigAsDBT(t *testing.T) {
	dir := miniProject(t, "vars:\n  project_var: \"{{ env_var('ELT_TEST_NEVER_SET', 'x') }}\"\n")
	writeFile(t, dir, "macros/probe.sql", `{% macro probe() %}
{% set c = builtins.ref.config %}
{% do print(c.project_name ~ ' ' ~ c.vars.to_dict()['project_var'] ~ ' ' ~ c.cli_vars['a'] ~ ' ' ~ c.profile_name ~ ' ' ~ c.target_name ~ ' ' ~ c.threads ~ ' ' ~ c.model_paths) %}
{% endmacro %}
`)
	res := mustElt(t, dir, "run-operation", "probe", "--vars", "{a: 1}")
	wantAll(t, res.stdout, "p {{ env_var('ELT_TEST_NEVER_SET', 'x') }} 1 p dev 2 ['models']")
}

// TestSnapshotKeyExpressionAsDBT: a snapshot's unique_key may be SQL, as
// in dbt's own snapshot tests ("id || '-' || name"): a changed row gets
// a new version under its computed key, a new key a first one; -f is
// --full-refresh.
func TestSnapshotKeyExpressionAsDBT(t *testing.T) {
	onBothWarehouses(t, "snap_key_expr", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "snapshots/s.sql", `{% snapshot s %}
{{ config(unique_key="id || '-' || name", strategy='timestamp', updated_at='updated_at') }}
select * from {{ ref('src') }}
{% endsnapshot %}
`)
		// A quoted column name is the column spelled so.
		writeFile(t, dir, "snapshots/quoted.sql", `{% snapshot quoted %}
{{ config(unique_key='"id"', strategy='timestamp', updated_at='"updated_at"') }}
select * from {{ ref('src') }}
{% endsnapshot %}
`)
		writeFile(t, dir, "seeds/src.csv", "id,name,updated_at\n1,a,2024-01-01 00:00:00\n2,b,2024-01-01 00:00:00\n")
		mustElt(t, dir, "seed")
		mustElt(t, dir, "snapshot")
		writeFile(t, dir, "seeds/src.csv", "id,name,updated_at\n1,a,2024-02-01 00:00:00\n2,c,2024-01-01 00:00:00\n")
		mustElt(t, dir, "seed", "-f")
		mustElt(t, dir, "snapshot")
		out := mustElt(t, dir, "show", "--inline", "select string_agg(cast(id as varchar) || name || case when dbt_valid_to is null then '*' else '' end, ',' order by id, name, dbt_valid_from) as v from {{ ref('s') }}").stdout
		// 1-a changed (closed, new current version), 2-b is a key the
		// source no longer has (hard deletes ignored: stays current),
		// 2-c is new.
		if !strings.Contains(out, "1a,1a*,2b*,2c*") {
			t.Errorf("want 1a,1a*,2b*,2c*:\n%s", out)
		}
	})
}

// TestSnapshotCheckColsExpressionAsDBT: check_cols entries are SQL, as
// in dbt's snapshot_check_all_get_existing_columns: the comparison uses
// the columns the warehouse names "select <check_cols>" after, and a
// name that is no column of the snapshot (DuckDB's "CAST(ds AS DATE)")
// changes every current row on each run, where PostgreSQL names ds::date
// "ds" and nothing changes (sqlmesh's sushi_test).
func TestSnapshotCheckColsExpressionAsDBT(t *testing.T) {
	onBothWarehouses(t, "snap_check_expr", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "snapshots/s.sql", `{% snapshot s %}
{{ config(unique_key='id', strategy='check', check_cols=['ds::DATE']) }}
select 1 as id, '2022-01-01' as ds
{% endsnapshot %}
`)
		mustElt(t, dir, "snapshot")
		res := mustElt(t, dir, "snapshot")
		want := map[string]string{"duckdb": "1 changed", "postgres": "INSERT 0 0"}[warehouse]
		wantAll(t, res.stdout, want)
		versions := map[string]string{"duckdb": "| 2 |", "postgres": "| 1 |"}[warehouse]
		if out := mustElt(t, dir, "show", "--inline", "select count(*) as n from {{ ref('s') }}").stdout; !strings.Contains(out, versions) {
			t.Errorf("versions, want %s:\n%s", versions, out)
		}
	})
}

// TestSnapshotUpdatedAtExpressionAsDBT: updated_at is SQL to dbt's
// strategies. The check strategy takes a new version's dbt_valid_from
// from it, whatever it is (dbt's own test: "'2016-07-01'::timestamp" from
// a var); the timestamp strategy also compares source_data.<updated_at>
// with the snapshot's time on later runs, so updated_at::timestamp works
// there and a constant fails, as under dbt.
func TestSnapshotUpdatedAtExpressionAsDBT(t *testing.T) {
	onBothWarehouses(t, "snap_updated_at_expr", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "snapshots/check.sql", `{% snapshot check_s %}
{{ config(unique_key='id', strategy='check', check_cols='all', updated_at="'" ~ var('updated_at') ~ "'::timestamp") }}
select 'a' as id, {{ var('counter') }} as counter
{% endsnapshot %}
`)
		writeFile(t, dir, "snapshots/cast.sql", `{% snapshot cast_s %}
{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at::timestamp') }}
select 'a' as id, '{{ var("updated_at") }}' as updated_at
{% endsnapshot %}
`)
		mustElt(t, dir, "snapshot", "--vars", "{updated_at: '2016-07-01', counter: 10}")
		mustElt(t, dir, "snapshot", "--vars", "{updated_at: '2016-07-02', counter: 20}")
		out := mustElt(t, dir, "show", "--inline", `select string_agg(cast(counter as varchar) || ' ' || cast(cast(dbt_valid_from as date) as varchar) || ' ' || coalesce(cast(cast(dbt_valid_to as date) as varchar), '-'), ', ' order by dbt_valid_from) as v from {{ ref('check_s') }}`, "--output", "json").stdout
		wantAll(t, out, "10 2016-07-01 2016-07-02, 20 2016-07-02 -")
		out = mustElt(t, dir, "show", "--inline", `select string_agg(cast(cast(dbt_valid_from as date) as varchar) || ' ' || coalesce(cast(cast(dbt_valid_to as date) as varchar), '-'), ', ' order by dbt_valid_from) as v from {{ ref('cast_s') }}`, "--output", "json").stdout
		wantAll(t, out, "2016-07-01 2016-07-02, 2016-07-02 -")

		writeFile(t, dir, "snapshots/const.sql", `{% snapshot const_s %}
{{ config(unique_key='id', strategy='timestamp', updated_at="'2016-07-01'::timestamp") }}
select 'a' as id
{% endsnapshot %}
`)
		mustElt(t, dir, "snapshot", "-s", "const_s", "--vars", "{updated_at: '2016-07-01', counter: 10}")
		if res := elt(t, dir, "snapshot", "-s", "const_s", "--vars", "{updated_at: '2016-07-01', counter: 10}"); res.code == 0 {
			t.Errorf("a constant updated_at on a later timestamp run: want the warehouse's error, as dbt's src.<updated_at>\n%s", res.stdout)
		}
	})
}

// TestSnapshotCheckUpdatedAtAsDBT: dbt's check strategy takes a new
// version's dbt_updated_at and dbt_valid_from from updated_at as it is:
// a date column gives date columns, and a NULL stays NULL (no fallback to
// the snapshot's time).
func TestSnapshotCheckUpdatedAtAsDBT(t *testing.T) {
	onBothWarehouses(t, "snap_check_updated_at", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "snapshots/d.sql", `{% snapshot d_s %}
{{ config(unique_key='id', strategy='check', check_cols='all', updated_at='d') }}
select 1 as id, cast('2020-01-01' as date) as d union all select 2, null
{% endsnapshot %}
`)
		mustElt(t, dir, "snapshot")
		out := mustElt(t, dir, "show", "--output", "json", "--inline", `select string_agg(cast(id as varchar) || ' ' || coalesce(cast(dbt_valid_from as varchar), 'null'), ', ' order by id) as v from {{ ref('d_s') }}`).stdout
		wantAll(t, out, "1 2020-01-01, 2 null")
		out = mustElt(t, dir, "show", "--output", "json", "--inline", `select string_agg(lower(data_type), ',' order by column_name) as v from information_schema.columns where table_name = 'd_s' and column_name in ('dbt_updated_at', 'dbt_valid_from')`).stdout
		wantAll(t, out, "date,date")
	})
}

// TestCustomIncrementalStrategyAsDBT: an incremental_strategy the project
// defines as get_incremental_<name>_sql is used, as dbt's adapter finds
// it: the macro gets the target, the new rows' temporary table and the
// table's columns, and its statement applies the new rows.
func TestCustomIncrementalStrategyAsDBT(t *testing.T) {
	onBothWarehouses(t, "custom_strategy", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "macros/strategy.sql", `{% macro get_incremental_evens_only_sql(arg_dict) %}
insert into {{ arg_dict['target_relation'] }} ({{ arg_dict['dest_columns'] | map(attribute='name') | join(', ') }})
select {{ arg_dict['dest_columns'] | map(attribute='name') | join(', ') }} from {{ arg_dict['temp_relation'] }} where id % 2 = 0
{% endmacro %}
`)
		writeFile(t, dir, "models/m.sql", `{{ config(materialized='incremental', incremental_strategy='evens_only') }}
select id, 'x' as v from (select 1 as id union all select 2 union all select 3 union all select 4) as s
{% if is_incremental() %}where id > 1{% else %}where id = 1{% endif %}
`)
		mustElt(t, dir, "run")
		mustElt(t, dir, "run")
		if out := mustElt(t, dir, "show", "--inline", "select string_agg(cast(id as varchar), ',' order by id) as ids from {{ ref('m') }}").stdout; !strings.Contains(out, "1,2,4") {
			t.Errorf("want 1,2,4:\n%s", out)
		}
	})
}

// TestCustomMicrobatchMacroAsDBT: a project's get_incremental_microbatch_sql
// is the model's strategy macro, as dbt's adapter finds it. Without the
// behaviour flag require_batched_execution_for_custom_microbatch_strategy
// dbt runs the model once, unbatched (task/run.py get_runner_type picks
// its ModelRunner), its hooks once, and warns of the macro (D020); with
// the flag it runs batch by batch, each batch after the first calling the
// macro with model.batch set, the pre-hooks with the first batch and the
// post-hooks with the last.
func TestCustomMicrobatchMacroAsDBT(t *testing.T) {
	const project = "name: p\nprofile: p\non-run-start: \"create table if not exists {{ target.schema }}.hooklog (what varchar(20))\"\n"
	setup := func(t *testing.T, dir, flags string) {
		writeFile(t, dir, "dbt_project.yml", project+flags)
		writeFile(t, dir, "seeds/s.csv", "t,v\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n")
		writeFile(t, dir, "seeds/s.yml", "seeds:\n  - name: s\n    config:\n      event_time: t\n      column_types: {t: date}\n")
		writeFile(t, dir, "macros/mb.sql", `{% macro get_incremental_microbatch_sql(arg_dict) %}
insert into {{ arg_dict['target_relation'] }} (t, v, how)
select t, v, '{{ model.batch.id if model.batch else "whole" }}' from {{ arg_dict['temp_relation'] }}
{% endmacro %}
`)
		writeFile(t, dir, "models/m.sql", `{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='t', batch_size='day', begin='2024-01-01',
    pre_hook="insert into {{ target.schema }}.hooklog values ('pre')",
    post_hook="insert into {{ target.schema }}.hooklog values ('post{{ model.batch.id if model.batch }}')") }}
select t, v, cast('first' as varchar(20)) as how from {{ ref('s') }}
`)
		mustElt(t, dir, "seed")
	}
	rows := func(t *testing.T, dir string) (string, string) {
		t.Helper()
		show := func(q string) string {
			out := mustElt(t, dir, "show", "--output", "json", "--inline", q).stdout
			i := strings.Index(out, `"r": `)
			if i < 0 {
				t.Fatalf("%s:\n%s", q, out)
			}
			return strings.SplitN(out[i+5:], "\n", 2)[0]
		}
		return show("select string_agg(cast(t as varchar) || ' ' || how, ',' order by t, how) as r from {{ ref('m') }}"),
			show("select string_agg(what, ',' order by what) as r from {{ target.schema }}.hooklog")
	}
	window := []string{"--event-time-start", "2024-01-01", "--event-time-end", "2024-01-04"}
	t.Run("unbatched", func(t *testing.T) {
		onBothWarehouses(t, "custom_microbatch", func(t *testing.T, dir, warehouse string) {
			warnings := warehouse == "duckdb" // the load's warnings do not depend on the warehouse
			setup(t, dir, "")
			first := mustElt(t, dir, append([]string{"run"}, window...)...)
			wantAll(t, first.stdout+first.stderr, "macros/mb.sql:1: warning: The use of a custom microbatch macro outside of batched execution is deprecated.",
				"START sql incremental model")
			wantNone(t, first.stdout+first.stderr, "Batch 1 of", "replaces dbt's")
			if warnings {
				// dbt raises it through warn_or_error: warn_error_options can
				// make it an error, or silence it.
				writeFile(t, dir, "dbt_project.yml", project+"flags:\n  warn_error_options: {error: [MicrobatchMacroOutsideOfBatchesDeprecation]}\n")
				if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stdout+res.stderr, "custom microbatch macro outside of batched execution") {
					t.Errorf("as an error: exit %d\n%s%s", res.code, res.stdout, res.stderr)
				}
				writeFile(t, dir, "dbt_project.yml", project+"flags:\n  warn_error_options: {silence: [MicrobatchMacroOutsideOfBatchesDeprecation]}\n")
				if res := mustElt(t, dir, "parse"); strings.Contains(res.stdout+res.stderr, "custom microbatch macro") {
					t.Errorf("silenced:\n%s%s", res.stdout, res.stderr)
				}
				writeFile(t, dir, "dbt_project.yml", project)
			}
			mustElt(t, dir, append([]string{"run"}, window...)...)
			m, hooks := rows(t, dir)
			if want := `"2024-01-01 first,2024-01-01 whole,2024-01-02 first,2024-01-02 whole,2024-01-03 first,2024-01-03 whole"`; m != want {
				t.Errorf("m:\n got %s\nwant %s", m, want)
			}
			if want := `"post,post,pre,pre"`; hooks != want {
				t.Errorf("hooks:\n got %s\nwant %s", hooks, want)
			}
		})
	})
	t.Run("batched", func(t *testing.T) {
		onBothWarehouses(t, "custom_microbatch", func(t *testing.T, dir, warehouse string) {
			setup(t, dir, "flags:\n  require_batched_execution_for_custom_microbatch_strategy: true\n")
			res := mustElt(t, dir, append([]string{"run"}, window...)...)
			wantAll(t, res.stdout, "START sql microbatch model", "Batch 3 of 3 OK")
			wantNone(t, res.stdout+res.stderr, "deprecated", "replaces dbt's")
			m, hooks := rows(t, dir)
			if want := `"2024-01-01 first,2024-01-02 20240102,2024-01-03 20240103"`; m != want {
				t.Errorf("m:\n got %s\nwant %s", m, want)
			}
			if want := `"post20240103,pre"`; hooks != want {
				t.Errorf("hooks:\n got %s\nwant %s", hooks, want)
			}
		})
	})
}

// TestStrategyOverridesAsDBT: dbt's incremental materialization renders
// its strategy's macros, so a package's default__get_delete_insert_merge_sql
// that the project's dispatch config searches first (snowplow_utils
// narrows the delete to the new rows' date window, reading it with
// run_query from the new rows' temporary table) decides what is deleted,
// for delete+insert and for PostgreSQL's default strategy with a key; the
// root project's get_merge_sql decides a merge. Without them, elt's own
// statements give dbt's result.
func TestStrategyOverridesAsDBT(t *testing.T) {
	onBothWarehouses(t, "strategy_overrides", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\ndispatch:\n  - macro_namespace: dbt\n    search_order: [windowed, dbt]\n")
		writeFile(t, dir, "dbt_packages/windowed/dbt_project.yml", "name: windowed\n")
		writeFile(t, dir, "dbt_packages/windowed/macros/merge.sql", `{% macro default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {%- set bounds = run_query('select min(day) as lo, max(day) as hi from ' ~ source) -%}
  {%- set window = ["DBT_INTERNAL_DEST.day between " ~ bounds.columns[0].values()[0] ~ " and " ~ bounds.columns[1].values()[0]] -%}
  {{ return(dbt.default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, window + (incremental_predicates or []))) }}
{%- endmacro %}
`)
		writeFile(t, dir, "macros/merge.sql", `{% macro get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates=none) -%}
insert into {{ target }} (id, day, v) select id, day, v || '-merged' from {{ source }}
{%- endmacro %}
`)
		// Old rows 1 (day 1) and 2 (day 5); new rows 1 and 2 on days 4-6:
		// the window 4..6 keeps old row 1.
		body := `select 1 as id, {% if is_incremental() %}4{% else %}1{% endif %} as day, '{{ "new" if is_incremental() else "old" }}' as v
union all select 2, {% if is_incremental() %}6{% else %}5{% endif %}, '{{ "new" if is_incremental() else "old" }}'
`
		writeFile(t, dir, "models/di.sql", "{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='id') }}\n"+body)
		writeFile(t, dir, "models/dflt.sql", "{{ config(materialized='incremental', unique_key='id') }}\n"+body)
		writeFile(t, dir, "models/mg.sql", "{{ config(materialized='incremental', incremental_strategy='merge', unique_key='id') }}\n"+body)
		writeFile(t, dir, "models/ap.sql", "{{ config(materialized='incremental', incremental_strategy='append') }}\n"+body)
		mustElt(t, dir, "run")
		res := mustElt(t, dir, "run")
		wantNone(t, res.stdout+res.stderr, "replaces dbt's")
		want := map[string]string{
			"di": "1-1-old,1-4-new,2-6-new",
			// dbt-duckdb's default is delete+insert too, through
			// get_delete_insert_merge_sql.
			"dflt": "1-1-old,1-4-new,2-6-new",
			"mg":   "1-1-old,1-4-new-merged,2-5-old,2-6-new-merged",
			"ap":   "1-1-old,1-4-new,2-5-old,2-6-new",
		}
		for model, rows := range want {
			q := "select string_agg(cast(id as varchar) || '-' || cast(day as varchar) || '-' || v, ',' order by id, day) as r from {{ ref('" + model + "') }}"
			if out := mustElt(t, dir, "show", "--output", "json", "--inline", q).stdout; !strings.Contains(out, `"r": "`+rows+`"`) {
				t.Errorf("%s: want %s:\n%s", model, rows, out)
			}
		}
	})
}

// TestFlagsBeforeTheCommandAsDBT: dbt takes flags before its subcommand
// too (dbt --no-partial-parse run): elt moves them after it.
func TestFlagsBeforeTheCommandAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	if res := mustElt(t, dir, "--no-partial-parse", "--threads", "1", "run", "-s", "m"); !strings.Contains(res.stdout, "Concurrency: 1 threads") {
		t.Errorf("the flags before run were not taken:\n%s", res.stdout)
	}
}

// TestQuotingFalseAsDBT: with the project's quoting: {identifier: false},
// dbt writes a model's name unquoted, which PostgreSQL folds: MODEL.sql
// builds model (DuckDB keeps the case either way).
func TestQuotingFalseAsDBT(t *testing.T) {
	onBothWarehouses(t, "quoting_false", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nquoting: {identifier: false}\n")
		writeFile(t, dir, "models/MODEL.sql", "select 1 as id\n")
		writeFile(t, dir, "models/reader.sql", "select * from {{ ref('MODEL') }}\n")
		mustElt(t, dir, "run")
		want := map[string]string{"postgres": "| model ", "duckdb": "| MODEL "}[warehouse]
		out := mustElt(t, dir, "show", "--inline", "select table_name from information_schema.tables where lower(table_name) = 'model'").stdout
		if !strings.Contains(out, want) {
			t.Errorf("want %s:\n%s", want, out)
		}
	})
}

// TestProjectQuotingRendersRefsAsDBT: the parts the project's quoting:
// sets to false are written unquoted wherever a model's relation is
// rendered (ref(), this, include(), the manifest's relation_name), as dbt
// creates node relations with the project's quoting; a source keeps its
// quotes (tests/functional/relation_quoting/test_relation_quoting.py).
func TestProjectQuotingRendersRefsAsDBT(t *testing.T) {
	onBothWarehouses(t, "quoting_refs", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nquoting: {database: false, schema: false, identifier: false}\n")
		writeFile(t, dir, "models/MODEL.sql", "select 1 as id\n")
		writeFile(t, dir, "models/reader.sql", "-- {{ this }} {{ ref('MODEL').include(database=false) }} {{ source('s', 't') }}\nselect * from {{ ref('MODEL') }}\n")
		writeFile(t, dir, "models/s.yml", "sources:\n  - name: s\n    schema: s\n    tables: [{name: t}]\n")
		mustElt(t, dir, "run")
		data, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "p", "models", "reader.sql"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Nodes map[string]struct {
				Database, Schema string
				RelationName     string `json:"relation_name"`
			}
		}
		raw, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
		if err == nil {
			err = json.Unmarshal(raw, &m)
		}
		if err != nil {
			t.Fatal(err)
		}
		r := m.Nodes["model.p.reader"]
		db, schema := r.Database, r.Schema
		ident := map[string]string{"postgres": "model", "duckdb": "MODEL"}[warehouse]
		want := fmt.Sprintf("-- %s.%s.reader %s.%s \"%s\".\"s\".\"t\"\nselect * from %s.%s.%s", db, schema, schema, ident, db, db, schema, ident)
		if got := strings.TrimSpace(string(data)); got != want {
			t.Errorf("compiled reader:\n got %s\nwant %s", got, want)
		}
		if got, want := r.RelationName, db+"."+schema+".reader"; got != want {
			t.Errorf("relation_name: got %s, want %s", got, want)
		}
	})
}

// TestSourceQuotingAsDBT: a source's own quoting: (the source's, with its
// table's over it) decides how its relation is written, as dbt's
// parse_source merges source.quoting with table.quoting and create_from
// lays it over the quote policy: an identifier quoting leaves false is
// written bare, so Postgres folds MyTable to the mytable a seed built.
// source() in SQL ignores the project's quoting (dbt's
// RuntimeSourceResolver), the manifest's relation_name does not
// (SourceParser._get_relation_name). The manifest keeps the merged
// quoting, null where neither sets a part.
func TestSourceQuotingAsDBT(t *testing.T) {
	onBothWarehouses(t, "source_quoting", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nquoting: {database: false}\n")
		writeFile(t, dir, "seeds/mytable.csv", "id\n1\n")
		writeFile(t, dir, "models/s.yml", `sources:
  - name: raw
    schema: "{{ target.schema }}"
    quoting: {identifier: false, column: true}
    tables:
      - name: t
        identifier: MyTable
      - name: t2
        identifier: mytable
        quoting: {identifier: true}
`)
		writeFile(t, dir, "models/m.sql", "select * from {{ source('raw', 't') }}\n")
		writeFile(t, dir, "models/m2.sql", "select * from {{ source('raw', 't2') }}\n")
		mustElt(t, dir, "seed")
		mustElt(t, dir, "run")
		var m struct {
			Nodes   map[string]struct{ Database, Schema string }
			Sources map[string]struct {
				Quoting      map[string]*bool `json:"quoting"`
				RelationName string           `json:"relation_name"`
			}
		}
		raw, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
		if err == nil {
			err = json.Unmarshal(raw, &m)
		}
		if err != nil {
			t.Fatal(err)
		}
		db, schema := m.Nodes["model.p.m"].Database, m.Nodes["model.p.m"].Schema
		for file, want := range map[string]string{
			"m.sql":  fmt.Sprintf(`select * from "%s"."%s".MyTable`, db, schema),
			"m2.sql": fmt.Sprintf(`select * from "%s"."%s"."mytable"`, db, schema),
		} {
			data, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "p", "models", file))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(data)); got != want {
				t.Errorf("compiled %s:\n got %s\nwant %s", file, got, want)
			}
		}
		show := func(q map[string]*bool) string {
			var parts []string
			for _, k := range []string{"database", "schema", "identifier", "column"} {
				v := "null"
				if q[k] != nil {
					v = fmt.Sprint(*q[k])
				}
				parts = append(parts, k+"="+v)
			}
			return strings.Join(parts, " ")
		}
		for id, want := range map[string][2]string{
			"source.p.raw.t":  {"database=null schema=null identifier=false column=true", fmt.Sprintf(`%s."%s".MyTable`, db, schema)},
			"source.p.raw.t2": {"database=null schema=null identifier=true column=true", fmt.Sprintf(`%s."%s"."mytable"`, db, schema)},
		} {
			s := m.Sources[id]
			if got := show(s.Quoting); got != want[0] {
				t.Errorf("%s quoting: got %s, want %s", id, got, want[0])
			}
			if s.RelationName != want[1] {
				t.Errorf("%s relation_name: got %s, want %s", id, s.RelationName, want[1])
			}
		}
	})
}

// TestAdapterMethodOverridesAsDBT: a project's get_columns_in_relation is
// what adapter.get_columns_in_relation answers, as dbt's adapter runs the
// macro; a project's get_test_sql, which dbt's test materialization
// calls, is not warned of: elt's tests call it too.
func TestAdapterMethodOverridesAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/o.sql", `{% macro get_columns_in_relation(relation) %}{{ return('overridden') }}{% endmacro %}
{% macro get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) %}select 1{% endmacro %}
`)
	writeFile(t, dir, "models/m.sql", "select '{{ adapter.get_columns_in_relation(this) if execute else '' }}' as cols\n")
	res := mustElt(t, dir, "run")
	if strings.Contains(res.stdout+res.stderr, "warning: get_test_sql replaces") {
		t.Errorf("get_test_sql is warned of:\n%s%s", res.stdout, res.stderr)
	}
	if out := mustElt(t, dir, "show", "--inline", "select * from {{ ref('m') }}").stdout; !strings.Contains(out, "| overridden |") {
		t.Errorf("adapter.get_columns_in_relation did not run the project's macro:\n%s", out)
	}
}

// TestDuplicateRelationsAsDBT: two models that would build the same
// relation stop the load, as dbt refuses identical database
// representations.
func TestDuplicateRelationsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "{{ config(alias='same') }}\nselect 1 as id\n")
	writeFile(t, dir, "models/b.sql", "{{ config(alias='same') }}\nselect 2 as id\n")
	res := elt(t, dir, "ls")
	if res.code == 0 || !strings.Contains(res.stdout+res.stderr, `dbt found two resources with the database representation ""p"."main"."same"". dbt cannot create two resources with identical database representations: model.p.a (models/a.sql) and model.p.b (models/b.sql)`) {
		t.Errorf("want the duplicate refused: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestResourceTypeFlagsAsDBT: --resource-type takes several types in one
// value ("seed model"), refuses one dbt does not know, and
// --exclude-resource-type leaves types out.
func TestResourceTypeFlagsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "seeds/s.csv", "id\n1\n")
	writeFile(t, dir, "models/m.yml", "models:\n  - name: m\n    columns:\n      - name: id\n        data_tests: [unique]\n")
	if out := mustElt(t, dir, "ls", "--resource-type", "seed model").stdout; !strings.Contains(out, "p.m") || !strings.Contains(out, "p.s") || strings.Contains(out, "unique") {
		t.Errorf("--resource-type 'seed model':\n%s", out)
	}
	if out := mustElt(t, dir, "ls", "--exclude-resource-type", "test").stdout; !strings.Contains(out, "p.m") || strings.Contains(out, "unique") {
		t.Errorf("--exclude-resource-type test:\n%s", out)
	}
	if res := elt(t, dir, "build", "--resource-type", "modle"); res.code == 0 || !strings.Contains(res.stderr+res.stdout, `"modle" is not a resource type`) {
		t.Errorf("an unknown type: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestFixedMaterializationsAsDBT: a seed (data test, snapshot) has one
// materialization; another one configured stops the load, as in dbt.
func TestFixedMaterializationsAsDBT(t *testing.T) {
	dir := miniProject(t, "seeds:\n  +materialized: table\n")
	writeFile(t, dir, "seeds/s.csv", "id\n1\n")
	if res := elt(t, dir, "seed"); res.code == 0 || !strings.Contains(res.stdout+res.stderr, `seed s: invalid materialization "table"; a seed is materialized as seed`) {
		t.Errorf("want the seed's materialization refused: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// enabled is a boolean too.
	dir = miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/m.yml", "models:\n  - name: m\n    config:\n      enabled: True and False\n")
	if res := elt(t, dir, "ls"); res.code == 0 || !strings.Contains(res.stdout+res.stderr, `model m: at path ['enabled']: 'True and False' is not of type 'boolean'`) {
		t.Errorf("want enabled refused: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestEnabledStringAsDBT: dbt validates enabled as a boolean and coerces
// nothing, so the string 'false' (in config(), quoted in YAML, or from a
// var) stops the parse instead of disabling the node; so do null and 0.
// A real false still disables.
func TestEnabledStringAsDBT(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"config call", map[string]string{"models/m.sql": "{{ config(enabled='false') }}\nselect 1 as id\n"},
			`models/m.sql:1: model m: at path ['enabled']: 'false' is not of type 'boolean'`},
		{"quoted in YAML", map[string]string{"models/m.sql": "select 1 as id\n", "models/m.yml": "models:\n  - name: m\n    config:\n      enabled: 'False'\n"},
			`models/m.yml:2:5: model m: at path ['enabled']: 'False' is not of type 'boolean'`},
		{"null", map[string]string{"models/m.sql": "select 1 as id\n", "models/m.yml": "models:\n  - name: m\n    config:\n      enabled: null\n"},
			`model m: at path ['enabled']: None is not of type 'boolean'`},
		{"seed", map[string]string{"seeds/s.csv": "id\n1\n", "seeds/s.yml": "seeds:\n  - name: s\n    config:\n      enabled: \"false\"\n"},
			`seed s: at path ['enabled']: 'false' is not of type 'boolean'`},
		{"source", map[string]string{"models/src.yml": "sources:\n  - name: raw\n    tables:\n      - name: t\n        config:\n          enabled: 'false'\n"},
			`source raw.t: at path ['enabled']: 'false' is not of type 'boolean'`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := miniProject(t, "")
			for name, body := range tc.files {
				writeFile(t, dir, name, body)
			}
			res := elt(t, dir, "parse")
			if res.code != 2 || !strings.Contains(res.stdout+res.stderr, tc.want) {
				t.Errorf("want exit 2 and %q, got exit %d\n%s%s", tc.want, res.code, res.stdout, res.stderr)
			}
		})
	}
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "{{ config(enabled=false) }}\nselect 1 as id\n")
	writeFile(t, dir, "models/n.sql", "select 1 as id\n")
	if out := mustElt(t, dir, "ls").stdout; strings.Contains(out, "p.m") || !strings.Contains(out, "p.n") {
		t.Errorf("enabled=false: want m disabled:\n%s", out)
	}
}

// TestWarnErrorAsDBT: under --warn-error (or the project's warn_error
// flag) a data test that would warn fails, with dbt's message.
func TestWarnErrorAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id union all select 1\n")
	writeFile(t, dir, "models/m.yml", "models:\n  - name: m\n    columns:\n      - name: id\n        data_tests: [{unique: {config: {severity: warn}}}]\n")
	mustElt(t, dir, "build")
	res := elt(t, dir, "--warn-error", "build")
	if res.code != 1 || !strings.Contains(res.stdout, "Got 1 result, configured to fail if != 0") {
		t.Errorf("--warn-error: exit %d\n%s", res.code, res.stdout)
	}
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nflags:\n  warn_error: true\n")
	if res := elt(t, dir, "test"); res.code != 1 {
		t.Errorf("flags: warn_error: true: exit %d\n%s", res.code, res.stdout)
	}
}

// TestNamingMacroVarsAsDBT: a var nothing sets, read by a
// generate_schema_name override, is an error (dbt's naming macros read
// vars strictly), not a schema named "None"; with --vars it names it.
func TestNamingMacroVarsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/g.sql", "{% macro generate_schema_name(custom_schema_name, node) %}{{ return(var('somevar') ~ '_s') }}{% endmacro %}\n")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	if res := elt(t, dir, "compile"); res.code == 0 || !strings.Contains(res.stdout+res.stderr, "Required var 'somevar' not found in config") {
		t.Errorf("want the missing var refused: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	mustElt(t, dir, "compile", "--vars", "{somevar: x}")
	if b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json")); err != nil || !strings.Contains(string(b), `"schema": "x_s"`) && !strings.Contains(string(b), `"schema":"x_s"`) {
		t.Errorf("with the var set, the model's schema is not x_s (%v)", err)
	}
}

// TestListAsDBT: dbt ls's output for each kind of resource. A versioned
// model's name is name.vN; sources, exposures and unit tests are listed
// by package and name, not by folder; --output json prints the manifest
// entry's list keys (no description), and --output-keys chooses others,
// space or comma separated, as dbt's multi-value option; m.v2 selects
// the version.
func TestListAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/sub/m_v1.sql", "select 1 as id\n")
	writeFile(t, dir, "models/sub/m_v2.sql", "select 2 as id\n")
	writeFile(t, dir, "models/sub/m.yml", `models:
  - name: m
    description: the m
    latest_version: 2
    versions: [{v: 1}, {v: 2}]
sources:
  - name: raw
    tables: [{name: events}]
exposures:
  - name: dash
    type: dashboard
    owner: {name: ann}
    depends_on: ["ref('m')"]
unit_tests:
  - name: ut_m
    model: m
    versions: {include: [2]}
    given: []
    expect: {rows: [{id: 2}]}
`)
	ls := func(args ...string) string {
		return strings.TrimSpace(mustElt(t, dir, append([]string{"ls"}, args...)...).stdout)
	}
	if got, want := ls("--resource-type", "model", "--output", "name"), "m.v1\nm.v2"; got != want {
		t.Errorf("names: %q, want %q", got, want)
	}
	got := ls("--resource-type", "source", "exposure", "unit_test", "model")
	// In unique id order; a unit test of one version is named for it.
	want := "exposure:p.dash\np.sub.m.v1\np.sub.m.v2\nsource:p.raw.events\nunit_test:p.ut_m_v2"
	if got != want {
		t.Errorf("selectors:\n%s\nwant\n%s", got, want)
	}
	line := ls("-s", "m.v2", "--resource-type", "model", "--output", "json")
	if !strings.HasPrefix(line, `{"name": "m", "resource_type": "model", "package_name": "p", "original_file_path": "models/sub/m_v2.sql", "unique_id": "model.p.m.v2", "alias": "m_v2", "config": {`) ||
		strings.Contains(line, `"description"`) || !strings.Contains(line, `"tags": [], "depends_on": {"macros": [], "nodes": []}}`) {
		t.Errorf("json: %s", line)
	}
	for _, keys := range [][]string{{"--output-keys", "name description"}, {"--output-keys", "name,description"}, {"--output-keys", "name", "description"}} {
		got := ls(append([]string{"-s", "m.v1", "--resource-type", "model", "--output", "json"}, keys...)...)
		if want := `{"name": "m", "description": "the m"}`; got != want {
			t.Errorf("%v: %s, want %s", keys, got, want)
		}
	}
}

// TestUnitTestQuotedColumnsAsDBT: a unit test's fixtures and expected rows
// name the columns read from the warehouse quoted, as dbt's column.quoted:
// a column named as a keyword, with a space or (on PostgreSQL) in mixed
// case works, and the expected row may spell it in any case.
func TestUnitTestQuotedColumnsAsDBT(t *testing.T) {
	onBothWarehouses(t, "unit_quoted", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "models/up.sql", `select 1 as "CustomerID", 2 as "select", 3 as "Order Id"`+"\n")
		writeFile(t, dir, "models/m.sql", `select "CustomerID", "select" + "Order Id" as "Total" from {{ ref('up') }}`+"\n")
		writeFile(t, dir, "models/m.yml", `unit_tests:
  - name: sums
    model: m
    given:
      - input: ref('up')
        rows:
          - {CustomerID: 5, select: 1, Order Id: 10}
          - {customerid: 6, select: 2}
    expect:
      rows:
        - {CustomerID: 5, total: 11}
        - {CustomerID: 6, Total: null}
`)
		mustElt(t, dir, "run", "-s", "up")
		res := elt(t, dir, "test", "-s", "m", "--resource-type", "unit_test")
		if res.code != 0 || !strings.Contains(res.stdout, "PASS m::sums") {
			t.Errorf("exit %d; want the unit test to pass:\n%s%s", res.code, res.stdout, res.stderr)
		}
	})
}

// TestTimeSpineAsDBT: a model's time_spine and its columns' granularity
// reach the manifest as dbt writes them (null where unset), and the graph
// context; a second compile, from the manifest cache, writes the same.
func TestTimeSpineAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/metricflow_time_spine.sql", "select date '2020-01-01' as date_day, 1 as fq\n")
	writeFile(t, dir, "models/other.sql", "{{ graph.nodes['model.p.metricflow_time_spine'].time_spine.standard_granularity_column if execute }}\nselect 1 as id\n")
	writeFile(t, dir, "models/m.yml", `models:
  - name: metricflow_time_spine
    time_spine:
      standard_granularity_column: date_day
      custom_granularities: [{name: fiscal_quarter, column_name: fq}, {name: fq}]
    columns:
      - {name: date_day, granularity: day}
      - {name: fq}
`)
	check := func() {
		var m struct {
			Nodes map[string]struct {
				TimeSpine   any                       `json:"time_spine"`
				Columns     map[string]map[string]any `json:"columns"`
				CompiledSQL string                    `json:"compiled_code"`
			} `json:"nodes"`
		}
		if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "manifest.json"))), &m); err != nil {
			t.Fatal(err)
		}
		spine := m.Nodes["model.p.metricflow_time_spine"]
		want := map[string]any{"standard_granularity_column": "date_day", "custom_granularities": []any{
			map[string]any{"name": "fiscal_quarter", "column_name": "fq"}, map[string]any{"name": "fq", "column_name": nil}}}
		if !reflect.DeepEqual(spine.TimeSpine, want) || spine.Columns["date_day"]["granularity"] != "day" {
			t.Errorf("time spine %v, columns %v", spine.TimeSpine, spine.Columns)
		}
		if g, ok := spine.Columns["fq"]["granularity"]; !ok || g != nil {
			t.Errorf("an unset granularity is %v (present %v), want null", g, ok)
		}
		other := m.Nodes["model.p.other"]
		if other.TimeSpine != nil || !strings.HasPrefix(other.CompiledSQL, "date_day") {
			t.Errorf("other: time spine %v, compiled %q", other.TimeSpine, other.CompiledSQL)
		}
	}
	mustElt(t, dir, "compile")
	check()
	mustElt(t, dir, "compile")
	check()
}

// TestProjectYAMLBaseContextAsDBT: dbt renders dbt_project.yml (and
// properties YAML) with its base context: run_started_at, invocation_id,
// modules and its value functions, besides env_var, var and target.
func TestProjectYAMLBaseContextAsDBT(t *testing.T) {
	dir := miniProject(t, `models:
  p:
    +meta:
      inv: "{{ invocation_id }}"
      year: "{{ run_started_at.strftime('%Y') }}"
      before: "{{ (run_started_at - modules.datetime.timedelta(days=366)).year }}"
      md5: "{{ local_md5('x') }}"
`)
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/m.yml", "models:\n  - name: m\n    config:\n      meta:\n        j: \"{{ tojson({'a': 1}) }}\"\n")
	mustElt(t, dir, "compile")
	var m struct {
		Metadata struct {
			InvocationID string `json:"invocation_id"`
			GeneratedAt  string `json:"generated_at"`
		} `json:"metadata"`
		Nodes map[string]struct {
			Config struct {
				Meta map[string]any `json:"meta"`
			} `json:"config"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "manifest.json"))), &m); err != nil {
		t.Fatal(err)
	}
	n := m.Nodes["model.p.m"]
	year := m.Metadata.GeneratedAt[:4]
	// One {{ expression }} keeps its type, as dbt's native rendering.
	want := map[string]any{"inv": m.Metadata.InvocationID, "year": year, "before": float64(atoi(t, year) - 1),
		"md5": "9dd4e461268c8034f5c8564e155c67a6", "j": `{"a": 1}`}
	if !reflect.DeepEqual(n.Config.Meta, want) {
		t.Errorf("meta %#v\nwant %#v", n.Config.Meta, want)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTestOfDisabledPackageModelAsDBT: a package's test declared for its
// model that the model's own file disables is, as in dbt, on what the
// test's ref finds: the root project's model of that name; without one it
// is disabled with its model.
func TestTestOfDisabledPackageModelAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "dbt_packages/pkg/dbt_project.yml", "name: pkg\n")
	writeFile(t, dir, "dbt_packages/pkg/models/a.sql", "{{ config(enabled=false) }}\nselect 1 as id\n")
	writeFile(t, dir, "dbt_packages/pkg/models/schema.yml", "models:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [not_null]\n")
	writeFile(t, dir, "models/a.sql", "select cast(null as int) as id\n")
	res := elt(t, dir, "build")
	if res.code != 1 || !strings.Contains(res.stdout, "FAIL 1 not_null_a_id") {
		t.Errorf("exit %d; want the package's test to run on the root model a, and fail:\n%s%s", res.code, res.stdout, res.stderr)
	}
	if err := os.Remove(filepath.Join(dir, "models", "a.sql")); err != nil {
		t.Fatal(err)
	}
	res = mustElt(t, dir, "ls", "--resource-type", "test")
	if strings.TrimSpace(res.stdout) != "" {
		t.Errorf("without a root model a, the test is disabled with the package's; ls lists:\n%s", res.stdout)
	}
}

// TestStatementResponseAsDBT: on PostgreSQL a statement's response is the
// server's command tag, as dbt-postgres's AdapterResponse (_message the
// tag, code its words, rows_affected its count): load_result gives it, and
// a custom materialization's main statement is the node's message and
// adapter_response in run_results.json.
func TestStatementResponseAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	pgSchema(t, "stmt_resp")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "macros/probe.sql", `{% macro probe() %}
{% call statement('c', fetch_result=True) %}create table {{ target.schema }}.probe_t as select 1 as id union all select 2{% endcall %}
{% call statement('i', fetch_result=True) %}insert into {{ target.schema }}.probe_t values (3), (4), (5){% endcall %}
{% for name in ['c', 'i'] %}{% set r = load_result(name)['response'] %}{{ log('resp ' ~ name ~ ': ' ~ r['_message'] ~ '|' ~ r['code'] ~ '|' ~ r['rows_affected'], info=True) }}{% endfor %}
{% endmacro %}
{% materialization probe_mat, default %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {% call statement('main') %}create table {{ target_relation }} as {{ sql }}{% endcall %}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
`)
	writeFile(t, dir, "models/pm.sql", "{{ config(materialized='probe_mat') }}\nselect 1 as id union all select 2\n")
	res := mustElt(t, dir, "run")
	wantAll(t, res.stdout, "[SELECT 2 in ")
	var rr struct {
		Results []struct {
			Message         string         `json:"message"`
			AdapterResponse map[string]any `json:"adapter_response"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "run_results.json"))), &rr); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"_message": "SELECT 2", "code": "SELECT", "rows_affected": float64(2)}
	if len(rr.Results) != 1 || rr.Results[0].Message != "SELECT 2" || !reflect.DeepEqual(rr.Results[0].AdapterResponse, want) {
		t.Errorf("run_results: %+v, want message SELECT 2 and adapter_response %v", rr.Results, want)
	}
	res = mustElt(t, dir, "run-operation", "probe")
	wantAll(t, res.stdout, "resp c: SELECT 2|SELECT|2", "resp i: INSERT 0 3|INSERT|3")
	// elt's own builds report the command tag of their last statement too,
	// and a seed INSERT n (CREATE n when it is rebuilt), as in dbt.
	writeFile(t, dir, "models/t.sql", "{{ config(materialized='table') }}\nselect 1 as id union all select 2 union all select 3\n")
	writeFile(t, dir, "models/v.sql", "select * from {{ ref('t') }}\n")
	writeFile(t, dir, "models/inc.sql", "{{ config(materialized='incremental', unique_key='id') }}\nselect * from {{ ref('t') }}\n")
	writeFile(t, dir, "seeds/s.csv", "id\n1\n2\n")
	res = mustElt(t, dir, "build", "--exclude", "pm")
	wantAll(t, res.stdout, "model stmt_resp.t ", "[SELECT 3 in ", "[CREATE VIEW in ", "[INSERT 2 in ")
	res = mustElt(t, dir, "build", "--exclude", "pm", "-s", "inc", "s", "--full-refresh")
	wantAll(t, res.stdout, "[CREATE 2 in ", "[SELECT 3 in ")
	res = mustElt(t, dir, "run", "-s", "inc")
	wantAll(t, res.stdout, "[INSERT 0 3 in ")
}

// TestRunEndSummaryAsDBT: the end of a run as dbt 1.10 prints it: errors,
// partial successes and warnings counted, each error or failure headed
// "Failure in", and the node's compiled code named after its message.
func TestRunEndSummaryAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/bad.sql", "select * from no_such_table\n")
	writeFile(t, dir, "models/good.sql", "select 1 as id union all select 1\n")
	writeFile(t, dir, "models/s.yml", "models:\n  - name: good\n    columns:\n      - name: id\n        data_tests: [unique, {not_null: {config: {severity: warn, where: 'id = 1'}}}, {accepted_values: {values: [2], config: {severity: warn}}}]\n")
	res := elt(t, dir, "build", "--no-check")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout, "Completed with 2 errors, 0 partial successes, and 1 warning:",
		"Failure in model bad (models/bad.sql)", "compiled code at target/compiled/p/models/bad.sql",
		"Failure in test unique_good_id (models/s.yml)", "compiled code at target/compiled/p/models/s.yml/unique_good_id.sql",
		"Warning in test accepted_values_good_id__2 (models/s.yml)",
		// The head is "Failure in"; the message under it is dbt's str()
		// of the exception, which names its kind (dbt-duckdb's: Runtime).
		"  Runtime Error in model bad (models/bad.sql)\n")
	wantNone(t, res.stdout, "Error in test")
}

// TestFreshnessEndAsDBT: source freshness ends as dbt's: each source in
// error is listed (Failure in source, its status) before Done., and on
// PostgreSQL sources.json holds the freshness query's adapter_response.
func TestFreshnessEndAsDBT(t *testing.T) {
	onBothWarehouses(t, "fresh_end", func(t *testing.T, dir, warehouse string) {
		eventsSource(t, dir, "1,2020-01-01 00:00:00\n", `"{{ target.schema }}"`, "{error_after: {count: 1, period: day}}")
		mustElt(t, dir, "seed")
		res := elt(t, dir, "source", "freshness")
		if res.code != 1 {
			t.Fatalf("exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
		}
		wantAll(t, res.stdout, "Failure in source events (models/src.yml)\n", "  Status: error\n")
		var out struct {
			Results []struct {
				AdapterResponse map[string]any `json:"adapter_response"`
			} `json:"results"`
		}
		if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "sources.json"))), &out); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{}
		if warehouse == "postgres" {
			want = map[string]any{"_message": "SELECT 1", "code": "SELECT", "rows_affected": float64(1)}
		}
		if len(out.Results) != 1 || !reflect.DeepEqual(out.Results[0].AdapterResponse, want) {
			t.Errorf("sources.json results %+v, want adapter_response %v", out.Results, want)
		}
	})
}

// TestCompileOutputAsDBT: compile prints dbt's header (version, what the
// project holds, threads), and with a selection the SQL of each node
// whose name is part of the first --select value: orders of orders+, not
// its children or its tests.
func TestCompileOutputAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/orders.sql", "select 1 as id\n")
	writeFile(t, dir, "models/orders_daily.sql", "select * from {{ ref('orders') }}\n")
	writeFile(t, dir, "models/revenue.sql", "select * from {{ ref('orders') }}\n")
	writeFile(t, dir, "models/s.yml", "models:\n  - name: orders\n    columns:\n      - name: id\n        data_tests: [unique]\n")
	res := mustElt(t, dir, "compile", "-s", "orders+")
	wantAll(t, res.stdout, "Running with elt=", "Found 3 models, 1 test", "Concurrency: 2 threads (target='dev')",
		"Compiled node 'orders' is:\n")
	wantNone(t, res.stdout, "Compiled node 'revenue'", "Compiled node 'unique_orders_id'", "Compiled node 'orders_daily'")
	// One value naming two: each is part of it (orders is not compiled).
	res = mustElt(t, dir, "compile", "-s", "orders_daily revenue")
	wantAll(t, res.stdout, "Compiled node 'orders_daily' is:\n", "Compiled node 'revenue' is:\n")
	wantNone(t, res.stdout, "Compiled node 'orders' is:")
	res = mustElt(t, dir, "compile", "-s", "revenue", "orders")
	wantAll(t, res.stdout, "Compiled node 'revenue' is:\n")
	wantNone(t, res.stdout, "Compiled node 'orders' is:")
}

// TestCompilePartialAsDBT: a node that fails to render fails alone, as in
// dbt's compile: the others are compiled and written, the manifest too,
// and the command exits 2 naming the node's error, as dbt's compile
// raises its first node error (raise_on_first_error), an unhandled error.
func TestCompilePartialAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/good.sql", "select 1 as id\n")
	writeFile(t, dir, "models/bad.sql", "{% if execute %}{{ exceptions.raise_compiler_error('boom') }}{% endif %}\nselect 1 as id\n")
	res := elt(t, dir, "compile")
	if res.code != 2 || !strings.Contains(res.stdout+res.stderr, "models/bad.sql:1:") || !strings.Contains(res.stdout+res.stderr, "boom") {
		t.Fatalf("exit %d, want 2 and bad's error\n%s%s", res.code, res.stdout, res.stderr)
	}
	if got := mustRead(t, filepath.Join(dir, "target", "compiled", "p", "models", "good.sql")); got != "select 1 as id" {
		t.Errorf("good's compiled file: %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "compiled", "p", "models", "bad.sql")); err == nil {
		t.Error("bad has a compiled file")
	}
	var m struct {
		Nodes map[string]struct {
			Compiled bool `json:"compiled"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "manifest.json"))), &m); err != nil {
		t.Fatal(err)
	}
	if !m.Nodes["model.p.good"].Compiled || m.Nodes["model.p.bad"].Compiled {
		t.Errorf("manifest: good compiled %v, bad compiled %v", m.Nodes["model.p.good"].Compiled, m.Nodes["model.p.bad"].Compiled)
	}
}

// TestCompileRunResultsAsDBT: compile is a runnable task in dbt and
// writes run_results.json: each selected node succeeded with its compiled
// code, a seed with compiled, compiled_code and relation_name null, and
// args.which compile; retry after it has nothing to do. Nothing selected
// writes empty results; a failed compile leaves the last file alone.
func TestCompileRunResultsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/orders.sql", "select {{ 1 + 1 }} as id\n")
	writeFile(t, dir, "seeds/codes.csv", "code\n1\n")
	writeFile(t, dir, "models/s.yml", "models:\n  - name: orders\n    columns:\n      - name: id\n        data_tests: [unique]\n")
	type result struct {
		UniqueID     string  `json:"unique_id"`
		Status       string  `json:"status"`
		Message      *string `json:"message"`
		Compiled     *bool   `json:"compiled"`
		CompiledCode *string `json:"compiled_code"`
		RelationName *string `json:"relation_name"`
		Timing       []struct {
			Name string `json:"name"`
		} `json:"timing"`
	}
	read := func() (map[string]result, string) {
		var rr struct {
			Results []result       `json:"results"`
			Args    map[string]any `json:"args"`
		}
		if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "run_results.json"))), &rr); err != nil {
			t.Fatal(err)
		}
		out := map[string]result{}
		for _, r := range rr.Results {
			out[r.UniqueID] = r
		}
		which, _ := rr.Args["which"].(string)
		return out, which
	}
	mustElt(t, dir, "compile")
	got, which := read()
	if which != "compile" || len(got) != 3 {
		t.Fatalf("which %q, results %v", which, got)
	}
	o := got["model.p.orders"]
	if o.Status != "success" || o.Message != nil || o.Compiled == nil || !*o.Compiled || o.CompiledCode == nil || *o.CompiledCode != "select 2 as id" ||
		o.RelationName == nil || len(o.Timing) != 2 || o.Timing[0].Name != "compile" || o.Timing[1].Name != "execute" {
		t.Errorf("orders: %+v", o)
	}
	if c, ok := got["seed.p.codes"]; !ok || c.Status != "success" || c.Compiled != nil || c.CompiledCode != nil || c.RelationName != nil {
		t.Errorf("codes: %+v (present %v)", c, ok)
	}
	for id, r := range got {
		if strings.HasPrefix(id, "test.p.unique_orders_id") && (r.Status != "success" || r.CompiledCode == nil || !strings.Contains(*r.CompiledCode, "orders")) {
			t.Errorf("test: %+v", r)
		}
	}
	res := mustElt(t, dir, "retry")
	wantAll(t, res.stdout, "Nothing to do.")
	// The seed command's entry of a seed is as dbt's too.
	mustElt(t, dir, "seed")
	if got, which = read(); which != "seed" || got["seed.p.codes"].Compiled != nil || got["seed.p.codes"].RelationName != nil || got["seed.p.codes"].CompiledCode != nil {
		t.Errorf("seed's entry after seed (%s): %+v", which, got["seed.p.codes"])
	}
	// orders and, by eager indirect selection, its test.
	mustElt(t, dir, "compile", "-s", "orders")
	if got, _ = read(); len(got) != 2 || got["model.p.orders"].Status != "success" || got["seed.p.codes"].Status != "" {
		t.Errorf("compile -s orders: %v", got)
	}
	res = mustElt(t, dir, "compile", "-s", "nothing_here")
	wantAll(t, res.stdout, "Nothing to do.")
	if got, which = read(); len(got) != 0 || which != "compile" {
		t.Errorf("nothing selected: %q %v", which, got)
	}
	mustElt(t, dir, "compile")
	writeFile(t, dir, "models/bad.sql", "{% if execute %}{{ exceptions.raise_compiler_error('boom') }}{% endif %}\nselect 1 as id\n")
	// dbt's compile raises its first node error (raise_on_first_error):
	// an unhandled error, exit 2.
	if res := elt(t, dir, "compile"); res.code != 2 {
		t.Fatalf("exit %d", res.code)
	}
	if got, _ = read(); len(got) != 3 {
		t.Errorf("after a failed compile, the last results changed: %v", got)
	}
}

// TestRefOverrideRelationAsDBT: what a package that overrides ref (as
// upstream-prod does) reaches: ref(name, version=None) is an unversioned
// ref; a relation carries limit (--empty) and event_time_filter (a
// microbatch batch) and replace() moves them to another relation, whose
// render() is its bare name.
func TestRefOverrideRelationAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/raw.csv", "id,event_at\n1,2024-01-01 08:00:00\n2,2024-01-02 09:00:00\n3,2024-01-05 10:00:00\n")
	writeFile(t, dir, "models/a.sql", "{{ config(materialized='table', event_time='event_at') }}\nselect * from {{ ref('raw') }}\n")
	writeFile(t, dir, "macros/ref.sql", `{% macro ref(name, version=None) %}
{%- set r = builtins.ref(name, version=version) -%}
{%- set c = api.Relation.create(database=r.database, schema=r.schema, identifier=r.identifier) -%}
{{ return(c.replace(limit=r.limit, event_time_filter=r.event_time_filter)) }}
{% endmacro %}`)
	writeFile(t, dir, "models/b.sql", "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='event_at', batch_size='day', begin='2024-01-01') }}\n-- {{ ref('a').render() }}\nselect * from {{ ref('a', version=None) }}\n")
	mustElt(t, dir, "build", "--event-time-start", "2024-01-01", "--event-time-end", "2024-01-03")
	if got := rowsOf(t, dir, "main.b order by id"); got != "1|2024-01-01 08:00:00\n2|2024-01-02 09:00:00" {
		t.Errorf("b: %q", got)
	}
	// Each batch read a filtered to its day: a's row of 2024-01-05 is in
	// none, and no row twice. A microbatch model's compiled SQL is its
	// batches' (b/b_<day>.sql), as dbt writes it.
	firstBatch := filepath.Join(dir, "target", "compiled", "p", "models", "b", "b_2024-01-01.sql")
	if got := mustRead(t, firstBatch); !strings.Contains(got, `-- "p"."main"."a"`) {
		t.Errorf("render() of a:\n%s", got)
	}
	mustElt(t, dir, "build", "--empty", "--full-refresh")
	if got := mustRead(t, firstBatch); !strings.Contains(got, `(select * from "p"."main"."a" where false limit 0)`) {
		t.Errorf("--empty: b reads a without its limit:\n%s", got)
	}
	if got := rowsOf(t, dir, "main.b"); got != "" {
		t.Errorf("--empty: b has rows %q", got)
	}
}

// TestMacroConfigEnablesAsDBT: a model its folder's config disables is
// enabled by a config(enabled=true) that a macro it calls makes, as dbt
// renders every model before deciding; a macro that does not enable it
// leaves it disabled, and so does one whose render fails.
func TestMacroConfigEnablesAsDBT(t *testing.T) {
	dir := miniProject(t, "models:\n  p:\n    metrics:\n      +enabled: false\n")
	writeFile(t, dir, "macros/m.sql", "{% macro switch_on() %}{{ config(enabled=var('dq', false), materialized='table') }}{% endmacro %}\n{% macro plain() %}1{% endmacro %}\n{% macro broken() %}{{ undefined_thing.x() }}{% endmacro %}\n")
	writeFile(t, dir, "models/metrics/on.sql", "{{ switch_on() }}\nselect 1 as id\n")
	writeFile(t, dir, "models/metrics/off.sql", "select {{ plain() }} as id\n")
	writeFile(t, dir, "models/metrics/bad.sql", "select {{ broken() }} as id\n")
	writeFile(t, dir, "models/uses_on.sql", "select * from {{ ref('on') }}\n")
	res := elt(t, dir, "ls", "--resource-type", "model")
	if res.code != 2 || !strings.Contains(res.stdout+res.stderr, "which is disabled") {
		t.Fatalf("dq off: exit %d, want 2 for the ref to a disabled model\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = mustElt(t, dir, "ls", "--resource-type", "model", "--vars", "{dq: true}")
	if got := strings.Fields(res.stdout); strings.Join(got, " ") != "p.metrics.on p.uses_on" {
		t.Errorf("dq on: %q", got)
	}
	mustElt(t, dir, "run", "--vars", "{dq: true}")
	if got := rowsOf(t, dir, "main.uses_on"); got != "1" {
		t.Errorf("uses_on: %q", got)
	}
}

// TestManifestColumnsAsDBT110: dbt 1.10's manifest and graph shapes that
// packages read: a column's config (meta and tags, apart from those beside
// it) and doc_blocks, a node's doc_blocks, a model's inferred primary_key,
// a test's group taken from its model and its schema the audit one, the graph's patch_path as the
// manifest's, and no config_call_dict in the artifact.
func TestManifestColumnsAsDBT110(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/docs.md", "{% docs ids %}The id.{% enddocs %}\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id, 2 as k\n")
	writeFile(t, dir, "models/s.yml", `groups:
  - name: sales
    owner: {name: x}
models:
  - name: a
    description: "{{ doc('ids') }}"
    config: {group: sales}
    columns:
      - name: id
        description: "{{ doc('ids') }}"
        meta: {top: 1}
        config: {meta: {pii: true}, tags: [secret]}
        data_tests: [unique, not_null]
      - name: k
        data_tests: [unique]
`)
	writeFile(t, dir, "models/b.sql", `{%- set n = graph.nodes['model.p.a'] if execute else none -%}
select '{{ n.columns.id.config.meta.pii if n else "" }}' as pii, '{{ n.columns.id.meta.top if n else "" }}' as top, '{{ n.patch_path if n else "" }}' as patch
`)
	mustElt(t, dir, "run")
	if got := rowsOf(t, dir, "main.b"); got != "True|1|p://models/s.yml" {
		t.Errorf("b: %q", got)
	}
	var m struct {
		Nodes map[string]map[string]any `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "manifest.json"))), &m); err != nil {
		t.Fatal(err)
	}
	a := m.Nodes["model.p.a"]
	if _, ok := a["config_call_dict"]; ok {
		t.Error("the manifest has config_call_dict")
	}
	if fmt.Sprint(a["primary_key"]) != "[id]" || fmt.Sprint(a["doc_blocks"]) != "[doc.p.ids]" {
		t.Errorf("a: primary_key %v, doc_blocks %v", a["primary_key"], a["doc_blocks"])
	}
	id := a["columns"].(map[string]any)["id"].(map[string]any)
	if fmt.Sprint(id["config"]) != "map[meta:map[pii:true] tags:[secret]]" || fmt.Sprint(id["meta"]) != "map[top:1]" || fmt.Sprint(id["doc_blocks"]) != "[doc.p.ids]" {
		t.Errorf("a.id: %v", id)
	}
	tests := 0
	for uid, n := range m.Nodes {
		if strings.HasPrefix(uid, "test.p.") {
			tests++
			if n["group"] != "sales" {
				t.Errorf("%s: group %v", uid, n["group"])
			}
			// Its schema is where its failures would be stored.
			if n["schema"] != "main_dbt_test__audit" || n["relation_name"] != nil {
				t.Errorf("%s: schema %v, relation_name %v", uid, n["schema"], n["relation_name"])
			}
		}
	}
	if tests != 3 {
		t.Errorf("%d tests", tests)
	}
}

// TestJinjaMessagesOnceAsDBT: a model's log() and exceptions.warn() are
// sent once, by the render just before it runs (dbt's only render with
// execute); a warning fails the node under --warn-error.
func TestJinjaMessagesOnceAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "{% if execute %}{{ log('hello from a', info=True) }}{% do exceptions.warn('careful with a') %}{% endif %}\nselect 1 as id\n")
	res := mustElt(t, dir, "run")
	if strings.Count(res.stdout, "hello from a") != 1 || strings.Count(res.stdout, "careful with a") != 1 {
		t.Errorf("want each message once:\n%s", res.stdout)
	}
	if i, j := strings.Index(res.stdout, "START sql view model main.a"), strings.Index(res.stdout, "careful with a"); i < 0 || j < i {
		t.Errorf("the warning comes before the node starts:\n%s", res.stdout)
	}
	res = elt(t, dir, "run", "--warn-error")
	if res.code != 1 || !strings.Contains(res.stdout, "ERROR=1") || !strings.Contains(res.stdout, "careful with a") {
		t.Errorf("--warn-error: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestSeedColumnTypesNotInFileAsDBT: a column_types entry for a column
// the CSV does not have is ignored, as dbt looks types up per column of
// the file; the others apply.
func TestSeedColumnTypesNotInFileAsDBT(t *testing.T) {
	dir := miniProject(t, "seeds:\n  p:\n    +column_types: {b: varchar, not_in_csv: timestamp}\n")
	writeFile(t, dir, "seeds/s.csv", "a,b\nx,1\n")
	mustElt(t, dir, "seed")
	if got := rowsOf(t, dir, "(select a, b, typeof(b) from main.s)"); got != "x|1|VARCHAR" {
		t.Errorf("s: %q", got)
	}
}

// TestSeedIntegersAsDBT: whole-number seed columns are INTEGER on DuckDB,
// as dbt-duckdb creates agate's integer (dbt-adapters' SQLAdapter
// convert_integer_type), so a contract saying integer on a model that
// selects them holds; a column with a value beyond INTEGER's range is
// BIGINT, where dbt's load fails.
func TestSeedIntegersAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/s.csv", "id,big,amount\n1,3000000000,1.5\n2,4,2\n")
	writeFile(t, dir, "models/m.sql", "select id from {{ ref('s') }}\n")
	writeFile(t, dir, "models/m.yml", `models:
  - name: m
    config: {contract: {enforced: true}, materialized: table}
    columns:
      - name: id
        data_type: integer
`)
	mustElt(t, dir, "build")
	if got := rowsOf(t, dir, "(select typeof(id), typeof(big), typeof(amount) from main.s limit 1)"); got != "INTEGER|BIGINT|DOUBLE" {
		t.Errorf("s: %q", got)
	}
}

// TestSeedHeaderNamesAsDBT: a seed header's repeated and empty names load
// as dbt's agate names them (agate.utils.deduplicate: name_2; a letter
// for an empty one), with a warning, and column_types reach the renamed
// column (fivetran/dbt_netsuite's seed repeats a column); on PostgreSQL
// too when a server is set.
func TestSeedHeaderNamesAsDBT(t *testing.T) {
	dir := miniProject(t, "seeds:\n  p:\n    +column_types: {eliminate_2: varchar}\n")
	writeFile(t, dir, "seeds/acct.csv", "id,eliminate,name,eliminate,,eliminate\n1,2,x,3,y,4\n")
	res := mustElt(t, dir, "seed")
	wantAll(t, res.stdout,
		`seeds/acct.csv:1:19: warning: seed acct: column "eliminate" appears twice in the header; column 4 loads as "eliminate_2", as dbt renames it`,
		`seeds/acct.csv:1:29: warning: seed acct: column 5 has no name; it loads as column "e", as dbt names it`)
	if got := rowsOf(t, dir, "(select id, eliminate, name, eliminate_2, e, eliminate_3, typeof(eliminate_2), typeof(eliminate_3) from main.acct)"); got != "1|2|x|3|y|4|VARCHAR|INTEGER" {
		t.Errorf("acct: %q", got)
	}
	if os.Getenv("ELT_TEST_POSTGRES_URL") == "" {
		return
	}
	ctx, conn := pgSchema(t, "elt_seedhdr")
	writeFile(t, dir, "profiles.yml", pgProfile)
	mustElt(t, dir, "seed")
	var cols string
	if err := conn.QueryRow(ctx, "select string_agg(column_name || ':' || data_type, ',' order by ordinal_position) from information_schema.columns where table_schema = 'elt_seedhdr' and table_name = 'acct'").Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if want := "id:integer,eliminate:integer,name:text,eliminate_2:character varying,e:text,eliminate_3:integer"; cols != want {
		t.Errorf("postgres acct columns:\n got %s\nwant %s", cols, want)
	}
}

// TestSeedUnquotedHeaderSpacesAsDBT: with quote_columns: false dbt writes
// a header's names into SQL as they are, so spaces around one are no part
// of the column's name (fivetran/dbt_iterable's " updated_by_user_id").
func TestSeedUnquotedHeaderSpacesAsDBT(t *testing.T) {
	onBothWarehouses(t, "seed_spaces", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "dbt_project.yml", "name: p\nversion: '1.0'\nprofile: p\nseeds:\n  p:\n    +quote_columns: false\n")
		writeFile(t, dir, "seeds/s.csv", "id, updated_by ,note\n1,5,x\n")
		mustElt(t, dir, "seed")
		if out := mustElt(t, dir, "show", "--inline", "select updated_by + id as v from {{ ref('s') }}").stdout; !strings.Contains(out, "| 6 |") {
			t.Errorf("updated_by:\n%s", out)
		}
		// The static checks name the seed's columns as the load does.
		writeFile(t, dir, "models/m.sql", "select id, updated_by from {{ ref('s') }}\n")
		mustElt(t, dir, "run")
	})
}

// TestSourceFreshnessShapeAsDBT: a source table's freshness, in its
// config and at its top level, in the graph and in manifest.json, is
// dbt 1.10's: the merged threshold with every key, None where a
// freshness: null cleared it, and an empty threshold where none is
// declared (dbt-project-evaluator reads config.freshness.warn_after.count
// of every source); source_meta is the source's meta.
func TestSourceFreshnessShapeAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/s.yml", `sources:
  - name: s1
    meta: {owner: a}
    config:
      freshness:
        warn_after: {count: 12, period: hour}
    tables:
      - name: t_inherits
        meta: {tier: 1}
      - name: t_null
        config:
          freshness: null
  - name: s2
    tables:
      - name: t_none
`)
	writeFile(t, dir, "macros/show.sql", `{% macro show_fresh() %}
{% for s in graph.sources.values() | sort(attribute='unique_id') %}
{% do print(s.unique_id ~ ' ' ~ (s.config.freshness | tojson) ~ ' ' ~ (s.freshness | tojson) ~ ' ' ~ (s.source_meta | tojson)) %}
{% endfor %}
{% endmacro %}
`)
	res := mustElt(t, dir, "run-operation", "show_fresh")
	empty := `{"error_after": {"count": null, "period": null}, "filter": null, "warn_after": {"count": null, "period": null}}`
	warn := `{"error_after": {"count": null, "period": null}, "filter": null, "warn_after": {"count": 12, "period": "hour"}}`
	wantAll(t, res.stdout,
		"source.p.s1.t_inherits "+warn+" "+warn+` {"owner": "a"}`,
		"source.p.s1.t_null null null "+`{"owner": "a"}`,
		"source.p.s2.t_none "+empty+" "+empty+" {}")
	mustElt(t, dir, "parse")
	sources := readManifest(t, dir)["sources"].(map[string]any)
	for id, want := range map[string]string{
		"source.p.s1.t_inherits": `{"error_after":{"count":null,"period":null},"filter":null,"warn_after":{"count":12,"period":"hour"}}`,
		"source.p.s1.t_null":     `null`,
		"source.p.s2.t_none":     `{"error_after":{"count":null,"period":null},"filter":null,"warn_after":{"count":null,"period":null}}`,
	} {
		s := sources[id].(map[string]any)
		cfg := s["config"].(map[string]any)
		if got := jsonOf(s["freshness"]); got != want {
			t.Errorf("%s freshness: %s, want %s", id, got, want)
		}
		if got := jsonOf(cfg["freshness"]); got != want {
			t.Errorf("%s config.freshness: %s, want %s", id, got, want)
		}
		if len(cfg) != 7 {
			t.Errorf("%s config: %s", id, jsonOf(cfg))
		}
	}
	if got := jsonOf(sources["source.p.s1.t_inherits"].(map[string]any)["source_meta"]); got != `{"owner":"a"}` {
		t.Errorf("source_meta: %s", got)
	}
}

// TestDisabledSourceInManifestAsDBT: a source table its config disables
// is listed under the manifest's disabled, as a source, as dbt lists it.
func TestDisabledSourceInManifestAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/s.yml", "sources:\n  - name: raw\n    tables:\n      - name: on_t\n      - name: off_t\n        config: {enabled: false}\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	mustElt(t, dir, "parse")
	var m struct {
		Sources  map[string]any              `json:"sources"`
		Disabled map[string][]map[string]any `json:"disabled"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "manifest.json"))), &m); err != nil {
		t.Fatal(err)
	}
	d := m.Disabled["source.p.raw.off_t"]
	if _, on := m.Sources["source.p.raw.on_t"]; !on || len(d) != 1 || d[0]["resource_type"] != "source" || d[0]["source_name"] != "raw" {
		t.Errorf("sources %v, disabled %v", m.Sources, m.Disabled)
	}
}

// TestFreshnessOverrideAsDBT: a project's collect_freshness (or a
// default__collect_freshness dispatch finds) answers source freshness in
// place of dbt's query, as dbt's freshness task calls the macro by name;
// fivetran_utils ships one. Its result is read from load_result's table.
func TestFreshnessOverrideAsDBT(t *testing.T) {
	for _, name := range []string{"collect_freshness", "default__collect_freshness"} {
		t.Run(name, func(t *testing.T) {
			dir := miniProject(t, "")
			eventsSource(t, dir, "1,2020-01-01 00:00:00\n", "main", "{error_after: {count: 1, period: day}}")
			writeFile(t, dir, "macros/fresh.sql", "{% macro "+name+`(source, loaded_at_field, filter) %}
  {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
    select max({{ loaded_at_field }}) + interval 10 year as max_loaded_at, timestamp '2030-01-01 12:00:00' as snapshotted_at from {{ source }}
  {%- endcall %}
  {{ return(load_result('collect_freshness')) }}
{% endmacro %}
`)
			mustElt(t, dir, "seed")
			res := mustElt(t, dir, "source", "freshness")
			wantAll(t, res.stdout, "PASS freshness of raw.events")
			var out struct {
				Results []map[string]any `json:"results"`
			}
			if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "sources.json"))), &out); err != nil {
				t.Fatal(err)
			}
			if len(out.Results) != 1 || !strings.HasPrefix(fmt.Sprint(out.Results[0]["max_loaded_at"]), "2030-01-01T00:00:00") ||
				!strings.HasPrefix(fmt.Sprint(out.Results[0]["snapshotted_at"]), "2030-01-01T12:00:00") {
				t.Errorf("sources.json: %v", out.Results)
			}
		})
	}
}

// TestFreshnessOverrideHandsBackAsDBT: fivetran_utils' collect_freshness
// dispatches without a namespace, which finds dbt's own
// default__collect_freshness (the global project's freshness.sql); its
// filter narrows the rows as dbt's query does.
func TestFreshnessOverrideHandsBackAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	eventsSource(t, dir, "1,2020-01-01 00:00:00\n2,2999-01-01 00:00:00\n", "main", "{error_after: {count: 1, period: day}, filter: id = 1}")
	writeFile(t, dir, "macros/fresh.sql", `{% macro collect_freshness(source, loaded_at_field, filter) %}
  {% do log('fivetran-style override', info=True) %}
  {{ return(adapter.dispatch('collect_freshness')(source, loaded_at_field, filter)) }}
{% endmacro %}
`)
	mustElt(t, dir, "seed")
	res := elt(t, dir, "source", "freshness")
	wantAll(t, res.stdout, "fivetran-style override", "ERROR STALE freshness of raw.events")
	var out struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "sources.json"))), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 1 || !strings.HasPrefix(fmt.Sprint(out.Results[0]["max_loaded_at"]), "2020-01-01T00:00:00") {
		t.Errorf("sources.json: %v", out.Results)
	}
}

// TestBlankModelAsDBT: a model that renders to no SQL compiles, as in
// dbt, to nothing (with elt's warning), and running it fails that model
// alone; an empty model file (an empty node) is left out of runs and
// compiled by docs generate without a word (sqlmesh's sushi_test).
func TestBlankModelAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/cfg_only.sql", "{{ config(materialized='table') }}\n-- nothing yet\n")
	writeFile(t, dir, "models/empty.sql", "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	res := mustElt(t, dir, "compile")
	wantAll(t, res.stdout, "models/cfg_only.sql:1: warning: model cfg_only has no SQL")
	if strings.Contains(res.stdout, "model empty has no SQL") {
		t.Errorf("an empty node warned:\n%s", res.stdout)
	}
	if got := strings.TrimSpace(mustRead(t, filepath.Join(dir, "target", "compiled", "p", "models", "cfg_only.sql"))); got != "-- nothing yet" {
		t.Errorf("compiled cfg_only: %q", got)
	}
	res = elt(t, dir, "run")
	if res.code != 1 {
		t.Fatalf("run: exit %d, want 1\n%s", res.code, res.stdout)
	}
	wantAll(t, res.stdout, "OK created sql view model main.m", "ERROR creating sql table model main.cfg_only",
		"  Runtime Error in model cfg_only (models/cfg_only.sql)\n", "  model cfg_only has no SQL", "  at models/cfg_only.sql\n", "PASS=1 WARN=0 ERROR=1")
	res = mustElt(t, dir, "docs", "generate")
	if strings.Contains(res.stdout, "model empty has no SQL") {
		t.Errorf("docs generate warned of an empty node:\n%s", res.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "catalog.json")); err != nil {
		t.Errorf("docs generate wrote no catalog: %v", err)
	}
}

// TestBlankModelOfABlock: a model that renders to comments alone runs when
// its materialization is a project's block, which decides what the SQL is
// for; this one reports it through noop_statement and runs none of it, as
// dbt_activity_schema's dataset_column does. No compile warning either.
func TestBlankModelOfABlock(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/note.sql", `{% materialization note, default %}
  {% call noop_statement('main', 'NOTED') -%}
    {{ sql }}
  {%- endcall %}
  {{ return({'relations': []}) }}
{% endmaterialization %}
`)
	writeFile(t, dir, "models/column_def.sql", "{{ config(materialized='note') }}\n-- depends_on: {{ ref('m') }}\n")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	res := mustElt(t, dir, "compile")
	if strings.Contains(res.stdout, "has no SQL") {
		t.Errorf("compile warned of a block's blank model:\n%s", res.stdout)
	}
	res = mustElt(t, dir, "run")
	wantAll(t, res.stdout, "OK created sql note model main.column_def", "[NOTED in ", "PASS=2 WARN=0 ERROR=0")
}

// TestStrippedContentsAsDBT: a model's raw_code and checksum are of its
// file's contents stripped of the whitespace around them, as dbt reads
// files, so that state:modified against a manifest dbt wrote (cosmos'
// jaffle_shop) or after a whitespace-only edit finds nothing changed.
func TestStrippedContentsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "\nselect 1 as id\n")
	mustElt(t, dir, "parse")
	var man struct {
		Nodes map[string]struct {
			RawCode  string `json:"raw_code"`
			Checksum struct {
				Checksum string `json:"checksum"`
			} `json:"checksum"`
		} `json:"nodes"`
	}
	b := mustRead(t, filepath.Join(dir, "target", "manifest.json"))
	if err := json.Unmarshal([]byte(b), &man); err != nil {
		t.Fatal(err)
	}
	m := man.Nodes["model.p.m"]
	if want := fmt.Sprintf("%x", sha256.Sum256([]byte("select 1 as id"))); m.RawCode != "select 1 as id" || m.Checksum.Checksum != want {
		t.Errorf("raw_code %q checksum %s, want the stripped contents' (%s)", m.RawCode, m.Checksum.Checksum, want)
	}
	writeFile(t, dir, "state/manifest.json", b)
	writeFile(t, dir, "models/m.sql", "select 1 as id\n\n\n")
	if res := mustElt(t, dir, "ls", "-s", "state:modified", "--state", "state"); strings.Contains(res.stdout, "p.m") {
		t.Errorf("a whitespace-only edit is state:modified:\n%s", res.stdout)
	}
}

// TestFreshnessNothingToDoAsDBT: with no selected source under a freshness
// rule, source freshness says dbt's "Nothing to do." and still writes a
// sources.json of no results (fivetran/dbt_xero's CI step).
func TestFreshnessNothingToDoAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/src.yml", "sources:\n  - name: s\n    tables: [{name: t, loaded_at_field: x}]\n")
	res := mustElt(t, dir, "source", "freshness")
	wantAll(t, res.stdout, "Nothing to do. Try checking your model configs and model specification args")
	var out struct {
		Results []any `json:"results"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "sources.json"))), &out); err != nil || out.Results == nil || len(out.Results) != 0 {
		t.Errorf("sources.json: %+v %v", out, err)
	}
}

// TestListNothingSelectedAsDBT: ls of a selector that matches nothing
// warns as dbt's list task does (NoNodesSelected), exit 0.
func TestListNothingSelectedAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "selectors.yml", "selectors:\n  - name: core\n    definition: 'tag:core'\n")
	res := mustElt(t, dir, "ls", "--selector", "core")
	wantAll(t, res.stdout+res.stderr, "No nodes selected!")
	if res = mustElt(t, dir, "ls"); strings.Contains(res.stdout+res.stderr, "No nodes selected!") {
		t.Errorf("ls of a model warned:\n%s", res.stdout)
	}
}

// TestSourceExternalAsDBT: a source table's external property is stored
// as dbt's ExternalTable, in manifest.json and in graph.sources, for
// packages such as dbt_external_tables to read (dbt-core's happy_path
// project declares one).
func TestSourceExternalAsDBT(t *testing.T) {
	dir := miniProject(t, "vars:\n  bucket: b1\n")
	writeFile(t, dir, "models/src.yml", `sources:
  - name: raw
    tables:
      - name: events
        external:
          location: "s3://{{ var('bucket') }}/events/"
          file_format: parquet
          partitions: [{name: dt, data_type: date}]
      - name: plain
`)
	writeFile(t, dir, "macros/show.sql", `{% macro show_ext() %}
{% for s in graph.sources.values() | sort(attribute='name') %}
{% do print(s.name ~ ' ' ~ (s.external.location if s.external else 'none') ~ ' ' ~ (s.external.row_format if s.external else '')) %}
{% endfor %}
{% endmacro %}
`)
	res := mustElt(t, dir, "run-operation", "show_ext")
	wantAll(t, res.stdout, "events s3://b1/events/ None", "plain none")
	var man struct {
		Sources map[string]struct {
			External map[string]any `json:"external"`
		} `json:"sources"`
	}
	mustElt(t, dir, "parse")
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "manifest.json"))), &man); err != nil {
		t.Fatal(err)
	}
	ev, plain := man.Sources["source.p.raw.events"].External, man.Sources["source.p.raw.plain"].External
	if ev["location"] != "s3://b1/events/" || ev["file_format"] != "parquet" || ev["tbl_properties"] != nil || len(ev["partitions"].([]any)) != 1 || plain != nil {
		t.Errorf("external: %v / %v", ev, plain)
	}
}

// TestModelsFlagAsDBT: dbt's --models (-m, --model) takes several values,
// is taken by every selecting command, and makes ls list models only
// (dbt's list task); given with --select it is an error there.
func TestModelsFlagAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "models/b.sql", "select 1 as id\n")
	writeFile(t, dir, "models/s.yml", "models:\n  - name: a\n    columns: [{name: id, data_tests: [not_null]}]\n")
	if res := mustElt(t, dir, "ls", "--models", "a", "b", "--output", "name"); strings.TrimSpace(res.stdout) != "a\nb" {
		t.Errorf("ls --models a b: %q", res.stdout)
	}
	if res := mustElt(t, dir, "ls", "-s", "a", "--output", "name"); !strings.Contains(res.stdout, "not_null_a_id") {
		t.Errorf("ls -s a lists its test: %q", res.stdout)
	}
	if res := elt(t, dir, "ls", "--models", "a", "--select", "b"); res.code != 2 {
		t.Errorf("ls --models with --select: exit %d", res.code)
	}
	// dbt's other spellings: --resource-types, DBT_EXCLUDE_RESOURCE_TYPES.
	if res := mustElt(t, dir, "ls", "--resource-types", "test", "--output", "name"); strings.TrimSpace(res.stdout) != "not_null_a_id" {
		t.Errorf("ls --resource-types test: %q", res.stdout)
	}
	if res := eltWith(t, dir, map[string]string{"DBT_EXCLUDE_RESOURCE_TYPES": "test"}, "ls", "--output", "name"); strings.Contains(res.stdout, "not_null_a_id") {
		t.Errorf("DBT_EXCLUDE_RESOURCE_TYPES=test: %q", res.stdout)
	}
	res := mustElt(t, dir, "run", "-m", "a", "b")
	wantAll(t, res.stdout, "PASS=2")
	mustElt(t, dir, "docs", "generate", "-m", "a")
	mustElt(t, dir, "source", "freshness", "--models", "a")
}

// TestDeferFlagsEverywhereAsDBT: --state and --defer are dbt's global
// flags: docs generate, show and run-operation resolve refs to nodes
// they do not build to the --state run's relations, and ls, clone and
// source freshness take them too.
func TestDeferFlagsEverywhereAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "profiles.yml", "p:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: p.duckdb, schema: main}\n    other: {type: duckdb, path: p.duckdb, schema: other}\n")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/n.sql", "select id + 1 as id from {{ ref('m') }}\n")
	writeFile(t, dir, "macros/where.sql", "{% macro where_m() %}{% do print('m is ' ~ ref('m')) %}{% endmacro %}\n")
	mustElt(t, dir, "run")
	if err := os.Rename(filepath.Join(dir, "target"), filepath.Join(dir, "prod")); err != nil {
		t.Fatal(err)
	}
	res := mustElt(t, dir, "run-operation", "where_m", "--target", "other", "--state", "prod", "--defer")
	wantAll(t, res.stdout, `m is "p"."main"."m"`)
	res = mustElt(t, dir, "show", "-s", "n", "--target", "other", "--state", "prod", "--defer")
	wantAll(t, res.stdout, "|  2 |")
	mustElt(t, dir, "docs", "generate", "-s", "n", "--target", "other", "--state", "prod", "--defer")
	if b := mustRead(t, filepath.Join(dir, "target", "compiled", "p", "models", "n.sql")); !strings.Contains(b, `"p"."main"."m"`) {
		t.Errorf("docs generate compiled n without deferring m:\n%s", b)
	}
	for _, args := range [][]string{{"ls"}, {"source", "freshness"}, {"clone"}} {
		mustElt(t, dir, append(args, "--state", "prod", "--defer")...)
	}
}

// TestAdapterConfigQuoting: adapter.config (dbt's RuntimeConfig) gives
// the project's quoting: and names, which packages read to quote names
// (the Tuva project's seeds at the end of a run).
func TestAdapterConfigQuoting(t *testing.T) {
	dir := miniProject(t, "quoting:\n  identifier: true\n")
	writeFile(t, dir, "macros/q.sql", "{% macro q() %}{{ log('q ' ~ adapter.config.quoting.identifier ~ ' ' ~ (adapter.config.quoting.database or 'unset') ~ ' ' ~ adapter.config.project_name ~ ' ' ~ adapter.config.target_name, info=True) }}{% endmacro %}\n")
	res := mustElt(t, dir, "run-operation", "q")
	wantAll(t, res.stdout, "q True unset p dev")
}

// TestSkippedNodeResultAsDBT: a node skipped because its parent failed
// is reported as dbt reports a node it never reached: not compiled, no
// compiled code.
func TestSkippedNodeResultAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "{{ config(materialized='table') }}\nselect cast('x' as integer) as id\n")
	writeFile(t, dir, "models/b.sql", "select * from {{ ref('a') }}\n")
	if res := elt(t, dir, "run"); res.code != 1 {
		t.Fatalf("exit %d", res.code)
	}
	var rr struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "run_results.json"))), &rr); err != nil {
		t.Fatal(err)
	}
	for _, r := range rr.Results {
		if r["unique_id"] == "model.p.b" && (r["status"] != "skipped" || r["compiled"] != false || r["compiled_code"] != nil) {
			t.Errorf("b: %v", r)
		}
	}
}

// TestParseUndefinedChainsAsDBT: while parsing, an undefined value chains
// as dbt's parse-time undefined does: a lookup into a query's result that
// only exists when executing renders nothing instead of failing the parse;
// when executing, the same lookup of something missing still fails.
func TestParseUndefinedChainsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", `{%- set results = {} -%}
{%- if execute -%}{%- set results = {'DATE': ['2020-01-01']} -%}{%- endif -%}
select '{{ results.DATE[0] }}' as d
`)
	mustElt(t, dir, "run")
	if got := rowsOf(t, dir, "main.a"); got != "2020-01-01" {
		t.Errorf("a: %q", got)
	}
	writeFile(t, dir, "models/a.sql", "{%- set results = {} -%}\nselect '{{ results.DATE[0] }}' as d\n")
	res := elt(t, dir, "run")
	if res.code != 1 || !strings.Contains(res.stdout, "has no attribute 'DATE'") {
		t.Errorf("exit %d; want the executing render to fail:\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestTableFunctionAsDBTDuckDB: materialized='table_function' makes a
// DuckDB table macro as dbt-duckdb's materialization (1.10.1) does, with
// the parameters config as its parameters (a name, names with commas, a
// list); a model calls it through ref; it binds when called, so a column
// added upstream afterwards shows through without rebuilding it.
func TestTableFunctionAsDBTDuckDB(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/s.csv", "a,b,c\n1,2,3\n4,5,6\n7,8,9\n")
	writeFile(t, dir, "models/base.sql", "{{ config(materialized='table') }}\nselect * from {{ ref('s') }}\n")
	writeFile(t, dir, "models/tf0.sql", "{{ config(materialized='table_function') }}\nselect * from {{ ref('base') }}\n")
	writeFile(t, dir, "models/tf1.sql", "{{ config(materialized='table_function', parameters='where_a') }}\nselect * from {{ ref('base') }} where a = where_a\n")
	writeFile(t, dir, "models/tf2.sql", "{{ config(materialized='table_function', parameters='where_a, where_b') }}\nselect * from {{ ref('base') }} where a = where_a and b = where_b\n")
	writeFile(t, dir, "models/tfl.sql", "{{ config(materialized='table_function', parameters=['where_a', 'where_b']) }}\nselect * from {{ ref('base') }} where a = where_a and b = where_b\n")
	writeFile(t, dir, "models/use0.sql", "{{ config(materialized='table') }}\nselect * from {{ ref('tf0') }}()\n")
	writeFile(t, dir, "models/use1.sql", "{{ config(materialized='table') }}\nselect * from {{ ref('tf1') }}(4)\n")
	writeFile(t, dir, "models/use2.sql", "{{ config(materialized='table') }}\nselect * from {{ ref('tf2') }}(4, 5)\n")
	writeFile(t, dir, "models/usel.sql", "{{ config(materialized='table') }}\nselect * from {{ ref('tfl') }}(7, 8)\n")
	res := mustElt(t, dir, "build")
	wantAll(t, res.stdout, "OK created sql table_function model main.tf1", "PASS=10")
	for rel, want := range map[string]string{"main.use0": "1|2|3\n4|5|6\n7|8|9", "main.use1": "4|5|6", "main.use2": "4|5|6", "main.usel": "7|8|9"} {
		if got := rowsOf(t, dir, rel); got != want {
			t.Errorf("%s: %q, want %q", rel, got, want)
		}
	}
	// A column added to base shows through tf0 without rebuilding it.
	writeFile(t, dir, "models/base.sql", "{{ config(materialized='table') }}\nselect *, 0 as d from {{ ref('s') }}\n")
	mustElt(t, dir, "run", "-s", "base")
	mustElt(t, dir, "run", "-s", "use0")
	if got := rowsOf(t, dir, "(select d from main.use0 limit 1)"); got != "0" {
		t.Errorf("use0 after base gained d: %q", got)
	}
}

// eventsSource writes the events seed (id, loaded_at; rows as CSV lines)
// and a source raw.events over it in schema, with loaded_at as its
// loaded_at_field and the freshness given (a YAML flow mapping).
func eventsSource(t *testing.T, dir, rows, schema, freshness string) {
	t.Helper()
	writeFile(t, dir, "seeds/events.csv", "id,loaded_at\n"+rows)
	writeFile(t, dir, "models/src.yml", "sources:\n  - name: raw\n    schema: "+schema+"\n    tables:\n      - name: events\n        loaded_at_field: loaded_at\n        freshness: "+freshness+"\n")
}

// TestMicrobatchDispatchToAdapterMacroAsDBT: a project's
// get_incremental_microbatch_sql that hands each batch to dbt's own
// (adapter.dispatch('get_incremental_microbatch_sql', 'dbt'), elementary's
// documented set-up) reaches the adapter's: dbt-duckdb's deletes and
// inserts the batch's event_time window, dbt-postgres's merges on the
// unique_key it requires. Run twice over the same window, no row is
// doubled. The model's result is the node uncompiled, as dbt's
// MicrobatchModelRunner's.
func TestMicrobatchDispatchToAdapterMacroAsDBT(t *testing.T) {
	onBothWarehouses(t, "microbatch_dispatch", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nflags:\n  require_batched_execution_for_custom_microbatch_strategy: true\n")
		writeFile(t, dir, "seeds/s.csv", "id,t,v\n1,2024-01-01,1\n2,2024-01-02,2\n3,2024-01-03,3\n")
		writeFile(t, dir, "seeds/s.yml", "seeds:\n  - name: s\n    config:\n      event_time: t\n      column_types: {t: date}\n")
		writeFile(t, dir, "macros/mb.sql", `{% macro get_incremental_microbatch_sql(arg_dict) %}
  {{ return(adapter.dispatch('get_incremental_microbatch_sql', 'dbt')(arg_dict)) }}
{% endmacro %}
`)
		key := ""
		if warehouse == "postgres" {
			key = ", unique_key='id'"
		}
		writeFile(t, dir, "models/m.sql", `{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='t', batch_size='day', begin='2024-01-01'`+key+`) }}
select id, t, v from {{ ref('s') }}
`)
		mustElt(t, dir, "seed")
		window := []string{"run", "--event-time-start", "2024-01-01", "--event-time-end", "2024-01-04"}
		for i := 0; i < 2; i++ {
			res := mustElt(t, dir, window...)
			wantAll(t, res.stdout, "Batch 3 of 3 OK")
		}
		out := mustElt(t, dir, "show", "--inline", "select string_agg(cast(id as varchar) || ':' || cast(v as varchar), ',' order by id) as r from {{ ref('m') }}").stdout
		if !strings.Contains(out, "1:1,2:2,3:3") {
			t.Errorf("m after two runs:\n%s", out)
		}
		var rr struct {
			Results []struct {
				UniqueID     string  `json:"unique_id"`
				Compiled     bool    `json:"compiled"`
				CompiledCode *string `json:"compiled_code"`
			} `json:"results"`
		}
		mustElt(t, dir, window...)
		readJSON(t, filepath.Join(dir, "target", "run_results.json"), &rr)
		for _, r := range rr.Results {
			if r.UniqueID == "model.p.m" && (r.Compiled || r.CompiledCode != nil) {
				t.Errorf("the microbatch model's result is compiled: %v %v", r.Compiled, r.CompiledCode)
			}
		}
		if warehouse == "postgres" {
			writeFile(t, dir, "models/m.sql", `{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='t', batch_size='day', begin='2024-01-01') }}
select id, t, v from {{ ref('s') }}
`)
			res := elt(t, dir, window...)
			if res.code == 0 || !strings.Contains(res.stdout+res.stderr, "dbt-postgres 'microbatch' requires a `unique_key` config") {
				t.Errorf("without a unique_key: exit %d\n%s%s", res.code, res.stdout, res.stderr)
			}
		}
	})
}
