package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestGraphAsDBTHoldsIt: what packages that read dbt's graph (dbt's own
// project evaluator among them) find there and in the manifest, as dbt
// gives it: every node's config with its defaults (config.enabled,
// access, contract, docs), the exposures and metrics the project
// declares (a metric's measure as an object), a source's config and
// freshness; a generic test's depends_on in dbt's order (its arguments'
// refs, then its model) on dbt's macros (macro.dbt.test_unique); a
// column's data_type rendered; an ephemeral model with no SQL that
// nothing reads is not an error, and one a model reads is.
func TestGraphAsDBTHoldsIt(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/z_parent.sql", "select 1 as id\n")
	writeFile(t, dir, "models/b.sql", "select id from {{ ref('z_parent') }}\n")
	writeFile(t, dir, "models/eph.sql", "{{ config(materialized='ephemeral') }}\n-- to be written\n")
	writeFile(t, dir, "models/metricflow_time_spine.sql", "select current_date as date_day\n") // dbt needs a time spine with semantic models
	writeFile(t, dir, "models/props.yml", `models:
  - name: b
    columns:
      - name: id
        data_type: "{{ 'bigint' if target.type == 'postgres' else 'integer' }}"
        data_tests:
          - unique
          - relationships:
              to: ref('z_parent')
              field: id
sources:
  - name: raw
    schema: main
    tables:
      - name: events
        loaded_at_field: at
        freshness:
          error_after: {count: 2, period: day}
exposures:
  - name: board
    type: dashboard
    owner: {email: a@example.com}
    depends_on:
      - ref('b')
      - source('raw', 'events')
semantic_models:
  - name: bs
    model: ref('b')
    defaults: {agg_time_dimension: at}
    dimensions:
      - {name: at, type: time, expr: current_date, type_params: {time_granularity: day}}
    entities:
      - name: id
        type: primary
    measures:
      - name: total
        agg: count
        expr: id
metrics:
  - name: total_ids
    label: Total
    type: simple
    type_params:
      measure: total
  - name: running
    label: Running
    type: cumulative
    type_params:
      measure: total
      window: 30 days
    filter: "{{ Dimension('id__id') }} > 0"
`)
	writeFile(t, dir, "models/graph_view.sql", `{% if execute %}
{% set a = graph.nodes['model.p.z_parent'] %}
{% set src = graph.sources['source.p.raw.events'] %}
{% set running = graph.metrics['metric.p.running'] %}
select '{{ a.config.enabled }}|{{ a.config.materialized }}|{{ a.config.on_schema_change }}|{{ a.access }}|{{ a.contract.enforced }}|{{ a.docs.show }}' as node,
  '{{ src.config.enabled }}|{{ src.freshness.warn_after.count }}|{{ src.freshness.error_after.count }}|{{ src.freshness.error_after.period }}' as source,
  '{{ graph.exposures.values() | map(attribute='name') | join(',') }}|{{ graph.exposures['exposure.p.board'].depends_on.nodes | join(',') }}|{{ graph.exposures['exposure.p.board'].sources | tojson }}|{{ graph.exposures['exposure.p.board'].sources[0] is sequence }}' as exposures,
  '{{ graph.metrics['metric.p.total_ids'].type_params.measure.name }}|{{ running.type_params.window.count }} {{ running.type_params.window.granularity }}|{{ running.type_params.cumulative_type_params.period_agg }}|{{ running.type_params.input_measures | map(attribute='name') | join(',') }}|{{ running.type_params.numerator }}|{{ running.filter.where_filters[0].where_sql_template | replace("'", "") }}' as metrics
{% endif %}
`)
	res := mustElt(t, dir, "compile", "-s", "graph_view")
	wantAll(t, res.stdout,
		"'True|view|ignore|protected|False|True' as node",
		"'True|None|2|day' as source",
		"'board|source.p.raw.events,model.p.b|[[\"raw\", \"events\"]]|True' as exposures",
		"'total|30 day|first|total|None|{{ Dimension(id__id) }} > 0' as metrics",
	)

	data, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Nodes map[string]struct {
			DependsOn struct{ Macros, Nodes []string } `json:"depends_on"`
			Columns   map[string]struct {
				DataType string `json:"data_type"`
			}
		}
		Metrics map[string]struct {
			TypeParams struct {
				Measure struct{ Name string }
			} `json:"type_params"`
		}
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for id, n := range m.Nodes {
		switch {
		case strings.HasPrefix(id, "test.p.relationships_b_id__id__ref_z_parent_."):
			if got := strings.Join(n.DependsOn.Nodes, " "); got != "model.p.z_parent model.p.b" {
				t.Errorf("relationships depends_on.nodes %s, want dbt's order: model.p.z_parent model.p.b", got)
			}
			// dbt renders its arguments at parse time, which calls
			// get_where_subquery (not for unique and not_null).
			if got := strings.Join(n.DependsOn.Macros, " "); got != "macro.dbt.test_relationships macro.dbt.get_where_subquery" {
				t.Errorf("relationships depends_on.macros %s", got)
			}
		case strings.HasPrefix(id, "test.p.unique_b_id."):
			if got := strings.Join(n.DependsOn.Macros, " "); got != "macro.dbt.test_unique" {
				t.Errorf("unique depends_on.macros %s", got)
			}
		case id == "model.p.b":
			if got := n.Columns["id"].DataType; got != "integer" {
				t.Errorf("data_type %q, want it rendered: integer", got)
			}
		}
	}
	if got := m.Metrics["metric.p.total_ids"].TypeParams.Measure.Name; got != "total" {
		t.Errorf("manifest metric measure %q", got)
	}

	writeFile(t, dir, "models/uses_eph.sql", "select * from {{ ref('eph') }}\n")
	r := elt(t, dir, "compile")
	if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "models/eph.sql:1: model eph has no SQL") {
		t.Errorf("a model reading a blank ephemeral model: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestDuplicateColumnAsDBT: a column listed twice in properties YAML
// loads as in dbt (Fivetran's Shopify package and the Tuva Project list
// some twice): the later entry's properties replace the earlier's, the
// tests of both run, and a positioned warning says so.
func TestDuplicateColumnAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "models/props.yml", `models:
  - name: a
    columns:
      - name: id
        description: first
        data_tests: [unique]
      - name: other
      - name: id
        description: second
        data_tests: [not_null]
`)
	res := mustElt(t, dir, "build")
	if !strings.Contains(res.stdout, `models/props.yml:8:9: warning: column "id" is listed twice (first at line 4)`) {
		t.Errorf("no positioned warning:\n%s", res.stdout)
	}
	wantAll(t, res.stdout, "PASS unique_a_id", "PASS not_null_a_id")
	data, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Nodes map[string]struct {
			Columns map[string]struct{ Description string }
		}
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	cols := m.Nodes["model.p.a"].Columns
	if len(cols) != 2 || cols["id"].Description != "second" {
		t.Errorf("columns %+v, want id described by its second entry, and other", cols)
	}
}

