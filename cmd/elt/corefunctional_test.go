package main

import (
	"reflect"
	"strings"
	"testing"
)

// The behaviours below are those dbt-core 1.10.9's tests/functional
// classes (schema_tests, column_quoting, invalid_model_tests, ...) check,
// written here as our own cases.

// TestSourceTableColumnQuotingAsDBT: a source column whose quote is unset
// is quoted in its tests when the table's quoting.column is true, even
// when the source's is false and the table writes quoting after its
// columns; the column's own quote: false still wins. PostgreSQL finds the
// mixed-case column only quoted.
func TestSourceTableColumnQuotingAsDBT(t *testing.T) {
	onBothWarehouses(t, "src_col_quoting", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "models/m.sql", "{{ config(materialized='table') }}\nselect 1 as \"Id\", 2 as lower_id\n")
		writeFile(t, dir, "models/s.yml", `sources:
  - name: raw
    schema: "{{ target.schema }}"
    quoting: {column: false}
    tables:
      - name: m
        columns:
          - name: Id
            data_tests: [unique]
          - name: lower_id
            quote: false
            data_tests: [not_null]
        quoting: {column: true}
`)
		mustElt(t, dir, "run")
		ls := mustElt(t, dir, "ls", "--resource-type", "test").stdout
		wantAll(t, ls, "source_unique_raw_m__Id_", "source_not_null_raw_m_lower_id")
		if res := elt(t, dir, "test"); res.code != 0 || !strings.Contains(res.stdout, "PASS=2 ") {
			t.Errorf("want both tests to pass, the table's quoting quoting Id: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
	})
}

// TestQuotedUniqueKeyCaseOnDuckDBAsDBT: on DuckDB, whose identifiers keep
// no case even quoted, an incremental model's unique_key '"col_a"' names
// the column col_A that an unquoted seed header made, as dbt-duckdb's
// delete+insert finds it: the second run replaces the rows.
func TestQuotedUniqueKeyCaseOnDuckDBAsDBT(t *testing.T) {
	dir := miniProject(t, "seeds:\n  quote_columns: false\n")
	writeFile(t, dir, "seeds/seed.csv", "col_A,col_B\n1,2\n3,4\n")
	writeFile(t, dir, "models/m.sql", `{{ config(materialized='incremental', unique_key='"col_a"') }}
select "col_a", "col_b" from {{ ref('seed') }}
`)
	mustElt(t, dir, "seed")
	mustElt(t, dir, "run")
	mustElt(t, dir, "run")
	if got := rowsOf(t, dir, "main.m"); got != "1|2\n3|4" {
		t.Errorf("want the two seed rows once each, got:\n%s", got)
	}
}

