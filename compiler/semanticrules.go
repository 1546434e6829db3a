package compiler

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// validateSemanticManifest runs, as dbt's parse does when the project has
// both metrics and semantic models (contracts/graph/semantic_manifest.py
// SemanticManifest.validate), the rules of dbt-semantic-interfaces'
// SemanticManifestValidator that elt checks; each problem is an error,
// in dbt-semantic-interfaces' words, at the semantic model's entry.
func (m *Manifest) validateSemanticManifest(l *diag.List, nodes []*Node) {
	p := m.Project
	hasMetrics, hasModels := false, false
	for _, r := range p.Semantic {
		hasMetrics = hasMetrics || r.Kind == project.Metric
		hasModels = hasModels || r.Kind == project.SemanticModel
	}
	if !hasMetrics || !hasModels {
		return
	}
	for _, id := range sortedKeys(p.Semantic) {
		r := p.Semantic[id]
		checkSemanticName(l, r, r.Name)
		if r.Kind != project.SemanticModel {
			continue
		}
		for _, key := range []string{"measures", "entities", "dimensions"} {
			list, _ := r.Raw[key].([]any)
			for _, x := range list {
				if xm, ok := x.(map[string]any); ok {
					if n, ok := xm["name"].(string); ok {
						checkSemanticName(l, r, n)
					}
				}
			}
		}
		checkReservedKeywords(l, r)
		checkNaturalEntities(l, r)
		checkPrimaryEntity(l, r)
		m.checkAggTimeDimensions(l, r)
		checkMeasureAggregations(l, r)
		checkNonAdditiveDimensions(l, r)
		checkValidityWindow(l, r)
	}
	checkMeasuresUnique(l, p)
	checkDimensionConsistency(l, p)
	checkElementConsistency(l, p)
	checkPrimaryEntityDimensionPairs(l, p)
	for _, r := range declared(p, project.Metric) {
		checkDerivedMetric(l, r)
		checkCumulativeMetric(l, r, customGrains(p))
		checkConversionMetric(l, p, r)
	}
	checkLabels(l, p)
	checkEntityLabels(l, p)
	checkTimeSpines(l, p, nodes)
	checkMeasureAliases(l, p)
	checkSavedQueries(l, p)
	checkWhereFilters(l, p)
}

// checkEntityLabels is EntityLabelsRule: entities of one name that have
// labels have the same label across semantic models.
func checkEntityLabels(l *diag.List, p *project.Project) {
	type info struct{ model, label string }
	known := map[string]info{}
	for _, r := range declared(p, project.SemanticModel) {
		entities, _ := r.Raw["entities"].([]any)
		for _, e := range entities {
			em, _ := e.(map[string]any)
			name, _ := em["name"].(string)
			label, ok := em["label"].(string)
			if !ok {
				continue
			}
			first, seen := known[name]
			switch {
			case !seen:
				known[name] = info{r.Name, label}
			case first.label != label:
				// dbt-semantic-interfaces' message, cut short as it is.
				l.Add(diag.Errorf(r.File, r.Pos, "give the entity the same label everywhere, or none",
					"Entities with the same name must have the same label or the label must be `None`. Entity `%s` on semantic model `%s` has label `%s` but the same entity on semantic model `%s`",
					name, r.Name, label, first.model))
			}
		}
	}
}

// checkDerivedMetric is DerivedMetricRule, but for the input metrics
// dbt's parse has already found: a derived metric has input metrics,
// their aliases are valid names and not another input's name, an input
// has offset_window or offset_to_grain (a standard granularity), not
// both; expr missing, or not naming an input, is a warning.
func checkDerivedMetric(l *diag.List, r *project.SemanticResource) {
	if t, _ := r.Raw["type"].(string); !strings.EqualFold(t, "derived") {
		return
	}
	tp, _ := r.Raw["type_params"].(map[string]any)
	var inputs []map[string]any
	list, _ := tp["metrics"].([]any)
	for _, x := range list {
		switch v := x.(type) {
		case map[string]any:
			inputs = append(inputs, v)
		case string:
			inputs = append(inputs, map[string]any{"name": v})
		}
	}
	if len(inputs) == 0 {
		l.Add(diag.Errorf(r.File, r.Pos, "list the metrics it reads under type_params.metrics",
			"No input metrics found for derived metric '%s'. Please add metrics to type_params.metrics.", r.Name))
	}
	used := map[string]bool{}
	for _, in := range inputs {
		n, _ := in["name"].(string)
		used[n] = true
	}
	for _, in := range inputs {
		name, _ := in["name"].(string)
		if alias, _ := in["alias"].(string); alias != "" {
			checkSemanticName(l, r, alias)
			if used[alias] {
				l.Add(diag.Errorf(r.File, r.Pos, "choose another alias",
					"Alias '%s' for input metric: '%s' is already being used. Please choose another alias.", alias, name))
				used[alias] = true
			}
		}
	}
	for _, in := range inputs {
		name, _ := in["name"].(string)
		grain, _ := in["offset_to_grain"].(string)
		if grain != "" && !slices.Contains(timeGrains, strings.ToLower(grain)) {
			l.Add(diag.Errorf(r.File, r.Pos, "use one of "+strings.Join(timeGrains, ", "),
				"Invalid time granularity found in `offset_to_grain`: '%s'. Custom granularities are not supported for this field yet.", grain))
		}
		if in["offset_window"] != nil && grain != "" {
			l.Add(diag.Errorf(r.File, r.Pos, "remove offset_window or offset_to_grain",
				"Both offset_window and offset_to_grain set for derived metric '%s' on input metric '%s'. Please set one or the other.", r.Name, name))
		}
	}
	expr := ""
	if e, ok := tp["expr"]; ok && e != nil {
		expr = fmt.Sprint(e)
	}
	if expr == "" {
		l.Add(diag.Warnf(r.File, r.Pos, "add an expr", "No `expr` set for derived metric %s. Please add an `expr` that references all input metrics.", r.Name).
			AsEvent("SemanticValidationFailure"))
		return
	}
	for _, in := range inputs {
		name, _ := in["alias"].(string)
		if name == "" {
			name, _ = in["name"].(string)
		}
		if !strings.Contains(expr, name) {
			l.Add(diag.Warnf(r.File, r.Pos, "use it in expr, or remove it",
				"Input metric '%s' is not used in `expr`: '%s' for derived metric '%s'. Please update the `expr` or remove the input metric.", name, expr, r.Name).
				AsEvent("SemanticValidationFailure"))
		}
	}
}

// declared are the project's semantic resources of kind in the order
// declared: by file, then line.
func declared(p *project.Project, kind project.ResourceType) []*project.SemanticResource {
	var out []*project.SemanticResource
	for _, r := range p.Semantic {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *project.SemanticResource) int {
		if a.File != b.File {
			return strings.Compare(a.File, b.File)
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Column - b.Pos.Column
	})
	return out
}

// checkLabels is MetricLabelsRule and SemanticModelLabelsRule: metrics,
// and semantic models, have labels of their own, and within a semantic
// model so do its dimensions, entities and measures.
func checkLabels(l *diag.List, p *project.Project) {
	for _, kind := range []project.ResourceType{project.Metric, project.SemanticModel} {
		what := strings.ReplaceAll(string(kind), "_", " ")
		seen := map[string]string{}
		for _, r := range declared(p, kind) {
			if r.Label == "" {
				continue
			}
			if first, ok := seen[r.Label]; ok {
				l.Add(diag.Errorf(r.File, r.Pos, "give it a label of its own",
					"Can't use label `%s` for  %s `%s` as it's already used for %s `%s`", r.Label, what, r.Name, what, first))
				continue
			}
			seen[r.Label] = r.Name
		}
	}
	for _, r := range declared(p, project.SemanticModel) {
		for _, el := range []struct{ key, singular, plural string }{{"dimensions", "Dimension", "dimensions"}, {"entities", "Entity", "entities"}, {"measures", "Measure", "measures"}} {
			counts := map[string]int{}
			var order []string
			list, _ := r.Raw[el.key].([]any)
			for _, x := range list {
				xm, _ := x.(map[string]any)
				if label, ok := xm["label"].(string); ok {
					if counts[label] == 0 {
						order = append(order, label)
					}
					counts[label]++
				}
			}
			for _, label := range order {
				if counts[label] > 1 {
					// dbt-semantic-interfaces' message, its missing backquote too.
					l.Add(diag.Errorf(r.File, r.Pos, "give each a label of its own",
						"%s labels must be unique within a semantic model. The label `%s` was used for %d %s on semantic model `%s",
						el.singular, label, counts[label], el.plural, r.Name))
				}
			}
		}
	}
}

