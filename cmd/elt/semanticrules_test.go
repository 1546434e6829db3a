package main

import (
	"fmt"
	"strings"
	"testing"
)

// semanticRuleCase is a semantic layer YAML for semanticProject's
// models/marts/sl.yml and what elt parse says of it: the exit code and
// the lines it prints (none when want is empty).
type semanticRuleCase struct {
	name, yml string
	code      int
	want      []string
	// wantNot are texts that must not be printed.
	wantNot []string
}

// runSemanticRuleCases parses each case's project, checking its exit
// code and output.
func runSemanticRuleCases(t *testing.T, cases []semanticRuleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := semanticProject(t)
			writeFile(t, dir, "models/marts/sl.yml", c.yml)
			res := elt(t, dir, "parse")
			out := res.stdout + res.stderr
			if res.code != c.code {
				t.Errorf("exit %d, want %d\n%s", res.code, c.code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("want %q in\n%s", w, out)
				}
			}
			for _, w := range c.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("want no %q in\n%s", w, out)
				}
			}
		})
	}
}

// scdModel is a semantic model over orders with a validity window: its
// two time dimensions (from, to) and a natural entity.
const scdModel = `  - name: customer_history
    model: ref('orders')
    primary_entity: customer
    entities:
      - {name: customer, type: natural, expr: order_id}
    dimensions:
      - name: valid_from
        type: time
        expr: ordered_at
        type_params: {time_granularity: day, validity_params: {is_start: true}}
      - name: valid_to
        type: time
        expr: ordered_at
        type_params: {time_granularity: day, validity_params: {is_end: true}}
`

// withSemanticModel is semanticYML with model added to its semantic models.
func withSemanticModel(model string) string {
	return strings.Replace(semanticYML, "metrics:\n", model+"metrics:\n", 1)
}

// TestValidityWindowRuleAsDBT: dbt-semantic-interfaces'
// SemanticModelValidityWindowRule, which dbt's parse runs.
func TestValidityWindowRuleAsDBT(t *testing.T) {
	const rule = "validity param"
	runSemanticRuleCases(t, []semanticRuleCase{
		{name: "a window of two dimensions and a natural entity", yml: withSemanticModel(scdModel), wantNot: []string{rule}},
		{name: "one dimension both start and end", code: 2,
			yml: withSemanticModel(strings.Replace(scdModel[:strings.Index(scdModel, "      - name: valid_to")], "{is_start: true}", "{is_start: true, is_end: true}", 1)),
			want: []string{"models/marts/sl.yml:22:9: Semantic model customer_history has a single validity param dimension that defines its window: `valid_from`. " +
				"This is not a currently supported configuration! Semantic models using dimension validity params to define a validity window must have exactly two time dimensions " +
				"with validity params specified - one marked `is_start` and the other marked `is_end`. If you have one column defining a window, as in a daily snapshot table, " +
				"you can define a separate dimension and increment the time value in the `expr` field as a work-around."}},
		{name: "two starts, a primary entity, a measure, no natural entity", code: 2,
			yml: withSemanticModel(strings.NewReplacer("{is_end: true}", "{is_start: true}", "type: natural", "type: primary", "    primary_entity: customer\n", "",
				"    dimensions:\n", "    measures:\n      - {name: customers, agg: count_distinct, expr: order_id, agg_time_dimension: valid_from}\n    dimensions:\n").Replace(scdModel)),
			want: []string{
				"models/marts/sl.yml:23:9: Semantic model customer_history has two validity param dimensions defined, but does not have exactly one each marked with is_start and is_end! " +
					"Dimensions: ['valid_from', 'valid_to']. is_start dimensions: []. is_end dimensions: []. Semantic models using dimension",
				"models/marts/sl.yml:16:5: Semantic model customer_history has validity param dimensions defined, but does not have an entity with type `natural` set. " +
					"The natural key for this semantic model is what we use to process a validity window join. Primary or unique entities, if any, might be suitable for use as natural keys: (['customer']).",
				"models/marts/sl.yml:19:9: Semantic model customer_history has validity param dimensions defined and also has one or more entities designated as `primary` or `unique`. " +
					"This is not yet supported, as we do not currently process joins against these key types for semantic models with validity windows specified.",
				"models/marts/sl.yml:21:9: Semantic model customer_history has both measures and validity param dimensions defined. This is not currently supported! " +
					"Please remove either the measures or the validity params. Measure names: ['customers']. Validity param dimension names: ['valid_from', 'valid_to'].",
			}},
		{name: "three dimensions", code: 2,
			yml: withSemanticModel(scdModel + "      - name: valid_too\n        type: time\n        expr: ordered_at\n        type_params: {time_granularity: day, validity_params: {is_end: true}}\n"),
			want: []string{"Semantic model customer_history has 3 dimensions defined with validity params. They are: ['valid_from', 'valid_to', 'valid_too']. There must be either zero or two! " +
				"If you wish to define a validity window for this semantic model, please follow these requirements: Semantic models using"}},
	})
}

