package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// semanticYML declares a semantic model with a measure that creates its
// own metric, a derived metric reading one metric twice, and a saved query.
const semanticYML = `version: 2
semantic_models:
  - name: orders
    model: ref('orders')
    defaults: {agg_time_dimension: ordered_at}
    entities:
      - {name: order_id, type: primary}
    dimensions:
      - name: ordered_at
        type: time
        type_params: {time_granularity: day}
    measures:
      - {name: amount, agg: sum}
      - {name: avg_amount, agg: average, expr: amount, create_metric: true}
      - {name: big_amount, agg: max, expr: amount, label: Biggest, description: the largest order, create_metric: true}
metrics:
  - name: amount
    label: Amount
    type: simple
    type_params: {measure: amount}
  - name: amount_growth
    label: Growth
    type: derived
    type_params:
      expr: cur - prev
      metrics:
        - {name: amount, alias: cur}
        - {name: amount, alias: prev, offset_window: 1 month}
saved_queries:
  - name: sq
    query_params:
      metrics: [amount]
      group_by: ["TimeDimension('metric_time', 'day')"]
      where: ["{{ TimeDimension('metric_time', 'day') }} > '2020-01-01'"]
    exports:
      - name: sq_export
        config: {export_as: table}
`

// semanticProject is a DuckDB project with an orders model and, in
// models/marts/sl.yml, the resources of semanticYML.
func semanticProject(t *testing.T) string {
	t.Helper()
	dir := miniProject(t, "")
	writeFile(t, dir, "models/orders.sql", "select 1 as order_id, 10 as amount, date '2024-01-01' as ordered_at\n")
	writeFile(t, dir, "models/marts/sl.yml", semanticYML)
	writeFile(t, dir, "models/metricflow_time_spine.sql", "select date '2024-01-01' as date_day\n")
	return dir
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSemanticMeasureCreatesMetric: a measure with create_metric: true
// creates a simple metric, as dbt's semantic model parser does.
func TestSemanticMeasureCreatesMetric(t *testing.T) {
	dir := semanticProject(t)
	res := mustElt(t, dir, "parse")
	if !strings.Contains(res.stdout, "4 metrics") {
		t.Errorf("found stats:\n%s", res.stdout)
	}
	metrics := readManifest(t, dir)["metrics"].(map[string]any)
	var ids []string
	for id := range metrics {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if got, want := strings.Join(ids, " "), "metric.p.amount metric.p.amount_growth metric.p.avg_amount metric.p.big_amount"; got != want {
		t.Fatalf("metrics: got %s, want %s", got, want)
	}
	avg := metrics["metric.p.avg_amount"].(map[string]any)
	tp := avg["type_params"].(map[string]any)
	for k, want := range map[string]any{
		"name": "avg_amount", "label": "avg_amount", "description": "Metric created from measure avg_amount",
		"type": "simple", "path": "marts/sl.yml", "original_file_path": "models/marts/sl.yml",
	} {
		if avg[k] != want {
			t.Errorf("avg_amount %s: got %v, want %v", k, avg[k], want)
		}
	}
	if got := jsonOf(avg["unrendered_config"]); got != `{"enabled":true}` {
		t.Errorf("unrendered_config: %s", got)
	}
	if got := jsonOf(avg["fqn"]); got != `["p","marts","avg_amount"]` {
		t.Errorf("fqn: %s", got)
	}
	if tp["expr"] != "avg_amount" || tp["measure"].(map[string]any)["name"] != "avg_amount" {
		t.Errorf("type_params: %v", tp)
	}
	if got := jsonOf(avg["depends_on"]); got != `{"macros":[],"nodes":["semantic_model.p.orders"]}` {
		t.Errorf("depends_on: %s", got)
	}
	if got := jsonOf(tp["input_measures"]); got != `[{"alias":null,"fill_nulls_with":null,"filter":null,"join_to_timespine":false,"name":"avg_amount"}]` {
		t.Errorf("input_measures: %s", got)
	}
	big := metrics["metric.p.big_amount"].(map[string]any)
	if big["label"] != "Biggest" || big["description"] != "the largest order" {
		t.Errorf("big_amount label %v description %v", big["label"], big["description"])
	}
	if res := mustElt(t, dir, "ls", "-s", "metric:avg_amount"); strings.TrimSpace(res.stdout) != "metric:p.avg_amount" {
		t.Errorf("ls metric:avg_amount: %q", res.stdout)
	}

	// A metric declared with the name of a measure that creates one is a duplicate.
	writeFile(t, dir, "models/dup.yml", "version: 2\nmetrics:\n  - {name: avg_amount, label: A, type: simple, type_params: {measure: amount}}\n")
	if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, `dbt found two metrics with the name "avg_amount"`) {
		t.Errorf("duplicate: exit %d\n%s", res.code, res.stderr)
	}
}

// TestSemanticConfigTagsGroups: metrics, saved queries and semantic models
// get their group, meta, tags and unrendered_config from their config as
// dbt sets them, and are selected by fqn, tag: and group: as in dbt.
func TestSemanticConfigTagsGroups(t *testing.T) {
	dir := miniProject(t, "saved-queries:\n  p:\n    +tags: nightly\nmetrics:\n  p:\n    +meta: {tier: t1}\n")
	writeFile(t, dir, "models/orders.sql", "select 1 as order_id, 10 as amount, date '2024-01-01' as ordered_at\n")
	writeFile(t, dir, "models/metricflow_time_spine.sql", "select date '2024-01-01' as date_day\n")
	writeFile(t, dir, "models/marts/sl.yml", `version: 2
groups:
  - {name: fin, owner: {name: F}}
  - {name: idle, owner: {name: I}}
semantic_models:
  - name: orders
    model: ref('orders')
    config: {group: fin, meta: {team: y}}
    defaults: {agg_time_dimension: ordered_at}
    entities:
      - {name: order_id, type: primary, config: {meta: {pk: true}}}
    dimensions:
      - {name: ordered_at, type: time, type_params: {time_granularity: day}}
    measures:
      - {name: amount, agg: sum, config: {meta: {team: z}}}
metrics:
  - name: amount
    label: Amount
    type: simple
    type_params: {measure: amount}
    tags: [money]
    config: {tags: [finance], group: fin, meta: {owner: x}}
saved_queries:
  - name: sq
    tags: [weekly, finance]
    query_params: {metrics: [amount]}
    config: {tags: [finance], group: fin}
`)
	mustElt(t, dir, "parse")
	m := readManifest(t, dir)
	mt := m["metrics"].(map[string]any)["metric.p.amount"].(map[string]any)
	for k, want := range map[string]string{
		"group": `"fin"`, "meta": `{"owner":"x","tier":"t1"}`, "tags": `["money"]`,
		// As dbt: the config block's keys replace the project's, unmerged.
		"unrendered_config": `{"group":"fin","meta":{"owner":"x"},"tags":["finance"]}`,
	} {
		if got := jsonOf(mt[k]); got != want {
			t.Errorf("metric %s: got %s, want %s", k, got, want)
		}
	}
	sq := m["saved_queries"].(map[string]any)["saved_query.p.sq"].(map[string]any)
	for k, want := range map[string]string{
		"group": `"fin"`, "tags": `["finance","nightly","weekly"]`,
		"unrendered_config": `{"group":"fin","tags":["finance"]}`,
	} {
		if got := jsonOf(sq[k]); got != want {
			t.Errorf("saved query %s: got %s, want %s", k, got, want)
		}
	}
	sm := m["semantic_models"].(map[string]any)["semantic_model.p.orders"].(map[string]any)
	for k, want := range map[string]string{
		"group": `"fin"`, "unrendered_config": `{"group":"fin","meta":{"team":"y"}}`,
		// Each element's config meta is the semantic model's under its own.
		"entities": `[{"config":{"meta":{"pk":true,"team":"y"}},"description":null,"expr":null,"label":null,"name":"order_id","role":null,"type":"primary"}]`,
	} {
		if got := jsonOf(sm[k]); got != want {
			t.Errorf("semantic model %s: got %s, want %s", k, got, want)
		}
	}

	if got := jsonOf(sm["measures"].([]any)[0].(map[string]any)["config"]); got != `{"meta":{"team":"z"}}` {
		t.Errorf("measure config: %s", got)
	}
	// As dbt's group_map: nodes, then saved queries, semantic models and
	// metrics; a group with none of them, [].
	if got := jsonOf(m["group_map"]); got != `{"fin":["saved_query.p.sq","semantic_model.p.orders","metric.p.amount"],"idle":[]}` {
		t.Errorf("group_map: %s", got)
	}

	for _, c := range []struct{ sel, want string }{
		{"orders", "p.orders semantic_model:p.orders"},
		{"amount", "metric:p.amount"},
		{"sq", "saved_query:p.sq"},
		{"p.marts", "metric:p.amount saved_query:p.sq semantic_model:p.orders"},
		{"tag:finance", "saved_query:p.sq"},
		{"tag:money", "metric:p.amount"},
		{"group:fin", "metric:p.amount"},
	} {
		res := mustElt(t, dir, "ls", "-q", "-s", c.sel)
		got := strings.Fields(res.stdout)
		sort.Strings(got)
		if strings.Join(got, " ") != c.want {
			t.Errorf("ls -s %s: got %q, want %q", c.sel, got, c.want)
		}
	}
}

// TestSemanticMetricInputMeasuresOnce: a derived metric that reads one
// metric twice lists its measure once, as dbt's add_input_measure does.
func TestSemanticMetricInputMeasuresOnce(t *testing.T) {
	dir := semanticProject(t)
	mustElt(t, dir, "parse")
	mt := readManifest(t, dir)["metrics"].(map[string]any)["metric.p.amount_growth"].(map[string]any)
	got := jsonOf(mt["type_params"].(map[string]any)["input_measures"])
	if want := `[{"alias":null,"fill_nulls_with":null,"filter":null,"join_to_timespine":false,"name":"amount"}]`; got != want {
		t.Errorf("input_measures: got %s, want %s", got, want)
	}
	if got := jsonOf(mt["depends_on"]); got != `{"macros":[],"nodes":["metric.p.amount"]}` {
		t.Errorf("depends_on: %s", got)
	}
}

// TestManifestChildMapUnitTests: child_map has a list for every unit test,
// as parent_map has, as in dbt.
func TestManifestChildMapUnitTests(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "models/b.sql", "select id * 2 as id2 from {{ ref('a') }}\n")
	writeFile(t, dir, "models/ut.yml", "unit_tests:\n  - name: ut_b\n    model: b\n    given:\n      - {input: ref('a'), rows: [{id: 2}]}\n    expect:\n      rows: [{id2: 4}]\n")
	mustElt(t, dir, "parse")
	m := readManifest(t, dir)
	children, ok := m["child_map"].(map[string]any)["unit_test.p.b.ut_b"]
	if !ok || jsonOf(children) != "[]" {
		t.Errorf("child_map of the unit test: %v (present %v), want []", children, ok)
	}
	if got := jsonOf(m["child_map"].(map[string]any)["model.p.b"]); got != `["unit_test.p.b.ut_b"]` {
		t.Errorf("child_map of b: %s", got)
	}
	pm, cm := m["parent_map"].(map[string]any), m["child_map"].(map[string]any)
	for id := range pm {
		if _, ok := cm[id]; !ok {
			t.Errorf("%s is in parent_map, not in child_map", id)
		}
	}
}

