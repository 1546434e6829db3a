package project

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/jinja"
)

// Exposures, groups, semantic models, metrics and saved queries: declared
// in properties YAML, parsed and checked here so that a project declaring
// them loads as in dbt. elt runs none of them; exposures take part in
// selection (+exposure:x) and all of them go into the manifest.

// Exposure is one entry of `exposures:`.
type Exposure struct {
	UniqueID    string // "exposure.<pkg>.<name>"
	Name        string
	Package     string
	Type        string // dashboard, notebook, analysis, ml, application
	Owner       map[string]any
	Maturity    string
	URL         string
	Description string
	Label       string
	Tags        []string
	Meta        map[string]any
	Config      Config
	DependsOn   []DependsOnCall // depends_on: as written
	File        string
	Pos         diag.Pos
	FQN         []string
	// DependsOnNodes are the unique ids DependsOn resolves to, set by the
	// compiler.
	DependsOnNodes []string
}

// DependsOnCall is one ref(), source() or metric() call written as a
// string in YAML (an exposure's depends_on, a semantic model's model:).
type DependsOnCall struct {
	Func    string   // "ref", "source" or "metric"
	Args    []string // the quoted arguments, in order
	Version string   // ref(..., v=2)
	// VersionText: the version was quoted, ref('m', v='2').
	VersionText bool
	Text        string // as written
	Pos         diag.Pos
}

// Group is one entry of `groups:`.
type Group struct {
	UniqueID    string // "group.<pkg>.<name>"
	Name        string
	Package     string
	Owner       map[string]any
	Description string
	Config      Config
	File        string
	Pos         diag.Pos
}

// SemanticResource is a semantic model, metric or saved query: kept as
// written (elt has no query engine), with its keys checked.
type SemanticResource struct {
	UniqueID    string       // "<kind>.<pkg>.<name>"
	Kind        ResourceType // SemanticModel, Metric or SavedQuery
	Name        string
	Package     string
	Description string
	Label       string
	Raw         map[string]any
	Config      Config
	// Unrendered is the config as written (dbt's unrendered_config): the
	// dbt_project.yml levels the resource reaches and its config: block,
	// Jinja not rendered.
	Unrendered Config
	// Tags are the resource's tags as dbt sets them: a metric's top-level
	// tags:, a saved query's top-level and config tags together, sorted;
	// none for a semantic model.
	Tags  []string
	Model *DependsOnCall // semantic models: model: ref('x')
	File  string
	Pos   diag.Pos
	// Positions are where the values of Raw are written, by path: keys
	// and list indexes joined by dots ("dimensions.1",
	// "query_params.group_by.0"); ElementPos reads them.
	Positions    map[string]diag.Pos
	FQN          []string
	DependsOnIDs []string // set by the compiler
}

// ElementPos is where the value at path (keys and list indexes, as in
// Positions) is written, else where the resource is.
func (r *SemanticResource) ElementPos(path ...any) diag.Pos {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = fmt.Sprint(p)
	}
	if pos, ok := r.Positions[strings.Join(parts, ".")]; ok {
		return pos
	}
	return r.Pos
}

// valuePositions records in out where each value under n is written,
// by its path from n.
func valuePositions(n *yaml.Node, prefix string, out map[string]diag.Pos) {
	n = deref(n)
	if n == nil {
		return
	}
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch n.Kind {
	case yaml.MappingNode:
		for _, p := range pairs(n) {
			out[join(p.Key)] = posOf(p.Val)
			valuePositions(p.Val, join(p.Key), out)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			k := join(strconv.Itoa(i))
			out[k] = posOf(item)
			valuePositions(item, k, out)
		}
	}
}

// The resource types declared only in properties YAML.
const (
	ExposureType  ResourceType = "exposure"
	GroupType     ResourceType = "group"
	SemanticModel ResourceType = "semantic_model"
	Metric        ResourceType = "metric"
	SavedQuery    ResourceType = "saved_query"
)

