package compiler

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// resolveResources resolves what exposures and semantic models depend on
// and checks groups and model access as dbt does: a node's group must be
// declared; a private model may be referenced only from its own group, a
// protected one only from its own package when that package sets
// restrict-access. Problems are reported at the line of the reference.
func (m *Manifest) resolveResources(l *diag.List, nodes []*Node) {
	p := m.Project
	groups := map[string]*project.Group{}
	for _, g := range p.Groups {
		groups[g.Name] = g
	}
	// Refs can break access only when a model is private or a package
	// restricts access: otherwise the refs are not looked at again.
	needAccess := false
	for _, pkg := range p.Packages {
		needAccess = needAccess || m.restrictAccess(pkg.Name)
	}
	for _, n := range nodes {
		if n.ResourceType == project.Model && n.Config["access"] == "private" {
			needAccess = true
			break
		}
	}
	for _, n := range nodes {
		m.checkGroupAndAccess(l, n, groups, needAccess)
	}
	for _, id := range sortedKeys(p.Exposures) {
		x := p.Exposures[id]
		from := &Node{Node: project.Node{UniqueID: x.UniqueID, Package: x.Package, ResourceType: project.ExposureType}}
		x.DependsOnNodes = nil
		// As dbt's load: process_sources, then process_refs, then
		// process_metrics each add to depends_on.nodes.
		for _, fn := range []string{"source", "ref", "metric"} {
			for _, c := range x.DependsOn {
				if c.Func != fn {
					continue
				}
				if dep := m.resolveCall(l, x.File, from, c); dep != "" && !contains(x.DependsOnNodes, dep) {
					x.DependsOnNodes = append(x.DependsOnNodes, dep)
				}
			}
		}
	}
	m.checkTimeSpine(l, nodes)
	m.checkNestedCumulative(l)
	for _, id := range sortedKeys(p.Semantic) {
		r := p.Semantic[id]
		r.DependsOnIDs = nil
		if r.Model != nil {
			from := &Node{Node: project.Node{UniqueID: r.UniqueID, Package: r.Package, ResourceType: r.Kind}}
			if dep := m.resolveCall(l, r.File, from, *r.Model); dep != "" {
				r.DependsOnIDs = []string{dep}
			}
		}
		r.DependsOnIDs = append(r.DependsOnIDs, m.semanticDependencies(l, r)...)
		if g, ok := r.Config["group"].(string); ok && g != "" && groups[g] == nil {
			l.Add(diag.Errorf(r.File, r.Pos, groupHint(groups), "%s: %s", r.UniqueID, invalidGroup(g, groups)))
		}
	}
}

// timeGrains are dbt-semantic-interfaces' standard time granularities,
// finest first.
var timeGrains = []string{"nanosecond", "microsecond", "millisecond", "second", "minute", "hour", "day",
	"week", "month", "quarter", "year"}

// checkTimeSpine reports, as dbt's parse does when it builds the semantic
// manifest, a project with semantic models but no time spine at day
// granularity or finer: a model whose time_spine: standard granularity
// column is such, or the legacy metricflow_time_spine model (daily).
func (m *Manifest) checkTimeSpine(l *diag.List, nodes []*Node) {
	var first *project.SemanticResource
	for _, id := range sortedKeys(m.Project.Semantic) {
		if r := m.Project.Semantic[id]; r.Kind == project.SemanticModel {
			first = r
			break
		}
	}
	if first == nil {
		return
	}
	day := slices.Index(timeGrains, "day")
	for _, n := range nodes {
		if n.ResourceType != project.Model {
			continue
		}
		if n.Name == "metricflow_time_spine" {
			return
		}
		if n.TimeSpine == nil {
			continue
		}
		for _, c := range n.Columns {
			if c.Name == n.TimeSpine.StandardGranularityColumn {
				if g := slices.Index(timeGrains, c.Granularity); g >= 0 && g <= day {
					return
				}
			}
		}
	}
	// dbt's words (contracts/graph/semantic_manifest.py).
	l.Add(diag.Errorf(first.File, first.Pos, "add a model with time_spine: {standard_granularity_column: date_day} whose date_day column has granularity: day",
		"The semantic layer requires a time spine model with granularity DAY or smaller in the project, but none was found. "+
			"Guidance on creating this model can be found on our docs site (https://docs.getdbt.com/docs/build/metricflow-time-spine)."))
}