// TestSemanticBadWindowsAndExports: a metric window that is not "<count>
// <granularity>" and a saved query export whose export_as is not table or
// view fail the load at their line, as dbt's parse fails.
func TestSemanticBadWindowsAndExports(t *testing.T) {
	for _, c := range []struct {
		name, yml string
		want      string
	}{
		{"no space", "metrics:\n  - name: cumw\n    label: C\n    type: cumulative\n    type_params:\n      measure: amount\n      cumulative_type_params: {window: 3weeks}\n",
			`models/bad.yml:8:40: metric "cumw": window "3weeks" is not a count and a granularity`},
		{"count not a number", "metrics:\n  - name: cumw\n    label: C\n    type: cumulative\n    type_params:\n      measure: amount\n      window: x weeks\n",
			`models/bad.yml:8:15: metric "cumw": window "x weeks": count "x" is not a whole number`},
		{"offset window", "metrics:\n  - name: g\n    label: G\n    type: derived\n    type_params:\n      expr: a\n      metrics:\n        - {name: amount, alias: a, offset_window: 1 month ago}\n",
			`models/bad.yml:9:51: metric "g": window "1 month ago" is not a count and a granularity`},
		{"export_as", "saved_queries:\n  - name: sq2\n    query_params: {metrics: [amount]}\n    exports:\n      - name: e\n        config: {export_as: csv}\n",
			`models/bad.yml:7:29: saved query "sq2": export "e": export_as "csv" is not valid`},
		{"no export_as", "saved_queries:\n  - name: sq2\n    query_params: {metrics: [amount]}\n    exports:\n      - name: e\n",
			`models/bad.yml:6:9: saved query "sq2": export "e" has no export_as`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := semanticProject(t)
			writeFile(t, dir, "models/bad.yml", "version: 2\n"+c.yml)
			res := elt(t, dir, "parse")
			if res.code != 2 || !strings.Contains(res.stderr, c.want) {
				t.Errorf("exit %d, want 2 and %q\n%s", res.code, c.want, res.stderr)
			}
		})
	}
	// Well-formed windows load: plural and upper-case grains, custom grains.
	dir := semanticProject(t)
	writeFile(t, dir, "models/good.yml", "version: 2\nmetrics:\n  - name: cumw\n    label: C\n    type: cumulative\n    type_params:\n      measure: amount\n      cumulative_type_params: {window: 3 Weeks}\n"+
		"saved_queries:\n  - name: sq2\n    query_params: {metrics: [amount]}\n    config: {export_as: view}\n    exports:\n      - name: e\n")
	mustElt(t, dir, "parse")
}