// TestFailFastSkipMessageAsDBT: when --fail-fast stops a run, every node
// it did not run is in run_results.json as skipped with dbt's message,
// the failed node's child as well as a node that does not depend on it,
// and no line of the run reports them (dbt's summary counts them).
func TestFailFastSkipMessageAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "models/b.sql", "select 1 from no_such_table\n")
	writeFile(t, dir, "models/b_child.sql", "select * from {{ ref('b') }}\n")
	writeFile(t, dir, "models/c.sql", "{{ config(materialized='table') }}\n-- depends_on: {{ ref('a') }}\nselect 1 as id\n")
	res := elt(t, dir, "run", "--fail-fast", "--threads", "1", "--no-check")
	if res.code != 1 {
		t.Fatalf("want the run to fail: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if strings.Contains(res.stdout, "SKIP relation") || !strings.Contains(res.stdout, "SKIP=2 ") {
		t.Errorf("want no line for the skipped nodes and SKIP=2 in the summary:\n%s", res.stdout)
	}
	results := runResultEntries(t, dir)
	for _, id := range []string{"model.p.b_child", "model.p.c"} {
		r := results[id]
		if r["status"] != "skipped" || r["message"] != "Skipping due to fail_fast" {
			t.Errorf("%s: want skipped with dbt's fail_fast message, got %v %q", id, r["status"], r["message"])
		}
	}
	// Without it the child of the failed node is skipped with no message
	// (dbt's on_skip), and the other nodes run.
	if res := elt(t, dir, "run", "--threads", "1", "--no-check"); res.code != 1 {
		t.Fatalf("want the run to fail: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	results = runResultEntries(t, dir)
	if r := results["model.p.b_child"]; r["status"] != "skipped" || r["message"] != nil {
		t.Errorf("b_child: want skipped with a null message, got %v %#v", r["status"], r["message"])
	}
	if r := results["model.p.c"]; r["status"] != "success" {
		t.Errorf("c: want success, got %v", r["status"])
	}
}

// TestDuplicateGenericTestAsDBT: two generic tests that differ only in
// their config have one name, which stops the load with dbt's
// DuplicateResourceNameError wording and both places.
func TestDuplicateGenericTestAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/m.yml", `models:
  - name: m
    columns:
      - name: id
        data_tests:
          - not_null: {config: {where: "1=1"}}
          - not_null: {config: {where: "1=2"}}
`)
	res := elt(t, dir, "parse")
	want := `models/m.yml:7:13: dbt found two data_tests with the name "not_null_m_id": models/m.yml:6 and models/m.yml:7`
	if res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("want exit 2 and %q, got exit %d\n%s%s", want, res.code, res.stdout, res.stderr)
	}
}

// TestUnitTestSkipMessageAsDBT: in build, a model whose unit test failed
// is skipped as for any failed parent, with no message in
// run_results.json (dbt's on_skip).
func TestUnitTestSkipMessageAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/m.yml", `unit_tests:
  - name: wants_two
    model: m
    given: []
    expect:
      rows: [{id: 2}]
`)
	if res := elt(t, dir, "build"); res.code != 1 {
		t.Fatalf("want the unit test to fail the build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if r := runResultEntries(t, dir)["model.p.m"]; r["status"] != "skipped" || r["message"] != nil {
		t.Errorf("m: want skipped with a null message, got %v %#v", r["status"], r["message"])
	}
}

// TestQuotedSnapshotKeyCaseOnDuckDBAsDBT: as an incremental model's, a
// snapshot's double-quoted unique_key names its column in any case on
// DuckDB; the second snapshot finds nothing changed.
func TestQuotedSnapshotKeyCaseOnDuckDBAsDBT(t *testing.T) {
	dir := miniProject(t, "seeds:\n  quote_columns: false\n")
	writeFile(t, dir, "seeds/seed.csv", "col_A,col_B\n1,2\n3,4\n")
	writeFile(t, dir, "snapshots/s.sql", `{% snapshot s %}
{{ config(target_schema='main', unique_key='"col_a"', strategy='check', check_cols=['"col_b"']) }}
select "col_a", "col_b" from {{ ref('seed') }}
{% endsnapshot %}
`)
	mustElt(t, dir, "seed")
	mustElt(t, dir, "snapshot")
	mustElt(t, dir, "snapshot")
	if got := rowsOf(t, dir, "main.s"); strings.Count(got, "\n") != 1 {
		t.Errorf("want the two seed rows once each, got:\n%s", got)
	}
}

// TestSnapshotMetaColumnNamesShapeAsDBT: a snapshot's
// snapshot_meta_column_names is dbt's SnapshotMetaColumnNames: the
// manifest lists all five names, null where the project sets none (the
// project's +snapshot_meta_column_names of snapshots/test_basic_snapshot.py
// sets two), and model.config, dbt's to_dict(omit_none=True), only those
// set.
func TestSnapshotMetaColumnNamesShapeAsDBT(t *testing.T) {
	dir := miniProject(t, "snapshots:\n  p:\n    +snapshot_meta_column_names:\n      dbt_valid_to: test_valid_to\n      dbt_valid_from: test_valid_from\n")
	writeFile(t, dir, "snapshots/s.sql", `{% snapshot s %}
{{ config(unique_key='id', strategy='check', check_cols='all') }}
-- {{ model.config.snapshot_meta_column_names | tojson }}
select 1 as id
{% endsnapshot %}
`)
	out := mustElt(t, dir, "compile", "-s", "s").stdout
	if want := `-- {"dbt_valid_from": "test_valid_from", "dbt_valid_to": "test_valid_to"}`; !strings.Contains(out, want) {
		t.Errorf("model.config: want %s in:\n%s", want, out)
	}
	node := readManifest(t, dir)["nodes"].(map[string]any)["snapshot.p.s"].(map[string]any)
	got := node["config"].(map[string]any)["snapshot_meta_column_names"]
	want := map[string]any{"dbt_valid_to": "test_valid_to", "dbt_valid_from": "test_valid_from", "dbt_scd_id": nil, "dbt_updated_at": nil, "dbt_is_deleted": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("manifest: want %v, got %v", want, got)
	}
}

// TestPostgresIncrementalStrategyCheckedOnFirstRunAsDBT: dbt's default
// incremental materialization, which dbt-postgres uses, asks
// adapter.get_incremental_strategy_macro for the strategy before it looks
// at the target (materializations/test_incremental.py): the first run
// and a full refresh fail too, for insert_overwrite, which dbt-postgres
// does not support, and for a strategy with no get_incremental_<name>_sql
// macro; one with its macro builds.
func TestPostgresIncrementalStrategyCheckedOnFirstRunAsDBT(t *testing.T) {
	pgSchema(t, "inc_strategy_first")
	dir := miniProject(t, "")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "models/overwrite.sql", "{{ config(materialized='incremental', incremental_strategy='insert_overwrite') }}\nselect 1 as id\n")
	writeFile(t, dir, "models/nomacro.sql", "{{ config(materialized='incremental', incremental_strategy='nomacro') }}\nselect 1 as id\n")
	writeFile(t, dir, "models/mine.sql", "{{ config(materialized='incremental', incremental_strategy='mine') }}\nselect 1 as id\n")
	writeFile(t, dir, "macros/mine.sql", "{% macro get_incremental_mine_sql(arg_dict) %}select 1{% endmacro %}\n")
	want := map[string]string{
		"model.p.overwrite": "Runtime Error in model overwrite (models/overwrite.sql)\n  The incremental strategy 'insert_overwrite' is not valid for this adapter",
		"model.p.nomacro":   "Runtime Error in model nomacro (models/nomacro.sql)\n  dbt could not find an incremental strategy macro with the name \"get_incremental_nomacro_sql\" in p",
	}
	for _, args := range [][]string{{"run"}, {"run", "--full-refresh"}} {
		if res := elt(t, dir, args...); res.code != 1 {
			t.Fatalf("elt %v: want exit 1, got %d\n%s%s", args, res.code, res.stdout, res.stderr)
		}
		results := runResultEntries(t, dir)
		for id, msg := range want {
			if got := results[id]; got["status"] != "error" || got["message"] != msg {
				t.Errorf("elt %v, %s: want error %q, got %v %q", args, id, msg, got["status"], got["message"])
			}
		}
		if got := results["model.p.mine"]["status"]; got != "success" {
			t.Errorf("elt %v, mine: want success, got %v", args, got)
		}
	}
}

// TestMaterializationLanguageFailsItsModelAsDBT: a materialization block
// whose supported_languages leaves out the model's language fails that
// model when it runs, with dbt's Validation message, and the rest of the
// project builds (materializations/test_supported_languages.py; dbt's
// ModelRunner.execute raises it).
func TestMaterializationLanguageFailsItsModelAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/custom_mat.sql", `{% materialization custom_mat, supported_languages=['python'] %}
{%- set target_relation = this.incorporate(type='table') %}
{% call statement('main') -%} select 1 as column1 {%- endcall %}
{{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
`)
	writeFile(t, dir, "models/sql_model.sql", "{{ config(materialized='custom_mat') }}\nselect 1 as fun\n")
	writeFile(t, dir, "models/other.sql", "select 1 as id\n")
	mustElt(t, dir, "compile")
	if res := elt(t, dir, "run"); res.code != 1 {
		t.Fatalf("want exit 1, got %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	results := runResultEntries(t, dir)
	want := "Runtime Error in model sql_model (models/sql_model.sql)\n  Materialization \"materialization_custom_mat_default\" only supports languages ['python']; got \"sql\""
	if got := results["model.p.sql_model"]; got["status"] != "error" || got["message"] != want {
		t.Errorf("sql_model: want error %q, got %v %q", want, got["status"], got["message"])
	}
	if got := results["model.p.other"]["status"]; got != "success" {
		t.Errorf("other: want success, got %v", got)
	}
}

// TestSnapshotTimestampWarningAsDBT: dbt's snapshot materialization warns
// (check_time_data_types, SnapshotTimestampWarning) when a snapshot's
// updated_at is not of snapshot_get_time()'s type, a timestamp without a
// time zone on both warehouses, naming the types as
// get_column_schema_from_query does (snapshots/test_snapshot_timestamps.py).
func TestSnapshotTimestampWarningAsDBT(t *testing.T) {
	want := map[string]string{
		"postgres": "Data type of snapshot table timestamp columns (DATETIME) doesn't match derived column 'updated_at' (DATETIMETZ). Please update snapshot config 'updated_at'.",
		"duckdb":   "Data type of snapshot table timestamp columns (TIMESTAMP) doesn't match derived column 'updated_at' (TIMESTAMP WITH TIME ZONE). Please update snapshot config 'updated_at'.",
	}
	onBothWarehouses(t, "snap_ts_warning", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "snapshots/s.sql", `{% snapshot tz %}
{{ config(unique_key='id', strategy='timestamp', updated_at='updated_time') }}
select 1 as id, cast('2024-01-01 00:00:00+00' as timestamp with time zone) as updated_time
{% endsnapshot %}
{% snapshot plain %}
{{ config(unique_key='id', strategy='timestamp', updated_at='updated_time') }}
select 1 as id, cast('2024-01-01 00:00:00' as timestamp) as updated_time
{% endsnapshot %}
`)
		for run := 1; run <= 2; run++ {
			out := mustElt(t, dir, "snapshot").stdout
			if n := strings.Count(out, "Please update snapshot config"); n != 1 || !strings.Contains(out, "snapshots/s.sql: warning: "+want[warehouse]) {
				t.Errorf("run %d: want the warning once, for tz:\n%s", run, out)
			}
		}
	})
}

// TestSnapshotTimestampWarningUnderWarnErrorAsDBT: the warning is dbt's
// warn_or_error: --warn-error fails the snapshot with it as a
// CompilationError (the other snapshot builds), and warn_error_options'
// silence hides it.
func TestSnapshotTimestampWarningUnderWarnErrorAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "snapshots/s.sql", `{% snapshot tz %}
{{ config(unique_key='id', strategy='timestamp', updated_at='updated_time') }}
select 1 as id, cast('2024-01-01 00:00:00+00' as timestamp with time zone) as updated_time
{% endsnapshot %}
{% snapshot plain %}
{{ config(unique_key='id', strategy='timestamp', updated_at='updated_time') }}
select 1 as id, cast('2024-01-01 00:00:00' as timestamp) as updated_time
{% endsnapshot %}
`)
	if res := elt(t, dir, "--warn-error", "snapshot"); res.code != 1 {
		t.Fatalf("--warn-error: want exit 1, got %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	results := runResultEntries(t, dir)
	want := "Compilation Error in snapshot tz (snapshots/s.sql)\n  Data type of snapshot table timestamp columns (TIMESTAMP) doesn't match derived column 'updated_at' (TIMESTAMP WITH TIME ZONE). Please update snapshot config 'updated_at'."
	if got := results["snapshot.p.tz"]; got["status"] != "error" || got["message"] != want {
		t.Errorf("tz: want error %q, got %v %q", want, got["status"], got["message"])
	}
	if got := results["snapshot.p.plain"]["status"]; got != "success" {
		t.Errorf("plain: want success, got %v", got)
	}
	out := mustElt(t, dir, "--warn-error-options", `{"silence": ["SnapshotTimestampWarning"]}`, "snapshot").stdout
	if strings.Contains(out, "Please update snapshot config") {
		t.Errorf("silenced, the warning shows:\n%s", out)
	}
}

// TestSnapshotTargetColumnsAsDBT: dbt's snapshot materialization asserts
// the existing table has the meta columns the snapshot needs
// (assert_valid_snapshot_target_given_strategy), listing every missing
// one as a CompilationError: switched to hard_deletes new_record, a
// snapshot table without dbt_is_deleted fails, as do renamed meta
// columns (snapshots/test_snapshot_column_names.py
// TestSnapshotInvalidColumnNames).
func TestSnapshotTargetColumnsAsDBT(t *testing.T) {
	const see = `. See https://docs.getdbt.com/docs/build/snapshots#snapshot-meta-fields for more information.`
	onBothWarehouses(t, "snap_target_cols", func(t *testing.T, dir, warehouse string) {
		snap := func(extra string) {
			writeFile(t, dir, "snapshots/s.sql", "{% snapshot s %}\n{{ config(unique_key='id', strategy='check', check_cols='all'"+extra+") }}\nselect 1 as id\n{% endsnapshot %}\n")
		}
		snap("")
		mustElt(t, dir, "snapshot")
		for _, tc := range []struct{ extra, missing string }{
			{", hard_deletes='new_record'", `"dbt_is_deleted"`},
			{", snapshot_meta_column_names={'dbt_scd_id': 'scd', 'dbt_valid_to': 'vt'}", `"scd", "vt"`},
		} {
			snap(tc.extra)
			if res := elt(t, dir, "snapshot"); res.code != 1 {
				t.Fatalf("%s: want exit 1, got %d\n%s%s", tc.extra, res.code, res.stdout, res.stderr)
			}
			want := "Compilation Error in snapshot s (snapshots/s.sql)\n  Snapshot target is missing configured columns (missing " + tc.missing + ")" + see
			if got := runResultEntries(t, dir)["snapshot.p.s"]; got["status"] != "error" || got["message"] != want {
				t.Errorf("%s: want error %q, got %v %q", tc.extra, want, got["status"], got["message"])
			}
		}
	})
}

// TestSnapshotCheckColsValidatedAsDBT: dbt's SnapshotConfig.final_validate
// refuses, at parse, a check snapshot whose check_cols is a string other
// than 'all' or an empty list, and a timestamp snapshot with check_cols.
func TestSnapshotCheckColsValidatedAsDBT(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{"strategy='check', check_cols='status'", "Invalid value for 'check_cols': status. Expected 'all' or a list of strings."},
		{"strategy='check', check_cols=[]", "A snapshot configured with the check strategy must specify a check_cols configuration."},
		{"strategy='timestamp', updated_at='u', check_cols=['status']", "A 'timestamp' snapshot should not have 'check_cols'"},
		{"strategy='check', check_cols='all'", ""},
		{"strategy='check', check_cols=['status']", ""},
	} {
		dir := miniProject(t, "")
		writeFile(t, dir, "snapshots/s.sql", "{% snapshot s %}\n{{ config(unique_key='id', "+tc.config+") }}\nselect 1 as id, 'a' as status, current_timestamp as u\n{% endsnapshot %}\n")
		res := elt(t, dir, "parse")
		switch {
		case tc.want == "" && res.code != 0:
			t.Errorf("%s: want the parse to pass, got exit %d\n%s%s", tc.config, res.code, res.stdout, res.stderr)
		case tc.want != "" && (res.code != 2 || !strings.Contains(res.stderr, "snapshots/s.sql:2: snapshot s: "+tc.want)):
			t.Errorf("%s: want exit 2 and %q, got exit %d\n%s%s", tc.config, tc.want, res.code, res.stdout, res.stderr)
		}
	}
}

// TestSnapshotTimestampChangeByValidFromAsDBT: dbt's timestamp strategy
// finds a changed row by snapshotted_data.dbt_valid_from <
// source_data.<updated_at>, not by dbt_updated_at: with dbt_updated_at
// emptied, a newer source row is still a new version.
func TestSnapshotTimestampChangeByValidFromAsDBT(t *testing.T) {
	onBothWarehouses(t, "snap_ts_valid_from", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "snapshots/s.sql", `{% snapshot s %}
{{ config(unique_key='id', strategy='timestamp', updated_at='u') }}
select 1 as id, cast('{{ var("u", "2024-01-01") }}' as timestamp) as u
{% endsnapshot %}
`)
		writeFile(t, dir, "macros/empty.sql", "{% macro empty_updated_at() %}{% do run_query('update ' ~ ref('s') ~ ' set dbt_updated_at = null') %}{% endmacro %}\n")
		mustElt(t, dir, "snapshot")
		mustElt(t, dir, "run-operation", "empty_updated_at")
		mustElt(t, dir, "snapshot", "--vars", "{u: '2024-02-01'}")
		out := mustElt(t, dir, "show", "--inline", "select count(*) as versions, count(dbt_valid_to) as closed from {{ ref('s') }}").stdout
		if !strings.Contains(out, "|        2 |      1 |") {
			t.Errorf("want 2 versions, 1 closed:\n%s", out)
		}
	})
}

