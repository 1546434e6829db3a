package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// metricModel calls metric() as dbt's functional tests do: at parse time
// it records each call and reads metric_name and package_name; compiled,
// each call is the metric's name and the metric's fields.
const metricModel = `{% set ms = [metric('amount'), metric('p', 'amount_growth')] %}
{% if not execute %}{{ config(metric_names=ms | map(attribute='metric_name') | list, packages=ms | map(attribute='package_name') | list) }}{% endif %}
-- {{ ms[0] }} {{ ms[1] }}
{% if execute %}-- {{ ms[0].label }} {{ ms[0].type }} {{ ms[0].type.value }} {{ ms[1].unique_id }} {{ ms[1].package_name }}{% endif %}
select * from {{ ref('orders') }}
`

// TestMetricCallAsDBT: a model calling metric() compiles to the metric's
// name, lists its calls under metrics and the metrics in depends_on.nodes
// after its refs (dbt's process_metrics), and is selected through them.
func TestMetricCallAsDBT(t *testing.T) {
	dir := semanticProject(t)
	writeFile(t, dir, "models/uses_metric.sql", metricModel)
	mustElt(t, dir, "compile", "-s", "uses_metric")
	compiled, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "p", "models", "uses_metric.sql"))
	if err != nil {
		t.Fatal(err)
	}
	want := "\n\n-- amount amount_growth\n-- Amount MetricType.SIMPLE simple metric.p.amount_growth p\nselect * from \"p\".\"main\".\"orders\""
	if string(compiled) != want {
		t.Errorf("compiled:\n got %q\nwant %q", compiled, want)
	}
	// Parsed again, from the render cache: the same.
	for _, again := range []bool{false, true} {
		if again {
			mustElt(t, dir, "parse")
		}
		n := readManifest(t, dir)["nodes"].(map[string]any)["model.p.uses_metric"].(map[string]any)
		if got := jsonOf(n["metrics"]); got != `[["amount"],["p","amount_growth"]]` {
			t.Errorf("metrics (again %v): %s", again, got)
		}
		if got := jsonOf(n["depends_on"].(map[string]any)["nodes"]); got != `["model.p.orders","metric.p.amount","metric.p.amount_growth"]` {
			t.Errorf("depends_on.nodes (again %v): %s", again, got)
		}
	}
	n := readManifest(t, dir)["nodes"].(map[string]any)["model.p.uses_metric"].(map[string]any)
	cfg := n["config"].(map[string]any)
	if got := jsonOf([]any{cfg["metric_names"], cfg["packages"]}); got != `[["amount","amount_growth"],[null,"p"]]` {
		t.Errorf("parse-time metric_name, package_name: %s", got)
	}
	res := mustElt(t, dir, "ls", "-s", "+uses_metric")
	if got, want := strings.Fields(res.stdout), "metric:p.amount metric:p.amount_growth p.orders p.uses_metric semantic_model:p.orders"; strings.Join(got, " ") != want {
		t.Errorf("ls -s +uses_metric:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	res = mustElt(t, dir, "ls", "-s", "metric:amount_growth+")
	if got, want := strings.Fields(res.stdout), "metric:p.amount_growth p.uses_metric"; strings.Join(got, " ") != want {
		t.Errorf("ls -s metric:amount_growth+:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	mustElt(t, dir, "build", "-s", "+uses_metric")
}

// TestMetricCallErrorsAsDBT: a metric() call to no metric, or to a
// disabled one, fails the parse with dbt's TargetNotFoundError at the
// call's line; one the parse did not see fails its compile; a singular
// test's is a warning and disables the test; bad arguments are dbt's
// errors.
func TestMetricCallErrorsAsDBT(t *testing.T) {
	dir := semanticProject(t)
	writeFile(t, dir, "models/disabled.yml", "metrics:\n  - {name: switched_off, label: Off, type: simple, type_params: {measure: amount}, config: {enabled: false}}\n")
	for _, c := range []struct{ sql, want string }{
		{"select 1 as x\n-- {{ metric('amout') }}\n",
			"models/bad.sql:2: Model 'model.p.bad' (models/bad.sql) depends on a metric named 'amout' which was not found\n  hint: did you mean 'amount'?"},
		{"select 1 as x\n\n-- {{ metric('q', 'amount') }}\n",
			"models/bad.sql:3: Model 'model.p.bad' (models/bad.sql) depends on a metric named 'amount' in package or project 'q' which was not found"},
		{"select 1 as x\n-- {{ metric('switched_off') }}\n",
			"models/bad.sql:2: Model 'model.p.bad' (models/bad.sql) depends on a metric named 'switched_off' which is disabled"},
		{"select 1 as x\n-- {{ metric('a', 'b', 'c') }}\n", "models/bad.sql:2:13: metric() takes at most two arguments (3 given)"},
		{"select 1 as x\n-- {{ metric(1) }}\n", "models/bad.sql:2:13: The name argument to metric() must be a string, got <class 'int'>"},
	} {
		writeFile(t, dir, "models/bad.sql", c.sql)
		if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%q: exit %d, want 2 and %q\n%s", c.sql, res.code, c.want, res.stderr)
		}
	}
	writeFile(t, dir, "models/bad.sql", "select 1 as x\n{% if execute %}-- {{ metric('amout') }}{% endif %}\n")
	mustElt(t, dir, "parse")
	want := "models/bad.sql:2:29: Model 'model.p.bad' (models/bad.sql) depends on a metric named 'amout' which was not found or is disabled"
	if res := elt(t, dir, "compile", "-s", "bad"); res.code == 0 || !strings.Contains(res.stderr, want) {
		t.Errorf("compile: exit %d, want %q\n%s", res.code, want, res.stderr)
	}
	if err := os.Remove(filepath.Join(dir, "models", "bad.sql")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "tests/t.sql", "select 1 as x where false\n-- {{ metric('amout') }}\n")
	res := mustElt(t, dir, "parse")
	want = "tests/t.sql:2: warning: Test 'test.p.t' (tests/t.sql) depends on a metric named 'amout' in package '' which was not found"
	if !strings.Contains(res.stdout+res.stderr, want) {
		t.Errorf("singular test: want %q\n%s%s", want, res.stdout, res.stderr)
	}
	if res := mustElt(t, dir, "ls", "-s", "t"); strings.TrimSpace(res.stdout) != "" {
		t.Errorf("the test is disabled, ls lists %q", res.stdout)
	}
}

// TestMetricNameRulesAsDBT: a metric's name is refused by dbt's rules
// (UnparsedMetric.validate), each broken rule named in its message.
func TestMetricNameRulesAsDBT(t *testing.T) {
	dir := semanticProject(t)
	for name, want := range map[string]string{
		"'number of people'":     "The metric name 'number of people' is invalid.  It cannot contain spaces, must contain only letters, numbers and underscores",
		"'number_of_people!'":    "The metric name 'number_of_people!' is invalid.  It must contain only letters, numbers and underscores",
		"1_number_of_people":     "The metric name '1_number_of_people' is invalid.  It must begin with a letter",
		"_people":                "The metric name '_people' is invalid.  It must begin with a letter",
		strings.Repeat("a", 251): "The metric name '" + strings.Repeat("a", 251) + "' is invalid.  It cannot contain more than 250 characters",
	} {
		writeFile(t, dir, "models/names.yml", "metrics:\n  - name: "+name+"\n    label: People\n    type: simple\n    type_params: {measure: amount}\n")
		want = "models/names.yml:2:5: " + want + "\n"
		if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, want) {
			t.Errorf("%s: exit %d, want 2 and %q\n%s", name, res.code, want, res.stderr)
		}
	}
	writeFile(t, dir, "models/names.yml", "metrics:\n  - name: people_count_2\n    label: People\n    type: simple\n    type_params: {measure: amount}\n")
	mustElt(t, dir, "parse")
}

// TestSemanticEnabledMustBeBoolean: as dbt's config validation, a
// metric's, semantic model's or saved query's enabled that is not a
// boolean stops the parse.
func TestSemanticEnabledMustBeBoolean(t *testing.T) {
	dir := semanticProject(t)
	writeFile(t, dir, "models/more.yml", "metrics:\n  - name: people\n    label: People\n    type: simple\n    type_params: {measure: amount}\n    config:\n      enabled: True and False\n")
	want := "models/more.yml:7:16: metric \"people\": at path ['enabled']: 'True and False' is not of type 'boolean'"
	if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
	}
	writeFile(t, dir, "models/more.yml", "metrics:\n  - name: people\n    label: People\n    type: simple\n    type_params: {measure: amount}\n    config:\n      enabled: false\n")
	mustElt(t, dir, "parse")
}