var (
	exposureKeys      = keySet("name type owner depends_on maturity url description label tags meta config")
	exposureTypes     = keySet("dashboard notebook analysis ml application")
	exposureMaturity  = keySet("high medium low")
	exposureConfig    = keySet("enabled tags meta")
	ownerKeys         = keySet("name email")
	groupKeys         = keySet("name owner description config")
	groupConfig       = keySet("meta")
	semanticTopKeys   = keySet("name description model defaults entities measures dimensions primary_entity label config meta")
	entityKeys        = keySet("name type description expr role label config meta")
	measureKeys       = keySet("name agg description expr create_metric agg_params non_additive_dimension agg_time_dimension label config meta")
	dimensionKeys     = keySet("name type description expr is_partition type_params label config meta")
	metricKeys        = keySet("name description type type_params label filter config meta time_granularity group tags")
	savedQueryKeys    = keySet("name description label query_params exports config tags")
	resourceConfig    = keySet("enabled group meta tags")
	savedQueryConfig  = keySet("enabled group meta tags cache export_as schema")
	entityTypes       = keySet("primary unique foreign natural")
	dimensionTypes    = keySet("categorical time")
	metricTypes       = keySet("simple ratio cumulative derived conversion")
	measureAggregates = keySet("sum max min count_distinct sum_boolean average percentile median count")
	// metricNameRe is Python's re.match(r"[\w-]+$"): \w is any Unicode
	// word character, $ also matches before a final newline.
	metricNameRe = lazyre.New(`^[\p{L}\p{N}_-]+\n?$`)
	callRe       = lazyre.New(`^\s*(ref|source|metric)\s*\((.*)\)\s*$`)
	callArgRe    = lazyre.New(`^\s*(?:(v|version)\s*=\s*)?(?:'([^']*)'|"([^"]*)"|([0-9][0-9.]*))\s*$`)
)

func keySet(s string) map[string]bool {
	out := map[string]bool{}
	for _, k := range strings.Fields(s) {
		out[k] = true
	}
	return out
}

func keyList(m map[string]bool) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// checkKeys reports every key of n not in allowed, at its line.
func (l *loader) checkKeys(file string, n *yaml.Node, what string, allowed map[string]bool) {
	for _, p := range pairs(n) {
		if !allowed[p.Key] {
			l.diags.Add(diag.Errorf(file, posOf(p.KeyNode), "remove it, or use one of: "+keyList(allowed),
				"%s: unknown key %q (elt does not support it)", what, p.Key))
		}
	}
}

// oneOf reports a scalar that is not one of allowed.
func (l *loader) oneOf(file string, n *yaml.Node, what string, allowed map[string]bool) string {
	s, _ := stringOf(n)
	if !allowed[strings.ToLower(s)] {
		l.diags.Add(diag.Errorf(file, posOf(n), "use one of: "+keyList(allowed), "%s %q is not valid", what, s))
	}
	return strings.ToLower(s)
}

// parseCall reads "ref('orders')", "ref('pkg', 'orders', v=2)",
// "source('raw', 'orders')", "metric('revenue')" or "metric('pkg', 'revenue')".
func parseCall(text string) (DependsOnCall, bool) {
	m := callRe().FindStringSubmatch(text)
	if m == nil {
		return DependsOnCall{}, false
	}
	c := DependsOnCall{Func: m[1], Text: strings.TrimSpace(text)}
	if strings.TrimSpace(m[2]) == "" {
		return c, false
	}
	for _, a := range strings.Split(m[2], ",") {
		am := callArgRe().FindStringSubmatch(a)
		if am == nil {
			return c, false
		}
		val := am[2] + am[3] + am[4]
		if am[1] != "" {
			c.Version, c.VersionText = val, am[4] == ""
			continue
		}
		c.Args = append(c.Args, val)
	}
	switch c.Func {
	case "ref":
		return c, len(c.Args) == 1 || len(c.Args) == 2
	case "source":
		return c, len(c.Args) == 2 && c.Version == ""
	}
	// metric('name') or, as dbt's ExposureMetricResolver, metric('package', 'name').
	return c, (len(c.Args) == 1 || len(c.Args) == 2) && c.Version == ""
}

func (l *loader) readCall(file string, n *yaml.Node, what string) (DependsOnCall, bool) {
	s, ok := stringOf(n)
	c, good := parseCall(s)
	if !ok || !good {
		l.diags.Add(diag.Errorf(file, posOf(n), "write ref('model'), ref('package', 'model'), source('source', 'table'), metric('name') or metric('package', 'name')",
			"%s: %q is not a ref(), source() or metric() call", what, s))
		return c, false
	}
	c.Pos = posOf(n)
	return c, true
}