// semanticMeasures are a semantic model's measures as written.
func semanticMeasures(r *project.SemanticResource) []map[string]any {
	var out []map[string]any
	list, _ := r.Raw["measures"].([]any)
	for _, x := range list {
		if mm, ok := x.(map[string]any); ok {
			out = append(out, mm)
		}
	}
	return out
}

// checkMeasuresUnique is SemanticModelMeasuresUniqueRule: a measure's
// name is in one semantic model only.
func checkMeasuresUnique(l *diag.List, p *project.Project) {
	seen := map[string][]string{}
	for _, id := range sortedKeys(p.Semantic) {
		r := p.Semantic[id]
		if r.Kind != project.SemanticModel {
			continue
		}
		for _, mm := range semanticMeasures(r) {
			name, _ := mm["name"].(string)
			if prev := seen[name]; len(prev) > 0 {
				quoted := make([]string, len(prev))
				for i, n := range prev {
					quoted[i] = jinja.Repr(n)
				}
				l.Add(diag.Errorf(r.File, r.Pos, "rename one of the measures",
					"Found measure with name %s in multiple semantic models with names ([%s])", name, strings.Join(quoted, ", ")))
			}
			seen[name] = append(seen[name], r.Name)
		}
	}
}

// checkMeasureAggregations is CountAggregationExprRule and
// PercentileAggregationRule: a count has an expr (and not a DISTINCT one),
// a percentile a percentile between 0 and 1, a median no other.
func checkMeasureAggregations(l *diag.List, r *project.SemanticResource) {
	for _, mm := range semanticMeasures(r) {
		name, _ := mm["name"].(string)
		agg, _ := mm["agg"].(string)
		agg = strings.ToLower(agg)
		params, _ := mm["agg_params"].(map[string]any)
		percentile, hasPercentile := params["percentile"]
		if percentile == nil {
			hasPercentile = false
		}
		switch agg {
		case "count":
			expr, hasExpr := mm["expr"]
			if !hasExpr || expr == nil {
				l.Add(diag.Errorf(r.File, r.Pos, "add expr: 1 to count every row",
					"Measure '%s' uses a COUNT aggregation, which requires an expr to be provided. Provide 'expr: 1' if a count of all rows is desired.", name))
			} else if s, ok := expr.(string); ok && strings.HasPrefix(strings.ToLower(s), "distinct ") {
				l.Add(diag.Errorf(r.File, r.Pos, "use agg: count_distinct",
					"Measure '%s' uses a 'count' aggregation with a DISTINCT expr: '%s'. This is not supported as it effectively converts an additive measure into a non-additive one, "+
						"and this could cause certain queries to return incorrect results. Please use the count_distinct aggregation type.", name, s))
			}
		case "percentile":
			f, isNum := toFloat(percentile)
			switch {
			case !hasPercentile:
				l.Add(diag.Errorf(r.File, r.Pos, "add agg_params: {percentile: 0.5}",
					"Measure '%s' uses a PERCENTILE aggregation, which requires agg_params.percentile to be provided.", name))
			case isNum && (f <= 0 || f >= 1):
				l.Add(diag.Errorf(r.File, r.Pos, "set a percentile between 0 and 1",
					"Percentile aggregation parameter for measure '%s' is '%s', but must be between 0 and 1 (non-inclusive). "+
						"For example, to indicate the 65th percentile value, set 'percentile: 0.65'. For percentile values of 0, please use MIN, "+
						"for percentile values of 1, please use MAX.", name, jinja.Repr(f)))
			}
		case "median":
			if f, isNum := toFloat(percentile); hasPercentile && isNum && f != 0.5 {
				l.Add(diag.Errorf(r.File, r.Pos, "remove agg_params.percentile",
					"Measure '%s' uses a MEDIAN aggregation, while percentile is set to '%s', a conflicting value. Please remove the parameter or set to '0.5'.",
					name, jinja.Repr(f)))
			}
			if b, _ := params["use_discrete_percentile"].(bool); b {
				l.Add(diag.Errorf(r.File, r.Pos, "remove agg_params.use_discrete_percentile",
					"Measure '%s' uses a MEDIAN aggregation, while use_discrete_percentile is set to true. Please remove the parameter or set to False.", name))
			}
		}
	}
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// semanticNameRe is UniqueAndValidNameRule's NAME_REGEX.
var semanticNameRe = lazyre.New(`^[a-z][a-z0-9_]*[a-z0-9]$`)

// metricFlowReserved are MetricFlowReservedKeywords, with the reason each
// is reserved.
var metricFlowReserved = map[string]string{
	"metric_time":      "Used as the query input for creating time series metrics from measures with different time dimension names.",
	"mf_internal_uuid": "Used internally to reference a column that has a uuid generated by MetricFlow.",
}

// checkSemanticName is UniqueAndValidNameRule.check_valid_name for a
// name of r or of one of its elements.
func checkSemanticName(l *diag.List, r *project.SemanticResource, name string) {
	if !semanticNameRe().MatchString(name) || strings.Contains(name, "__") {
		l.Add(diag.Errorf(r.File, r.Pos, "use lower case letters, digits and single underscores",
			"Invalid name `%s` - names may only contain lower case letters, numbers, and underscores. Additionally, names must start with a lower case letter, "+
				"cannot end with an underscore, cannot contain dunders (double underscores, or __), and must be at least 2 characters long.", name))
	}
	if slices.Contains(timeGrains, strings.ToLower(name)) {
		grains := make([]string, len(timeGrains))
		for i, g := range timeGrains {
			grains[i] = "'" + strings.ToUpper(g) + "'"
		}
		l.Add(diag.Errorf(r.File, r.Pos, "rename it", "Invalid name `%s` - names cannot match reserved time granularity keywords ([%s])",
			name, strings.Join(grains, ", ")))
	}
	if reason, ok := metricFlowReserved[strings.ToLower(name)]; ok {
		l.Add(diag.Errorf(r.File, r.Pos, "rename it", "Invalid name `%s` - this name is reserved by MetricFlow. Reason: %s", name, reason))
	}
}

// checkPrimaryEntity is PrimaryEntityRule: at most one primary entity,
// not both one and primary_entity, and a semantic model with dimensions
// has one or the other.
func checkPrimaryEntity(l *diag.List, r *project.SemanticResource) {
	var primaries []string
	entities, _ := r.Raw["entities"].([]any)
	for _, e := range entities {
		if em, ok := e.(map[string]any); ok {
			if t, _ := em["type"].(string); strings.EqualFold(t, "primary") {
				n, _ := em["name"].(string)
				primaries = append(primaries, n)
			}
		}
	}
	declared, _ := r.Raw["primary_entity"].(string)
	dims, _ := r.Raw["dimensions"].([]any)
	switch {
	case len(primaries) > 1:
		l.Add(diag.Errorf(r.File, r.Pos, "keep one entity of type primary",
			"Semantic models can have only one primary entity. The semantic model `%s` has %d: %s", r.Name, len(primaries), strings.Join(primaries, ", ")))
	case len(primaries) == 1 && declared != "":
		l.Add(diag.Errorf(r.File, r.Pos, "remove primary_entity, or the entity's type primary",
			"The semantic model `%s` has an entity named `%s` with type primary but it also has the `primary_entity` field set to `%s`. Both should not be present in the model.",
			r.Name, primaries[0], declared))
	case len(primaries) == 0 && declared == "" && len(dims) > 0:
		l.Add(diag.Errorf(r.File, r.Pos, "add an entity with type: primary, or primary_entity: <name>",
			"The semantic model %s contains dimensions, but it does not define a primary entity. Either add an entity with type PRIMARY or set a value for the primary_entity key.", r.Name))
	}
}

// checkAggTimeDimensions is AggregationTimeDimensionRule: each measure's
// agg_time_dimension (its own, else the semantic model's default) is a
// time dimension of the semantic model.
func (m *Manifest) checkAggTimeDimensions(l *diag.List, r *project.SemanticResource) {
	timeDims := map[string]bool{}
	dims, _ := r.Raw["dimensions"].([]any)
	for _, d := range dims {
		if dm, ok := d.(map[string]any); ok {
			if t, _ := dm["type"].(string); strings.EqualFold(t, "time") {
				if n, ok := dm["name"].(string); ok {
					timeDims[n] = true
				}
			}
		}
	}
	def := ""
	if d, ok := r.Raw["defaults"].(map[string]any); ok {
		def, _ = d["agg_time_dimension"].(string)
	}
	measures, _ := r.Raw["measures"].([]any)
	for _, me := range measures {
		mm, ok := me.(map[string]any)
		if !ok {
			continue
		}
		name, _ := mm["name"].(string)
		agg, _ := mm["agg_time_dimension"].(string)
		if agg == "" {
			agg = def
		}
		if agg == "" {
			// dbt-semantic-interfaces asserts it is set, and the rule
			// reports the failed assertion (validate_safely); the rule
			// stops at the first such measure.
			l.Add(diag.Errorf(r.File, r.Pos, "set agg_time_dimension on the measure, or defaults: {agg_time_dimension: ...} on the semantic model",
				"An error occurred while checking aggregation time dimension for a semantic model - AssertionError: Aggregation time dimension for measure %s is not set! "+
					"This should either be set directly on the measure specification in the model, or else defaulted to the primary time dimension in the data source containing the measure.", name))
			return
		}
		if !timeDims[agg] {
			l.Add(diag.Errorf(r.File, r.Pos, "name a dimension of type: time of the semantic model",
				"%s", fmt.Sprintf("In semantic model '%s', measure '%s' has the aggregation time dimension set to '%s', which is not a valid time dimension in the semantic model",
					r.Name, name, agg)))
		}
	}
	// SemanticModelDefaultsRule.
	if def != "" && !timeDims[def] {
		l.Add(diag.Errorf(r.File, r.Pos, "name a dimension of type: time of the semantic model",
			"Default aggregation time dimension was specified as '%s' which doesn't exist as a time dimension in semantic model named '%s'.", def, r.Name))
	}
}

// reservedKeywords are ReservedKeywordsRule's RESERVED_KEYWORDS: words
// reserved in every warehouse MetricFlow supports.
var reservedKeywords = wordSet("AND AS CREATE DISTINCT FOR FROM FULL HAVING IN INNER INTO IS JOIN LEFT LIKE NATURAL NOT NULL ON OR RIGHT SELECT UNION USING WHERE WITH")

func wordSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(s) {
		out[w] = true
	}
	return out
}