// TestRunEndResultsAsDBT: on-run-end's results carry each node as dbt's
// graph holds it (its config with defaults, where a key no config holds
// is None, as dbt_artifacts reads node.config.full_refresh of a test)
// and its timing (compile, then execute, as datetimes).
func TestRunEndResultsAsDBT(t *testing.T) {
	dir := miniProject(t, `on-run-end:
  - "{% for r in results %}{% do log('R ' ~ r.node.unique_id ~ ' fr=' ~ r.node.config.full_refresh ~ ' mat=' ~ r.node.config.materialized ~ ' enabled=' ~ r.node.config.enabled ~ ' compiled=' ~ (r.node.compiled_code | length > 0) ~ ' timing=' ~ (r.timing | map(attribute='name') | join('+')) ~ ' year_ok=' ~ (r.timing[-1].started_at.year > 2000), info=True) %}{% endfor %}"
`)
	writeFile(t, dir, "models/a.sql", "{{ config(materialized='table') }}\nselect 1 as id\n")
	writeFile(t, dir, "models/props.yml", "models:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique]\n")
	res := mustElt(t, dir, "build")
	wantAll(t, res.stdout,
		"R model.p.a fr=None mat=table enabled=True compiled=True timing=compile+execute year_ok=True",
		"R test.p.unique_a_id.",
		" fr=None mat=test enabled=True compiled=True timing=compile+execute year_ok=True",
	)
}