// readOwner reads an owner: mapping with a name or an email.
func (l *loader) readOwner(file string, n *yaml.Node, what string) map[string]any {
	if !isMapping(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "write owner: {name: ..., email: ...}", "%s: owner must be a mapping, not %s", what, kindName(n)))
		return nil
	}
	owner, _ := toValue(n, nil, nil).(map[string]any)
	// dbt allows more keys on an owner (they go to its extra fields).
	if owner["name"] == nil && owner["email"] == nil {
		l.diags.Add(diag.Errorf(file, posOf(n), "add name: or email:", "%s: owner needs a name or an email", what))
	}
	return owner
}

func (l *loader) resourceConfig(file string, n *yaml.Node, what string, allowed map[string]bool) Config {
	if isNull(n) {
		return nil
	}
	if !isMapping(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "write config: as a mapping", "%s: config must be a mapping, not %s", what, kindName(n)))
		return nil
	}
	l.checkKeys(file, n, what+" config", allowed)
	return l.propsConfig(file, n)
}

func (l *loader) parseExposures(file string, entries []*yaml.Node) {
	for _, e := range entries {
		name, ok := l.entryName(file, "exposures", e)
		if !ok || !l.checkResourceName(file, posOf(e), "exposure", name) {
			continue
		}
		what := "exposure " + strconvQuote(name)
		x := &Exposure{UniqueID: string(ExposureType) + "." + l.cur.name + "." + name, Name: name, Package: l.cur.name,
			File: file, Pos: posOf(e), FQN: l.yamlFQN(file, name)}
		l.checkKeys(file, e, what, exposureKeys)
		var props Config = Config{}
		var cfg Config
		hasType, hasOwner := false, false
		for _, p := range pairs(e) {
			switch p.Key {
			case "type":
				x.Type, hasType = l.oneOf(file, p.Val, what+": type", exposureTypes), true
			case "owner":
				x.Owner, hasOwner = l.readOwner(file, p.Val, what), true
			case "maturity":
				x.Maturity = l.oneOf(file, p.Val, what+": maturity", exposureMaturity)
			case "url":
				x.URL, _ = stringOf(p.Val)
			case "description":
				s, _ := stringOf(p.Val)
				x.Description = l.resolveDocs(file, posOf(p.Val), s)
			case "label":
				x.Label, _ = stringOf(p.Val)
			case "tags":
				props["tags"] = toStringList(toValue(p.Val, nil, nil))
			case "meta":
				if m, ok := toValue(p.Val, nil, nil).(map[string]any); ok {
					props["meta"] = m
				}
			case "config":
				cfg = l.resourceConfig(file, p.Val, what, exposureConfig)
			case "depends_on":
				if !isSequence(p.Val) {
					l.diags.Add(diag.Errorf(file, posOf(p.Val), "write depends_on: as a list, e.g. [\"ref('orders')\"]",
						"%s: depends_on must be a list, not %s", what, kindName(p.Val)))
					continue
				}
				for _, d := range deref(p.Val).Content {
					if c, ok := l.readCall(file, d, what+": depends_on"); ok {
						x.DependsOn = append(x.DependsOn, c)
					}
				}
			}
		}
		if !hasType {
			l.diags.Add(diag.Errorf(file, posOf(e), "add type: dashboard, notebook, analysis, ml or application", "%s has no type", what))
		}
		if !hasOwner {
			l.diags.Add(diag.Errorf(file, posOf(e), "add owner: {name: ..., email: ...}", "%s has no owner", what))
		}
		if v, set := cfg["enabled"]; set {
			if _, isBool := v.(bool); !isBool {
				l.diags.Add(diag.Errorf(file, posOf(e), "write enabled: true or enabled: false, without quotes",
					"%s: at path ['enabled']: %s is not of type 'boolean'", what, pyRepr(v)))
			}
		}
		x.Config = exposureConfigOf(l.cur.cfg, MergeConfig(MergeConfig(Config{"enabled": true}, l.treeConfig(ExposureType, x.FQN)), cfg), props)
		x.Tags = toStringList(x.Config["tags"])
		x.Meta, _ = x.Config["meta"].(map[string]any)
		if !l.enabledIsBool(file, e, what, x.Config) {
			continue
		}
		if isDisabledConfig(x.Config) {
			l.proj.DisabledExposures = append(l.proj.DisabledExposures, x)
			continue
		}
		if l.proj.Exposures == nil {
			l.proj.Exposures = map[string]*Exposure{}
		}
		if prev, dup := l.proj.Exposures[x.UniqueID]; dup {
			l.diags.Add(diag.Errorf(file, x.Pos, "rename one of them", "%s: %s:%d and %s:%d",
				DuplicateName(ExposureType, ExposureType, name), prev.File, prev.Pos.Line, file, x.Pos.Line))
			continue
		}
		l.proj.Exposures[x.UniqueID] = x
	}
}