// checkReservedKeywords is ReservedKeywordsRule for a semantic model's
// dimensions, entities and measures.
func checkReservedKeywords(l *diag.List, r *project.SemanticResource) {
	for _, el := range []struct{ key, format string }{
		{"dimensions", "'%s' is an SQL reserved keyword, and thus cannot be used as a dimension 'name'."},
		{"entities", "'%s' is an SQL reserved keyword, and thus cannot be used as an entity 'name'"},
		{"measures", "'%s' is an SQL reserved keyword, and thus cannot be used as a measure 'name'."},
	} {
		list, _ := r.Raw[el.key].([]any)
		for _, x := range list {
			xm, _ := x.(map[string]any)
			if name, ok := xm["name"].(string); ok && reservedKeywords[strings.ToUpper(name)] {
				l.Add(diag.Errorf(r.File, r.Pos, "rename it, keeping the column in expr:", el.format, name))
			}
		}
	}
}

// checkElementConsistency is ElementConsistencyRule: across semantic
// models, a name is a dimension, an entity or a measure, not two of them.
// dbt-semantic-interfaces names the semantic models as a Python set, in
// no fixed order; elt sorts them.
func checkElementConsistency(l *diag.List, p *project.Project) {
	type use struct{ models []*project.SemanticResource }
	byName := map[string]map[string]*use{}
	var names []string
	for _, r := range declared(p, project.SemanticModel) {
		for _, el := range []struct{ key, kind string }{{"measures", "measure"}, {"dimensions", "dimension"}, {"entities", "entity"}} {
			list, _ := r.Raw[el.key].([]any)
			for _, x := range list {
				xm, _ := x.(map[string]any)
				name, ok := xm["name"].(string)
				if !ok {
					continue
				}
				if byName[name] == nil {
					byName[name] = map[string]*use{}
					names = append(names, name)
				}
				u := byName[name][el.kind]
				if u == nil {
					u = &use{}
					byName[name][el.kind] = u
				}
				if !slices.Contains(u.models, r) {
					u.models = append(u.models, r)
				}
			}
		}
	}
	for _, name := range names {
		kinds := byName[name]
		if len(kinds) < 2 {
			continue
		}
		var types []string
		for k := range kinds {
			types = append(types, k)
		}
		slices.Sort(types)
		reprs := make([]string, len(types))
		for i, k := range types {
			reprs[i] = "<SemanticModelElementType." + strings.ToUpper(k) + ": '" + k + "'>"
		}
		for _, k := range types {
			models := kinds[k].models
			var modelNames []string
			for _, r := range models {
				modelNames = append(modelNames, jinja.Repr(r.Name))
			}
			slices.Sort(modelNames)
			first := models[0]
			l.Add(diag.Errorf(first.File, first.Pos, "use the name for one kind of element only",
				"In semantic models {%s}, element `%s` is of type SemanticModelElementType.%s, but it is used as types [%s] across the model.",
				strings.Join(slices.Compact(modelNames), ", "), name, strings.ToUpper(k), strings.Join(reprs, ", ")))
		}
	}
}

// checkPrimaryEntityDimensionPairs is PrimaryEntityDimensionPairs: two
// semantic models with the same primary entity do not both have a
// dimension of the same name.
func checkPrimaryEntityDimensionPairs(l *diag.List, p *project.Project) {
	known := map[string]map[string]string{} // primary entity -> dimension -> semantic model
	for _, r := range declared(p, project.SemanticModel) {
		primary, _ := r.Raw["primary_entity"].(string)
		if primary == "" {
			entities, _ := r.Raw["entities"].([]any)
			for _, e := range entities {
				em, _ := e.(map[string]any)
				if t, _ := em["type"].(string); strings.EqualFold(t, "primary") {
					primary, _ = em["name"].(string)
					break
				}
			}
		}
		if primary == "" {
			continue
		}
		fresh := known[primary] == nil
		if fresh {
			known[primary] = map[string]string{}
		}
		dims, _ := r.Raw["dimensions"].([]any)
		for _, d := range dims {
			dm, _ := d.(map[string]any)
			name, _ := dm["name"].(string)
			if first, taken := known[primary][name]; fresh || !taken {
				known[primary][name] = r.Name
			} else {
				l.Add(diag.Errorf(r.File, r.Pos, "rename the dimension in one of them",
					"Duplicate dimension + primary entity pairing detected, dimension + primary entity pairings must be unique. Semantic model `%s` has a primary entity of `%s` "+
						"and dimension `%s`, but this pairing is already in use on semantic model `%s`.", r.Name, primary, name, first))
			}
		}
	}
}