// TestSemanticDisabledReferencesAsDBT: a metric on a measure of a
// disabled semantic model, or reading a disabled metric, stops the parse
// with dbt's messages (_process_metric_depends_on, _process_metric_node).
func TestSemanticDisabledReferencesAsDBT(t *testing.T) {
	dir := semanticProject(t)
	writeFile(t, dir, "models/off.yml", `semantic_models:
  - name: returns
    model: ref('orders')
    config: {enabled: false}
    defaults: {agg_time_dimension: ordered_at}
    entities: [{name: order_id, type: primary}]
    dimensions: [{name: ordered_at, type: time, type_params: {time_granularity: day}}]
    measures: [{name: returned, agg: sum, expr: amount}]
metrics:
  - {name: returned_total, label: Returned, type: simple, type_params: {measure: returned}}
  - {name: hidden, label: Hidden, type: simple, type_params: {measure: amount}, config: {enabled: false}}
  - {name: twice_hidden, label: Twice, type: derived, type_params: {expr: hidden * 2, metrics: [hidden]}}
`)
	res := elt(t, dir, "parse")
	for _, want := range []string{
		"models/off.yml:10:5: metric.p.returned_total: The measure `returned` is referenced on disabled semantic model `returns`.",
		"models/off.yml:12:5: metric.p.twice_hidden: The metric `hidden` is disabled and thus cannot be referenced.",
	} {
		if res.code != 2 || !strings.Contains(res.stderr, want) {
			t.Errorf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
		}
	}
}