// exposureConfigOf is an exposure's config as dbt's ExposureParser makes
// it: its config (dbt_project.yml's exposures: tree, then its config:)
// with tags the sorted set of the exposures: block's own tags, the
// exposure's tags and the config's, and meta the block's own meta updated
// with the exposure's meta and then the config's.
func exposureConfigOf(project *ProjectConfig, cfg, props Config) Config {
	var block map[string]any
	if project != nil {
		block, _ = project.Raw["exposures"].(map[string]any)
	}
	tags := append(append(toStringList(block["tags"]), toStringList(props["tags"])...), toStringList(cfg["tags"])...)
	slices.Sort(tags)
	meta := map[string]any{}
	for _, m := range []any{block["meta"], props["meta"], cfg["meta"]} {
		if m, ok := m.(map[string]any); ok {
			maps.Copy(meta, m)
		}
	}
	out := maps.Clone(cfg)
	out["tags"], out["meta"] = slices.Compact(tags), meta
	return out
}

// pyRepr is v as Python's repr shows it in dbt's messages: a string in
// single quotes.
func pyRepr(v any) string {
	if s, ok := v.(string); ok && !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return fmt.Sprintf("%#v", v)
}

func (l *loader) parseGroups(file string, entries []*yaml.Node) {
	for _, e := range entries {
		name, ok := l.entryName(file, "groups", e)
		if !ok || !l.checkResourceName(file, posOf(e), "group", name) {
			continue
		}
		what := "group " + strconvQuote(name)
		g := &Group{UniqueID: string(GroupType) + "." + l.cur.name + "." + name, Name: name, Package: l.cur.name, File: file, Pos: posOf(e)}
		l.checkKeys(file, e, what, groupKeys)
		hasOwner := false
		for _, p := range pairs(e) {
			switch p.Key {
			case "owner":
				g.Owner, hasOwner = l.readOwner(file, p.Val, what), true
			case "description":
				s, _ := stringOf(p.Val)
				g.Description = l.resolveDocs(file, posOf(p.Val), s)
			case "config":
				g.Config = l.resourceConfig(file, p.Val, what, groupConfig)
			}
		}
		if !hasOwner {
			l.diags.Add(diag.Errorf(file, posOf(e), "add owner: {name: ..., email: ...}", "%s has no owner", what))
		}
		if l.proj.Groups == nil {
			l.proj.Groups = map[string]*Group{}
		}
		// Groups share one namespace across the project and its packages.
		for _, prev := range l.proj.Groups {
			if prev.Name == name {
				l.diags.Add(diag.Errorf(file, g.Pos, "rename one of them", "group %q is declared twice: %s:%d and %s:%d",
					name, prev.File, prev.Pos.Line, file, g.Pos.Line))
				ok = false
			}
		}
		if ok {
			l.proj.Groups[g.UniqueID] = g
		}
	}
}