// checkDimensionConsistency is DimensionConsistencyRule: a dimension
// name has one type and one is_partition across semantic models, the
// first semantic model's.
func checkDimensionConsistency(l *diag.List, p *project.Project) {
	type invariant struct {
		typ       string
		partition bool
	}
	known := map[string]invariant{}
	for _, r := range declared(p, project.SemanticModel) {
		dims, _ := r.Raw["dimensions"].([]any)
		for _, d := range dims {
			dm, _ := d.(map[string]any)
			name, _ := dm["name"].(string)
			typ, _ := dm["type"].(string)
			typ = strings.ToUpper(typ)
			partition, _ := dm["is_partition"].(bool)
			inv, ok := known[name]
			if !ok {
				known[name] = invariant{typ, partition}
				continue
			}
			if inv.typ != typ {
				l.Add(diag.Errorf(r.File, r.Pos, "give the dimension the same type in every semantic model",
					"In semantic model `%s`, type conflict for dimension `%s` - already in model as type `DimensionType.%s` but got `DimensionType.%s`",
					r.Name, name, inv.typ, typ))
			}
			if inv.partition != partition {
				// dbt-semantic-interfaces' message, its stray backquotes too.
				l.Add(diag.Errorf(r.File, r.Pos, "give the dimension the same is_partition in every semantic model",
					"In semantic model `%s, conflicting is_partition attribute for dimension `DimensionReference(element_name=%s)` - already in model with is_partition as `%s` but got `%s``",
					r.Name, jinja.Repr(name), jinja.Repr(inv.partition), jinja.Repr(partition)))
			}
		}
	}
}

// checkNonAdditiveDimensions is MeasuresNonAdditiveDimensionRule: a
// measure's non_additive_dimension is a time dimension of the semantic
// model with the granularity of the measure's agg_time_dimension, its
// window_choice min or max, its window_groupings entities of the model.
func checkNonAdditiveDimensions(l *diag.List, r *project.SemanticResource) {
	dims := map[string]map[string]any{}
	list, _ := r.Raw["dimensions"].([]any)
	for _, d := range list {
		if dm, ok := d.(map[string]any); ok {
			if n, ok := dm["name"].(string); ok {
				dims[n] = dm
			}
		}
	}
	entities := map[string]bool{}
	ents, _ := r.Raw["entities"].([]any)
	for _, e := range ents {
		em, _ := e.(map[string]any)
		if n, ok := em["name"].(string); ok {
			entities[n] = true
		}
	}
	def := ""
	if d, ok := r.Raw["defaults"].(map[string]any); ok {
		def, _ = d["agg_time_dimension"].(string)
	}
	granularity := func(dm map[string]any) (string, bool) {
		tp, ok := dm["type_params"].(map[string]any)
		if !ok {
			return "", false
		}
		g, _ := tp["time_granularity"].(string)
		return strings.ToUpper(g), true
	}
	for _, mm := range semanticMeasures(r) {
		na, ok := mm["non_additive_dimension"].(map[string]any)
		if !ok {
			continue
		}
		measure, _ := mm["name"].(string)
		agg, _ := mm["agg_time_dimension"].(string)
		if agg == "" {
			agg = def
		}
		if agg == "" {
			continue // AggregationTimeDimensionRule reports it
		}
		aggDim := dims[agg]
		if aggDim == nil {
			l.Add(diag.Errorf(r.File, r.Pos, "name a dimension of the semantic model",
				"Measure '%s' has a agg_time_dimension of %s that is not defined as a dimension in semantic model '%s'.", measure, agg, r.Name))
			continue
		}
		name, _ := na["name"].(string)
		if dm := dims[name]; dm == nil {
			l.Add(diag.Errorf(r.File, r.Pos, "name a time dimension of the semantic model",
				"Measure '%s' has a non_additive_dimension with name '%s' that is not defined as a dimension in semantic model '%s'.", measure, name, r.Name))
		} else {
			if t, _ := dm["type"].(string); !strings.EqualFold(t, "time") {
				// dbt-semantic-interfaces' message, without its space.
				l.Add(diag.Errorf(r.File, r.Pos, "name a time dimension of the semantic model",
					"Measure '%s' has a non_additive_dimension with name'%s' that is defined as a categorical dimension which is not supported.", measure, name))
			}
			g, ok1 := granularity(dm)
			ag, ok2 := granularity(aggDim)
			if ok1 && ok2 && g != ag {
				l.Add(diag.Errorf(r.File, r.Pos, "give both dimensions the same time_granularity",
					"Measure '%s' has a non_additive_dimension with name '%s' that has a base time granularity (%s) that is not equal to the measure's agg_time_dimension %s with a base granularity of (%s).",
					measure, name, g, agg, ag))
			}
		}
		choice := "min"
		if c, ok := na["window_choice"].(string); ok {
			choice = strings.ToLower(c)
		}
		if choice != "min" && choice != "max" {
			l.Add(diag.Errorf(r.File, r.Pos, "use window_choice: min or max",
				"Measure '%s' has a non_additive_dimension with an invalid 'window_choice' of '%s'. Only choices supported are 'min' or 'max'.", measure, choice))
		}
		var missing []string
		groupings, _ := na["window_groupings"].([]any)
		for _, g := range groupings {
			if gs, ok := g.(string); ok && !entities[gs] && !slices.Contains(missing, jinja.Repr(gs)) {
				missing = append(missing, jinja.Repr(gs))
			}
		}
		if len(missing) > 0 {
			slices.Sort(missing)
			l.Add(diag.Errorf(r.File, r.Pos, "group by entities of the semantic model",
				"Measure '%s' has a non_additive_dimension with an invalid 'window_groupings'. These entities {%s} do not exist in the semantic model.",
				measure, strings.Join(missing, ", ")))
		}
	}
}

// checkCumulativeMetric is CumulativeMetricRule's checks of grain_to_date:
// a standard granularity, and not with a window. Each is read from
// cumulative_type_params, else from type_params, as dbt's parser moves
// the legacy ones there.
func checkCumulativeMetric(l *diag.List, r *project.SemanticResource, custom []string) {
	if t, _ := r.Raw["type"].(string); !strings.EqualFold(t, "cumulative") {
		return
	}
	tp, _ := r.Raw["type_params"].(map[string]any)
	ctp, _ := tp["cumulative_type_params"].(map[string]any)
	pick := func(key string) any {
		if v := ctp[key]; v != nil {
			return v
		}
		return tp[key]
	}
	window := pick("window")
	grain, _ := pick("grain_to_date").(string)
	if grain != "" && !slices.Contains(timeGrains, strings.ToLower(grain)) {
		l.Add(diag.Errorf(r.File, r.Pos, "use one of "+strings.Join(timeGrains, ", "),
			"Invalid time granularity found in `grain_to_date`: '%s'. Custom granularities are not supported for this field yet.", strings.ToLower(grain)))
	}
	if window != nil && grain != "" {
		l.Add(diag.Errorf(r.File, r.Pos, "remove window or grain_to_date",
			"Both window and grain_to_date set for cumulative metric. Please set one or the other."))
	}
	// A window written in both places is the same, as dbt's parse reads
	// them (metricWindow); its granularity is a standard one.
	legacy, lok := metricWindow(tp["window"])
	nested, nok := metricWindow(ctp["window"])
	if lok && nok && legacy != nested {
		l.Add(diag.Errorf(r.File, r.ElementPos("type_params", "window"), "remove type_params.window",
			"Got differing values for `window` on cumulative metric '%s'. In `type_params.window`, got 'count=%d granularity=%s'. "+
				"In `type_params.cumulative_type_params.window`, got 'count=%d granularity=%s'. Please remove the value from `type_params.window`.",
			r.Name, legacy.count, jinja.Repr(legacy.grain), nested.count, jinja.Repr(nested.grain)))
	}
	w, at := legacy, r.ElementPos("type_params", "window")
	if nok {
		w, at = nested, r.ElementPos("type_params", "cumulative_type_params", "window")
	}
	if !lok && !nok {
		return
	}
	g := w.grain
	if strings.HasSuffix(g, "s") && (slices.Contains(timeGrains, g[:len(g)-1]) || slices.Contains(custom, g[:len(g)-1])) {
		g = g[:len(g)-1]
	}
	msg := fmt.Sprintf("Invalid time granularity '%s' in window: '%d %s'", g, w.count, w.grain)
	switch {
	case !slices.Contains(timeGrains, g) && !slices.Contains(custom, g):
		l.Add(diag.Errorf(r.File, at, "use one of "+strings.Join(timeGrains, ", "), "%s", msg))
	case !slices.Contains(timeGrains, g):
		l.Add(diag.Errorf(r.File, at, "use one of "+strings.Join(timeGrains, ", "), "%s Custom granularities are not supported for this field yet.", msg))
	}
}

// timeWindowValue is dbt's MetricTimeWindow: a count and a granularity,
// a standard one's plural made singular as dbt's parse does.
type timeWindowValue struct {
	count int
	grain string
}