// TestExposureMetricAsDBT: an exposure's depends_on takes metric('name')
// and metric('package', 'name') (dbt's ExposureMetricResolver); a metric
// not found is dbt's TargetNotFoundError at the entry's line.
func TestExposureMetricAsDBT(t *testing.T) {
	dir := semanticProject(t)
	exposure := "exposures:\n  - name: dash\n    type: dashboard\n    owner: {name: x}\n    depends_on:\n      - metric('p', 'amount')\n      - metric('%s')\n"
	writeFile(t, dir, "models/exp.yml", strings.Replace(exposure, "%s", "amount_growth", 1))
	mustElt(t, dir, "parse")
	x := readManifest(t, dir)["exposures"].(map[string]any)["exposure.p.dash"].(map[string]any)
	if got := jsonOf([]any{x["metrics"], x["depends_on"]}); got != `[[["p","amount"],["amount_growth"]],{"macros":[],"nodes":["metric.p.amount","metric.p.amount_growth"]}]` {
		t.Errorf("metrics, depends_on: %s", got)
	}
	writeFile(t, dir, "models/exp.yml", strings.Replace(exposure, "%s", "amout", 1))
	want := "models/exp.yml:7:9: Exposure 'exposure.p.dash' (models/exp.yml) depends on a metric named 'amout' which was not found"
	if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
	}
}

// TestMetricFieldsAsDBT: compiled, metric() reads the metric as dbt's
// ResolvedMetricReference: type_params and filter print as dbt's
// dataclasses, and the dependency helpers walk its input metrics.
func TestMetricFieldsAsDBT(t *testing.T) {
	dir := semanticProject(t)
	writeFile(t, dir, "models/fields.sql", `{% set m = metric('amount_growth') %}
{% if execute %}-- {{ m.type_params }}
-- {{ m.filter }} {{ m.input_metrics | length }} {{ m.type_params.metrics[1].offset_window.granularity }}
-- {{ m.full_metric_dependency() | sort }} {{ m.base_metric_dependency() }} {{ m.derived_metric_dependency() }} {{ m.derived_metric_dependency_depth() }}{% endif %}
select 1 as x
`)
	mustElt(t, dir, "compile", "-s", "fields")
	compiled, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "p", "models", "fields.sql"))
	if err != nil {
		t.Fatal(err)
	}
	want := "\n-- MetricTypeParams(measure=None, input_measures=[MetricInputMeasure(name='amount', filter=None, alias=None, join_to_timespine=False, fill_nulls_with=None)], " +
		"numerator=None, denominator=None, expr='cur - prev', window=None, grain_to_date=None, metrics=[MetricInput(name='amount', filter=None, alias='cur', offset_window=None, offset_to_grain=None), " +
		"MetricInput(name='amount', filter=None, alias='prev', offset_window=MetricTimeWindow(count=1, granularity='month'), offset_to_grain=None)], conversion_type_params=None, cumulative_type_params=None)\n" +
		"-- None 2 month\n" +
		"-- ['amount', 'amount_growth'] ['amount'] ['amount_growth'] [{'amount_growth': 1}]\nselect 1 as x"
	if string(compiled) != want {
		t.Errorf("compiled:\n got %q\nwant %q", compiled, want)
	}
}