// parseSemantic reads semantic_models:, metrics: or saved_queries:.
func (l *loader) parseSemantic(file string, kind ResourceType, section string, entries []*yaml.Node) {
	for _, e := range entries {
		name, ok := l.entryName(file, section, e)
		if !ok {
			continue
		}
		if kind == Metric {
			// dbt's own rules for a metric's name (UnparsedMetric.validate).
			if msg := metricNameProblem(name); msg != "" {
				l.diags.Add(diag.Errorf(file, posOf(e), "name the metric with letters, digits and underscores, starting with a letter", "%s", msg))
				continue
			}
		} else if !l.checkResourceName(file, posOf(e), string(kind), name) {
			continue
		}
		what := strings.ReplaceAll(string(kind), "_", " ") + " " + strconvQuote(name)
		r := &SemanticResource{UniqueID: string(kind) + "." + l.cur.name + "." + name, Kind: kind, Name: name, Package: l.cur.name,
			File: file, Pos: posOf(e), FQN: l.yamlFQN(file, name)}
		r.Raw, _ = toValue(e, nil, nil).(map[string]any)
		r.Positions = map[string]diag.Pos{}
		valuePositions(e, "", r.Positions)
		switch kind {
		case SemanticModel:
			l.checkSemanticModel(file, e, what, r)
			l.resolveElementDocs(file, e, r.Raw)
		case Metric:
			l.checkKeys(file, e, what, metricKeys)
			hasType := false
			for _, p := range pairs(e) {
				switch p.Key {
				case "type":
					l.oneOf(file, p.Val, what+": type", metricTypes)
					hasType = true
				case "config":
					r.Config = l.resourceConfig(file, p.Val, what, resourceConfig)
				}
			}
			if !hasType {
				l.diags.Add(diag.Errorf(file, posOf(e), "add type: simple, ratio, cumulative, derived or conversion", "%s has no type", what))
			}
			l.checkMetricWindows(file, e, what)
		case SavedQuery:
			l.checkKeys(file, e, what, savedQueryKeys)
			for _, p := range pairs(e) {
				switch p.Key {
				case "query_params":
					l.checkKeys(file, p.Val, what+": query_params", keySet("metrics group_by where order_by limit"))
				case "config":
					r.Config = l.resourceConfig(file, p.Val, what, savedQueryConfig)
				}
			}
		}
		var rawConfig Config
		for _, p := range pairs(e) {
			switch p.Key {
			case "description":
				s, _ := stringOf(p.Val)
				r.Description = l.resolveDocs(file, posOf(p.Val), s)
			case "label":
				r.Label, _ = stringOf(p.Val)
			case "tags":
				if kind != SemanticModel {
					r.Tags = toStringList(toValue(p.Val, nil, nil))
				}
			case "config":
				rawConfig = propsConfigUnrendered(l.unrenderedNode(p.Val))
			}
		}
		tree := l.treeConfig(kind, r.FQN)
		r.Config = MergeConfig(MergeConfig(Config{"enabled": true}, tree), r.Config)
		if kind == SavedQuery {
			inherited, _ := tree["export_as"].(string)
			l.checkExports(file, e, what, inherited)
		}
		// As dbt: the config block's keys replace the project's, unmerged.
		r.Unrendered = l.treeUnrenderedConfig(kind, r.FQN)
		for k, v := range rawConfig {
			r.Unrendered[k] = v
		}
		if kind == SavedQuery {
			// As dbt: the top-level tags and the config's, once each, sorted.
			r.Tags = sortedUnion(r.Tags, toStringList(r.Config["tags"]))
		}
		if !l.enabledIsBool(file, e, what, r.Config) {
			continue
		}
		if isDisabledConfig(r.Config) {
			l.proj.DisabledSemantic = append(l.proj.DisabledSemantic, r)
			continue
		}
		if !l.addSemantic(r) {
			continue
		}
		if kind == SemanticModel {
			l.createMeasureMetrics(file, e)
		}
	}
}

// resolveElementDocs renders the {{ doc() }} of the descriptions of a
// semantic model's entities, dimensions and measures in raw, its value as
// read from e, as dbt renders them with the model's own.
func (l *loader) resolveElementDocs(file string, e *yaml.Node, raw map[string]any) {
	for _, key := range []string{"entities", "dimensions", "measures"} {
		list, _ := raw[key].([]any)
		items, ok := pairValue(e, key)
		if !ok || !isSequence(items) || len(deref(items).Content) != len(list) {
			continue
		}
		for i, item := range deref(items).Content {
			x, _ := list[i].(map[string]any)
			d, ok := pairValue(item, "description")
			s, isStr := x["description"].(string)
			if !ok || !isStr || !hasJinja(s) {
				continue
			}
			x["description"] = l.resolveDocs(file, posOf(d), s)
		}
	}
}