// TestTimeSpineRuleAsDBT: dbt-semantic-interfaces' TimeSpineRule, which
// dbt's parse runs: warnings, at the time_spine: of the model at fault,
// of two time spines at one granularity and of a time dimension finer
// than every time spine.
func TestTimeSpineRuleAsDBT(t *testing.T) {
	spines := func(grains ...string) string {
		s := "models:\n"
		for i, g := range grains {
			s += fmt.Sprintf("  - name: spine_%d\n    time_spine:\n      standard_granularity_column: at\n    columns:\n      - {name: at, granularity: %s}\n", i, g)
		}
		return s
	}
	cases := []struct {
		name, spines, dimGrain string
		want, wantNot          []string
	}{
		{"one spine per granularity, none finer", spines("day", "hour"), "hour", nil, []string{"time spine"}},
		{"two daily spines", spines("day", "day"), "day",
			[]string{`models/spines.yml:8:5: warning: Only one time spine is supported per granularity. Got duplicates: {'DAY': ['"p"."main"."spine_0"', '"p"."main"."spine_1"']}`},
			[]string{"smallest time dimension"}},
		{"a dimension finer than the spines", spines("day"), "minute",
			[]string{"models/spines.yml:3:5: warning: To avoid unexpected query errors, configuring a time spine at or below the smallest time dimension granularity is recommended. " +
				"Smallest time dimension granularity: MINUTE; Smallest time spine granularity: TimeGranularity.DAY"},
			[]string{"Only one time spine"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := semanticProject(t)
			writeFile(t, dir, "models/marts/sl.yml", strings.Replace(semanticYML, "{time_granularity: day}", "{time_granularity: "+c.dimGrain+"}", 1))
			for i := range strings.Count(c.spines, "- name:") {
				writeFile(t, dir, fmt.Sprintf("models/spine_%d.sql", i), "select current_timestamp as at\n")
			}
			writeFile(t, dir, "models/spines.yml", c.spines)
			res := mustElt(t, dir, "parse")
			out := res.stdout + res.stderr
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("want %q in\n%s", w, out)
				}
			}
			for _, w := range c.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("want no %q in\n%s", w, out)
				}
			}
		})
	}
}

// withMetrics is semanticYML with metrics added after its own.
func withMetrics(metrics string) string {
	return strings.Replace(semanticYML, "saved_queries:\n", metrics+"saved_queries:\n", 1)
}