// TestExposureEnabledMustBeBoolean: as dbt's ExposureConfig validation,
// an exposure's enabled that is not a boolean stops the parse.
func TestExposureEnabledMustBeBoolean(t *testing.T) {
	dir := semanticProject(t)
	writeFile(t, dir, "models/exp.yml", "exposures:\n  - name: dash\n    type: dashboard\n    owner: {name: x}\n    config: {enabled: 'yes please'}\n    depends_on: [\"ref('orders')\"]\n")
	want := "models/exp.yml:5:23: exposure \"dash\": at path ['enabled']: 'yes please' is not of type 'boolean'"
	if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
	}
}

// TestSemanticAggTimeDimensionAsDBT: as dbt-semantic-interfaces'
// AggregationTimeDimensionRule, which dbt's parse runs when the project
// has metrics and semantic models, a measure's aggregation time dimension
// is a time dimension of its semantic model, and is set.
func TestSemanticAggTimeDimensionAsDBT(t *testing.T) {
	dir := semanticProject(t)
	yml := strings.Replace(semanticYML, "defaults: {agg_time_dimension: ordered_at}", "defaults: {agg_time_dimension: order_id}", 1)
	writeFile(t, dir, "models/marts/sl.yml", yml)
	want := "models/marts/sl.yml:3:5: In semantic model 'orders', measure 'amount' has the aggregation time dimension set to 'order_id', which is not a valid time dimension in the semantic model"
	if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
	}
	yml = strings.Replace(semanticYML, "    defaults: {agg_time_dimension: ordered_at}\n", "", 1)
	writeFile(t, dir, "models/marts/sl.yml", yml)
	want = "models/marts/sl.yml:3:5: An error occurred while checking aggregation time dimension for a semantic model - AssertionError: Aggregation time dimension for measure amount is not set!"
	if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
	}
	// Set on the measure itself, it needs no default.
	yml = strings.Replace(yml, "{name: amount, agg: sum}", "{name: amount, agg: sum, agg_time_dimension: ordered_at}", 1)
	yml = strings.ReplaceAll(yml, "create_metric: true}", "create_metric: true, agg_time_dimension: ordered_at}")
	writeFile(t, dir, "models/marts/sl.yml", yml)
	mustElt(t, dir, "parse")
}

// TestSemanticNamesAndPrimaryEntityAsDBT: dbt-semantic-interfaces'
// UniqueAndValidNameRule and PrimaryEntityRule, which dbt's parse runs.
func TestSemanticNamesAndPrimaryEntityAsDBT(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{"- name: amount\n    label: Amount", "- name: Amount\n    label: Amount",
			"models/marts/sl.yml:17:5: Invalid name `Amount` - names may only contain lower case letters, numbers, and underscores."},
		{"{name: order_id, type: primary}", "{name: order__id, type: primary}",
			"models/marts/sl.yml:3:5: Invalid name `order__id` - names may only contain lower case letters"},
		{"{name: amount, agg: sum}", "{name: week, agg: sum}",
			"Invalid name `week` - names cannot match reserved time granularity keywords (['NANOSECOND', 'MICROSECOND', 'MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'])"},
		{"{name: amount, agg: sum}", "{name: metric_time, agg: sum}",
			"Invalid name `metric_time` - this name is reserved by MetricFlow. Reason: Used as the query input for creating time series metrics from measures with different time dimension names."},
		{"{name: order_id, type: primary}", "{name: order_id, type: foreign}",
			"models/marts/sl.yml:3:5: The semantic model orders contains dimensions, but it does not define a primary entity. Either add an entity with type PRIMARY or set a value for the primary_entity key."},
		{"{name: order_id, type: primary}", "{name: order_id, type: primary}\n      - {name: other_id, type: primary}",
			"Semantic models can have only one primary entity. The semantic model `orders` has 2: order_id, other_id"},
		{"    entities:\n", "    primary_entity: order\n    entities:\n",
			"The semantic model `orders` has an entity named `order_id` with type primary but it also has the `primary_entity` field set to `order`. Both should not be present in the model."},
	} {
		semanticParseFails(t, semanticProject(t), c.to, semanticEdit(t, c.from, c.to), c.want)
	}
}