// checkNestedCumulative reports, with flags.require_nested_cumulative_type_params,
// each metric whose type_params has window or grain_to_date itself rather
// than under cumulative_type_params, as dbt's semantic manifest validation
// does when the project has metrics and semantic models.
func (m *Manifest) checkNestedCumulative(l *diag.List) {
	if on, _ := m.Project.Config.FlagBool("require_nested_cumulative_type_params"); !on {
		return
	}
	var models bool
	var old []*project.SemanticResource
	for _, id := range sortedKeys(m.Project.Semantic) {
		r := m.Project.Semantic[id]
		switch r.Kind {
		case project.SemanticModel:
			models = true
		case project.Metric:
			if tp, _ := r.Raw["type_params"].(map[string]any); tp["window"] != nil || tp["grain_to_date"] != nil {
				old = append(old, r)
			}
		}
	}
	if !models {
		return
	}
	for _, r := range old {
		l.Add(diag.Errorf(r.File, r.Pos, "move window and grain_to_date under type_params.cumulative_type_params",
			"Cumulative fields `type_params.window` and `type_params.grain_to_date` should be nested under `type_params.cumulative_type_params.window` and `type_params.cumulative_type_params.grain_to_date`. Invalid metrics: %s. See documentation on behavior changes: https://docs.getdbt.com/reference/global-configs/behavior-changes.", r.Name))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// resolveCall resolves a ref(), source() or metric() written in YAML to a
// unique id, reporting what it cannot find at its line; "" then.
func (m *Manifest) resolveCall(l *diag.List, file string, from *Node, c project.DependsOnCall) string {
	switch c.Func {
	case "ref":
		r := Ref{Name: c.Args[len(c.Args)-1], Version: c.Version}
		if len(c.Args) == 2 {
			r.Package = c.Args[0]
		}
		t, err := m.lookupRef(r, from)
		if err != nil {
			n := *from // dbt names the YAML file it is declared in
			n.OriginalFilePath = m.pkgRel(from.Package, file)
			l.Add(diag.Errorf(file, c.Pos, err.hint, "%s", err.notFound(&n)))
			return ""
		}
		if msg := m.accessViolation(from, t); msg != "" {
			l.Add(diag.Errorf(file, c.Pos, accessHint(t), "%s", msg))
		}
		return t.UniqueID
	case "source":
		src, err := m.lookupSource(c.Args[0], c.Args[1], from)
		if err != nil {
			n := *from // dbt names the YAML file it is declared in
			n.OriginalFilePath = m.pkgRel(from.Package, file)
			l.Add(diag.Errorf(file, c.Pos, err.hint, "%s", err.notFound(&n)))
			return ""
		}
		return src.UniqueID
	}
	// As dbt's _process_metrics_for_node: metric('name') or
	// metric('package', 'name'), found as a model's metric() call is.
	name, pkg := c.Args[len(c.Args)-1], ""
	if len(c.Args) == 2 {
		pkg = c.Args[0]
	}
	r, err := m.lookupMetric(name, pkg, from)
	if err != nil {
		n := *from
		n.OriginalFilePath = m.pkgRel(from.Package, file)
		l.Add(diag.Errorf(file, c.Pos, err.hint, "%s", metricNotFound(&n, name, pkg, err.msg)))
		return ""
	}
	return r.UniqueID
}

// checkGroupAndAccess checks n's group and access config, and the access
// of every model n refs.
func (m *Manifest) checkGroupAndAccess(l *diag.List, n *Node, groups map[string]*project.Group, checkRefs bool) {
	file, pos := n.OriginalFilePath, diag.Pos{Line: n.RawCodeLine + 1}
	if n.PatchPath != "" {
		file, pos = n.PatchPath, n.PatchPos
	}
	if g, ok := n.Config["group"]; ok && g != nil {
		if name, _ := g.(string); groups[name] == nil {
			l.Add(diag.Errorf(file, pos, groupHint(groups), "%s: %s", n.UniqueID, invalidGroup(fmt.Sprint(g), groups)))
		}
	}
	if a, ok := n.Config["access"]; ok && a != nil && n.ResourceType == project.Model {
		switch a {
		case "private", "protected", "public":
			if a == "public" && n.Config["materialized"] == "ephemeral" {
				// dbt's check_valid_access_property: nothing outside the
				// project can read an ephemeral model.
				l.Add(diag.Errorf(file, pos, "make the model protected or private, or materialize it",
					"Node %s with 'ephemeral' materialization has an invalid value (public) for the access field", n.UniqueID))
			}
		default:
			l.Add(diag.Errorf(file, pos, "use access: private, protected or public", "%s: access %q is not valid", n.UniqueID, fmt.Sprint(a)))
		}
	}
	if !checkRefs || n.ResourceType == SQLOperation {
		return // dbt allows previews to read anything
	}
	for _, r := range n.Refs {
		t, err := m.lookupRef(r, n)
		if err != nil || (n.ResourceType == project.Test && t.UniqueID == n.AttachedNode) {
			continue // a test of a model may read it; unknown refs are reported elsewhere
		}
		msg := m.accessViolation(n, t)
		if msg == "" {
			continue
		}
		st := &renderState{engine: m.engine, node: n}
		line := st.lineOf("ref", r.Name)
		if r.Package != "" {
			line = st.lineOf("ref", r.Package, r.Name)
		}
		f := n.OriginalFilePath
		if n.TestMetadata != nil {
			f, line = n.PatchPath, n.PatchPos.Line
		}
		l.Add(diag.Errorf(f, diag.Pos{Line: line}, accessHint(t), "%s", msg))
	}
}

// accessViolation says why from may not reference target, or "".
func (m *Manifest) accessViolation(from, target *Node) string {
	if target.ResourceType != project.Model {
		return ""
	}
	access, _ := target.Config["access"].(string)
	if access == "" {
		access = "protected"
	}
	restrict := m.restrictAccess(target.Package)
	switch access {
	case "private":
		group, _ := target.Config["group"].(string)
		fromGroup := ""
		if from.ResourceType != project.ExposureType {
			fromGroup, _ = from.Config["group"].(string)
		}
		if fromGroup == "" || fromGroup != group || (from.Package != target.Package && restrict) {
			return fmt.Sprintf("Node %s attempted to reference node %s, which is not allowed because the referenced node is private to the '%s' group",
				from.UniqueID, target.UniqueID, group)
		}
	case "protected":
		if from.Package != target.Package && restrict {
			return fmt.Sprintf("Node %s attempted to reference node %s, which is not allowed because the referenced node is protected to the '%s' package",
				from.UniqueID, target.UniqueID, target.Package)
		}
	}
	return ""
}

// restrictAccess reports a package whose dbt_project.yml sets restrict-access: true.
func (m *Manifest) restrictAccess(pkg string) bool {
	for _, p := range m.Project.Packages {
		if p.Name == pkg && p.Config != nil {
			b, _ := p.Config.Raw["restrict-access"].(bool)
			return b
		}
	}
	return false
}

func accessHint(t *Node) string {
	access, _ := t.Config["access"].(string)
	if access == "private" {
		group, _ := t.Config["group"].(string)
		return fmt.Sprintf("put the referencing node in the '%s' group (config group: %s), or make %s protected or public", group, group, t.Name)
	}
	return "make " + t.Name + " public (access: public), or reference it from its own package"
}

// invalidGroup is dbt's message for a group that is not declared
// (parser/manifest.py check_valid_group_config_node): the declared names
// sorted, as Python prints a list of strings.
func invalidGroup(g string, groups map[string]*project.Group) string {
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, "'"+n+"'")
	}
	sort.Strings(names)
	return fmt.Sprintf("Invalid group '%s', expected one of [%s]", g, strings.Join(names, ", "))
}