// TestSnapshotTargetWithoutUpdatedAtAsDBT: dbt's target check leaves out
// dbt_updated_at, and its create_columns adds the column back from the
// staging table: a snapshot table that lost it snapshots again, the old
// versions NULL in it.
func TestSnapshotTargetWithoutUpdatedAtAsDBT(t *testing.T) {
	onBothWarehouses(t, "snap_no_updated_at", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "snapshots/s.sql", `{% snapshot s %}
{{ config(unique_key='id', strategy='timestamp', updated_at='u') }}
select 1 as id, cast('{{ var("u", "2024-01-01") }}' as timestamp) as u
{% endsnapshot %}
`)
		writeFile(t, dir, "macros/drop.sql", "{% macro drop_updated_at() %}{% do run_query('alter table ' ~ ref('s') ~ ' drop column dbt_updated_at') %}{% endmacro %}\n")
		mustElt(t, dir, "snapshot")
		mustElt(t, dir, "run-operation", "drop_updated_at")
		mustElt(t, dir, "snapshot", "--vars", "{u: '2024-02-01'}")
		out := mustElt(t, dir, "show", "--inline", "select count(*) as versions, count(dbt_valid_to) as closed, count(dbt_updated_at) as stamped from {{ ref('s') }}").stdout
		if !strings.Contains(out, "|        2 |      1 |       1 |") {
			t.Errorf("want 2 versions, 1 closed, 1 with dbt_updated_at:\n%s", out)
		}
	})
}