// TestSemanticMeasureRulesAsDBT: dbt-semantic-interfaces'
// SemanticModelDefaultsRule, CountAggregationExprRule,
// PercentileAggregationRule and SemanticModelMeasuresUniqueRule, which
// dbt's parse runs.
func TestSemanticMeasureRulesAsDBT(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{"defaults: {agg_time_dimension: ordered_at}", "defaults: {agg_time_dimension: order_id}",
			"models/marts/sl.yml:3:5: Default aggregation time dimension was specified as 'order_id' which doesn't exist as a time dimension in semantic model named 'orders'."},
		{"{name: amount, agg: sum}", "{name: amount, agg: count}",
			"models/marts/sl.yml:3:5: Measure 'amount' uses a COUNT aggregation, which requires an expr to be provided. Provide 'expr: 1' if a count of all rows is desired."},
		{"{name: amount, agg: sum}", "{name: amount, agg: count, expr: distinct order_id}",
			"Measure 'amount' uses a 'count' aggregation with a DISTINCT expr: 'distinct order_id'. This is not supported"},
		{"{name: amount, agg: sum}", "{name: amount, agg: percentile}",
			"Measure 'amount' uses a PERCENTILE aggregation, which requires agg_params.percentile to be provided."},
		{"{name: amount, agg: sum}", "{name: amount, agg: percentile, agg_params: {percentile: 1}}",
			"Percentile aggregation parameter for measure 'amount' is '1.0', but must be between 0 and 1 (non-inclusive)."},
		{"{name: amount, agg: sum}", "{name: amount, agg: median, agg_params: {percentile: 0.4}}",
			"Measure 'amount' uses a MEDIAN aggregation, while percentile is set to '0.4', a conflicting value."},
		{"metrics:\n", "  - name: returns\n    model: ref('orders')\n    defaults: {agg_time_dimension: ordered_at}\n    entities: [{name: return_id, type: primary}]\n" +
			"    dimensions: [{name: ordered_at, type: time, type_params: {time_granularity: day}}]\n    measures: [{name: amount, agg: sum}]\nmetrics:\n",
			"models/marts/sl.yml:16:5: Found measure with name amount in multiple semantic models with names (['orders'])"},
	} {
		semanticParseFails(t, semanticProject(t), c.to, semanticEdit(t, c.from, c.to), c.want)
	}
}

// TestBuiltinsMetricAsDBT: dbt's builtins hold every context member, so
// a project whose macro named metric shadows the builtin still reaches it.
func TestBuiltinsMetricAsDBT(t *testing.T) {
	dir := semanticProject(t)
	writeFile(t, dir, "macros/metric.sql", "{% macro metric(name) %}{{ return(builtins.metric(name)) }}{% endmacro %}\n")
	writeFile(t, dir, "models/via_builtins.sql", "-- {{ metric('amount') }}\nselect 1 as x\n")
	mustElt(t, dir, "compile", "-s", "via_builtins")
	n := readManifest(t, dir)["nodes"].(map[string]any)["model.p.via_builtins"].(map[string]any)
	if got := jsonOf([]any{n["metrics"], n["depends_on"].(map[string]any)["nodes"], n["compiled_code"]}); got != `[[["amount"]],["metric.p.amount"],"-- amount\nselect 1 as x"]` {
		t.Errorf("metrics, depends_on.nodes, compiled_code: %s", got)
	}
}

// TestSemanticLabelsAsDBT: dbt-semantic-interfaces' MetricLabelsRule and
// SemanticModelLabelsRule, which dbt's parse runs.
func TestSemanticLabelsAsDBT(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{"label: Growth", "label: Amount",
			"models/marts/sl.yml:21:5: Can't use label `Amount` for  metric `amount_growth` as it's already used for metric `amount`"},
		{"{name: avg_amount, agg: average, expr: amount, create_metric: true}", "{name: avg_amount, label: Biggest, agg: average, expr: amount}",
			"models/marts/sl.yml:3:5: Measure labels must be unique within a semantic model. The label `Biggest` was used for 2 measures on semantic model `orders"},
	} {
		semanticParseFails(t, semanticProject(t), c.to, semanticEdit(t, c.from, c.to), c.want)
	}
}