// addSemantic adds r to the project unless its unique id is taken, which
// is reported.
func (l *loader) addSemantic(r *SemanticResource) bool {
	if l.proj.Semantic == nil {
		l.proj.Semantic = map[string]*SemanticResource{}
	}
	if prev, dup := l.proj.Semantic[r.UniqueID]; dup {
		l.diags.Add(diag.Errorf(r.File, r.Pos, "rename one of them", "%s: %s:%d and %s:%d",
			DuplicateName(prev.Kind, r.Kind, r.Name), prev.File, prev.Pos.Line, r.File, r.Pos.Line))
		return false
	}
	l.proj.Semantic[r.UniqueID] = r
	return true
}

// createMeasureMetrics adds, as dbt's semantic model parser does, a simple
// metric for each measure of the (enabled) semantic model e that sets
// create_metric: true. The metric is named and labelled after the measure,
// measures it, and is declared in the same file; its config is the
// project's metric config with enabled: true.
func (l *loader) createMeasureMetrics(file string, e *yaml.Node) {
	for _, p := range pairs(e) {
		if p.Key != "measures" || !isSequence(p.Val) {
			continue
		}
		for _, item := range deref(p.Val).Content {
			m, _ := toValue(item, nil, nil).(map[string]any)
			name, _ := m["name"].(string)
			if create, _ := m["create_metric"].(bool); !create || name == "" {
				continue
			}
			label, _ := m["label"].(string)
			if label == "" {
				label = name
			}
			desc, _ := m["description"].(string)
			if desc == "" {
				desc = "Metric created from measure " + name
			}
			r := &SemanticResource{UniqueID: string(Metric) + "." + l.cur.name + "." + name, Kind: Metric, Name: name,
				Package: l.cur.name, Description: desc, Label: label, File: file, Pos: posOf(item), FQN: l.yamlFQN(file, name)}
			r.Raw = map[string]any{"name": name, "label": label, "description": desc, "type": "simple",
				"type_params": map[string]any{"measure": name, "expr": name}}
			r.Config = MergeConfig(MergeConfig(Config{"enabled": true}, l.treeConfig(Metric, r.FQN)), Config{"enabled": true})
			r.Unrendered = l.treeUnrenderedConfig(Metric, r.FQN)
			r.Unrendered["enabled"] = true
			l.addSemantic(r)
		}
	}
}

// elementKinds names one element of each list of a semantic model.
var elementKinds = map[string]string{"entities": "entity", "dimensions": "dimension", "measures": "measure"}

func (l *loader) checkSemanticModel(file string, e *yaml.Node, what string, r *SemanticResource) {
	l.checkKeys(file, e, what, semanticTopKeys)
	hasModel := false
	// As MetricFlow's validation, which dbt runs at parse: one name per
	// element (entity, dimension or measure) of a semantic model.
	type element struct {
		kind string
		pos  diag.Pos
	}
	elements := map[string]element{}
	list := func(n *yaml.Node, part string, keys map[string]bool, check func(item *yaml.Node, itemWhat string)) {
		if isNull(n) {
			return
		}
		if !isSequence(n) {
			l.diags.Add(diag.Errorf(file, posOf(n), "write "+part+": as a list of `- name:` entries", "%s: %s must be a list, not %s", what, part, kindName(n)))
			return
		}
		for _, item := range deref(n).Content {
			itemName, ok := l.entryName(file, part, item)
			if !ok {
				continue
			}
			itemWhat := what + ": " + part + " " + strconvQuote(itemName)
			kind := elementKinds[part]
			if prev, dup := elements[itemName]; dup {
				l.diags.Add(diag.Errorf(file, posOf(item), "rename one of them: the names of a semantic model's entities, dimensions and measures must differ",
					"%s: can't use name %q for a %s when it was already used for a %s at line %d", what, itemName, kind, prev.kind, prev.pos.Line))
			} else {
				elements[itemName] = element{kind, posOf(item)}
			}
			l.checkKeys(file, item, itemWhat, keys)
			if check != nil {
				check(item, itemWhat)
			}
		}
	}
	for _, p := range pairs(e) {
		switch p.Key {
		case "model":
			if c, ok := l.readCall(file, p.Val, what+": model"); ok {
				if c.Func != "ref" {
					l.diags.Add(diag.Errorf(file, posOf(p.Val), "write model: ref('a_model')", "%s: model must be a ref(), not %s()", what, c.Func))
				} else {
					r.Model = &c
				}
			}
			hasModel = true
		case "defaults":
			l.checkKeys(file, p.Val, what+": defaults", keySet("agg_time_dimension"))
		case "entities":
			list(p.Val, "entities", entityKeys, func(item *yaml.Node, w string) {
				for _, q := range pairs(item) {
					if q.Key == "type" {
						l.oneOf(file, q.Val, w+": type", entityTypes)
					}
				}
			})
		case "measures":
			list(p.Val, "measures", measureKeys, func(item *yaml.Node, w string) {
				for _, q := range pairs(item) {
					if q.Key == "agg" {
						l.oneOf(file, q.Val, w+": agg", measureAggregates)
					}
				}
			})
		case "dimensions":
			list(p.Val, "dimensions", dimensionKeys, func(item *yaml.Node, w string) {
				for _, q := range pairs(item) {
					switch q.Key {
					case "type":
						l.oneOf(file, q.Val, w+": type", dimensionTypes)
					case "type_params":
						l.checkKeys(file, q.Val, w+": type_params", keySet("time_granularity validity_params"))
					}
				}
			})
		case "config":
			r.Config = l.resourceConfig(file, p.Val, what, resourceConfig)
		}
	}
	if !hasModel {
		l.diags.Add(diag.Errorf(file, posOf(e), "add model: ref('a_model')", "%s has no model", what))
	}
}