// TestMeasureConstraintAliasesRuleAsDBT: dbt-semantic-interfaces'
// MeasureConstraintAliasesRule, which dbt's parse runs.
func TestMeasureConstraintAliasesRuleAsDBT(t *testing.T) {
	simple := func(name, measure string) string {
		return "  - {name: " + name + ", label: " + name + ", type: simple, type_params: {measure: " + measure + "}}\n"
	}
	const filtered = "{name: amount, filter: 'amount > 1', alias: %s}"
	spec := "name='amount' filter=PydanticWhereFilterIntersection(where_filters=[PydanticWhereFilter(where_sql_template='amount > 1')]) alias='big' join_to_timespine=False fill_nulls_with=None"
	runSemanticRuleCases(t, []semanticRuleCase{
		{name: "an alias of its own", yml: withMetrics(simple("big_orders", fmt.Sprintf(filtered, "big"))), wantNot: []string{"alias"}},
		{name: "an alias that is a measure's name", code: 2, yml: withMetrics(simple("big_orders", fmt.Sprintf(filtered, "avg_amount"))),
			want: []string{"models/marts/sl.yml:29:80: Alias `avg_amount` for measure `amount` conflicts with measure names defined elsewhere in the model! " +
				"This can cause ambiguity for certain types of query. Please choose another alias."}},
		{name: "an invalid alias", code: 2, yml: withMetrics(simple("big_orders", fmt.Sprintf(filtered, "Big"))),
			want: []string{"models/marts/sl.yml:29:80: Invalid name `Big` - names may only contain lower case letters"}},
		{name: "an alias two metrics use", code: 2, yml: withMetrics(simple("big_orders", fmt.Sprintf(filtered, "big")) + simple("big_again", fmt.Sprintf(filtered, "big"))),
			want: []string{"models/marts/sl.yml:30:78: Measure alias big conflicts with a measure alias used elsewhere in the model! This can cause ambiguity for certain types of query. " +
				"Please choose another alias, or, if the measures are constrained in the same way, consider centralizing that definition in a new semantic model. " +
				"Measure specification: " + spec + ". Existing metrics with that measure alias used: ['big_orders']"}},
		{name: "a ratio of two constrained versions of a measure", code: 2,
			yml: withMetrics(simple("over_one", "{name: amount, filter: 'amount > 1'}") + simple("over_two", "{name: amount, filter: 'amount > 2'}") +
				"  - {name: share, label: share, type: ratio, type_params: {numerator: over_two, denominator: over_one}}\n"),
			want: []string{"models/marts/sl.yml:31:5: PydanticMetric share depends on multiple different constrained versions of measure amount. In such cases, aliases must be provided, " +
				"but the following input measures have constraints specified without an alias: [" +
				"PydanticMetricInputMeasure(name='amount', filter=PydanticWhereFilterIntersection(where_filters=[PydanticWhereFilter(where_sql_template='amount > 2')]), alias=None, join_to_timespine=False, fill_nulls_with=None), " +
				"PydanticMetricInputMeasure(name='amount', filter=PydanticWhereFilterIntersection(where_filters=[PydanticWhereFilter(where_sql_template='amount > 1')]), alias=None, join_to_timespine=False, fill_nulls_with=None)]."}},
	})
}