// TestDerivedMetricRuleAsDBT: dbt-semantic-interfaces' DerivedMetricRule,
// which dbt's parse runs: errors stop it, warnings are shown.
func TestDerivedMetricRuleAsDBT(t *testing.T) {
	derived := "  - {name: d, label: D, type: derived, type_params: %s}\n"
	for _, c := range []struct{ params, want string }{
		{"{expr: x}", "No input metrics found for derived metric 'dd'. Please add metrics to type_params.metrics."},
		{"{expr: amount * 2, metrics: [amount, {name: avg_amount, alias: amount}]}",
			"Alias 'amount' for input metric: 'avg_amount' is already being used. Please choose another alias."},
		{"{expr: cur, metrics: [{name: amount, alias: cur, offset_window: 1 day, offset_to_grain: day}]}",
			"Both offset_window and offset_to_grain set for derived metric 'dd' on input metric 'amount'. Please set one or the other."},
		{"{expr: cur, metrics: [{name: amount, alias: cur, offset_to_grain: fortnight}]}",
			"Invalid time granularity found in `offset_to_grain`: 'fortnight'. Custom granularities are not supported for this field yet."},
	} {
		dir := semanticProject(t)
		writeFile(t, dir, "models/marts/sl.yml", semanticYML[:strings.Index(semanticYML, "saved_queries:")]+
			strings.Replace(fmt.Sprintf(derived, c.params), "name: d,", "name: dd,", 1))
		if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%s: exit %d, want 2 and %q\n%s", c.params, res.code, c.want, res.stderr)
		}
	}
	dir := semanticProject(t)
	writeFile(t, dir, "models/marts/sl.yml", semanticYML[:strings.Index(semanticYML, "saved_queries:")]+
		"  - {name: dd, label: D, type: derived, type_params: {expr: cur * 2, metrics: [{name: amount, alias: cur}, avg_amount]}}\n")
	res := mustElt(t, dir, "parse")
	want := "warning: Input metric 'avg_amount' is not used in `expr`: 'cur * 2' for derived metric 'dd'. Please update the `expr` or remove the input metric."
	if !strings.Contains(res.stdout+res.stderr, want) {
		t.Errorf("want %q\n%s%s", want, res.stdout, res.stderr)
	}
}

// TestSemanticReservedKeywordsAsDBT: dbt-semantic-interfaces'
// ReservedKeywordsRule, which dbt's parse runs.
func TestSemanticReservedKeywordsAsDBT(t *testing.T) {
	dir := semanticProject(t)
	yml := strings.Replace(semanticYML, "{name: amount, agg: sum}", "{name: amount, agg: sum}\n      - {name: from, agg: sum, expr: amount}", 1)
	yml = strings.Replace(yml, "{name: order_id, type: primary}", "{name: order_id, type: primary}\n      - {name: select, type: foreign, expr: order_id}", 1)
	writeFile(t, dir, "models/marts/sl.yml", yml)
	res := elt(t, dir, "parse")
	for _, want := range []string{
		"models/marts/sl.yml:3:5: 'select' is an SQL reserved keyword, and thus cannot be used as an entity 'name'",
		"models/marts/sl.yml:3:5: 'from' is an SQL reserved keyword, and thus cannot be used as a measure 'name'.",
	} {
		if res.code != 2 || !strings.Contains(res.stderr, want) {
			t.Errorf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
		}
	}
}

// TestSemanticElementConsistencyAsDBT: dbt-semantic-interfaces'
// ElementConsistencyRule, which dbt's parse runs: a name is one kind of
// element across semantic models.
func TestSemanticElementConsistencyAsDBT(t *testing.T) {
	dir := semanticProject(t)
	yml := strings.Replace(semanticYML, "metrics:\n", "  - name: returns\n    model: ref('orders')\n    defaults: {agg_time_dimension: ordered_at}\n"+
		"    entities: [{name: return_id, type: primary}]\n    dimensions: [{name: ordered_at, type: time, type_params: {time_granularity: day}}]\n"+
		"    measures: [{name: order_id, agg: sum, expr: amount}]\nmetrics:\n", 1)
	writeFile(t, dir, "models/marts/sl.yml", yml)
	res := elt(t, dir, "parse")
	for _, want := range []string{
		"models/marts/sl.yml:3:5: In semantic models {'orders'}, element `order_id` is of type SemanticModelElementType.ENTITY, but it is used as types " +
			"[<SemanticModelElementType.ENTITY: 'entity'>, <SemanticModelElementType.MEASURE: 'measure'>] across the model.",
		"models/marts/sl.yml:16:5: In semantic models {'returns'}, element `order_id` is of type SemanticModelElementType.MEASURE, but it is used as types",
	} {
		if res.code != 2 || !strings.Contains(res.stderr, want) {
			t.Errorf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
		}
	}
}

// TestSemanticPrimaryEntityDimensionPairsAsDBT: dbt-semantic-interfaces'
// PrimaryEntityDimensionPairs, which dbt's parse runs.
func TestSemanticPrimaryEntityDimensionPairsAsDBT(t *testing.T) {
	dir := semanticProject(t)
	yml := strings.Replace(semanticYML, "metrics:\n", "  - name: order_facts\n    model: ref('orders')\n    defaults: {agg_time_dimension: ordered_at}\n"+
		"    entities: [{name: order_id, type: primary}]\n    dimensions: [{name: ordered_at, type: time, type_params: {time_granularity: day}}]\n"+
		"    measures: [{name: fact_total, agg: sum, expr: amount}]\nmetrics:\n", 1)
	writeFile(t, dir, "models/marts/sl.yml", yml)
	want := "models/marts/sl.yml:16:5: Duplicate dimension + primary entity pairing detected, dimension + primary entity pairings must be unique. " +
		"Semantic model `order_facts` has a primary entity of `order_id` and dimension `ordered_at`, but this pairing is already in use on semantic model `orders`."
	if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
	}
}