// TestRunQueryTemporalValues: run_query's dates and timestamps print as
// Python's drivers give them to dbt: a date as 2024-01-31, a timestamp
// without a time zone with no offset, one with a zone with its offset
// (Fivetran's HubSpot package slices the first ten characters of one).
func TestRunQueryTemporalValues(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", `{% if execute %}{% set r = run_query("select date '2024-01-31' d, timestamp '2024-01-31 12:00:00' t, timestamptz '2024-01-31 12:00:00+00' z") %}
select '{{ r.columns[0][0] }}|{{ r.columns[1][0] }}|{{ r.columns[2][0] }}|{{ r.columns[0][0].year }}|{{ r.rows[0]['t'].hour }}' as x{% endif %}
`)
	res := mustElt(t, dir, "compile", "-s", "m")
	if want := "select '2024-01-31|2024-01-31 12:00:00|2024-01-31 12:00:00+00:00|2024|12' as x"; !strings.Contains(res.stdout, want) {
		t.Errorf("want %s:\n%s", want, res.stdout)
	}
}

// TestAlternateDefinitionsAsDBT: two definitions of one name load as in
// dbt while at most one is enabled (Snowplow's packages keep a model per
// warehouse in models/bigquery/, models/default/..., each enabled by its
// folder's config or its config() call): the enabled one is built and
// described by the properties YAML; two enabled are an error naming both.
// dbt's as_bool applies to the right operand of == and in there, which
// the operators read as a string. The model also reads a query's columns
// as dbt's get_column_schema_from_query and get_columns_in_query give them.
func TestAlternateDefinitionsAsDBT(t *testing.T) {
	dir := miniProject(t, `models:
  p:
    duck:
      +enabled: "{{ target.type == 'duckdb' | as_bool() }}"
    pg:
      +enabled: "{{ target.type in ['redshift', 'postgres'] | as_bool() }}"
`)
	writeFile(t, dir, "models/duck/m.sql", "select 'duck' as w\n")
	writeFile(t, dir, "models/pg/m.sql", "select 'pg' as w\n")
	writeFile(t, dir, "models/a/n.sql", "{{ config(enabled=target.type in ['redshift', 'postgres'] | as_bool()) }}\nselect 'pg' as v\n")
	writeFile(t, dir, "models/b/n.sql", "{{ config(enabled=target.type in ['duckdb'] | as_bool()) }}\nselect 'duck' as v\n")
	writeFile(t, dir, "models/props.yml", "models:\n  - name: m\n    description: the warehouse's\n    columns:\n      - name: w\n        data_tests: [not_null]\n")
	writeFile(t, dir, "models/off.sql", "{{ config(enabled=false) }}\nselect 1 as id\n")
	writeFile(t, dir, "models/reader.sql", `{% set cols = get_column_schema_from_query("select 1 as a, 'x' as b") %}
select m.w, n.v,
  '{{ cols | map(attribute="name") | join("+") }}|{{ cols | map(attribute="data_type") | join("+") }}' as schema_of,
  '{{ get_columns_in_query("select 1 as c, 2 as d") | join("+") if execute }}' as columns_in
from {{ ref('m') }} m cross join {{ ref('n') }} n
`)
	res := mustElt(t, dir, "build")
	if n := strings.Count(res.stdout, "PASS not_null_m_w"); n != 1 {
		t.Errorf("the test of m ran %d times, want once:\n%s", n, res.stdout)
	}
	if got, want := rowsOf(t, dir, "main.reader"), "duck|duck|a+b|INTEGER+VARCHAR|c+d"; got != want {
		t.Errorf("reader: got %q, want %q", got, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	type node struct {
		OriginalFilePath string `json:"original_file_path"`
		Description      string
		Config           struct{ Enabled bool }
	}
	var m struct {
		Nodes    map[string]node
		Disabled map[string][]node
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if n := m.Nodes["model.p.m"]; n.OriginalFilePath != "models/duck/m.sql" || n.Description != "the warehouse's" {
		t.Errorf("model.p.m in the manifest: %+v", n)
	}
	if n := m.Nodes["model.p.n"]; n.OriginalFilePath != "models/b/n.sql" {
		t.Errorf("model.p.n in the manifest: %+v", n)
	}
	// The other definitions are in its disabled section, as dbt lists
	// them, with every node a config disables.
	for id, file := range map[string]string{"model.p.m": "models/pg/m.sql", "model.p.n": "models/a/n.sql", "model.p.off": "models/off.sql"} {
		if d := m.Disabled[id]; len(d) != 1 || d[0].OriginalFilePath != file || d[0].Config.Enabled {
			t.Errorf("disabled %s: %+v, want %s, not enabled", id, d, file)
		}
	}

	// Both enabled: by their config() calls, which only the compiler
	// reads, and by their folders' config, which loading reads.
	writeFile(t, dir, "models/a/n.sql", "{{ config(enabled=true) }}\nselect 'pg' as v\n")
	r := elt(t, dir, "compile")
	if r.code == 0 || !strings.Contains(r.stdout+r.stderr, `models/b/n.sql: dbt found two models with the name "n": model models/a/n.sql and model models/b/n.sql`) {
		t.Errorf("two enabled by config(): exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	writeFile(t, dir, "models/a/n.sql", "select 'pg' as v\n")
	writeFile(t, dir, "models/b/n.sql", "select 'duck' as v\n")
	r = elt(t, dir, "compile")
	if r.code == 0 || !strings.Contains(r.stdout+r.stderr, `models/b/n.sql: dbt found two models with the name "n": model models/a/n.sql and model models/b/n.sql`) {
		t.Errorf("two enabled by their folders: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestAlternateEnabledByConfigCallAsDBT: of two definitions of a name that
// the project's config disables, the one whose config() call enables it is
// the node, whichever sorts first, as dbt adds each file by its own final
// enabled (tests/functional/configs/test_disabled_model.py).
func TestAlternateEnabledByConfigCallAsDBT(t *testing.T) {
	dir := miniProject(t, `models:
  p:
    a: {+enabled: false}
    b: {+enabled: false}
`)
	writeFile(t, dir, "models/a/m.sql", "select 'a' as w\n")
	writeFile(t, dir, "models/b/m.sql", "{{ config(enabled=true) }}\nselect 'b' as w\n")
	mustElt(t, dir, "run")
	if got, want := rowsOf(t, dir, "main.m"), "b"; got != want {
		t.Errorf("m: got %q, want %q", got, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	type node struct {
		OriginalFilePath string `json:"original_file_path"`
	}
	var m struct {
		Nodes    map[string]node
		Disabled map[string][]node
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if n := m.Nodes["model.p.m"]; n.OriginalFilePath != "models/b/m.sql" {
		t.Errorf("model.p.m in the manifest: %+v, want models/b/m.sql", n)
	}
	if d := m.Disabled["model.p.m"]; len(d) != 1 || d[0].OriginalFilePath != "models/a/m.sql" {
		t.Errorf("disabled model.p.m: %+v, want models/a/m.sql only", d)
	}
}

// TestParseTimeConfigAsDBT: while parsing, config.get and config.require
// give "" for every key, whatever the default, as dbt's parse-time config
// object does (dbt-unit-testing's ref override reads 'unit-test' in
// config.get('tags', {}) and must take builtins.ref while parsing); when
// executing they give the node's config.
func TestParseTimeConfigAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "models/b.sql", "select 2 as id\n")
	writeFile(t, dir, "models/c.sql", `-- depends_on: {{ ref('a') }}
{{ config(tags=['x'], materialized='table') }}
{%- if 'x' in config.get('tags', ['x']) or config.require('materialized') != '' %}
select * from {{ ref('a') }}
{%- else %}
select * from {{ ref('b') }}
{%- endif %}
`)
	res := mustElt(t, dir, "compile", "-s", "c")
	if !strings.Contains(res.stdout, `"main"."a"`) {
		t.Errorf("executing, config.get('tags') lacks x:\n%s", res.stdout)
	}
	data, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Nodes map[string]struct {
			DependsOn struct{ Nodes []string } `json:"depends_on"`
		}
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Nodes["model.p.c"].DependsOn.Nodes, " "); got != "model.p.a model.p.b" {
		t.Errorf("c depends on %q, want model.p.a (its depends_on comment) and model.p.b (the ref taken while parsing)", got)
	}
}

// TestSelectIntersectionOnTheCommandLine: a comma in --select and --exclude
// intersects, as in dbt (`--select tag:unit-test,tag:postgres`, as
// dbt-unit-testing's CI selects); the flag's values are not split on it.
func TestSelectIntersectionOnTheCommandLine(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "{{ config(tags=['x']) }}\nselect 1 as id\n")
	writeFile(t, dir, "models/b.sql", "{{ config(tags=['x', 'y']) }}\nselect 1 as id\n")
	writeFile(t, dir, "models/c.sql", "{{ config(tags=['y']) }}\nselect 1 as id\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ls", "--select", "tag:x,tag:y"}, "p.b"},
		{[]string{"ls", "-s", "tag:x", "-s", "tag:y"}, "p.a p.b p.c"},
		{[]string{"ls", "-s", "tag:x tag:y", "--exclude", "tag:x,tag:y"}, "p.a p.c"},
	} {
		res := mustElt(t, dir, c.args...)
		if got := strings.Join(strings.Fields(res.stdout), " "); got != c.want {
			t.Errorf("elt %s: %q, want %q", strings.Join(c.args, " "), got, c.want)
		}
	}
	// A selection that matches nothing compiles nothing: a model whose SQL
	// renders blank, selected by no one, stops no command.
	writeFile(t, dir, "models/blank.sql", "{% if false %}select 1{% endif %}\n")
	for _, args := range [][]string{{"test", "-s", "tag:nothing"}, {"test", "-s", "a"}, {"compile", "-s", "tag:x,tag:nothing"}} {
		mustElt(t, dir, args...)
	}
}

// TestSelectConfigDefaults: config.<key> selects on a node's full config,
// the defaults of its kind included, as dbt's: a seed's materialized is
// seed and a test's severity ERROR though no file sets them (dbt-testgen's
// CI tests its seeds with --select config.materialized:seed).
func TestSelectConfigDefaults(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/s.csv", "id\n1\n")
	writeFile(t, dir, "models/m.sql", "{{ config(materialized='table') }}\nselect 1 as id\n")
	writeFile(t, dir, "models/schema.yml", "version: 2\nseeds:\n  - name: s\n    columns:\n      - name: id\n        data_tests: [unique]\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		// The seed's test comes with it (indirect selection).
		{[]string{"ls", "-s", "config.materialized:seed"}, "p.s p.unique_s_id"},
		{[]string{"ls", "-s", "config.materialized:seed", "--resource-type", "seed"}, "p.s"},
		{[]string{"ls", "-s", "config.severity:error"}, "p.unique_s_id"},
		{[]string{"ls", "-s", "config.on_schema_change:ignore", "--resource-type", "model"}, "p.m"},
		{[]string{"ls", "-s", "config.docs.show:true", "--resource-type", "seed"}, "p.s"},
	} {
		res := mustElt(t, dir, c.args...)
		if got := strings.Join(strings.Fields(res.stdout), " "); got != c.want {
			t.Errorf("elt %s: %q, want %q", strings.Join(c.args, " "), got, c.want)
		}
	}
	mustElt(t, dir, "seed")
	res := mustElt(t, dir, "test", "--select", "config.materialized:seed")
	wantAll(t, res.stdout, "PASS unique_s_id", "PASS=1 WARN=0 ERROR=0")
}

// TestVarsFlagAsDBTReadsIt: --vars is read as dbt's YAML loader reads it:
// a plain date prints as Python's date does, not as a Go time with a zone
// (Snowplow's CI passes {snowplow__start_date: 2010-01-01}), and a key
// given twice takes its last value instead of failing.
func TestVarsFlagAsDBTReadsIt(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/v.sql", "select '{{ var(\"d\") }}' as d, '{{ var(\"t\") }}' as t, {{ var(\"n\") }} as n\n")
	res := mustElt(t, dir, "compile", "-s", "v", "--vars", "{d: 2010-01-01, t: 2010-01-01 12:30:00, n: 1, n: 2}")
	if want := "select '2010-01-01' as d, '2010-01-01 12:30:00' as t, 2 as n"; !strings.Contains(res.stdout, want) {
		t.Errorf("want %s in:\n%s", want, res.stdout)
	}
}

// TestContextDictAsDBT: dbt's `context` is the render's context as a dict:
// macros read names from it and keep state in it for the rest of the
// render (dbt-unit-testing keeps its test's state so); a singular test's
// `this` is the relation it would store its failures in.
func TestContextDictAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/state.sql", `{% macro remember(k, v) %}{% do context.update({k: v}) %}{% endmacro %}
{% macro recall(k) %}{{ return(context.get(k, 'none')) }}{% endmacro %}
`)
	writeFile(t, dir, "models/a.sql", `{% do remember('seen', 'yes') %}
select '{{ recall('seen') }}' as seen, '{{ recall('other') }}' as other, '{{ context['this'] }}' as me, {{ context.get('var')('n', 3) }} as n
`)
	writeFile(t, dir, "tests/t.sql", "select * from {{ ref('a') }} where '{{ this }}' = ''\n")
	res := mustElt(t, dir, "compile")
	compiled, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "p", "models", "a.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `select 'yes' as seen, 'none' as other, '"p"."main"."a"' as me, 3 as n`; !strings.Contains(string(compiled), want) {
		t.Errorf("a compiled to:\n%s\nwant %s\n%s", compiled, want, res.stdout)
	}
	compiled, err = os.ReadFile(filepath.Join(dir, "target", "compiled", "p", "tests", "t.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `'"p"."main_dbt_test__audit"."t"' = ''`; !strings.Contains(string(compiled), want) {
		t.Errorf("t compiled to:\n%s\nwant %s", compiled, want)
	}
}

// TestHookStateAndObjectsAsDBT: what elementary relies on. The graph is
// one dict a run's on-run-start and its nodes share, and a node rendered
// ahead of the run does not leave state in it (a test's
// graph.setdefault('x', {}) does not pre-empt on-run-start's); on-run-end's
// results, their timings and nodes have to_dict(); agate's Table.rename;
// dbt's get_or_create_relation, load_relation, date_spine.
func TestHookStateAndObjectsAsDBT(t *testing.T) {
	dir := miniProject(t, `on-run-start:
  - "{% do graph.setdefault('x', {'n': 1}) %}"
on-run-end:
  - "{% set r = results | selectattr('node.name', 'equalto', 'a') | first %}{% set d = r.to_dict() %}{% do log('END ' ~ d['status'] ~ ' ' ~ (r.timing[0].to_dict()['started_at'][-1]) ~ ' ' ~ r.node.to_dict()['unique_id'] ~ ' ' ~ d['node']['resource_type'], info=True) %}"
`)
	writeFile(t, dir, "models/a.sql", `{{ config(materialized='table') }}
{%- set t = run_query("select 1 as \"A\", 2 as \"B\"") %}
select '{{ t.rename({'A': 'a'}).column_names | join(',') if execute }}|{{ t.rename(['x', 'y']).column_names | join(',') if execute }}' as names
`)
	writeFile(t, dir, "models/spine.sql", "{{ config(materialized='table') }}\n{{ dbt.date_spine('day', \"cast('2024-01-01' as date)\", \"cast('2024-01-10' as date)\") }}\n")
	writeFile(t, dir, "models/b.sql", `-- depends_on: {{ ref('a') }}
{%- if execute %}
{%- set found = dbt.get_or_create_relation(this.database, this.schema, 'a', 'table') %}
{%- set missing = dbt.get_or_create_relation(this.database, this.schema, 'nope', 'table') %}
{%- endif %}
select '{{ found[0] if execute }}|{{ missing[0] if execute }}|{{ missing[1].identifier if execute }}|{{ (dbt.load_relation(ref('a')) is not none) if execute }}' as r
`)
	writeFile(t, dir, "tests/state.sql", "{% set x = graph.setdefault('x', {}) %}select 1 as failed where {{ x.get('n', 0) }} != 1\n")
	res := mustElt(t, dir, "build")
	if !strings.Contains(res.stdout, "PASS state") {
		t.Errorf("the test did not see on-run-start's state:\n%s", res.stdout)
	}
	if !strings.Contains(res.stdout, "END success Z model.p.a model") {
		t.Errorf("on-run-end's to_dict():\n%s", res.stdout)
	}
	for rel, want := range map[string]string{"main.a": "a,B|x,y", "main.b": "True|False|nope|True"} {
		if got := rowsOf(t, dir, rel); got != want {
			t.Errorf("%s: %q, want %q", rel, got, want)
		}
	}
	if got := queryIn(t, dir, "select count(*)::varchar || ' ' || min(date_day)::varchar || ' ' || max(date_day)::varchar from main.spine"); !strings.Contains(got, "9 2024-01-01") || !strings.Contains(got, "2024-01-09") {
		t.Errorf("date_spine: %s, want 9 days from 2024-01-01 to 2024-01-09", got)
	}
}

// TestAgateTableAsDBT: run_query's table as dbt-profiler reads it: agate's
// print_table (a Markdown table on standard output: numbers grouped and
// given the column's decimal places, at most max_precision then marked
// "…", text left-justified, "..." past max_columns and max_rows),
// Row.dict() and Column.data_type with jsonify().
func TestAgateTableAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/show.sql", `{% macro show() %}
{%- set t = run_query("select 'a' as name, 1234.5::double as amount, 3 as n, true as flag union all select 'bb', 2.25678, 40, false order by n") %}
{%- do t.print_table(max_columns=3) %}
{%- do t.print_table(max_rows=1, max_columns=None, max_precision=None) %}
{%- set d = t.rows[0].dict() %}
{%- do print('dict ' ~ d['name'] ~ ' ' ~ (d.keys() | list | join(','))) %}
{%- do print('types ' ~ (t.columns | map(attribute='data_type') | map('string') | join(','))) %}
{%- do print('json ' ~ t.columns['n'].data_type.jsonify(3) ~ ' ' ~ t.columns['amount'].data_type.jsonify(2)) %}
{% endmacro %}
`)
	res := mustElt(t, dir, "run-operation", "show")
	want := `| name | amount |  n | ... |
| ---- | ------ | -- | --- |
| a    | 1,234.500… |  3 | ... |
| bb   |     2.257… | 40 | ... |
`
	want = strings.ReplaceAll(want, "| ---- | ------ |", "| ---- | ---------- |")
	want = strings.ReplaceAll(want, "| name | amount |", "| name |     amount |")
	for _, w := range []string{
		want,
		// agate sizes the columns by the rows it shows: its "..." row
		// overflows a narrow one.
		"| name |  amount | n | flag |\n| ---- | ------- | - | ---- |\n| a    | 1,234.5 | 3 | True |\n| ...  |     ... | ... |  ... |",
		"dict a name,amount,n,flag",
		"types <agate.data_types.Text>,<agate.data_types.Number>,<agate.data_types.Integer>,<agate.data_types.Boolean>",
		"json 3 2.0",
	} {
		if !strings.Contains(res.stdout, w) {
			t.Errorf("lacks\n%s\nin:\n%s", w, res.stdout)
		}
	}
}

// TestGraphStateUnderThreads: models that keep state in the graph while
// they render on several threads (elementary's tests do, on dbt's threads)
// change it one render at a time, and a model rendered after them sees
// every change. Under the race detector (scripts/race.sh) this is the test
// of the graph's lock.
func TestGraphStateUnderThreads(t *testing.T) {
	dir := miniProject(t, "")
	var refs []string
	for i := range 12 {
		name := "m" + strconv.Itoa(i)
		writeFile(t, dir, "models/"+name+".sql", "{% do graph.setdefault('seen', {}).update({this.identifier: graph.get('seen', {}) | length}) %}select 1 as id\n")
		refs = append(refs, "-- depends_on: {{ ref('"+name+"') }}")
	}
	writeFile(t, dir, "models/last.sql", strings.Join(refs, "\n")+"\nselect {{ graph.get('seen', {}) | length }} as seen\n")
	mustElt(t, dir, "run", "--threads", "4")
	if got := rowsOf(t, dir, "main.last"); got != "12" {
		t.Errorf("last saw %s models in the graph, want 12", got)
	}
}

// TestReDataAsDBT: what re_data's package and integration tests rely on,
// as dbt has it. A macro file is read as its top-level blocks (its first
// line, `{% https://github.com/... %}`, is never parsed); var.has_var; a
// source whose name is Jinja; tests declared for a package's model in the
// root project's YAML, which ref it; on-run-end results whose node's
// resource_type and status are enums, with .value and .name.
func TestReDataAsDBT(t *testing.T) {
	dir := miniProject(t, `vars:
  set_one: 1
on-run-start:
  - create table if not exists main.src_t as select 1 as id
on-run-end:
  - "{% for r in results %}{% do log('RESULT ' ~ r.node.name ~ ' ' ~ r.node.resource_type.value ~ ' ' ~ (r.node.resource_type == 'test') ~ ' ' ~ r.status.name ~ ' ' ~ r.status.value, info=True) %}{% endfor %}"
`)
	writeFile(t, dir, "macros/links.sql", "{% https://example.com/issues/143 %}\n{% macro shout(x) %}{{ x | upper }}{% endmacro %}\n{% macro has(n) %}{{ var.has_var(n) }}{% endmacro %}\n")
	writeFile(t, dir, "models/m.sql", "select '{{ shout('a') }}' as a, '{{ has('set_one') }}{{ has('unset') }}' as h, * from {{ source('raw_' ~ var('set_one'), 't') }}\n")
	writeFile(t, dir, "models/sources.yml", "sources:\n  - name: \"raw_{{ var('set_one') }}\"\n    schema: main\n    tables:\n      - name: t\n        identifier: src_t\n        columns:\n          - name: id\n            data_tests: [not_null]\n")
	writeFile(t, dir, "dbt_packages/pk/dbt_project.yml", "name: pk\n")
	writeFile(t, dir, "dbt_packages/pk/models/pkg_model.sql", "{{ config(materialized='table') }}\nselect 7 as id\n")
	writeFile(t, dir, "models/pkg.yml", "models:\n  - name: pkg_model\n    columns:\n      - name: id\n        data_tests: [unique]\n")
	res := mustElt(t, dir, "build")
	if got := rowsOf(t, dir, "main.m"); got != "A|TrueFalse|1" {
		t.Errorf("m holds %q", got)
	}
	wantAll(t, res.stdout,
		"RESULT source_not_null_raw_1_t_id test True Pass pass",
		"RESULT unique_pkg_model_id test True Pass pass",
		"RESULT m model False Success success",
	)
}

// TestTestArgumentsRenderNatively: a generic test's arguments are rendered
// as dbt's add_rendered_test_kwargs renders them, natively: "{{
// var('kinds') }}" is the list the var holds (dbt-project-evaluator's
// integration tests pass accepted_values so), a lone ref() the relation;
// text with an expression in it stays text.
func TestTestArgumentsRenderNatively(t *testing.T) {
	dir := miniProject(t, "vars:\n  kinds: ['a', 'bb']\n  limit: 2\n")
	writeFile(t, dir, "models/m.sql", "select 'a' as kind union all select 'bb'\n")
	writeFile(t, dir, "models/props.yml", `models:
  - name: m
    columns:
      - name: kind
        data_tests:
          - accepted_values:
              values: "{{ var('kinds') }}"
          - dbt_utils_like:
              expr: "length(kind) <= {{ var('limit') }}"
`)
	writeFile(t, dir, "tests/generic/like.sql", "{% test dbt_utils_like(model, column_name, expr) %}select * from {{ model }} where not ({{ expr }}){% endtest %}\n")
	res := mustElt(t, dir, "build")
	if !strings.Contains(res.stdout, "PASS=3 ") {
		t.Errorf("want the model and both tests to pass:\n%s", res.stdout)
	}
	b, err := os.ReadFile(filepath.Join(dir, "target/compiled/p/models/props.yml/accepted_values_m_kind___var_kinds_.sql"))
	if err != nil || !strings.Contains(string(b), "not in (\n    'a','bb'\n)") {
		t.Errorf("accepted_values compiled to:\n%s (%v)", b, err)
	}
}

// TestSourceTestFileKeyName: a test declared on a source has dbt's
// file_key_name, "sources.<source name>" (schema_generic_tests.py), in
// manifest.json and the graph, though it has no attached node.
func TestSourceTestFileKeyName(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/src.yml", "sources:\n  - name: raw_data\n    schema: main\n    tables:\n      - name: t\n        columns:\n          - name: id\n            data_tests: [not_null]\n")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/m.yml", "models:\n  - name: m\n    columns:\n      - name: id\n        data_tests: [unique]\n")
	mustElt(t, dir, "parse")
	nodes := readManifest(t, dir)["nodes"].(map[string]any)
	got := map[string]any{}
	for id, n := range nodes {
		if strings.HasPrefix(id, "test.") {
			n := n.(map[string]any)
			got[n["name"].(string)] = []any{n["file_key_name"], n["attached_node"]}
		}
	}
	want := map[string]any{
		"source_not_null_raw_data_t_id": []any{"sources.raw_data", nil},
		"unique_m_id":                   []any{"models.m", "model.p.m"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tests' file_key_name and attached_node: got %v, want %v", got, want)
	}
}

// TestGenericTestRawCodeAsDBT: a generic test's raw_code is dbt's
// build_raw_code: its macro, namespaced as the test is, then a config()
// call of the configs it declares in dbt's CONFIG_ARGS order (strings
// double-quoted, other values as Python prints them) and the hashed alias
// of a name too long, which unrendered_config holds too. state:modified
// against a manifest dbt wrote compares this text.
func TestGenericTestRawCodeAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id, 'a' as s\n")
	writeFile(t, dir, "macros/range.sql", "{% test in_range(model, column_name, lo) %}select * from {{ model }} where {{ column_name }} < {{ lo }}{% endtest %}\n")
	writeFile(t, dir, "models/m.yml", `models:
  - name: m
    columns:
      - name: id
        data_tests:
          - not_null
          - unique:
              severity: warn
              config:
                where: "s = 'a'"
                tags: ['x', 'y']
                meta: {owner: 'bob "b"'}
          - p.in_range:
              lo: 0
          - accepted_values:
              values: [1, 2, 3333333333, 4444444444, 555555555, 666666666, 7777777777, 8888888888]
              quote: false
`)
	mustElt(t, dir, "parse")
	got := map[string]string{}
	for id, n := range readManifest(t, dir)["nodes"].(map[string]any) {
		if strings.HasPrefix(id, "test.") {
			n := n.(map[string]any)
			b, _ := json.Marshal(n["unrendered_config"])
			got[n["name"].(string)] = n["raw_code"].(string) + " " + string(b)
		}
	}
	want := map[string]string{
		"not_null_m_id":      `{{ test_not_null(**_dbt_generic_test_kwargs) }} {}`,
		"unique_m_id":        `{{ test_unique(**_dbt_generic_test_kwargs) }}{{ config(severity="warn",tags=['x', 'y'],where="s = 'a'",meta={'owner': 'bob "b"'}) }} {"meta":{"owner":"bob \"b\""},"severity":"warn","tags":["x","y"],"where":"s = 'a'"}`,
		"p_in_range_m_id__0": `{{ p.test_in_range(**_dbt_generic_test_kwargs) }} {}`,
		"accepted_values_m_id__False__1__2__3333333333__4444444444__555555555__666666666__7777777777__8888888888": `{{ test_accepted_values(**_dbt_generic_test_kwargs) }}{{ config(alias="accepted_values_m_b8c1705fe41b77061df33fa141b4ce33") }} {"alias":"accepted_values_m_b8c1705fe41b77061df33fa141b4ce33"}`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("generic tests' raw_code and unrendered_config:\n got %v\nwant %v", got, want)
	}
}

// TestModelVariableAsDBT: the model variable is dbt's node dict
// (to_dict(omit_none=True)): a column's whole entry (config, meta, tags;
// no data_type when it has none), access and checksum; and config.get of
// a key dbt's config declares answers its value, the field's default when
// unset (tags [], on_schema_change 'ignore', unique_key None whatever the
// default argument), as dbt-assertions reads them.
func TestModelVariableAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", `select
  '{{ model.columns["exceptions"].get("config").get("meta").get("owner") }}' as col_config_meta_owner,
  '{{ model.columns["exceptions"].tags }}' as col_tags,
  '{{ "data_type" in model.columns["exceptions"] }}' as col_has_data_type,
  '{{ model.columns["id"].data_type }}' as id_type,
  '{{ model.access }}' as access,
  '{{ model.checksum.name }}' as checksum_name,
  '{{ config.get("tags") if execute else "" }}' as cfg_tags,
  '{{ "pii" in config.get("tags") }}' as pii,
  '{{ config.get("on_schema_change", "fail") if execute else "" }}' as osc,
  '{{ config.get("unique_key", "id") if execute else "" }}' as uk,
  '{{ config.get("my_key", "dflt") if execute else "" }}' as custom
`)
	writeFile(t, dir, "models/m.yml", `models:
  - name: m
    columns:
      - name: id
        data_type: integer
      - name: exceptions
        tags: [pii]
        config:
          meta: {owner: data-team}
`)
	mustElt(t, dir, "compile", "-s", "m")
	b, err := os.ReadFile(filepath.Join(dir, "target/compiled/p/models/m.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"'data-team' as col_config_meta_owner", "'['pii']' as col_tags", "'False' as col_has_data_type",
		"'integer' as id_type", "'protected' as access", "'sha256' as checksum_name", "'[]' as cfg_tags",
		"'False' as pii", "'ignore' as osc", "'None' as uk", "'dflt' as custom",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("compiled m lacks %q:\n%s", want, b)
		}
	}
}

// TestEphemeralCTEsAsDBT: dbt-core's compile tests (TestEphemeralModels'
// with recursive, TestEphemeralModelWithAlias): an ephemeral model's CTE
// goes after WITH RECURSIVE, and is named after the model's alias.
func TestEphemeralCTEsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/first.sql", "{{ config(materialized = 'ephemeral', alias = 'first_alias') }}\nselect 1 as fun\n")
	writeFile(t, dir, "models/second.sql", "select * from {{ ref('first') }}\n")
	writeFile(t, dir, "models/rec.sql", "with recursive t(n) as (\n    select * from {{ ref('first') }}\n  union all\n    select n+1 from t where n < 100\n)\nselect sum(n) as s from t\n")
	mustElt(t, dir, "build")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, "target/compiled/p/models", name+".sql"))
		if err != nil {
			t.Fatal(err)
		}
		// As dbt's get_lines: the lines that are not blank.
		var lines []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.TrimSpace(l) != "" {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "\n") + "\n"
	}
	if got, want := read("second"), "with __dbt__cte__first_alias as (\nselect 1 as fun\n) select * from __dbt__cte__first_alias\n"; got != want {
		t.Errorf("second compiled to %q, want %q", got, want)
	}
	if got := read("rec"); !strings.HasPrefix(got, "with recursive  __dbt__cte__first_alias as (\nselect 1 as fun\n), t(n) as (\n") {
		t.Errorf("rec compiled to %q", got)
	}
	if got := rowsOf(t, dir, "main.rec"); got != "5050" {
		t.Errorf("rec holds %q, want 5050", got)
	}
}

// TestTestKwargCallsAsDBT: a generic test argument that is a var(),
// env_var() or doc() call alone is evaluated, as dbt's
// add_rendered_test_kwargs renders it ("{{ ... }}", natively), not passed
// as its text.
func TestTestKwargCallsAsDBT(t *testing.T) {
	dir := miniProject(t, "vars:\n  color: blue\n")
	writeFile(t, dir, "models/m.sql", "select 'blue' as fun\n")
	writeFile(t, dir, "macros/check.sql", "{% test check_color(model, column_name, color) %}select * from {{ model }} where {{ column_name }} != '{{ color }}'{% endtest %}\n")
	writeFile(t, dir, "models/m.yml", `models:
  - name: m
    columns:
      - name: fun
        data_tests:
          - check_color:
              color: "env_var('COLOR_OF_FUN')"
          - check_color:
              color: "var('color')"
`)
	res := eltWith(t, dir, map[string]string{"COLOR_OF_FUN": "blue"}, "build")
	if res.code != 0 || !strings.Contains(res.stdout, "PASS=3 ") {
		t.Fatalf("build: exit %d, want both tests to pass\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := eltWith(t, dir, map[string]string{"COLOR_OF_FUN": "red"}, "test"); res.code != 1 || !strings.Contains(res.stdout, "FAIL 1 check_color_m_env_var_COLOR_OF_FUN___fun") || !strings.Contains(res.stdout, "PASS=1 ") {
		t.Errorf("with another color in the environment: exit %d, want the env_var test to fail\n%s", res.code, res.stdout)
	}
}

// TestLogDebugAsDBT: log(msg) without info=True is dbt's JinjaLogDebug: on
// the console under --debug, in dbt.log (debug level by default), and not
// on the console otherwise; info=True is shown always.
func TestLogDebugAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "{% do log('dbg-msg-xyz') %}{% do log('info-msg-xyz', info=True) %}select 1 as id\n")
	res := mustElt(t, dir, "run", "--debug", "--log-path", "logs")
	if !strings.Contains(res.stdout, "dbg-msg-xyz") || !strings.Contains(res.stdout, "info-msg-xyz") {
		t.Errorf("run --debug: want both messages\n%s", res.stdout)
	}
	b, err := os.ReadFile(filepath.Join(dir, "logs", "dbt.log"))
	if err != nil || !strings.Contains(string(b), "[debug]: dbg-msg-xyz") {
		t.Errorf("dbt.log lacks the debug message (%v):\n%s", err, b)
	}
	res = mustElt(t, dir, "run")
	if strings.Contains(res.stdout, "dbg-msg-xyz") || !strings.Contains(res.stdout, "info-msg-xyz") {
		t.Errorf("run: want the info message alone\n%s", res.stdout)
	}
}

// TestContextMembersAsDBT: members of dbt's model context: sql_now (the
// adapter's date_function()), diff_of_two_dicts, try_or_compiler_error,
// env (the target), defer_relation (None in a node's own render).
func TestContextMembersAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", `select '{{ sql_now }}|{{ adapter.date_function() }}' as now_fn,
  '{{ diff_of_two_dicts({"a": ["x", "Y"], "B": ["z"]}, {"A": ["X"], "c": ["q"]}) }}' as diff,
  '{{ try_or_compiler_error("boom", modules.datetime.date, 2020, 1, 2) }}' as tried,
  '{{ env.type }}|{{ defer_relation is none }}' as env
`)
	mustElt(t, dir, "compile", "-s", "m")
	b, err := os.ReadFile(filepath.Join(dir, "target/compiled/p/models/m.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"'now()|now()' as now_fn", `'{'a': ['Y'], 'B': ['z']}' as diff`, "'2020-01-02' as tried", "'duckdb|True' as env"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("compiled m lacks %q:\n%s", want, b)
		}
	}
	writeFile(t, dir, "models/m.sql", `select '{{ try_or_compiler_error("no z in it", "abc".index, "z") }}' as x`+"\n")
	if res := elt(t, dir, "compile", "-s", "m"); res.code == 0 || !strings.Contains(res.stderr, "no z in it") {
		t.Errorf("try_or_compiler_error of a failing call: exit %d\n%s", res.code, res.stderr)
	}
}

// TestModelIsMappingAsDBT: dbt's model is a dict: `model is mapping`,
// and tojson writes it (the filter and dbt's tojson function), in a body
// and in a hook.
func TestModelIsMappingAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", `{{ config(pre_hook="select '{{ model is mapping }}' as x") }}
{% set d = fromjson(model | tojson) %}
select '{{ model is mapping }}|{{ d["unique_id"] }}|{{ fromjson(tojson(model))["name"] }}' as v
`)
	mustElt(t, dir, "run")
	if got := rowsOf(t, dir, "main.m"); got != "True|model.p.m|m" {
		t.Errorf("m holds %q", got)
	}
}

// TestDatetimeConfigAsDBT: a datetime given to config() is written as
// dbt's configs serialise it, isoformat() (microbatch's begin in ls and
// the manifest), and the model still runs from it.
func TestDatetimeConfigAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='t', batch_size='day', begin=modules.datetime.datetime(2020, 1, 1, 0, 0, 0), lookback=0) }}\nselect cast('2020-01-01 10:00:00' as timestamp) as t\n")
	res := mustElt(t, dir, "ls", "--output", "json", "--output-keys", "config")
	if !strings.Contains(res.stdout, `"begin":"2020-01-01T00:00:00"`) && !strings.Contains(res.stdout, `"begin": "2020-01-01T00:00:00"`) {
		t.Errorf("ls: want begin 2020-01-01T00:00:00\n%s", res.stdout)
	}
	mustElt(t, dir, "run", "--event-time-start", "2020-01-01", "--event-time-end", "2020-01-02")
	if got := rowsOf(t, dir, "main.m"); !strings.HasPrefix(got, "2020-01-01 10:00:00") {
		t.Errorf("m holds %q", got)
	}
}

// TestModelConfigDefaultsAsDBT: dbt's model.config is the node's config
// dict without None values, so every key with a default is there
// (on_schema_change, persist_docs, tags, enabled, docs, contract) and a
// key whose default is None is not; writing to it changes nothing.
func TestModelConfigDefaultsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", `{% do model.config.update({'materialized': 'table'}) %}
select '{{ model.config.materialized }}|{{ model.config.on_schema_change }}|{{ model.config.persist_docs }}|{{ model.config.tags }}|{{ model.config.enabled }}|{{ "full_refresh" in model.config }}|{{ model.config.docs.show }}|{{ "node_color" in model.config.docs }}|{{ model.config.contract.enforced }}|{{ model.config.access }}|{{ config.get("materialized") }}' as v
`)
	mustElt(t, dir, "run")
	if got := rowsOf(t, dir, "main.m"); got != "view|ignore|{}|[]|True|False|True|False|False|protected|view" {
		t.Errorf("m holds %q", got)
	}
}

// TestConfigValidatorAsDBT: dbt's validation.any(...) checks a config
// value when config.get has a default (and always in config.require);
// the adapters' validation.any[...] form is an undefined validator,
// never called without a default.
func TestConfigValidatorAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", `{% set v = config.get('materialized', validator=validation.any[basestring]) %}
{% set w = config.get('materialized', 'view', validator=validation.any('view', 'table')) %}
{% set r = config.require('materialized', validator=validation.any('view')) %}
select '{{ v }}|{{ w }}|{{ r }}' as v
`)
	mustElt(t, dir, "run")
	if got := rowsOf(t, dir, "main.m"); got != "view|view|view" {
		t.Errorf("m holds %q", got)
	}
	writeFile(t, dir, "models/m.sql", "{% set w = config.get('materialized', 'view', validator=validation.any('table', 'incremental')) %}\nselect 1 as v\n")
	res := elt(t, dir, "compile")
	if want := `models/m.sql:1:22: Expected value "view" to be one of table,incremental`; res.code == 0 || !strings.Contains(res.stdout+res.stderr, want) {
		t.Errorf("exit %d, want %q:\n%s%s", res.code, want, res.stdout, res.stderr)
	}
}

// TestStoreFailuresAsSettledAsDBT: a test's store_failures and
// store_failures_as settle each other as dbt's TestConfig does (true is
// table, false ephemeral; store_failures_as decides store_failures), in
// manifest.json and relation_name, and an explicit false wins over
// --store-failures.
func TestStoreFailuresAsSettledAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/p.yml", `models:
  - name: m
    columns:
      - name: id
        data_tests:
          - unique: {config: {store_failures: true}}
          - not_null: {config: {store_failures: false}}
          - accepted_values: {arguments: {values: [1]}, config: {store_failures_as: view}}
`)
	mustElt(t, dir, "build", "--store-failures")
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Nodes map[string]struct {
			Name         string         `json:"name"`
			Config       map[string]any `json:"config"`
			RelationName *string        `json:"relation_name"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, n := range m.Nodes {
		if n.Config["store_failures_as"] != nil || n.Config["store_failures"] != nil {
			got[n.Name] = fmt.Sprintf("%v %v %v", n.Config["store_failures"], n.Config["store_failures_as"], n.RelationName != nil)
		}
	}
	want := map[string]string{"unique_m_id": "true table true", "not_null_m_id": "false ephemeral false", "accepted_values_m_id__1": "true view true"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
}

// TestCompileInlineFlagsAsDBT: --inline excludes --select and
// --selector, as dbt's flags do; --exclude beside it is allowed.
func TestCompileInlineFlagsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "selectors.yml", "selectors:\n  - name: just_a\n    definition: a\n")
	for _, args := range [][]string{{"--select", "a"}, {"--selector", "just_a"}} {
		res := elt(t, dir, append([]string{"compile", "--inline", "select 1 as id"}, args...)...)
		if res.code != 2 || !strings.Contains(res.stdout+res.stderr, "pass either --inline or --select/--selector") {
			t.Errorf("compile --inline %v: exit %d\n%s%s", args, res.code, res.stdout, res.stderr)
		}
	}
	res := mustElt(t, dir, "compile", "--inline", "select 2 as id", "--exclude", "a")
	if !strings.Contains(res.stdout, "select 2 as id") {
		t.Errorf("compile --inline --exclude:\n%s", res.stdout)
	}
}