// TestSavedQueryExportAsFromProject: an export with no export_as of its
// own takes the one dbt_project.yml sets for its saved query, as dbt's
// saved query parser merges the saved query's whole config (project and
// YAML) into each export's.
func TestSavedQueryExportAsFromProject(t *testing.T) {
	dir := semanticProject(t)
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nsaved-queries:\n  p:\n    sq2:\n      +export_as: view\n")
	writeFile(t, dir, "models/more.yml", "version: 2\nsaved_queries:\n  - name: sq2\n    query_params: {metrics: [amount]}\n    exports:\n      - name: e\n")
	mustElt(t, dir, "parse")
	sq := readManifest(t, dir)["saved_queries"].(map[string]any)["saved_query.p.sq2"].(map[string]any)
	if got, want := jsonOf(sq["exports"]), `[{"config":{"alias":"e","database":"p","export_as":"view","schema_name":"main"},"name":"e","unrendered_config":{}}]`; got != want {
		t.Errorf("exports:\n got %s\nwant %s", got, want)
	}
}

// TestSemanticManifestShapes: saved queries and semantic models are
// written with every key dbt writes, None and defaults included, the
// saved query's where as where_filters and its exports' config completed
// with the relation dbt would name.
func TestSemanticManifestShapes(t *testing.T) {
	dir := semanticProject(t)
	mustElt(t, dir, "parse")
	m := readManifest(t, dir)
	sq := m["saved_queries"].(map[string]any)["saved_query.p.sq"].(map[string]any)
	sm := m["semantic_models"].(map[string]any)["semantic_model.p.orders"].(map[string]any)
	for _, c := range []struct {
		what string
		got  any
		want string
	}{
		{"query_params", sq["query_params"], `{"group_by":["TimeDimension('metric_time', 'day')"],"limit":null,"metrics":["amount"],"order_by":[],` +
			`"where":{"where_filters":[{"where_sql_template":"{{ TimeDimension('metric_time', 'day') }} \u003e '2020-01-01'"}]}}`},
		{"exports", sq["exports"], `[{"config":{"alias":"sq_export","database":"p","export_as":"table","schema_name":"main"},"name":"sq_export","unrendered_config":{"export_as":"table"}}]`},
		{"saved query config", sq["config"], `{"cache":{"enabled":false},"enabled":true,"export_as":null,"group":null,"meta":{},"schema":null}`},
		{"saved query keys", []any{sq["metadata"], sq["refs"], sq["tags"], sq["group"], sq["description"], sq["label"]}, `[null,[],[],null,null,null]`},
		{"entity", sm["entities"], `[{"config":{"meta":{}},"description":null,"expr":null,"label":null,"name":"order_id","role":null,"type":"primary"}]`},
		{"dimension", sm["dimensions"], `[{"config":{"meta":{}},"description":null,"expr":null,"is_partition":false,"label":null,"metadata":null,"name":"ordered_at","type":"time","type_params":{"time_granularity":"day","validity_params":null}}]`},
		{"measure", sm["measures"].([]any)[1], `{"agg":"average","agg_params":null,"agg_time_dimension":null,"config":{"meta":{}},"create_metric":false,"description":null,"expr":"amount","label":null,"name":"avg_amount","non_additive_dimension":null}`},
		{"semantic model keys", []any{sm["metadata"], sm["primary_entity"], sm["group"], sm["unrendered_config"], sm["defaults"]}, `[null,null,null,{},{"agg_time_dimension":"ordered_at"}]`},
	} {
		if got := jsonOf(c.got); got != c.want {
			t.Errorf("%s:\ngot  %s\nwant %s", c.what, got, c.want)
		}
	}

	// An export's own schema, alias and database, or the saved query's, are kept.
	writeFile(t, dir, "models/sq2.yml", `version: 2
saved_queries:
  - name: sq2
    query_params: {metrics: [amount], where: "{{ Dimension('order_id__x') }} = 1"}
    config: {export_as: view, schema: reports}
    exports:
      - name: e1
      - name: e2
        config: {export_as: table, schema: other, alias: e2_table}
`)
	mustElt(t, dir, "parse")
	sq2 := readManifest(t, dir)["saved_queries"].(map[string]any)["saved_query.p.sq2"].(map[string]any)
	if got, want := jsonOf(sq2["exports"]), `[{"config":{"alias":"e1","database":"p","export_as":"view","schema_name":"reports"},"name":"e1","unrendered_config":{}},`+
		`{"config":{"alias":"e2_table","database":"p","export_as":"table","schema_name":"other"},"name":"e2","unrendered_config":{"alias":"e2_table","export_as":"table","schema":"other"}}]`; got != want {
		t.Errorf("exports:\ngot  %s\nwant %s", got, want)
	}
	if got := jsonOf(sq2["query_params"].(map[string]any)["where"]); got != `{"where_filters":[{"where_sql_template":"{{ Dimension('order_id__x') }} = 1"}]}` {
		t.Errorf("where: %s", got)
	}
}

