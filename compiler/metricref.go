package compiler

import (
	"fmt"
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
		return nil, false
	}
	if name == "type" {
		// dbt-semantic-interfaces' MetricType, a plain Enum.
		if s, ok := v.(string); ok {
			return &pyEnum{class: "MetricType", name: strings.ToUpper(s), value: s}, true
		}
	}
	return templateValue(v), true
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

func (e *pyEnum) String() string   { return e.class + "." + e.name }
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