// TestSecretVarsMaskedAsDBT: a --vars entry named as a secret
// environment variable (DBT_ENV_SECRET_...) is masked in run_results.json's
// args, its vars and its command line, as dbt's run results mask it.
func TestSecretVarsMaskedAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	res := mustElt(t, dir, "run", "--vars", "{DBT_ENV_SECRET_simple: hunter2, unused: def}")
	b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "hunter2") || strings.Contains(res.stdout+res.stderr, "hunter2") {
		t.Errorf("the secret var's value was written:\n%s", b)
	}
	var rr struct {
		Args map[string]any `json:"args"`
	}
	if err := json.Unmarshal(b, &rr); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(rr.Args["vars"]); got != "map[DBT_ENV_SECRET_simple:***** unused:def]" {
		t.Errorf("args.vars %s", got)
	}
}

// TestResourceTypeAllAsDBT: --resource-type all and default stand for
// the command's resource types, as dbt's resource_types_from_args.
func TestResourceTypeAllAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	for _, rt := range []string{"all", "default"} {
		res := mustElt(t, dir, "build", "--resource-type", rt)
		if !strings.Contains(res.stdout, "OK created sql view model main.m") {
			t.Errorf("build --resource-type %s:\n%s", rt, res.stdout)
		}
	}
}