// TestSemanticManifestFile: parse, build and docs generate write
// target/semantic_manifest.json beside manifest.json, as dbt does, with
// dbt-semantic-interfaces' keys in their order, written as Python's
// json.dumps writes them.
func TestSemanticManifestFile(t *testing.T) {
	dir := semanticProject(t)
	writeFile(t, dir, "models/time_spine.sql", "select date '2024-01-01' as date_day\n")
	writeFile(t, dir, "models/time_spine.yml", "version: 2\nmodels:\n  - name: time_spine\n    time_spine:\n      standard_granularity_column: date_day\n"+
		"      custom_granularities: [{name: fiscal_year, column_name: date_day}]\n    columns:\n      - {name: date_day, granularity: day}\n")
	writeFile(t, dir, "models/metricflow_time_spine.sql", "select date '2024-01-01' as date_day\n")
	writeFile(t, dir, "models/more.yml", "version: 2\nmetrics:\n  - name: caf\n    label: Café\n    type: simple\n    type_params: {measure: amount}\n    config: {meta: {k: v}}\n")
	read := func() string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "target", "semantic_manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	mustElt(t, dir, "parse")
	got := read()
	for _, want := range []string{
		`{"semantic_models": [{"name": "orders", "defaults": {"agg_time_dimension": "ordered_at"}, "description": null, ` +
			`"node_relation": {"alias": "orders", "schema_name": "main", "database": "p", "relation_name": "\"p\".\"main\".\"orders\""}, "primary_entity": null, ` +
			`"entities": [{"name": "order_id", "description": null, "type": "primary", "role": null, "expr": null, "metadata": null, "label": null, "config": {"meta": {}}}], ` +
			`"measures": [{"name": "amount", "agg": "sum", "description": null, "create_metric": false, "expr": null, "agg_params": null, "metadata": null, ` +
			`"non_additive_dimension": null, "agg_time_dimension": null, "label": null, "config": {"meta": {}}}, `,
		`"dimensions": [{"name": "ordered_at", "description": null, "type": "time", "is_partition": false, "type_params": {"time_granularity": "day", "validity_params": null}, ` +
			`"expr": null, "metadata": null, "label": null, "config": {"meta": {}}}], "label": null, "metadata": null, "config": {"meta": {}}}], "metrics": [`,
		`{"name": "caf", "description": "", "type": "simple", "type_params": {"measure": {"name": "amount", "filter": null, "alias": null, "join_to_timespine": false, "fill_nulls_with": null}, ` +
			`"numerator": null, "denominator": null, "expr": null, "window": null, "grain_to_date": null, "metrics": [], "conversion_type_params": null, "cumulative_type_params": null, ` +
			`"input_measures": [{"name": "amount", "filter": null, "alias": null, "join_to_timespine": false, "fill_nulls_with": null}], "metric_aggregation_params": null, ` +
			`"join_to_timespine": false, "fill_nulls_with": null}, "filter": null, "metadata": null, "label": "Caf\u00e9", "config": {"meta": {"k": "v"}}, "time_granularity": null}`,
		`"project_configuration": {"time_spine_table_configurations": [{"location": "\"p\".\"main\".\"metricflow_time_spine\"", "column_name": "date_day", "grain": "day"}], ` +
			`"metadata": null, "dsi_package_version": {"major_version": "0", "minor_version": "9", "patch_version": "2"}, ` +
			`"time_spines": [{"node_relation": {"alias": "time_spine", "schema_name": "main", "database": "p", "relation_name": "\"p\".\"main\".\"time_spine\""}, ` +
			`"primary_column": {"name": "date_day", "time_granularity": "day"}, "custom_granularities": [{"name": "fiscal_year", "column_name": "date_day"}]}]}, `,
		`"saved_queries": [{"name": "sq", "query_params": {"metrics": ["amount"], "group_by": ["TimeDimension('metric_time', 'day')"], "order_by": [], "limit": null, ` +
			`"where": {"where_filters": [{"where_sql_template": "{{ TimeDimension('metric_time', 'day') }} > '2020-01-01'"}]}}, "description": null, "metadata": null, "label": null, ` +
			`"exports": [{"name": "sq_export", "config": {"export_as": "table", "schema_name": "main", "alias": "sq_export"}}], "tags": []}]}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("semantic_manifest.json lacks\n%s\ngot\n%s", want, got)
		}
	}
	if strings.HasSuffix(got, "\n") {
		t.Errorf("semantic_manifest.json ends in a newline; dbt's does not")
	}
	for _, args := range [][]string{{"build"}, {"docs", "generate"}} {
		if err := os.Remove(filepath.Join(dir, "target", "semantic_manifest.json")); err != nil {
			t.Fatal(err)
		}
		mustElt(t, dir, args...)
		if read() != got {
			t.Errorf("elt %s wrote another semantic_manifest.json", strings.Join(args, " "))
		}
	}
}

// TestSemanticNeedsTimeSpine: semantic models without a time spine at day
// granularity or finer fail the load, as dbt's parse fails; a time_spine:
// model at day, or the legacy metricflow_time_spine model, will do.
func TestSemanticNeedsTimeSpine(t *testing.T) {
	dir := semanticProject(t)
	if err := os.Remove(filepath.Join(dir, "models", "metricflow_time_spine.sql")); err != nil {
		t.Fatal(err)
	}
	want := "models/marts/sl.yml:3:5: The semantic layer requires a time spine model with granularity DAY or smaller in the project, but none was found."
	if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("without a time spine: exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
	}
	writeFile(t, dir, "models/spine.sql", "select date '2024-01-01' as date_day\n")
	spine := "version: 2\nmodels:\n  - name: spine\n    time_spine: {standard_granularity_column: date_day}\n    columns:\n      - {name: date_day, granularity: %s}\n"
	writeFile(t, dir, "models/spine.yml", fmt.Sprintf(spine, "month"))
	if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("with a monthly time spine: exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
	}
	writeFile(t, dir, "models/spine.yml", fmt.Sprintf(spine, "hour"))
	mustElt(t, dir, "parse")
}

// TestBehaviourFlagsAsDBT: dbt 1.10's behaviour flags that check a
// project are accepted either way and do what dbt's do when true:
// require_nested_cumulative_type_params refuses a cumulative metric's
// window outside cumulative_type_params; validate_macro_args warns of
// macros: entries unlike their macro's signature and gives the manifest
// every macro's arguments; the two others change nothing elt runs.
func TestBehaviourFlagsAsDBT(t *testing.T) {
	dir := semanticProject(t)
	flags := "flags:\n  require_nested_cumulative_type_params: true\n  validate_macro_args: true\n" +
		"  require_yaml_configuration_for_mf_time_spines: true\n  require_batched_execution_for_custom_microbatch_strategy: true\n"
	project := mustRead(t, filepath.Join(dir, "dbt_project.yml"))
	writeFile(t, dir, "dbt_project.yml", project+flags)
	writeFile(t, dir, "macros/m.sql", "{% macro m(a, b) %}{{ a }}{% endmacro %}\n{% macro n(x, y=1) %}{{ x }}{% endmacro %}\n")
	writeFile(t, dir, "macros/m.yml", `macros:
  - name: m
    arguments:
      - {name: a, type: "list[ str ]"}
      - {name: c, type: String}
  - name: n
    description: no arguments given
`)
	res := mustElt(t, dir, "parse")
	wantAll(t, res.stdout, "Argument c in yaml for macro m does not match the jinja definition.",
		"Argument c in the yaml for macro m has an invalid type.")
	if strings.Contains(res.stdout, "number of arguments") || strings.Contains(res.stdout, "Argument a") {
		t.Errorf("warnings beyond dbt's:\n%s", res.stdout)
	}
	macros := readManifest(t, dir)["macros"].(map[string]any)
	if got := jsonOf(macros["macro.p.n"].(map[string]any)["arguments"]); got != `[{"description":"","name":"x","type":null},{"description":"","name":"y","type":null}]` {
		t.Errorf("n's arguments: %s", got)
	}

	writeFile(t, dir, "models/marts/cum.yml", `metrics:
  - name: running_amount
    label: Running
    type: cumulative
    type_params: {measure: amount, window: 7 days}
`)
	res = elt(t, dir, "parse")
	if res.code != 2 || !strings.Contains(res.stdout+res.stderr, "models/marts/cum.yml:2:5: Cumulative fields `type_params.window` and `type_params.grain_to_date` should be nested") ||
		!strings.Contains(res.stdout+res.stderr, "Invalid metrics: running_amount.") {
		t.Errorf("old cumulative params: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	writeFile(t, dir, "dbt_project.yml", project)
	mustElt(t, dir, "parse")
}

// TestMacroPatchWithoutMacroWarnsAsDBT: a macros: entry whose macro does
// not exist in its package warns as dbt's MacroNotFoundForPatch, an error
// under --warn-error (partial_parsing's TestModels removes such a macro).
func TestMacroPatchWithoutMacroWarnsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "macros/m.yml", "macros:\n  - name: do_something\n    description: a test macro\n  - name: generate_schema_name\n")
	want := `macros/m.yml:2:5: warning: Found patch for macro "do_something" which was not found`
	res := mustElt(t, dir, "parse")
	if !strings.Contains(res.stdout+res.stderr, want) || !strings.Contains(res.stdout+res.stderr, `macro "generate_schema_name" which`) {
		t.Errorf("want %q and the same for a built-in macro the project does not define:\n%s%s", want, res.stdout, res.stderr)
	}
	if res := elt(t, dir, "--warn-error", "parse"); res.code != exitUsage {
		t.Errorf("--warn-error: want exit %d, got %d\n%s%s", exitUsage, res.code, res.stdout, res.stderr)
	}
	writeFile(t, dir, "macros/m.sql", "{% macro do_something() %}{% endmacro %}\n{% macro generate_schema_name(c, n) %}{{ target.schema }}{% endmacro %}\n")
	if res := mustElt(t, dir, "--warn-error", "parse"); strings.Contains(res.stdout+res.stderr, "Found patch") {
		t.Errorf("the macros exist, yet:\n%s%s", res.stdout, res.stderr)
	}
}

// TestDisabledResourcesListedAsDBT: exposures, metrics, semantic models
// and saved queries their config disables are listed under the
// manifest's disabled, as dbt's schema parsers add_disabled them, and
// nowhere else.
func TestDisabledResourcesListedAsDBT(t *testing.T) {
	dir := semanticProject(t)
	writeFile(t, dir, "models/marts/off.yml", `version: 2
exposures:
  - name: dash
    type: dashboard
    owner: {email: a@b.c}
    depends_on: ["ref('orders')"]
    config: {enabled: false}
metrics:
  - name: amount_off
    label: Off
    type: simple
    type_params: {measure: amount}
    config: {enabled: false}
semantic_models:
  - name: orders_off
    model: ref('orders')
    config: {enabled: false}
    entities:
      - {name: order_id, type: primary}
saved_queries:
  - name: sq_off
    query_params:
      metrics: [amount]
    config: {enabled: false}
`)
	mustElt(t, dir, "parse")
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Disabled                                         map[string][]map[string]any `json:"disabled"`
		Exposures, Metrics, SemanticModels, SavedQueries map[string]any
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"exposure.p.dash", "metric.p.amount_off", "semantic_model.p.orders_off", "saved_query.p.sq_off"} {
		list := m.Disabled[id]
		if len(list) != 1 {
			t.Errorf("disabled[%s]: %d entries, want 1", id, len(list))
			continue
		}
		cfg, _ := list[0]["config"].(map[string]any)
		if list[0]["unique_id"] != id || cfg["enabled"] != false {
			t.Errorf("disabled[%s]: unique_id %v, config %v", id, list[0]["unique_id"], cfg)
		}
	}
	if _, ok := m.Exposures["exposure.p.dash"]; ok {
		t.Error("the disabled exposure is among the exposures")
	}
	if _, ok := m.Metrics["metric.p.amount_off"]; ok {
		t.Error("the disabled metric is among the metrics")
	}
	if _, ok := m.Metrics["metric.p.amount"]; !ok {
		t.Error("the enabled metric is missing")
	}
}