// TestSemanticDimensionConsistencyAsDBT: dbt-semantic-interfaces'
// DimensionConsistencyRule, which dbt's parse runs.
func TestSemanticDimensionConsistencyAsDBT(t *testing.T) {
	dir := semanticProject(t)
	yml := strings.Replace(semanticYML, "metrics:\n", "  - name: returns\n    model: ref('orders')\n    defaults: {agg_time_dimension: returned_at}\n"+
		"    entities: [{name: return_id, type: primary}]\n"+
		"    dimensions: [{name: returned_at, type: time, type_params: {time_granularity: day}}, {name: ordered_at, type: categorical, is_partition: true}]\n"+
		"    measures: [{name: returned, agg: sum, expr: amount}]\nmetrics:\n", 1)
	writeFile(t, dir, "models/marts/sl.yml", yml)
	res := elt(t, dir, "parse")
	for _, want := range []string{
		"models/marts/sl.yml:16:5: In semantic model `returns`, type conflict for dimension `ordered_at` - already in model as type `DimensionType.TIME` but got `DimensionType.CATEGORICAL`",
		"models/marts/sl.yml:16:5: In semantic model `returns, conflicting is_partition attribute for dimension `DimensionReference(element_name='ordered_at')` - already in model with is_partition as `False` but got `True``",
	} {
		if res.code != 2 || !strings.Contains(res.stderr, want) {
			t.Errorf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
		}
	}
}

// TestSemanticEntityLabelsAsDBT: dbt-semantic-interfaces'
// EntityLabelsRule, which dbt's parse runs.
func TestSemanticEntityLabelsAsDBT(t *testing.T) {
	dir := semanticProject(t)
	yml := strings.Replace(semanticYML, "{name: order_id, type: primary}", "{name: order_id, type: primary, label: Order}", 1)
	yml = strings.Replace(yml, "metrics:\n", "  - name: returns\n    model: ref('orders')\n    defaults: {agg_time_dimension: returned_at}\n"+
		"    entities: [{name: return_id, type: primary}, {name: order_id, type: foreign, label: The order}]\n"+
		"    dimensions: [{name: returned_at, type: time, type_params: {time_granularity: day}}]\n"+
		"    measures: [{name: returned, agg: sum, expr: amount}]\nmetrics:\n", 1)
	writeFile(t, dir, "models/marts/sl.yml", yml)
	want := "models/marts/sl.yml:16:5: Entities with the same name must have the same label or the label must be `None`. Entity `order_id` on semantic model `returns` has label `The order` but the same entity on semantic model `orders`"
	if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
	}
}

// TestSemanticNonAdditiveDimensionAsDBT: dbt-semantic-interfaces'
// MeasuresNonAdditiveDimensionRule, which dbt's parse runs.
func TestSemanticNonAdditiveDimensionAsDBT(t *testing.T) {
	for _, c := range []struct{ na, want string }{
		{"{name: nope}", "Measure 'amount' has a non_additive_dimension with name 'nope' that is not defined as a dimension in semantic model 'orders'."},
		{"{name: ordered_at, window_choice: sum}", "Measure 'amount' has a non_additive_dimension with an invalid 'window_choice' of 'sum'. Only choices supported are 'min' or 'max'."},
		{"{name: ordered_at, window_groupings: [customer]}", "Measure 'amount' has a non_additive_dimension with an invalid 'window_groupings'. These entities {'customer'} do not exist in the semantic model."},
	} {
		dir := semanticProject(t)
		yml := strings.Replace(semanticYML, "{name: amount, agg: sum}", "{name: amount, agg: sum, non_additive_dimension: "+c.na+"}", 1)
		writeFile(t, dir, "models/marts/sl.yml", yml)
		if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, "models/marts/sl.yml:3:5: "+c.want) {
			t.Errorf("%s: exit %d, want 2 and %q\n%s", c.na, res.code, c.want, res.stderr)
		}
	}
	dir := semanticProject(t)
	writeFile(t, dir, "models/marts/sl.yml", strings.Replace(semanticYML, "{name: amount, agg: sum}",
		"{name: amount, agg: sum, non_additive_dimension: {name: ordered_at, window_choice: max, window_groupings: [order_id]}}", 1))
	mustElt(t, dir, "parse")
}