// TestRetryWarnErrorAsDBT: under --warn-error, retry runs again the
// tests that warned, as dbt's retry adds warn to its retryable statuses.
func TestRetryWarnErrorAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select cast(null as int) as id\n")
	writeFile(t, dir, "models/p.yml", "models:\n  - name: m\n    columns:\n      - name: id\n        data_tests:\n          - not_null: {config: {severity: warn}}\n")
	mustElt(t, dir, "build")
	res := mustElt(t, dir, "retry")
	if !strings.Contains(res.stdout, "Nothing to do.") {
		t.Errorf("retry without --warn-error:\n%s", res.stdout)
	}
	mustElt(t, dir, "build")
	res = elt(t, dir, "--warn-error", "retry")
	if res.code != 1 || !strings.Contains(res.stdout, "not_null_m_id") {
		t.Errorf("--warn-error retry: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestDocBlocksKeyAsDBT: a doc_blocks: key in properties YAML (which
// tools copying manifests write back) does not stop the project; as in
// dbt, doc_blocks are computed from the description, and elt says so.
func TestDocBlocksKeyAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/my_colors.sql", "select 1 as id\n")
	writeFile(t, dir, "models/schema.yml", "models:\n  - name: my_colors\n    doc_blocks: 2\n    columns:\n      - name: id\n        doc_blocks: [\"hello\", 2]\n")
	res := mustElt(t, dir, "parse")
	if !strings.Contains(res.stdout+res.stderr, "models/schema.yml:3:5: warning: doc_blocks is computed from the description") {
		t.Errorf("no warning:\n%s%s", res.stdout, res.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"doc_blocks":[]`) || strings.Contains(string(b), `"hello"`) {
		t.Error("manifest doc_blocks are not the computed ones")
	}
}

// TestJinjaLogEventDataAsDBT: a log() call's JSON event carries its
// message under data.msg, as dbt's JinjaLogInfo does.
func TestJinjaLogEventDataAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "{% do log('hello from m', info=True) %}select 1 as x\n")
	res := mustElt(t, dir, "compile", "--log-format", "json")
	found := false
	for _, line := range strings.Split(res.stdout, "\n") {
		var ev struct {
			Data map[string]any `json:"data"`
			Info struct {
				Name string `json:"name"`
			} `json:"info"`
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Info.Name == "JinjaLogInfo" {
			found = found || ev.Data["msg"] == "hello from m"
		}
	}
	if !found {
		t.Errorf("no JinjaLogInfo event with data.msg:\n%s", res.stdout)
	}
}

// TestPackageNamingMacrosAsDBT: a package's own generate_alias_name /
// generate_schema_name names its nodes, before the root project's
// override, while the root's nodes keep the root's (and a package without
// its own keeps the root's), as dbt's RelationUpdate picks one updater per
// installed package (tests/functional/dependencies/test_local_dependency.py).
func TestPackageNamingMacrosAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/naming.sql", `{% macro generate_schema_name(custom_schema_name=none, node=none) -%}
  {{ target.schema }}_root{% if custom_schema_name %}_{{ custom_schema_name }}{% endif %}
{%- endmacro %}
`)
	writeFile(t, dir, "dbt_packages/dep/dbt_project.yml", "name: dep\n")
	writeFile(t, dir, "dbt_packages/dep/macros/naming.sql", `{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
  {{ node.name ~ '_subpackage_generate_alias_name' }}
{%- endmacro %}
{% macro generate_schema_name(custom_schema_name=none, node=none) -%}
  {{ dep_schema() }}
{%- endmacro %}
{% macro dep_schema() %}dep_own{% endmacro %}
`)
	writeFile(t, dir, "dbt_packages/dep/seeds/seed.csv", "id\n1\n")
	writeFile(t, dir, "dbt_packages/dep/models/dep_model.sql", "select * from {{ ref('seed') }}\n")
	writeFile(t, dir, "dbt_packages/other/dbt_project.yml", "name: other\n")
	writeFile(t, dir, "dbt_packages/other/models/other_model.sql", "select 2 as id\n")
	writeFile(t, dir, "models/m.sql", "select * from {{ ref('dep_model') }}\n")
	mustElt(t, dir, "build")
	for rel, want := range map[string]string{
		"dep_own.seed_subpackage_generate_alias_name":      "1",
		"dep_own.dep_model_subpackage_generate_alias_name": "1",
		"main_root.m":           "1",
		"main_root.other_model": "2",
	} {
		if got := rowsOf(t, dir, rel); got != want {
			t.Errorf("%s: got %q, want %q", rel, got, want)
		}
	}
}

// TestDuplicateMacrosAsDBT: two macros of one name in a project are
// refused with dbt's DuplicateMacroInPackageError, naming both files, in
// one file or two (dbt's duplicates/test_duplicate_macro.py).
func TestDuplicateMacrosAsDBT(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"same file": {"macros/macro.sql": "{% macro some_macro() %}{% endmacro %}\n{% macro some_macro() %}{% endmacro %}\n"},
		"two files": {"macros/one.sql": "{% macro some_macro() %}{% endmacro %}\n", "macros/two.sql": "\n{% macro some_macro() %}{% endmacro %}\n"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, "models/model.sql", "select 1 as value\n")
			for f, body := range files {
				writeFile(t, dir, f, body)
			}
			res := elt(t, dir, "parse")
			out := res.stdout + res.stderr
			if res.code != exitUsage || !strings.Contains(out, `dbt found two macros named "some_macro" in the project "p"`) {
				t.Fatalf("want exit %d and dbt's message, got %d\n%s", exitUsage, res.code, out)
			}
			for f := range files {
				if !strings.Contains(out, f) {
					t.Errorf("the message does not name %s:\n%s", f, out)
				}
			}
		})
	}
}