// metricWindow reads a window as written ("7 days"); ok is false when
// there is none or it is no count and granularity (the load reports it).
func metricWindow(v any) (timeWindowValue, bool) {
	s, ok := v.(string)
	if !ok {
		return timeWindowValue{}, false
	}
	parts := strings.Split(strings.ToLower(s), " ")
	if len(parts) != 2 {
		return timeWindowValue{}, false
	}
	n, err := strconv.Atoi(parts[0])
	if err != nil {
		return timeWindowValue{}, false
	}
	g := parts[1]
	if strings.HasSuffix(g, "s") && slices.Contains(timeGrains, g[:len(g)-1]) {
		g = g[:len(g)-1]
	}
	return timeWindowValue{n, g}, true
}

// customGrains are the names of the time spines' custom granularities.
func customGrains(p *project.Project) []string {
	var out []string
	for _, n := range p.Nodes {
		if n.TimeSpine != nil {
			for _, cg := range n.TimeSpine.CustomGranularities {
				out = append(out, cg.Name)
			}
		}
	}
	return out
}

// checkNaturalEntities is NaturalEntityConfigurationRule: at most one
// natural entity, and only with a dimension that has validity_params.
// The names print as a Python set, sorted here.
func checkNaturalEntities(l *diag.List, r *project.SemanticResource) {
	var natural []string
	entities, _ := r.Raw["entities"].([]any)
	for _, e := range entities {
		em, _ := e.(map[string]any)
		if t, _ := em["type"].(string); strings.EqualFold(t, "natural") {
			if n, ok := em["name"].(string); ok && !slices.Contains(natural, jinja.Repr(n)) {
				natural = append(natural, jinja.Repr(n))
			}
		}
	}
	if len(natural) == 0 {
		return
	}
	slices.Sort(natural)
	set := "{" + strings.Join(natural, ", ") + "}"
	if len(natural) > 1 {
		l.Add(diag.Errorf(r.File, r.Pos, "keep one natural entity",
			"Semantic models can have at most one natural entity, but semantic model `%s` has %d distinct natural entities set! %s.", r.Name, len(natural), set))
	}
	dims, _ := r.Raw["dimensions"].([]any)
	for _, d := range dims {
		dm, _ := d.(map[string]any)
		if tp, ok := dm["type_params"].(map[string]any); ok && tp["validity_params"] != nil {
			return
		}
	}
	l.Add(diag.Errorf(r.File, r.Pos, "add validity_params to the time dimensions of the validity window",
		"The use of `natural` entities is currently supported only in conjunction with a validity window defined in the set of time dimensions associated with the semantic model. "+
			"Semantic model `%s` uses a natural entity (%s) but does not define a validity window!", r.Name, set))
}

// checkConversionMetric is ConversionMetricRule's checks of a conversion
// metric on measures: its entity is an entity of both measures' semantic
// models, and each measure is a count, a count_distinct or a sum of 1.
func checkConversionMetric(l *diag.List, p *project.Project, r *project.SemanticResource) {
	if t, _ := r.Raw["type"].(string); !strings.EqualFold(t, "conversion") {
		return
	}
	tp, _ := r.Raw["type_params"].(map[string]any)
	ctp, _ := tp["conversion_type_params"].(map[string]any)
	entity, _ := ctp["entity"].(string)
	measureName := func(v any) string {
		if m, ok := v.(map[string]any); ok {
			v = m["name"]
		}
		s, _ := v.(string)
		return s
	}
	find := func(name string) (*project.SemanticResource, map[string]any) {
		for _, sm := range declared(p, project.SemanticModel) {
			for _, mm := range semanticMeasures(sm) {
				if mm["name"] == name {
					return sm, mm
				}
			}
		}
		return nil, nil
	}
	models := map[string]*project.SemanticResource{}
	for _, in := range []struct{ key, which string }{{"base_measure", "base"}, {"conversion_measure", "conversion"}} {
		name := measureName(ctp[in.key])
		sm, mm := find(name)
		if sm == nil {
			continue // dbt's parse reports a measure it cannot find
		}
		models[in.which] = sm
		hasEntity := false
		ents, _ := sm.Raw["entities"].([]any)
		for _, e := range ents {
			if em, ok := e.(map[string]any); ok && em["name"] == entity {
				hasEntity = true
			}
		}
		if !hasEntity {
			l.Add(diag.Errorf(r.File, r.Pos, "declare the entity in that semantic model, or convert on another",
				"Entity: %s not found in %s semantic model: %s.", entity, in.which, sm.Name))
		}
		agg, _ := mm["agg"].(string)
		agg = strings.ToLower(agg)
		expr := ""
		if e, ok := mm["expr"]; ok && e != nil {
			expr = fmt.Sprint(e)
		}
		if agg != "count" && agg != "count_distinct" && (agg != "sum" || expr != "1") {
			l.Add(diag.Errorf(r.File, r.Pos, "convert on a count, count_distinct or sum of 1",
				"For conversion metrics, the input measure must be COUNT/SUM(1)/COUNT_DISTINCT. Measure '%s' is agg type: AggregationType.%s", name, strings.ToUpper(agg)))
		}
		if in.which == "conversion" {
			if m, ok := ctp[in.key].(map[string]any); ok && m["filter"] != nil {
				l.Add(diag.Warnf(r.File, r.ElementPos("type_params", "conversion_type_params", in.key, "filter"), "filter the base measure instead, or remove the filter",
					"Measure input '%s' has a filter. For conversion metrics, filtering on the conversion input is not fully supported yet. ", name).
					AsEvent("SemanticValidationFailure"))
			}
		}
	}
	// _validate_constant_properties: each pair's base_property is an
	// entity or dimension of the base measure's semantic model, its
	// conversion_property one of the conversion measure's.
	base, conv := models["base"], models["conversion"]
	if base == nil || conv == nil {
		return
	}
	props, _ := ctp["constant_properties"].([]any)
	for _, side := range []struct {
		key string
		sm  *project.SemanticResource
	}{{"base_property", base}, {"conversion_property", conv}} {
		linkable := map[string]bool{}
		for _, key := range []string{"entities", "dimensions"} {
			for _, e := range semanticElements(side.sm, key) {
				linkable[e.name()] = true
			}
		}
		for i, cp := range props {
			cpm, _ := cp.(map[string]any)
			ref, ok := cpm[side.key].(string)
			if ok && !linkable[ref] {
				l.Add(diag.Errorf(r.File, r.ElementPos("type_params", "conversion_type_params", "constant_properties", i), "name an entity or dimension of that semantic model",
					"The provided constant property: %s, cannot be found in semantic model %s", ref, side.sm.Name))
			}
		}
	}
}

// semanticElements are the entries of a semantic model's list key
// (dimensions, entities, measures) as written, each with its index.
func semanticElements(r *project.SemanticResource, key string) []indexedElement {
	var out []indexedElement
	list, _ := r.Raw[key].([]any)
	for i, x := range list {
		if xm, ok := x.(map[string]any); ok {
			out = append(out, indexedElement{i, xm})
		}
	}
	return out
}

// indexedElement is an entry of a semantic model's list and its index
// there, which finds its position (SemanticResource.ElementPos).
type indexedElement struct {
	index int
	m     map[string]any
}

func (e indexedElement) name() string {
	s, _ := e.m["name"].(string)
	return s
}

// pyList is a list of strings as Python prints it: ['a', 'b'].
func pyList(items []string) string {
	vals := make([]any, len(items))
	for i, s := range items {
		vals[i] = s
	}
	return jinja.Repr(vals)
}

// checkValidityWindow is SemanticModelValidityWindowRule: a semantic
// model whose dimensions have validity_params has exactly two, one
// is_start and one is_end, a natural entity, no primary or unique
// entity and no measures.
func checkValidityWindow(l *diag.List, r *project.SemanticResource) {
	var dims []indexedElement
	var names, starts, ends []string
	for _, d := range semanticElements(r, "dimensions") {
		tp, _ := d.m["type_params"].(map[string]any)
		vp, ok := tp["validity_params"]
		if !ok || vp == nil {
			continue
		}
		dims = append(dims, d)
		names = append(names, d.name())
		vpm, _ := vp.(map[string]any)
		if b, _ := vpm["is_start"].(bool); b {
			starts = append(starts, d.name())
		}
		if b, _ := vpm["is_end"].(bool); b {
			ends = append(ends, d.name())
		}
	}
	if len(dims) == 0 {
		return
	}
	const requirements = "Semantic models using dimension validity params to define a validity window must have exactly two time " +
		"dimensions with validity params specified - one marked `is_start` and the other marked `is_end`."
	first := r.ElementPos("dimensions", dims[0].index)
	switch {
	case len(dims) == 1 && len(starts) == 1 && len(ends) == 1:
		l.Add(diag.Errorf(r.File, first, "add a second time dimension for the window's end, its expr a day later",
			"Semantic model %s has a single validity param dimension that defines its window: `%s`. This is not a currently supported configuration! "+
				"%s If you have one column defining a window, as in a daily snapshot table, you can define a separate dimension and increment the time value in the `expr` field as a work-around.",
			r.Name, names[0], requirements))
	case len(dims) != 2:
		l.Add(diag.Errorf(r.File, first, "give validity_params to two time dimensions, one is_start and one is_end",
			"Semantic model %s has %d dimensions defined with validity params. They are: %s. There must be either zero or two! "+
				"If you wish to define a validity window for this semantic model, please follow these requirements: %s",
			r.Name, len(dims), pyList(names), requirements))
	case len(starts) != 1 || len(ends) != 1:
		// dbt-semantic-interfaces empties the is_start list before it
		// prints it.
		l.Add(diag.Errorf(r.File, first, "mark one dimension is_start: true and the other is_end: true",
			"Semantic model %s has two validity param dimensions defined, but does not have exactly one each marked with is_start and is_end! "+
				"Dimensions: %s. is_start dimensions: []. is_end dimensions: %s. %s",
			r.Name, pyList(names), pyList(ends), requirements))
	}
	var keys []string
	var firstKey *indexedElement
	natural := false
	for _, e := range semanticElements(r, "entities") {
		t, _ := e.m["type"].(string)
		switch strings.ToLower(t) {
		case "primary", "unique":
			keys = append(keys, e.name())
			if firstKey == nil {
				firstKey = &e
			}
		case "natural":
			natural = true
		}
	}
	if !natural {
		l.Add(diag.Errorf(r.File, r.Pos, "add the entity the window is over, with type: natural",
			"Semantic model %s has validity param dimensions defined, but does not have an entity with type `natural` set. "+
				"The natural key for this semantic model is what we use to process a validity window join. "+
				"Primary or unique entities, if any, might be suitable for use as natural keys: (%s).", r.Name, pyList(keys)))
	}
	if firstKey != nil {
		l.Add(diag.Errorf(r.File, r.ElementPos("entities", firstKey.index), "make the entity natural, or a foreign one",
			"Semantic model %s has validity param dimensions defined and also has one or more entities designated as `primary` or `unique`. "+
				"This is not yet supported, as we do not currently process joins against these key types for semantic models with validity windows specified.", r.Name))
	}
	if measures := semanticElements(r, "measures"); len(measures) > 0 {
		var mnames []string
		for _, m := range measures {
			mnames = append(mnames, m.name())
		}
		l.Add(diag.Errorf(r.File, r.ElementPos("measures", measures[0].index), "move the measures to a semantic model without a validity window",
			"Semantic model %s has both measures and validity param dimensions defined. This is not currently supported! "+
				"Please remove either the measures or the validity params. Measure names: %s. Validity param dimension names: %s.",
			r.Name, pyList(mnames), pyList(names)))
	}
}

// checkTimeSpines is TimeSpineRule: a warning when two time spines have
// the same granularity, and when a time dimension is finer than the
// finest time spine. The warnings name no file in dbt; elt puts them at
// the time_spine: of the model at fault.
func checkTimeSpines(l *diag.List, p *project.Project, nodes []*Node) {
	type spine struct {
		n     *Node
		grain int // its index in timeGrains
	}
	var spines []spine
	for _, n := range nodes {
		if n.ResourceType != project.Model || n.TimeSpine == nil {
			continue
		}
		for _, c := range n.Columns {
			if c.Name == n.TimeSpine.StandardGranularityColumn {
				if g := slices.Index(timeGrains, c.Granularity); g >= 0 {
					spines = append(spines, spine{n, g})
				}
			}
		}
	}
	if len(spines) == 0 {
		return
	}
	byGrain := map[int][]spine{}
	finest := spines[0]
	for _, s := range spines {
		byGrain[s.grain] = append(byGrain[s.grain], s)
		if s.grain < finest.grain {
			finest = s
		}
	}
	var dup []int
	for g, list := range byGrain {
		if len(list) > 1 {
			dup = append(dup, g)
		}
	}
	if len(dup) > 0 {
		// A Python set of TimeGranularity, whose hash is its to_int
		// (4 for nanosecond ... 14 for year): small sets iterate in slot
		// order, the hash modulo 8.
		slices.SortFunc(dup, func(a, b int) int {
			if (a+4)%8 != (b+4)%8 {
				return (a+4)%8 - (b+4)%8
			}
			return a - b
		})
		var parts []string
		for _, g := range dup {
			var rels []string
			for _, s := range byGrain[g] {
				rels = append(rels, s.n.RelationName)
			}
			parts = append(parts, "'"+strings.ToUpper(timeGrains[g])+"': "+pyList(rels))
		}
		at := byGrain[dup[0]][1].n
		l.Add(diag.Warnf(at.PatchPath, at.TimeSpine.Pos, "keep one time spine at each granularity",
			"Only one time spine is supported per granularity. Got duplicates: {%s}", strings.Join(parts, ", ")).AsEvent("SemanticValidationFailure"))
	}
	finestDim := -1
	for _, r := range declared(p, project.SemanticModel) {
		for _, d := range semanticElements(r, "dimensions") {
			tp, ok := d.m["type_params"].(map[string]any)
			if !ok {
				continue
			}
			g, _ := tp["time_granularity"].(string)
			if i := slices.Index(timeGrains, strings.ToLower(g)); i >= 0 && (finestDim < 0 || i < finestDim) {
				finestDim = i
			}
		}
	}
	if finestDim >= 0 && finestDim < finest.grain {
		l.Add(diag.Warnf(finest.n.PatchPath, finest.n.TimeSpine.Pos, "add a time spine at the time dimensions' finest granularity",
			"To avoid unexpected query errors, configuring a time spine at or below the smallest time dimension granularity is recommended. "+
				"Smallest time dimension granularity: %s; Smallest time spine granularity: TimeGranularity.%s",
			strings.ToUpper(timeGrains[finestDim]), strings.ToUpper(timeGrains[finest.grain])).AsEvent("SemanticValidationFailure"))
	}
}

// positionedMeasure is a metric's input measure in dbt's form
// (resourcejson.go's inputMeasure: name, filter, alias,
// join_to_timespine, fill_nulls_with) and where it is written.
type positionedMeasure struct {
	m   map[string]any
	pos diag.Pos
}

func (m positionedMeasure) name() string {
	s, _ := m.m["name"].(string)
	return s
}

// fields are the measure's fields as pydantic prints them, in order.
func (m positionedMeasure) fields() []string {
	filter := "None"
	if f, ok := m.m["filter"].(map[string]any); ok {
		list, _ := f["where_filters"].([]any)
		parts := make([]string, len(list))
		for i, w := range list {
			wm, _ := w.(map[string]any)
			parts[i] = "PydanticWhereFilter(where_sql_template=" + jinja.Repr(wm["where_sql_template"]) + ")"
		}
		filter = "PydanticWhereFilterIntersection(where_filters=[" + strings.Join(parts, ", ") + "])"
	}
	return []string{"name=" + jinja.Repr(m.m["name"]), "filter=" + filter, "alias=" + jinja.Repr(m.m["alias"]),
		"join_to_timespine=" + jinja.Repr(m.m["join_to_timespine"]), "fill_nulls_with=" + jinja.Repr(m.m["fill_nulls_with"])}
}