// TestSavedQueryRuleAsDBT: dbt-semantic-interfaces' SavedQueryRule,
// which dbt's parse runs.
func TestSavedQueryRuleAsDBT(t *testing.T) {
	query := func(params string) string {
		return strings.Replace(semanticYML, `      group_by: ["TimeDimension('metric_time', 'day')"]`+"\n", params, 1)
	}
	const rule = "group-by"
	runSemanticRuleCases(t, []semanticRuleCase{
		{name: "group-by items, order-by among them, a limit",
			yml: query(`      group_by: ["TimeDimension('metric_time', 'day')", "Dimension('order_id__ordered_at')", "Entity('order_id')"]` + "\n" +
				`      order_by: ["Metric('amount').descending(True)", "TimeDimension('metric_time', 'day')", "Entity('order_id')"]` + "\n      limit: 10\n"),
			wantNot: []string{rule, "limit"}},
		{name: "a dimension without its entity", code: 2, yml: query(`      group_by: ["Dimension('ordered_at')"]` + "\n"),
			want: []string{"models/marts/sl.yml:33:18: An error occurred while trying to parse a group-by in saved query `sq` - " +
				"dbt_semantic_interfaces.call_parameter_sets.ParseJinjaObjectException: Name is in an incorrect format: 'ordered_at'. It should be of the form: <primary entity name>__<dimension_name>"}},
		{name: "a grain on an entity", code: 2, yml: query(`      group_by: ["TimeDimension('metric_time', 'day')", "Entity('order_id').grain('day')"]` + "\n"),
			want: []string{"models/marts/sl.yml:33:57: An error occurred while trying to parse a group-by in saved query `sq` - " +
				"dbt_semantic_interfaces.call_parameter_sets.ParseJinjaObjectException: Error while parsing Jinja template:\n{{Entity('order_id').grain('day')}}"}},
		{name: "an unknown dimension", code: 2, yml: query(`      group_by: ["Dimension('order_id__nope')"]` + "\n"),
			want: []string{"models/marts/sl.yml:33:18: `Dimension('order_id__nope')` is not a valid group-by name."}},
		{name: "an order-by item not queried", code: 2,
			yml:  query(`      group_by: ["TimeDimension('metric_time', 'day')"]` + "\n" + `      order_by: ["Dimension('order_id__ordered_at').descending(True)"]` + "\n"),
			want: []string{"models/marts/sl.yml:34:18: Dimension('order_id__ordered_at').descending(True) does not match any of the listed metrics or group-by items. "}},
		{name: "a descending time dimension in the group-by", code: 2,
			yml: query(`      group_by: ["TimeDimension('metric_time', 'day').descending(True)"]` + "\n"),
			want: []string{"models/marts/sl.yml:33:18: An error occurred while trying to parse a group-by in saved query `sq` - " +
				"dbt_semantic_interfaces.call_parameter_sets.ParseJinjaObjectException: Error while parsing Jinja template:\n{{TimeDimension('metric_time', 'day').descending(True)}}"}},
		{name: "a negative limit", code: 2, yml: query(`      group_by: ["TimeDimension('metric_time', 'day')"]` + "\n      limit: -1\n"),
			want: []string{"models/marts/sl.yml:34:14: Invalid limit value: -1 (should be >= 0)"}},
	})
}

// TestWhereFiltersRuleAsDBT: dbt-semantic-interfaces'
// WhereFiltersAreParseable, which dbt's parse runs.
func TestWhereFiltersRuleAsDBT(t *testing.T) {
	where := func(w string) string {
		return strings.Replace(semanticYML, `      where: ["{{ TimeDimension('metric_time', 'day') }} > '2020-01-01'"]`+"\n", w, 1)
	}
	metric := func(filter string) string {
		return strings.Replace(semanticYML, "    type_params: {measure: amount}\n", "    type_params: {measure: amount}\n    filter: \""+filter+"\"\n", 1)
	}
	grains := "['nanosecond', 'microsecond', 'millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year']"
	runSemanticRuleCases(t, []semanticRuleCase{
		{name: "filters that parse", yml: metric("{{ Dimension('order_id__ordered_at').grain('month') }} > '2020-01-01'"), wantNot: []string{"filter", "Filter"}},
		{name: "a metric filter's unknown granularity",
			yml:  metric("{{ Dimension('order_id__ordered_at').grain('fortnight') }} > '2020-01-01'"),
			want: []string{"models/marts/sl.yml:21:13: warning: Filter for SemanticManifestNodeType.METRIC `amount` is not valid. `fortnight` is not a valid granularity name. Valid granularity options: " + grains}},
		{name: "a metric filter that does not parse", code: 2,
			yml: metric("{{ Dimension('ordered_at') }} > '2020-01-01'"),
			want: []string{"models/marts/sl.yml:21:13: An error occurred while trying to parse filter of metric `amount` - dbt_semantic_interfaces.call_parameter_sets.ParseJinjaObjectException: " +
				"Encountered error(s) while parsing:\n\nFilter:\n    {{ Dimension('ordered_at') }} > '2020-01-01'\nError Message:\n    Name is in an incorrect format: 'ordered_at'. It should be of the form: <primary entity name>__<dimension_name>\nTraceback:"}},
		{name: "a saved query filter that does not parse", code: 2,
			yml: where(`      where: ["{{ Entity('order_id__day') }} = 1"]` + "\n"),
			want: []string{"models/marts/sl.yml:34:15: An error occurred while trying to parse a filter in saved query `sq` - dbt_semantic_interfaces.call_parameter_sets.ParseJinjaObjectException: " +
				"Name is in an incorrect format: 'order_id__day'. It should not contain a time grain suffix."}},
		{name: "a saved query filter's unknown granularity, once a filter",
			yml:  where(`      where: ["{{ TimeDimension('metric_time', 'fortnight') }} > '2020-01-01'", "1 = 1"]` + "\n"),
			want: []string{"models/marts/sl.yml:34:15: warning: Filter for SemanticManifestNodeType.SAVED_QUERY `sq` is not valid. `fortnight` is not a valid granularity name. Valid granularity options: " + grains}},
	})
}