func groupHint(groups map[string]*project.Group) string {
	if len(groups) == 0 {
		return "declare the group under groups: in a properties YAML file"
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	return "declare it under groups:, or use one of: " + strings.Join(names, ", ")
}

// semanticDependencies are what a metric or saved query is built on, as
// dbt records them: a metric's measures are found in the semantic models
// that define them, a ratio's or derived metric's input metrics and a
// saved query's metrics by name. A name that is not declared is an error.
func (m *Manifest) semanticDependencies(l *diag.List, r *project.SemanticResource) []string {
	p := m.Project
	byName := func(kind project.ResourceType, name string) string {
		for _, id := range sortedKeys(p.Semantic) {
			if x := p.Semantic[id]; x.Kind == kind && x.Name == name {
				return id
			}
		}
		return ""
	}
	hasMeasure := func(x *project.SemanticResource, name string) bool {
		measures, _ := x.Raw["measures"].([]any)
		for _, me := range measures {
			if mm, ok := me.(map[string]any); ok && mm["name"] == name {
				return true
			}
		}
		return false
	}
	// measureOwner is the semantic model declaring the measure name; the
	// problem otherwise is dbt's (_process_metric_depends_on).
	measureOwner := func(name string) (string, string) {
		for _, id := range sortedKeys(p.Semantic) {
			if x := p.Semantic[id]; x.Kind == project.SemanticModel && hasMeasure(x, name) {
				return id, ""
			}
		}
		for _, x := range p.DisabledSemantic {
			if x.Kind == project.SemanticModel && hasMeasure(x, name) {
				return "", fmt.Sprintf("The measure `%s` is referenced on disabled semantic model `%s`.", name, x.Name)
			}
		}
		return "", fmt.Sprintf("A semantic model having a measure `%s` does not exist but was referenced.", name)
	}
	// inputMetric is the metric name a derived or ratio metric reads; the
	// problem otherwise is dbt's (_process_metric_node).
	inputMetric := func(name string) (string, string) {
		if id := byName(project.Metric, name); id != "" {
			return id, ""
		}
		for _, x := range p.DisabledSemantic {
			if x.Kind == project.Metric && x.Name == name {
				return "", fmt.Sprintf("The metric `%s` is disabled and thus cannot be referenced.", name)
			}
		}
		return "", fmt.Sprintf("The metric `%s` does not exist but was referenced.", name)
	}
	var out []string
	reported := map[string]bool{}
	add := func(id, problem string) {
		if id == "" {
			// dbt stops at a metric's first problem: one report of each.
			if !reported[problem] {
				reported[problem] = true
				l.Add(diag.Errorf(r.File, r.Pos, "declare it, enable it, or fix the name", "%s: %s", r.UniqueID, problem))
			}
			return
		}
		if !contains(out, id) {
			out = append(out, id)
		}
	}
	nameOf := func(v any) string {
		if mm, ok := v.(map[string]any); ok {
			v = mm["name"]
		}
		s, _ := v.(string)
		return s
	}
	switch r.Kind {
	case project.Metric:
		tp, _ := r.Raw["type_params"].(map[string]any)
		if n := nameOf(tp["measure"]); n != "" {
			add(measureOwner(n))
		}
		if conv, ok := tp["conversion_type_params"].(map[string]any); ok {
			for _, k := range []string{"base_measure", "conversion_measure"} {
				if n := nameOf(conv[k]); n != "" {
					add(measureOwner(n))
				}
			}
		}
		for _, k := range []string{"numerator", "denominator"} {
			if n := nameOf(tp[k]); n != "" {
				add(inputMetric(n))
			}
		}
		metrics, _ := tp["metrics"].([]any)
		for _, x := range metrics {
			if n := nameOf(x); n != "" {
				add(inputMetric(n))
			}
		}
	case project.SavedQuery:
		// As dbt's process_saved_queries (_process_metrics_for_node): a
		// metric not found is a TargetNotFoundError.
		from := &Node{Node: project.Node{UniqueID: r.UniqueID, ResourceType: r.Kind, OriginalFilePath: m.pkgRel(r.Package, r.File)}}
		qp, _ := r.Raw["query_params"].(map[string]any)
		metrics, _ := qp["metrics"].([]any)
		for _, x := range metrics {
			if n := nameOf(x); n != "" {
				if id := byName(project.Metric, n); id != "" {
					add(id, "")
					continue
				}
				reason := "was not found"
				for _, d := range p.DisabledSemantic {
					if d.Kind == project.Metric && d.Name == n {
						reason = "is disabled"
					}
				}
				l.Add(diag.Errorf(r.File, r.Pos, "declare the metric under metrics:, enable it, or fix the name", "%s", metricNotFound(from, n, "", reason)))
			}
		}
	}
	return out
}
