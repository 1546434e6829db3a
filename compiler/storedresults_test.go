package compiler

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/elt-dev/elt/internal/diag"
)

// storedResultsManifest parses files (plus a DuckDB connection) for the
// stored-result tests.
func storedResultsManifest(t *testing.T, files map[string]string) *Manifest {
	t.Helper()
	db := openDuckDB(t)
	var calls atomic.Int64
	opts := testOptions()
	opts.Query = duckQuery(db, &calls)
	opts.Catalog = &duckCatalog{db: db}
	m, err := Parse(context.Background(), newProject(files), opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// store_result, store_raw_result and noop_statement keep results that
// load_result gives back as dbt's do: {response, data, table}.
func TestStoreResultLoadResult(t *testing.T) {
	cases := []struct{ name, model, want string }{
		{"store_raw_result", `{% do store_raw_result('x', message='INSERT 3', code='INSERT', rows_affected=3) %}
{%- set r = load_result('x') -%}
{{ r.response }}|{{ r.response._message }}|{{ r.response.code }}|{{ r.response.rows_affected }}|{{ r.response.query_id }}|{{ r['response']['code'] }}|{{ r.data }}|{{ r.table.rows | length }}|{{ r.table.column_names }}`,
			"INSERT 3|INSERT 3|INSERT|3|None|INSERT|[]|0|()"},
		{"store_raw_result positional, no message", `{% do store_raw_result('x', none, 'C') %}{% set r = load_result('x') %}{{ r.response.code }}|{{ r.response._message }}`,
			"C|None"},
		{"store_result with a table", `{% set t = run_query("select 1 as id, 'a' as name union all select 2, 'b' order by 1") %}
{%- do store_result('y', response='hi', agate_table=t) -%}
{%- set r = load_result('y') -%}
{{ r.response }}|{{ r.data }}|{{ r.table.column_names }}|{{ r.table.rows | length }}|{{ r.table.rows[1]['name'] if execute }}`,
			"hi|[(1, 'a'), (2, 'b')]|('id', 'name')|2|b"},
		{"store_result positional", `{% do store_result('z', {'k': 1}) %}{% set r = load_result('z') %}{{ r.response.k }}|{{ r.data }}`,
			"1|[]"},
		{"store_result replaces a statement's", `{% call statement('s', fetch_result=True) %}select 5{% endcall %}
{%- do store_raw_result('s', message='stored') -%}
{%- set r = load_result('s') -%}
{{ r.response }}|{{ r.data }}`,
			"stored|[]"},
		{"store returns empty", `[{{ store_raw_result('x', message='m') }}{{ store_result('y', 'r') }}{{ write('w') }}]`,
			"[]"},
		{"noop_statement", `{% set t = run_query("select 7 as n") %}
{%- call noop_statement('n', 'NOOP 1', 'NOOP', 1, res=t) %}select 'not run'{% endcall -%}
{%- set r = load_result('n') -%}
{{ r.response }}|{{ r.response.code }}|{{ r.response.rows_affected }}|{{ r.data }}`,
			"NOOP 1|NOOP|1|[(7,)]"},
		{"noop_statement without a name stores nothing", `{% call noop_statement() %}select 1{% endcall %}{{ load_result('None') is none }}`,
			"True"},
		{"dbt.noop_statement", `{% call dbt.noop_statement('d', 'D') %}x{% endcall %}{{ load_result('d').response }}`,
			"D"},
		{"main loads again, a result stored again loads again", `{% do store_result('main', 'm') %}{{ load_result('main').response }}{{ load_result('main').response }}
{%- do store_result('x', 'a') %}{{ load_result('x').response }}{% do store_result('x', 'b') %}{{ load_result('x').response }}`,
			"mmab"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := storedResultsManifest(t, map[string]string{"models/a.sql": c.model})
			got, err := m.RenderNode(context.Background(), "model.shop.a")
			if err != nil {
				t.Fatal(err)
			}
			if got = strings.TrimSpace(got); got != c.want {
				t.Errorf("want %s\n got %s", c.want, got)
			}
		})
	}
}

// store_result's agate_table must be a table; write() has no node to
// write in run-operation's macro, as dbt's MacrosSourcesUnWriteableError.
func TestStoredResultErrors(t *testing.T) {
	m := storedResultsManifest(t, map[string]string{
		"models/a.sql":  "{% if execute %}{% do store_result('x', 'r', agate_table=[1, 2]) %}{% endif %}select 1",
		"macros/op.sql": "{% macro op() %}{{ write('select 1') }}{% endmacro %}",
	})
	ctx := context.Background()
	// As dbt's MacroResultAlreadyLoadedError: a result loads once.
	twice := storedResultsManifest(t, map[string]string{"models/b.sql": "{% call statement('s', fetch_result=True) %}select 1{% endcall %}\n" +
		"{% set r = load_result('s') %}\n{% set r = load_result('s') %}\nselect 1"})
	if _, err := twice.RenderNode(ctx, "model.shop.b"); err == nil || !strings.Contains(err.Error(), "models/b.sql:3") ||
		!strings.Contains(err.Error(), "The 'statement' result named 's' has already been loaded into a variable") {
		t.Errorf("second load_result: %v", err)
	}
	if _, err := m.RenderNode(ctx, "model.shop.a"); err == nil || !strings.Contains(err.Error(), "store_result(\"x\"): agate_table must be a table, not [1, 2]") {
		t.Errorf("bad agate_table: %v", err)
	}
	if _, err := m.CallMacro(ctx, "op", nil); err == nil || !strings.Contains(err.Error(), `cannot "write" macros or sources`) {
		t.Errorf("write in an operation: %v", err)
	}
}

const noopBlock = `
{% materialization noop, default %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {% call statement('build') %}create or replace table {{ target_relation }} as ({{ sql }}){% endcall %}
  {%- if config.get('write_first') %}{{ write('written first') }}{% endif -%}
  {%- if config.get('main_statement') -%}
    {% call statement('main') %}select count(*) from {{ target_relation }}{% endcall %}
  {%- endif -%}
  {%- if config.get('noop') -%}
    {% call noop_statement('main', 'INSERT 3', 'INSERT', 3) -%}
      {{ sql }}
    {%- endcall %}
  {%- endif -%}
  {%- if config.get('noop_none') -%}
    {% call noop_statement('main', 'DONE') %}{{ sql }}{% endcall %}
  {%- endif -%}
  {%- if config.get('store_string') -%}
    {% do store_result('main', 'just text') %}
  {%- endif -%}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
`

// A block that ends with noop_statement('main', ...) has run main, as
// dbt checks with load_result('main'): its message and response are the
// run result's, its SQL the node's run file.
func TestRunMaterializationNoopStatement(t *testing.T) {
	cases := []struct {
		name, config string
		want         MaterializationResult
	}{
		{"noop_statement", "noop=true", MaterializationResult{Message: "INSERT 3", RowsAffected: 3,
			AdapterResponse: map[string]any{"_message": "INSERT 3", "code": "INSERT", "rows_affected": int64(3)},
			RunSQL:          "select 1 as id union all select 2 union all select 3", RunSQLWritten: true}},
		{"None fields left out", "noop_none=true", MaterializationResult{Message: "DONE",
			AdapterResponse: map[string]any{"_message": "DONE"},
			RunSQL:          "select 1 as id union all select 2 union all select 3", RunSQLWritten: true}},
		{"a response that is not an AdapterResponse", "store_string=true", MaterializationResult{Message: "just text",
			AdapterResponse: map[string]any{}}},
		{"statement main after write", "write_first=true, main_statement=true", MaterializationResult{Message: "OK"}},
		{"write after statement main", "main_statement=true, noop=true", MaterializationResult{Message: "INSERT 3", RowsAffected: 3,
			AdapterResponse: map[string]any{"_message": "INSERT 3", "code": "INSERT", "rows_affected": int64(3)},
			RunSQL:          "select 1 as id union all select 2 union all select 3", RunSQLWritten: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := storedResultsManifest(t, map[string]string{
				"macros/noop.sql": noopBlock,
				"models/a.sql":    "{{ config(materialized='noop', " + c.config + ") }}select 1 as id union all select 2 union all select 3",
			})
			ctx := context.Background()
			if err := m.Compile(ctx, nil); err != nil {
				t.Fatal(err)
			}
			got, err := m.RunMaterialization(ctx, "model.shop.a", &recordingHost{})
			if err != nil {
				t.Fatal(err)
			}
			got.Relations = nil
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("want %+v\n got %+v", c.want, got)
			}
		})
	}
}

// noop_statement with another name does not run main.
func TestRunMaterializationNoopNotMain(t *testing.T) {
	m := storedResultsManifest(t, map[string]string{
		"macros/bad.sql": "\n{% materialization bad, default %}{% call noop_statement('other', 'X') %}select 1{% endcall %}{{ return({'relations': [this]}) }}{% endmaterialization %}",
		"models/a.sql":   "{{ config(materialized='bad') }}\nselect 1",
	})
	_, err := m.RunMaterialization(context.Background(), "model.shop.a", &recordingHost{})
	var d diag.Diagnostic
	if !errors.As(err, &d) || !strings.Contains(d.Summary, "main is not being called during running model") {
		t.Errorf("want main is not being called, got %v", err)
	}
}