// TestCumulativeMetricRuleAsDBT: dbt-semantic-interfaces'
// CumulativeMetricRule, which dbt's parse runs.
func TestCumulativeMetricRuleAsDBT(t *testing.T) {
	for _, c := range []struct{ params, want string }{
		{"{measure: amount, cumulative_type_params: {window: 7 days, grain_to_date: month}}",
			"Both window and grain_to_date set for cumulative metric. Please set one or the other."},
		{"{measure: amount, cumulative_type_params: {grain_to_date: fortnight}}",
			"Invalid time granularity found in `grain_to_date`: 'fortnight'. Custom granularities are not supported for this field yet."},
	} {
		dir := semanticProject(t)
		writeFile(t, dir, "models/marts/sl.yml", semanticYML[:strings.Index(semanticYML, "saved_queries:")]+
			"  - {name: running, label: Running, type: cumulative, type_params: "+c.params+"}\n")
		if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, "models/marts/sl.yml:29:5: "+c.want) {
			t.Errorf("%s: exit %d, want 2 and %q\n%s", c.params, res.code, c.want, res.stderr)
		}
	}
}

// TestNaturalEntityRuleAsDBT: dbt-semantic-interfaces'
// NaturalEntityConfigurationRule, which dbt's parse runs.
func TestNaturalEntityRuleAsDBT(t *testing.T) {
	dir := semanticProject(t)
	writeFile(t, dir, "models/marts/sl.yml", strings.Replace(semanticYML, "{name: order_id, type: primary}",
		"{name: order_id, type: primary}\n      - {name: customer, type: natural, expr: order_id}", 1))
	want := "models/marts/sl.yml:3:5: The use of `natural` entities is currently supported only in conjunction with a validity window defined in the set of time dimensions " +
		"associated with the semantic model. Semantic model `orders` uses a natural entity ({'customer'}) but does not define a validity window!"
	if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
	}
}

// TestConversionMetricRuleAsDBT: dbt-semantic-interfaces'
// ConversionMetricRule, which dbt's parse runs.
func TestConversionMetricRuleAsDBT(t *testing.T) {
	conv := "  - {name: conv, label: Conv, type: conversion, type_params: {conversion_type_params: {base_measure: %s, conversion_measure: %s, entity: %s}}}\n"
	for _, c := range []struct{ base, conversion, entity, want string }{
		{"amount", "big_amount", "order_id", "For conversion metrics, the input measure must be COUNT/SUM(1)/COUNT_DISTINCT. Measure 'amount' is agg type: AggregationType.SUM"},
		{"orders_seen", "orders_seen", "customer", "Entity: customer not found in base semantic model: orders."},
	} {
		dir := semanticProject(t)
		yml := strings.Replace(semanticYML, "{name: amount, agg: sum}", "{name: amount, agg: sum}\n      - {name: orders_seen, agg: count, expr: 1}", 1)
		writeFile(t, dir, "models/marts/sl.yml", yml[:strings.Index(yml, "saved_queries:")]+fmt.Sprintf(conv, c.base, c.conversion, c.entity))
		if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%s: exit %d, want 2 and %q\n%s", c.want, res.code, c.want, res.stderr)
		}
	}
	dir := semanticProject(t)
	yml := strings.Replace(semanticYML, "{name: amount, agg: sum}", "{name: amount, agg: sum}\n      - {name: orders_seen, agg: count, expr: 1}", 1)
	writeFile(t, dir, "models/marts/sl.yml", yml[:strings.Index(yml, "saved_queries:")]+fmt.Sprintf(conv, "orders_seen", "orders_seen", "order_id"))
	mustElt(t, dir, "parse")
}

// semanticEdit is semanticYML with from replaced by to; from must be in it.
func semanticEdit(t *testing.T, from, to string) string {
	t.Helper()
	yml := strings.Replace(semanticYML, from, to, 1)
	if yml == semanticYML {
		t.Fatalf("%q is not in semanticYML", from)
	}
	return yml
}

// semanticParseFails writes yml as the semantic project's properties and
// checks that parse stops (exit 2) saying want; label names the case.
func semanticParseFails(t *testing.T, dir, label, yml, want string) {
	t.Helper()
	writeFile(t, dir, "models/marts/sl.yml", yml)
	if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("%s: exit %d, want 2 and %q\n%s", label, res.code, want, res.stderr)
	}
}