// checkMetricWindows reports each time window of metric e (type_params'
// window, its cumulative and conversion params' window, an input metric's
// offset_window) that is not "<count> <granularity>" with a whole-number
// count, as dbt's metric parser refuses them.
func (l *loader) checkMetricWindows(file string, e *yaml.Node, what string) {
	tp, _ := pairValue(e, "type_params")
	var windows []*yaml.Node
	add := func(n *yaml.Node, key string) {
		if v, ok := pairValue(n, key); ok && !isNull(v) {
			windows = append(windows, v)
		}
	}
	add(tp, "window")
	for _, k := range []string{"cumulative_type_params", "conversion_type_params"} {
		if v, ok := pairValue(tp, k); ok {
			add(v, "window")
		}
	}
	for _, k := range []string{"numerator", "denominator"} {
		if v, ok := pairValue(tp, k); ok {
			add(v, "offset_window")
		}
	}
	if v, ok := pairValue(tp, "metrics"); ok && isSequence(v) {
		for _, in := range deref(v).Content {
			add(in, "offset_window")
		}
	}
	for _, w := range windows {
		s, ok := stringOf(w)
		parts := strings.Split(strings.ToLower(s), " ")
		if !ok || len(parts) != 2 {
			l.diags.Add(diag.Errorf(file, posOf(w), "write the window as <count> <granularity>, e.g. 28 days",
				"%s: window %q is not a count and a granularity", what, s))
			continue
		}
		if !allDigits(parts[0]) {
			l.diags.Add(diag.Errorf(file, posOf(w), "write the window as <count> <granularity>, e.g. 28 days",
				"%s: window %q: count %q is not a whole number", what, s, parts[0]))
		}
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

var exportDestinations = keySet("table view")

// checkExports reports each export of saved query e whose export_as, its
// own or else the saved query's config's (its config block's, else
// dbt_project.yml's, given as inherited), is missing or not table or
// view, as dbt's saved query parser refuses it.
func (l *loader) checkExports(file string, e *yaml.Node, what, inherited string) {
	queryDefault := inherited
	if cfg, ok := pairValue(e, "config"); ok {
		if v, ok := pairValue(cfg, "export_as"); ok && !isNull(v) {
			queryDefault = l.oneOf(file, v, what+": config: export_as", exportDestinations)
		}
	}
	exports, ok := pairValue(e, "exports")
	if !ok || isNull(exports) {
		return
	}
	if !isSequence(exports) {
		l.diags.Add(diag.Errorf(file, posOf(exports), "write exports: as a list of `- name:` entries", "%s: exports must be a list, not %s", what, kindName(exports)))
		return
	}
	for _, x := range deref(exports).Content {
		name, ok := l.entryName(file, "exports", x)
		if !ok {
			continue
		}
		xWhat := what + ": export " + strconvQuote(name)
		l.checkKeys(file, x, xWhat, keySet("name config"))
		cfg, _ := pairValue(x, "config")
		if v, ok := pairValue(cfg, "export_as"); ok && !isNull(v) {
			l.oneOf(file, v, xWhat+": export_as", exportDestinations)
		} else if queryDefault == "" {
			l.diags.Add(diag.Errorf(file, posOf(x), "add config: {export_as: table} (or view) to the export or the saved query",
				"%s has no export_as", xWhat))
		}
	}
}

// yamlFQN is dbt's fqn of a resource declared in properties YAML:
// [project, the file's folders below its resource path..., name].
func (l *loader) yamlFQN(file, name string) []string {
	rel := file
	if l.cur.dir != "" {
		rel = strings.TrimPrefix(rel, l.cur.dir+"/")
	}
	fqn := []string{l.cur.name}
	if parts := strings.Split(path.Dir(rel), "/"); len(parts) > 1 {
		fqn = append(fqn, parts[1:]...)
	}
	return append(fqn, name)
}

// treeConfig is the dbt_project.yml config of a resource declared in
// properties YAML, the root project's last for a package's resource.
func (l *loader) treeConfig(kind ResourceType, fqn []string) Config {
	cfg := TreeConfig(l.cur.cfg, kind, fqn)
	markTreeUse(l.proj.Config.Trees, kind, fqn, l.treeUsed)
	if l.cur.pkg != nil {
		cfg = MergeConfig(cfg, l.proj.TreeConfig(kind, fqn))
	}
	return cfg
}

// treeUnrenderedConfig is treeConfig with the values as written.
func (l *loader) treeUnrenderedConfig(kind ResourceType, fqn []string) Config {
	cfg := TreeUnrenderedConfig(l.cur.cfg, kind, fqn)
	if l.cur.pkg != nil {
		cfg = MergeConfig(cfg, TreeUnrenderedConfig(l.proj.Config, kind, fqn))
	}
	return cfg
}

// sortedUnion is the strings of a and b, once each, sorted; empty, not
// nil, when there are none.
func sortedUnion(a, b []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range append(append([]string(nil), a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// enabledIsBool reports, as dbt's config validation does
// (finalize_and_validate: the JSON schema's enabled is a boolean,
// nothing coerced), an exposure's or semantic resource's enabled that is
// not a boolean, at the config block's enabled when it is written there.
func (l *loader) enabledIsBool(file string, e *yaml.Node, what string, c Config) bool {
	v, ok := c["enabled"]
	if !ok {
		return true
	}
	if _, isBool := v.(bool); isBool {
		return true
	}
	pos := posOf(e)
	if cfg, ok := pairValue(e, "config"); ok {
		if en, ok := pairValue(cfg, "enabled"); ok {
			pos = posOf(en)
		}
	}
	l.diags.Add(diag.Errorf(file, pos, "write enabled: true or enabled: false, without quotes",
		"%s: at path ['enabled']: %s is not of type 'boolean'", what, jinja.Repr(v)))
	return false
}

func isDisabledConfig(c Config) bool {
	switch v := c["enabled"].(type) {
	case bool:
		return !v
	case string:
		return strings.EqualFold(v, "false")
	}
	return false
}

// metricNameProblem is dbt's error for a metric name it refuses
// (contracts/graph/unparsed.py UnparsedMetric.validate): every rule the
// name breaks, in dbt's order and words; "" for a good name.
func metricNameProblem(name string) string {
	var errs []string
	if strings.Contains(name, " ") {
		errs = append(errs, "cannot contain spaces")
	}
	if utf8.RuneCountInString(name) > 250 {
		errs = append(errs, "cannot contain more than 250 characters")
	}
	if r, _ := utf8.DecodeRuneInString(name); !(r < utf8.RuneSelf && unicode.IsLetter(r)) {
		errs = append(errs, "must begin with a letter")
	}
	if !metricNameRe().MatchString(name) {
		errs = append(errs, "must contain only letters, numbers and underscores")
	}
	if len(errs) == 0 {
		return ""
	}
	return fmt.Sprintf("The metric name '%s' is invalid.  It %s", name, strings.Join(errs, ", "))
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }
