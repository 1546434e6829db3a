package compiler

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// metric() in a node's Jinja, as dbt's context/providers.py has it: while
// parsing (ParseMetricResolver) a call is recorded in the node's metrics
// as [name] or [package, name] and gives a MetricReference whose string
// is the name; the metrics are resolved after parsing into the node's
// depends_on.nodes (parser/manifest.py _process_metrics_for_node), an
// unknown or disabled metric failing the parse; while compiling
// (RuntimeMetricResolver) the call gives the metric itself, whose string
// is also its name.

// fnMetric is dbt's metric(name) and metric(package, name).
func fnMetric(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if kw.Len() > 0 {
		// dbt's __call__ takes positional arguments only.
		return nil, st.fail("call metric('name') or metric('package', 'name')", "metric() got an unexpected keyword argument")
	}
	var name, pkg any
	hasPkg := false
	switch len(args) {
	case 1:
		name = args[0]
	case 2:
		pkg, name, hasPkg = args[0], args[1], true
	default:
		return nil, st.fail("call metric('name') or metric('package', 'name')", "metric() takes at most two arguments (%d given)", len(args))
	}
	n, ok := name.(string)
	if !ok {
		return nil, st.fail("pass the metric's name as a string", "The name argument to metric() must be a string, got %s", pyType(name))
	}
	var p string
	if hasPkg && pkg != nil {
		if p, ok = pkg.(string); !ok {
			return nil, st.fail("pass the package's name as a string", "The package argument to metric() must be a string or None, got %s", pyType(pkg))
		}
	}
	if !st.execute {
		call := []string{n}
		if hasPkg && pkg != nil {
			call = []string{p, n}
		}
		st.metrics = append(st.metrics, call)
		return &metricReference{name: n, pkg: p, hasPkg: hasPkg && pkg != nil}, nil
	}
	r, lerr := st.m.lookupMetric(n, p, st.node)
	if r == nil {
		// Only a call the parse did not see (under {% if execute %})
		// gets here: dbt's RuntimeMetricResolver raises without knowing
		// whether the metric is disabled.
		return nil, st.fail(lerr.hint, "%s", metricNotFound(st.node, n, p, "was not found or is disabled"))
	}
	return &resolvedMetric{r: r, st: st}, nil
}

// lookupMetric finds the enabled metric name (in pkg, when given) as dbt's
// Manifest.resolve_metric does: the root project, the node's package, then
// any package. The error says whether a disabled metric has the name.
func (m *Manifest) lookupMetric(name, pkg string, from *Node) (*project.SemanticResource, *lookupError) {
	p := m.Project
	order := []string{pkg}
	if pkg == "" {
		fromPkg := ""
		if from != nil {
			fromPkg = from.Package
		}
		order = m.searchOrder(fromPkg)
	}
	for _, want := range order {
		for _, id := range sortedKeys(p.Semantic) {
			r := p.Semantic[id]
			if r.Kind == project.Metric && r.Name == name && (want == "" || r.Package == want) {
				return r, nil
			}
		}
	}
	for _, r := range p.DisabledSemantic {
		if r.Kind == project.Metric && r.Name == name && (pkg == "" || r.Package == pkg) {
			return nil, &lookupError{msg: "is disabled", hint: "enable the metric in " + r.File + " or remove the call", disabled: true}
		}
	}
	var names []string
	for _, r := range p.Semantic {
		if r.Kind == project.Metric {
			names = append(names, r.Name)
		}
	}
	hint := "declare it under metrics: in a properties YAML file"
	if close := closeNames(name, names); len(close) > 0 {
		hint = "did you mean " + quoteJoin(close) + "? Otherwise " + hint
	}
	return nil, &lookupError{msg: "was not found", hint: hint}
}

// metricNotFound is dbt's TargetNotFoundError message for a metric
// (exceptions.py), reason being how it ends.
func metricNotFound(n *Node, name, pkg, reason string) string {
	in := ""
	if pkg != "" {
		in = "in package or project '" + pkg + "' "
	}
	return fmt.Sprintf("%s '%s' (%s) depends on a metric named '%s' %swhich %s",
		pyTitle(string(n.ResourceType)), n.UniqueID, n.OriginalFilePath, name, in, reason)
}

// metricNotFoundWarning is dbt's NodeNotFoundOrDisabled warning for a test
// whose metric is not found: its package is never None there, so even
// without one the message names package ”.
func metricNotFoundWarning(n *Node, name, pkg string) string {
	return fmt.Sprintf("%s '%s' (%s) depends on a metric named '%s' in package '%s' which was not found",
		pyTitle(string(n.ResourceType)), n.UniqueID, n.OriginalFilePath, name, pkg)
}

// pyTitle is Python's str.title().
func pyTitle(s string) string {
	var b strings.Builder
	prev := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			if prev {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToUpper(r))
			}
			prev = true
			continue
		}
		b.WriteRune(r)
		prev = false
	}
	return b.String()
}

// metricReference is what metric() gives while parsing, dbt's
// MetricReference: metric_name and package_name (None without one).
type metricReference struct {
	name, pkg string
	hasPkg    bool
}

func (r *metricReference) String() string   { return r.name }
func (r *metricReference) TypeName() string { return "MetricReference" }

func (r *metricReference) GetAttr(name string) (any, bool) {
	switch name {
	case "metric_name":
		return r.name, true
	case "package_name":
		if r.hasPkg {
			return r.pkg, true
		}
		return nil, true
	}
	return nil, false
}

// resolvedMetric is what metric() gives while compiling, dbt's
// ResolvedMetricReference: the metric's manifest fields, its string its
// name.
type resolvedMetric struct {
	r  *project.SemanticResource
	st *renderState
}

func (r *resolvedMetric) String() string   { return r.r.Name }
func (r *resolvedMetric) TypeName() string { return "ResolvedMetricReference" }

func (r *resolvedMetric) GetAttr(name string) (any, bool) {
	switch name {
	case "metric_name", "name":
		return r.r.Name, true
	case "package_name":
		return r.r.Package, true
	case "unique_id":
		return r.r.UniqueID, true
	case "full_metric_dependency", "base_metric_dependency", "derived_metric_dependency":
		// Its upstream metrics' names, itself among them; dbt's come
		// from a set, in no fixed order.
		r.st.volatile = true
		return jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) {
			var out []any
			for _, x := range r.st.m.parentMetrics(r.r, nil) {
				derived := isDerivedMetric(x)
				if name == "full_metric_dependency" || (name == "derived_metric_dependency") == derived {
					if !slices.Contains(out, any(x.Name)) {
						out = append(out, x.Name)
					}
				}
			}
			return orEmptyList(out), nil
		}), true
	case "derived_metric_dependency_depth":
		r.st.volatile = true
		return jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) {
			var out []any
			var walk func(x *project.SemanticResource, depth int)
			walk = func(x *project.SemanticResource, depth int) {
				if !isDerivedMetric(x) {
					return
				}
				d := jinja.NewDict()
				d.Set(x.Name, int64(depth))
				out = append(out, d)
				for _, id := range x.DependsOnIDs {
					if p := r.st.m.Project.Semantic[id]; p != nil && p.Kind == project.Metric {
						walk(p, depth+1)
					}
				}
			}
			walk(r.r, 1)
			return orEmptyList(out), nil
		}), true
	}
	// Anything else is read from the metric's YAML, which the node's
	// render cache key does not hold.
	r.st.volatile = true
	entry := r.st.m.metricEntry(r.r.UniqueID)
	if entry == nil {
		return nil, false
	}
	if name == "node" {
		return templateValue(entry), true
	}
	v, ok := entry[name]
	if !ok {
		return metricProperty(entry, name)
	}
	switch name {
	case "type":
		// dbt-semantic-interfaces' MetricType, a plain Enum.
		if s, ok := v.(string); ok {
			return newPyEnum("MetricType", s), true
		}
	case "type_params":
		if tp, ok := v.(map[string]any); ok {
			return pyMetricTypeParams(tp), true
		}
	case "filter":
		return pyWhereFilter(v), true
	}
	return templateValue(v), true
}

// parentMetrics is dbt's ResolvedMetricReference.parent_metrics: the
// metric, then the metrics it reads, depth first.
func (m *Manifest) parentMetrics(r *project.SemanticResource, out []*project.SemanticResource) []*project.SemanticResource {
	out = append(out, r)
	for _, id := range r.DependsOnIDs {
		if p := m.Project.Semantic[id]; p != nil && p.Kind == project.Metric {
			out = m.parentMetrics(p, out)
		}
	}
	return out
}

// isDerivedMetric: dbt's DERIVED_METRICS, derived and ratio metrics.
func isDerivedMetric(r *project.SemanticResource) bool {
	t, _ := r.Raw["type"].(string)
	t = strings.ToLower(t)
	return t == "derived" || t == "ratio"
}

// metricProperty answers the Metric's properties dbt's templates read
// through a ResolvedMetricReference: input_measures and input_metrics.
func metricProperty(entry map[string]any, name string) (any, bool) {
	tp, _ := entry["type_params"].(map[string]any)
	switch name {
	case "input_measures":
		return listOf(pyInputMeasure)(tp["input_measures"]), true
	case "input_metrics":
		if tp["metrics"] == nil {
			return []any{}, true
		}
		return listOf(pyMetricInput)(tp["metrics"]), true
	}
	return nil, false
}

// The metric's type_params and filter as dbt holds them: the dataclasses
// of dbt/artifacts/resources/v1/metric.py and semantic_layer_components.py,
// whose string is their repr. Each is built from the manifest entry's
// dict, which has the same fields.

// pyDataclass is an instance of a Python dataclass: its fields in the
// order declared, its string (and repr) Class(field=repr, ...).
type pyDataclass struct {
	class  string
	fields []string
	values map[string]any
}

func (d *pyDataclass) TypeName() string { return d.class }

func (d *pyDataclass) GetAttr(name string) (any, bool) {
	v, ok := d.values[name]
	return v, ok
}

func (d *pyDataclass) String() string {
	var b strings.Builder
	b.WriteString(d.class + "(")
	for i, f := range d.fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f + "=" + pyReprOf(d.values[f]))
	}
	b.WriteString(")")
	return b.String()
}

// pyReprOf is Python's repr of a value inside a dataclass.
func pyReprOf(v any) string {
	switch x := v.(type) {
	case *pyEnum:
		return x.repr()
	case *pyDataclass:
		return x.String()
	case []any:
		items := make([]string, len(x))
		for i, it := range x {
			items[i] = pyReprOf(it)
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	return jinja.Repr(v)
}

// dataclassOf builds class from the dict m, each field's value made by
// its converter (nil: as it is; a missing field is None).
func dataclassOf(class string, m map[string]any, fields []string, conv map[string]func(any) any) any {
	if m == nil {
		return nil
	}
	values := make(map[string]any, len(fields))
	for _, f := range fields {
		v := m[f]
		if c := conv[f]; c != nil && v != nil {
			v = c(v)
		} else {
			v = templateValue(v)
		}
		values[f] = v
	}
	return &pyDataclass{class: class, fields: fields, values: values}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func listOf(fn func(any) any) func(any) any {
	return func(v any) any {
		l, ok := v.([]any)
		if !ok {
			return templateValue(v)
		}
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = fn(x)
		}
		return out
	}
}

func enumOf(class string) func(any) any {
	return func(v any) any {
		if s, ok := v.(string); ok {
			return newPyEnum(class, s)
		}
		return templateValue(v)
	}
}

// pyWhereFilter is a WhereFilterIntersection, or None.
func pyWhereFilter(v any) any {
	return dataclassOf("WhereFilterIntersection", asMap(v), []string{"where_filters"}, map[string]func(any) any{
		"where_filters": listOf(func(x any) any {
			return dataclassOf("WhereFilter", asMap(x), []string{"where_sql_template"}, nil)
		}),
	})
}

func pyTimeWindow(v any) any {
	return dataclassOf("MetricTimeWindow", asMap(v), []string{"count", "granularity"}, nil)
}

func pyInputMeasure(v any) any {
	return dataclassOf("MetricInputMeasure", asMap(v), []string{"name", "filter", "alias", "join_to_timespine", "fill_nulls_with"},
		map[string]func(any) any{"filter": pyWhereFilter})
}

func pyMetricInput(v any) any {
	return dataclassOf("MetricInput", asMap(v), []string{"name", "filter", "alias", "offset_window", "offset_to_grain"},
		map[string]func(any) any{"filter": pyWhereFilter, "offset_window": pyTimeWindow})
}

func pyMetricTypeParams(tp map[string]any) any {
	return dataclassOf("MetricTypeParams", tp, []string{"measure", "input_measures", "numerator", "denominator", "expr", "window",
		"grain_to_date", "metrics", "conversion_type_params", "cumulative_type_params"}, map[string]func(any) any{
		"measure":        pyInputMeasure,
		"input_measures": listOf(pyInputMeasure),
		"numerator":      pyMetricInput,
		"denominator":    pyMetricInput,
		"window":         pyTimeWindow,
		"grain_to_date":  enumOf("TimeGranularity"),
		"metrics":        listOf(pyMetricInput),
		"conversion_type_params": func(v any) any {
			return dataclassOf("ConversionTypeParams", asMap(v), []string{"base_measure", "conversion_measure", "entity", "calculation", "window", "constant_properties"},
				map[string]func(any) any{
					"base_measure": pyInputMeasure, "conversion_measure": pyInputMeasure, "window": pyTimeWindow,
					"calculation": enumOf("ConversionCalculationType"),
					"constant_properties": listOf(func(x any) any {
						return dataclassOf("ConstantPropertyInput", asMap(x), []string{"base_property", "conversion_property"}, nil)
					}),
				})
		},
		"cumulative_type_params": func(v any) any {
			return dataclassOf("CumulativeTypeParams", asMap(v), []string{"window", "grain_to_date", "period_agg"},
				map[string]func(any) any{"window": pyTimeWindow, "period_agg": enumOf("PeriodAggregation")})
		},
	})
}

// metricEntry is the metric id's manifest entry, built once.
func (m *Manifest) metricEntry(id string) map[string]any {
	m.metricEntries.once.Do(func() {
		created := m.engine.opts.RunStartedAt
		if created.IsZero() {
			created = time.Now()
		}
		m.metricEntries.byID = m.Resources(float64(created.UnixNano()) / 1e9).Metrics
	})
	return m.metricEntries.byID[id]
}

// pyEnum is a member of a Python Enum (not a str one): its string is
// Class.NAME, and it has name and value.
type pyEnum struct{ class, name, value string }

// newPyEnum is class's member of value: dbt-semantic-interfaces' enums
// name each member as its value in capitals.
func newPyEnum(class, value string) *pyEnum {
	return &pyEnum{class: class, name: strings.ToUpper(value), value: value}
}

func (e *pyEnum) String() string { return e.class + "." + e.name }
func (e *pyEnum) repr() string {
	return "<" + e.class + "." + e.name + ": " + jinja.Repr(e.value) + ">"
}
func (e *pyEnum) TypeName() string { return e.class }

func (e *pyEnum) GetAttr(name string) (any, bool) {
	switch name {
	case "name":
		return e.name, true
	case "value":
		return e.value, true
	}
	return nil, false
}

// copyMetricRefs copies a list of metric() calls, each call its own.
func copyMetricRefs(calls [][]string) [][]string {
	if calls == nil {
		return nil
	}
	out := make([][]string, len(calls))
	for i, c := range calls {
		out[i] = append([]string(nil), c...)
	}
	return out
}