// TestConversionMetricFilterAndPropertiesAsDBT: the rest of
// dbt-semantic-interfaces' ConversionMetricRule: a warning of a filter on
// the conversion measure, and an error for a constant property that is
// not an entity or dimension of its measure's semantic model.
func TestConversionMetricFilterAndPropertiesAsDBT(t *testing.T) {
	conv := func(params string) string {
		yml := strings.Replace(semanticYML, "{name: amount, agg: sum}", "{name: amount, agg: sum}\n      - {name: orders_seen, agg: count, expr: 1}", 1)
		return yml[:strings.Index(yml, "saved_queries:")] +
			"  - {name: conv, label: Conv, type: conversion, type_params: {conversion_type_params: {entity: order_id, " + params + "}}}\n"
	}
	runSemanticRuleCases(t, []semanticRuleCase{
		{name: "a filtered base measure, properties of the models",
			yml:     conv("base_measure: {name: orders_seen, filter: 'amount > 1', alias: seen_big}, conversion_measure: orders_seen, constant_properties: [{base_property: ordered_at, conversion_property: order_id}]"),
			wantNot: []string{"has a filter", "constant property"}},
		{name: "a filtered conversion measure", yml: conv("base_measure: orders_seen, conversion_measure: {name: orders_seen, filter: 'amount > 1', alias: seen_big}"),
			want: []string{"warning: Measure input 'orders_seen' has a filter. For conversion metrics, filtering on the conversion input is not fully supported yet. "}},
		{name: "an unknown constant property", code: 2,
			yml:  conv("base_measure: orders_seen, conversion_measure: orders_seen, constant_properties: [{base_property: nope, conversion_property: order_id}]"),
			want: []string{"The provided constant property: nope, cannot be found in semantic model orders"}},
	})
}

// TestCumulativeWindowRuleAsDBT: the rest of dbt-semantic-interfaces'
// CumulativeMetricRule: a window's granularity is a standard one, and a
// window written in type_params and cumulative_type_params is the same.
func TestCumulativeWindowRuleAsDBT(t *testing.T) {
	cumulative := func(params string) string {
		return withMetrics("  - {name: running, label: Running, type: cumulative, type_params: " + params + "}\n")
	}
	runSemanticRuleCases(t, []semanticRuleCase{
		{name: "a window of days", yml: cumulative("{measure: amount, cumulative_type_params: {window: 7 days}}"), wantNot: []string{"window"}},
		{name: "a window of fortnights", code: 2, yml: cumulative("{measure: amount, cumulative_type_params: {window: 7 fortnights}}"),
			want: []string{"models/marts/sl.yml:29:119: Invalid time granularity 'fortnights' in window: '7 fortnights'"}},
		{name: "two windows", code: 2, yml: cumulative("{measure: amount, window: 7 days, cumulative_type_params: {window: 14 days}}"),
			want: []string{"Got differing values for `window` on cumulative metric 'running'. In `type_params.window`, got 'count=7 granularity='day''. " +
				"In `type_params.cumulative_type_params.window`, got 'count=14 granularity='day''. Please remove the value from `type_params.window`."}},
	})
}