// repr is the measure as Python's repr prints it, str as str does.
func (m positionedMeasure) repr() string {
	return "PydanticMetricInputMeasure(" + strings.Join(m.fields(), ", ") + ")"
}
func (m positionedMeasure) str() string { return strings.Join(m.fields(), " ") }

// metricInputMeasures are a metric's input_measures as dbt's parse sets
// them (_process_metric_node): a simple or cumulative metric's measure,
// a conversion metric's base and conversion measures, and a derived or
// ratio metric's input metrics' own, each once.
func metricInputMeasures(p *project.Project, r *project.SemanticResource, seen map[string]bool) []positionedMeasure {
	if seen[r.UniqueID] {
		return nil
	}
	seen[r.UniqueID] = true
	defer delete(seen, r.UniqueID)
	tp, _ := r.Raw["type_params"].(map[string]any)
	var out []positionedMeasure
	keep := func(m map[string]any, pos diag.Pos) {
		for _, o := range out {
			if reflect.DeepEqual(o.m, m) {
				return
			}
		}
		out = append(out, positionedMeasure{m, pos})
	}
	add := func(v any, pos diag.Pos) {
		if m, _ := inputMeasure(v).(map[string]any); m["name"] != nil {
			keep(m, pos)
		}
	}
	fromMetric := func(v any) {
		name, _ := v.(string)
		if m, ok := v.(map[string]any); ok {
			name, _ = m["name"].(string)
		}
		for _, x := range declared(p, project.Metric) {
			if x.Name == name && (x.Package == r.Package || x.Package == p.Config.Name) {
				for _, m := range metricInputMeasures(p, x, seen) {
					keep(m.m, r.Pos)
				}
				return
			}
		}
	}
	t, _ := r.Raw["type"].(string)
	switch strings.ToLower(t) {
	case "simple", "cumulative":
		add(tp["measure"], r.ElementPos("type_params", "measure"))
	case "conversion":
		ctp, _ := tp["conversion_type_params"].(map[string]any)
		for _, k := range []string{"base_measure", "conversion_measure"} {
			add(ctp[k], r.ElementPos("type_params", "conversion_type_params", k))
		}
	case "ratio":
		fromMetric(tp["numerator"])
		fromMetric(tp["denominator"])
	case "derived":
		list, _ := tp["metrics"].([]any)
		for _, x := range list {
			fromMetric(x)
		}
	}
	return out
}

// checkMeasureAliases is MeasureConstraintAliasesRule: a metric reading
// one measure under different constraints aliases each constrained one,
// and an alias is a valid name, not a measure's, and not an alias
// another metric used (a derived metric's inputs' aliases count as its
// own, as dbt-semantic-interfaces counts them).
func checkMeasureAliases(l *diag.List, p *project.Project) {
	measureNames := map[string]bool{}
	for _, r := range declared(p, project.SemanticModel) {
		for _, m := range semanticElements(r, "measures") {
			measureNames[m.name()] = true
		}
	}
	aliasUsers := map[string][]string{}
	for _, r := range declared(p, project.Metric) {
		inputs := metricInputMeasures(p, r, map[string]bool{})
		var order []string
		byName := map[string][]positionedMeasure{}
		for _, m := range inputs {
			if byName[m.name()] == nil {
				order = append(order, m.name())
			}
			byName[m.name()] = append(byName[m.name()], m)
		}
		for _, name := range order {
			group := byName[name]
			if len(group) < 2 {
				continue
			}
			// dbt's parse keeps an input measure once, so the group's
			// measures differ.
			var bare []string
			var at diag.Pos
			for _, m := range group {
				if m.m["filter"] != nil && m.m["alias"] == nil {
					if bare == nil {
						at = m.pos
					}
					bare = append(bare, m.repr())
				}
			}
			if len(bare) > 0 {
				l.Add(diag.Errorf(r.File, at, "give each filtered input of the measure an alias",
					"PydanticMetric %s depends on multiple different constrained versions of measure %s. In such cases, aliases must be provided, "+
						"but the following input measures have constraints specified without an alias: [%s].", r.Name, name, strings.Join(bare, ", ")))
			}
		}
		for _, m := range inputs {
			alias, ok := m.m["alias"].(string)
			if !ok {
				continue
			}
			at := &project.SemanticResource{File: r.File, Pos: m.pos}
			checkSemanticName(l, at, alias)
			if measureNames[alias] {
				l.Add(diag.Errorf(r.File, m.pos, "choose another alias",
					"Alias `%s` for measure `%s` conflicts with measure names defined elsewhere in the model! This can cause ambiguity for certain types of query. "+
						"Please choose another alias.", alias, m.name()))
			}
			if users, taken := aliasUsers[alias]; taken {
				l.Add(diag.Errorf(r.File, m.pos, "choose another alias",
					"Measure alias %s conflicts with a measure alias used elsewhere in the model! This can cause ambiguity for certain types of query. "+
						"Please choose another alias, or, if the measures are constrained in the same way, consider centralizing that definition in a new semantic model. "+
						"Measure specification: %s. Existing metrics with that measure alias used: %s", alias, m.str(), pyList(users)))
			}
			aliasUsers[alias] = append(aliasUsers[alias], r.Name)
		}
	}
}

// exceptionIssue is generate_exception_issue's message: what was being
// done, then the exception as Python's traceback prints its last line.
func exceptionIssue(doing string, err error) string {
	return "An error occurred while " + doing + " - " + err.Error()
}

// checkSavedQueries is SavedQueryRule: each saved query's group-by items
// parse and name one dimension, entity, metric or metric_time; its
// order-by items are among its metrics and group-by items; its limit is
// not negative. (Its metrics exist: dbt's parse has already said so of
// one that does not.)
func checkSavedQueries(l *diag.List, p *project.Project) {
	var customGrains []string
	for _, n := range p.Nodes {
		if n.TimeSpine != nil {
			for _, cg := range n.TimeSpine.CustomGranularities {
				customGrains = append(customGrains, cg.Name)
			}
		}
	}
	valid := map[string]bool{"metric_time": true}
	for _, r := range declared(p, project.Metric) {
		valid[r.Name] = true
	}
	for _, r := range declared(p, project.SemanticModel) {
		for _, key := range []string{"dimensions", "entities"} {
			for _, e := range semanticElements(r, key) {
				valid[e.name()] = true
			}
		}
	}
	for _, r := range declared(p, project.SavedQuery) {
		qp, _ := r.Raw["query_params"].(map[string]any)
		list := func(key string) []string {
			var out []string
			items, _ := qp[key].([]any)
			for _, x := range items {
				out = append(out, fmt.Sprint(x))
			}
			return out
		}
		groupBys, orderBys, metrics := list("group_by"), list("order_by"), list("metrics")
		for i, g := range groupBys {
			at := r.ElementPos("query_params", "group_by", i)
			items, err := builderItems("{{"+g+"}}", false)
			if err != nil {
				err = &builderError{parseJinjaObjectErr, "Error while parsing Jinja template:\n{{" + g + "}}"}
			}
			var names []string
			for _, it := range items {
				name, perr := parameterSetName(it, customGrains, false)
				if perr != nil {
					err = perr
					break
				}
				names = append(names, name)
			}
			if err != nil {
				l.Add(diag.Errorf(r.File, at, "write it as Dimension('entity__name'), TimeDimension('metric_time', 'day') or Entity('name')",
					"%s", exceptionIssue("trying to parse a group-by in saved query `"+r.Name+"`", err)))
				continue
			}
			if len(names) != 1 || !valid[names[0]] {
				l.Add(diag.Errorf(r.File, at, "name a dimension, an entity or metric_time of the semantic models",
					"`%s` is not a valid group-by name.", g))
			}
		}
		checkSavedQueryOrderBy(l, r, metrics, groupBys, orderBys)
		if limit, ok := qp["limit"].(int); ok && limit < 0 {
			l.Add(diag.Errorf(r.File, r.ElementPos("query_params", "limit"), "set a limit of 0 or more, or none",
				"Invalid limit value: %d (should be >= 0)", limit))
		}
	}
}

// checkSavedQueryOrderBy is SavedQueryRule's order-by check: once the
// metrics and group-by items parse, each order-by item, its descending()
// aside, is one of them.
func checkSavedQueryOrderBy(l *diag.List, r *project.SemanticResource, metrics, groupBys, orderBys []string) {
	if len(orderBys) == 0 {
		return
	}
	describe := func(input string, orderBy bool) (builderItem, error) {
		items, err := builderItems("{{ "+input+" }}", orderBy)
		if err != nil {
			return builderItem{}, err
		}
		if len(items) != 1 {
			return builderItem{}, &builderError{invalidQuerySyntax, fmt.Sprintf("Did not get exactly one query item from: %s Got: %d items", jinja.Repr(input), len(items))}
		}
		return items[0], nil
	}
	doing := fmt.Sprintf("parsing a field in %s. Note that metrics need to be specified using the object-builder syntax (`Metric('metric_name')`) "+
		"and if `.descending(...)` is specified, it should be at the end.", jinja.Repr(r.Name))
	var known []builderItem
	failed := false
	for i, in := range append(append([]string{}, metrics...), groupBys...) {
		input, at := in, r.ElementPos("query_params", "metrics", i)
		if i < len(metrics) {
			input = "Metric('" + in + "')"
		} else {
			at = r.ElementPos("query_params", "group_by", i-len(metrics))
		}
		it, err := describe(input, false)
		if err != nil {
			failed = true
			l.Add(diag.Errorf(r.File, at, "write it in the object-builder syntax", "%s", exceptionIssue(doing, err)))
			continue
		}
		known = append(known, it)
	}
	if failed {
		return
	}
	for i, o := range orderBys {
		at := r.ElementPos("query_params", "order_by", i)
		it, err := describe(o, true)
		if err != nil {
			l.Add(diag.Errorf(r.File, at, "write it in the object-builder syntax", "%s", exceptionIssue(doing, err)))
			continue
		}
		it.descending = false
		if !slices.ContainsFunc(known, it.equal) {
			l.Add(diag.Errorf(r.File, at, "order by one of the saved query's metrics or group-by items",
				"%s does not match any of the listed metrics or group-by items. ", o))
		}
	}
}

// whereFilterGrains are the time granularities a where filter's time
// dimensions use (JinjaCallParameterSets' time dimension sets), or the
// exception parsing the filter raises.
func whereFilterGrains(template string, customGrains []string) ([]string, error) {
	items, err := builderItems(template, false)
	if err != nil {
		return nil, &builderError{parseJinjaObjectErr, "Error while parsing Jinja template:\n" + template}
	}
	var grains []string
	for _, it := range items {
		if _, err := parameterSetName(it, customGrains, false); err != nil {
			return nil, err
		}
		if it.kind == "TimeDimension" || (it.kind == "Dimension" && (it.grain != "" || it.datePart != "")) {
			_, _, fromName := dunderedName(it.name, customGrains)
			g := fromName
			if g == "" {
				g = it.grain
			}
			if g != "" {
				grains = append(grains, strings.ToLower(g))
			}
		}
	}
	return grains, nil
}

// whereTemplates are a filter's templates as written: a string or a list.
func whereTemplates(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = fmt.Sprint(s)
		}
		return out
	}
	return nil
}

// checkWhereFilters is WhereFiltersAreParseable: the filters of metrics
// (their own, their measure's, numerator's, denominator's and input
// metrics') and of saved queries parse, an error where one does not,
// and a warning for each time granularity they name that is neither a
// standard one nor a time spine's custom one.
func checkWhereFilters(l *diag.List, p *project.Project) {
	valid := append([]string{}, timeGrains...)
	for _, n := range p.Nodes {
		if n.TimeSpine != nil {
			for _, cg := range n.TimeSpine.CustomGranularities {
				valid = append(valid, cg.Name)
			}
		}
	}
	warnGrains := func(r *project.SemanticResource, at diag.Pos, what string, grains []string) {
		for _, g := range grains {
			if !slices.Contains(valid, g) {
				l.Add(diag.Warnf(r.File, at, "use a standard granularity or a time spine's custom one",
					"Filter for SemanticManifestNodeType.%s `%s` is not valid. `%s` is not a valid granularity name. Valid granularity options: %s",
					what, r.Name, g, pyList(valid)).AsEvent("SemanticValidationFailure"))
			}
		}
	}
	for _, r := range declared(p, project.Metric) {
		tp, _ := r.Raw["type_params"].(map[string]any)
		type filtered struct {
			filter any
			doing  string
			path   []any
		}
		var filters []filtered
		filters = append(filters, filtered{r.Raw["filter"], fmt.Sprintf("trying to parse filter of metric `%s`", r.Name), []any{"filter"}})
		if m, ok := tp["measure"].(map[string]any); ok {
			filters = append(filters, filtered{m["filter"], fmt.Sprintf("trying to parse filter of measure input `%v` on metric `%s`", m["name"], r.Name), []any{"type_params", "measure", "filter"}})
		}
		for _, k := range []string{"numerator", "denominator"} {
			if m, ok := tp[k].(map[string]any); ok {
				filters = append(filters, filtered{m["filter"], fmt.Sprintf("trying to parse the %s filter on metric `%s`", k, r.Name), []any{"type_params", k, "filter"}})
			}
		}
		inputs, _ := tp["metrics"].([]any)
		for i, in := range inputs {
			if m, ok := in.(map[string]any); ok {
				filters = append(filters, filtered{m["filter"], fmt.Sprintf("trying to parse filter for input metric `%v` on metric `%s`", m["name"], r.Name), []any{"type_params", "metrics", i, "filter"}})
			}
		}
		for _, f := range filters {
			templates := whereTemplates(f.filter)
			if templates == nil {
				continue
			}
			at := r.ElementPos(f.path...)
			var all []string
			var failed []string
			for _, tpl := range templates {
				grains, err := whereFilterGrains(tpl, valid[len(timeGrains):])
				if err != nil {
					msg := strings.TrimPrefix(err.Error(), parseJinjaObjectErr+": ")
					// dbt-semantic-interfaces adds the Python traceback of
					// each, which elt has not.
					failed = append(failed, "Filter:\n"+indentLines(tpl, "    ")+"\nError Message:\n"+indentLines(msg, "    ")+"\nTraceback:")
					continue
				}
				all = append(all, grains...)
			}
			if failed != nil {
				l.Add(diag.Errorf(r.File, at, "write the filter's items as Dimension('entity__name'), TimeDimension('entity__name', 'grain') or Entity('name')",
					"%s", exceptionIssue(f.doing, &builderError{parseJinjaObjectErr, "Encountered error(s) while parsing:\n\n" + strings.Join(failed, "\n")})))
				continue
			}
			warnGrains(r, at, "METRIC", all)
		}
	}
	for _, r := range declared(p, project.SavedQuery) {
		qp, _ := r.Raw["query_params"].(map[string]any)
		templates := whereTemplates(qp["where"])
		var firstErr error
		parsedOne := false
		for _, tpl := range templates {
			if _, err := whereFilterGrains(tpl, valid[len(timeGrains):]); err != nil {
				if firstErr == nil {
					firstErr = err
				}
			} else {
				parsedOne = true
			}
		}
		switch {
		case firstErr != nil && parsedOne:
			// A filter parsed, so the rule checks the granularities of
			// every filter, and the one that does not parse ends it
			// (validate_safely).
			l.Add(diag.Errorf(r.File, r.ElementPos("query_params", "where"), "write the filter's items in the object-builder syntax",
				"%s", exceptionIssue("validating the where field in a saved query.", firstErr)))
		case firstErr != nil:
			for i, tpl := range templates {
				_, err := whereFilterGrains(tpl, valid[len(timeGrains):])
				l.Add(diag.Errorf(r.File, r.ElementPos("query_params", "where", i), "write the filter's items in the object-builder syntax",
					"%s", exceptionIssue("trying to parse a filter in saved query `"+r.Name+"`", err)))
			}
		default:
			// Each filter that parses checks the granularities of all.
			for range templates {
				for i, tpl := range templates {
					grains, _ := whereFilterGrains(tpl, valid[len(timeGrains):])
					warnGrains(r, r.ElementPos("query_params", "where", i), "SAVED_QUERY", grains)
				}
			}
		}
	}
}
