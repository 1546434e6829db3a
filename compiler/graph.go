package compiler

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// flatGraph is dbt's `graph` context value once parsing is done: nodes,
// sources and exposures keyed by unique id, each a dictionary shaped like
// its manifest.json entry. While parsing, dbt's graph is empty, and so is
// this one.
type flatGraph struct {
	once  sync.Once
	value *jinja.Dict
	// ahead is set while the nodes of a run are compiled ahead of it,
	// before its on-run-start hooks: see graphValue.
	ahead atomic.Bool
	// mu is held by a render at run time from its first read of the graph
	// to its end (see graphHold): the graph's dicts are not safe for
	// concurrent change, and packages change them (elementary keeps a
	// cache there), which Python's lock makes safe in dbt.
	mu sync.Mutex
}

// graphHold is a run-time render's claim on the graph's lock: taken at its
// first read of `graph` (by it or by the renders it makes, an ephemeral
// model's, which share the claim), given back by release when it ends.
// Such a render holds no transaction of its own, so it only ever waits
// for another render's end.
type graphHold struct {
	m    *Manifest
	held bool
}

func (m *Manifest) holdGraph() *graphHold { return &graphHold{m: m} }

func (h *graphHold) take() {
	if h != nil && !h.held {
		h.m.graph.mu.Lock()
		h.held = true
	}
}

func (h *graphHold) release() {
	if h.held {
		h.held = false
		h.m.graph.mu.Unlock()
	}
}

// graphValue is what `graph` is in a render: empty while parsing, the
// whole project once every node is known (execute). It is one dict for
// the invocation, which packages keep state in (elementary's on-run-start
// sets graph['elementary'] for its tests); a render made ahead of a run,
// before its on-run-start hooks (dbt renders a node just before it runs),
// gets a copy of its top level, so that what it sets there does not stay.
func (st *renderState) graphValue() any {
	if !st.execute || st.m == nil {
		return jinja.NewDict()
	}
	m := st.m
	m.graph.once.Do(func() { m.graph.value = m.buildGraph() })
	if m.graph.ahead.Load() {
		if st.graphCopy == nil {
			st.graphCopy = jinja.NewDict()
			for k, v := range m.graph.value.All() {
				st.graphCopy.Set(k, v)
			}
		}
		return st.graphCopy
	}
	st.hold.take()
	return m.graph.value
}

func (m *Manifest) buildGraph() *jinja.Dict {
	nodes := jinja.NewDict()
	for _, id := range sortedKeys(m.Nodes) {
		nodes.Set(id, m.graphNode(m.Nodes[id]))
	}
	sources := jinja.NewDict()
	for _, id := range sortedKeys(m.Sources) {
		sources.Set(id, m.graphSource(m.Sources[id]))
	}
	g := jinja.NewDict()
	g.Set("nodes", nodes)
	g.Set("sources", sources)
	created := m.engine.opts.RunStartedAt
	if created.IsZero() {
		created = time.Now()
	}
	res := m.Resources(float64(created.UnixNano()) / 1e9)
	for _, k := range []struct {
		name    string
		entries map[string]map[string]any
	}{{"exposures", res.Exposures}, {"groups", res.Groups}, {"metrics", res.Metrics},
		{"semantic_models", res.SemanticModels}, {"saved_queries", res.SavedQueries}} {
		d := jinja.NewDict()
		for _, id := range sortedKeys(k.entries) {
			d.Set(id, templateValue(k.entries[id]))
		}
		g.Set(k.name, d)
	}
	return g
}

func (m *Manifest) graphNode(n *Node) *jinja.Dict {
	d := jinja.NewDict()
	set := func(k string, v any) { d.Set(k, templateValue(v)) }
	set("unique_id", n.UniqueID)
	set("name", n.Name)
	set("resource_type", string(n.ResourceType))
	set("package_name", n.Package)
	set("path", n.Path)
	set("original_file_path", n.PackagePath())
	set("fqn", stringsAny(n.FQN))
	set("database", nilIfEmpty(n.Relation.Database))
	set("schema", n.Relation.Schema)
	alias := n.Relation.Identifier
	if alias == "" {
		alias = n.Name
	}
	set("alias", alias)
	set("identifier", alias)
	set("relation_name", nilIfEmpty(n.RelationName))
	d.Set("config", graphConfigValue(NodeConfig(n)))
	set("unrendered_config", map[string]any(n.UnrenderedConfig))
	if n.RunHook != nil {
		tags, _ := n.Config["tags"].([]string) // normalised by the loader
		set("tags", stringsAny(n.RunHook.Tags(tags)))
		set("index", n.RunHook.Index)
	} else {
		set("tags", configTags(n.Config))
	}
	set("meta", orEmptyMap(n.Meta))
	group, _ := configString(n.Config, "group")
	if a := m.Nodes[n.AttachedNode]; n.ResourceType == project.Test && a != nil {
		// As dbt: a test has the group of the node it is attached to.
		group, _ = configString(a.Config, "group")
	}
	set("group", nilIfEmpty(group))
	set("doc_blocks", stringsAny(n.DocBlocks))
	set("docs", configDocs(n.Config["docs"]))
	set("description", n.Description)
	set("columns", graphColumns(n.Columns))
	lang := n.Language
	if lang == "" && n.ResourceType != project.Seed {
		lang = "sql"
	}
	set("language", lang)
	if n.ResourceType != project.Seed {
		c := configContract(n.Config["contract"])
		c["checksum"] = nil
		set("contract", c)
		metrics := make([]any, len(n.MetricRefs))
		for i, c := range n.MetricRefs {
			metrics[i] = stringsAny(c)
		}
		set("metrics", metrics)
	}
	if n.ResourceType == project.Model {
		access, _ := configString(n.Config, "access")
		if access == "" {
			access = "protected"
		}
		set("access", access)
		set("constraints", orEmptyList(n.Constraints))
		set("version", n.Version)
		set("latest_version", n.LatestVersion)
		set("deprecation_date", nilIfEmpty(n.DeprecationDate))
		set("primary_key", stringsAny(n.PrimaryKey))
		set("time_spine", timeSpineValue(n.TimeSpine))
	}
	set("raw_code", n.RawCode)
	sumName, sum := n.FileChecksum()
	set("checksum", map[string]any{"name": sumName, "checksum": sum})
	var refs []any
	for _, r := range n.Refs {
		refs = append(refs, map[string]any{"name": r.Name, "package": nilIfEmpty(r.Package), "version": r.VersionJSON()})
	}
	set("refs", orEmptyList(refs))
	var srcs []any
	for _, s := range n.SourceRefs {
		srcs = append(srcs, []any{s[0], s[1]})
	}
	set("sources", orEmptyList(srcs))
	set("depends_on", map[string]any{"nodes": stringsAny(n.DependsOn.Nodes), "macros": stringsAny(n.DependsOn.Macros)})
	if n.PatchPath != "" {
		// As the manifest's: <package>://<path in the package>.
		set("patch_path", n.Package+"://"+strings.TrimPrefix(n.PatchPath, n.PackageDir+"/"))
	} else {
		set("patch_path", nil)
	}
	if n.TestMetadata != nil {
		set("test_metadata", map[string]any{"name": n.TestMetadata.Name, "namespace": nilIfEmpty(n.TestMetadata.Namespace), "kwargs": n.TestMetadata.Kwargs})
		set("column_name", nilIfEmpty(n.ColumnName))
		set("attached_node", nilIfEmpty(n.AttachedNode))
	}
	if n.Compiled {
		set("compiled", true)
		set("compiled_code", n.CompiledCode)
	}
	return d
}

func (m *Manifest) graphSource(s *project.SourceTable) *jinja.Dict {
	d := jinja.NewDict()
	set := func(k string, v any) { d.Set(k, templateValue(v)) }
	set("unique_id", s.UniqueID)
	set("name", s.Name)
	set("source_name", s.SourceName)
	set("resource_type", "source")
	set("package_name", s.Package)
	set("path", s.OriginalFilePath)
	set("original_file_path", s.OriginalFilePath)
	set("fqn", stringsAny(s.FQN))
	set("database", nilIfEmpty(s.Database))
	set("schema", s.Schema)
	set("identifier", s.Identifier)
	set("relation_name", nilIfEmpty(m.SourceRelations[s.UniqueID]))
	set("loader", s.Loader)
	set("loaded_at_field", nilIfEmpty(s.LoadedAtField))
	set("external", ExternalTable(s.External))
	set("description", s.Description)
	set("source_description", s.SourceDescription)
	set("columns", graphColumns(s.Columns))
	set("meta", orEmptyMap(s.Meta))
	set("source_meta", orEmptyMap(s.SourceMeta))
	set("tags", stringsAny(s.Tags))
	d.Set("config", graphConfigValue(SourceConfig(s)))
	// As in the manifest: dbt's graph holds the source's unrendered_config.
	set("unrendered_config", map[string]any(s.UnrenderedConfig()))
	set("freshness", SourceFreshnessOf(s))
	set("quoting", orEmptyMap(s.Quoting))
	return d
}

// ExternalTable is a source table's external property as dbt holds it
// (ExternalTable): location, file_format, row_format, tbl_properties and
// partitions, None where unset, and whatever else it declares; nil when
// it declares none.
func ExternalTable(x map[string]any) map[string]any {
	if x == nil {
		return nil
	}
	out := map[string]any{"location": nil, "file_format": nil, "row_format": nil, "tbl_properties": nil, "partitions": nil}
	for k, v := range x {
		out[k] = v
	}
	return out
}

func graphColumns(cols []*project.Column) *jinja.Dict { return columnsDict(cols, false) }

// modelColumns are the columns of the model variable: dbt's node dict
// there omits what is None.
func modelColumns(cols []*project.Column) *jinja.Dict { return columnsDict(cols, true) }

func columnsDict(cols []*project.Column, omitNone bool) *jinja.Dict {
	d := jinja.NewDict()
	for _, c := range cols {
		col := map[string]any{
			"name": c.Name, "description": c.Description, "data_type": nilIfEmpty(c.DataType),
			"meta": orEmptyMap(c.Meta), "tags": stringsAny(c.Tags), "constraints": orEmptyList(c.Constraints),
			"quote": nil, "granularity": nilIfEmpty(c.Granularity),
			"config":     map[string]any{"meta": orEmptyMap(c.ConfigMeta), "tags": stringsAny(c.ConfigTags)},
			"doc_blocks": stringsAny(c.DocBlocks),
		}
		if c.Quote != nil {
			col["quote"] = *c.Quote
		}
		if omitNone {
			for _, k := range []string{"data_type", "quote", "granularity"} {
				if col[k] == nil {
					delete(col, k)
				}
			}
		}
		d.Set(c.Name, templateValue(col))
	}
	return d
}

func stringsAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func orEmptyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func orEmptyList(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// configTags is the tags config as a list ([] when unset).
func configTags(c project.Config) []any {
	switch t := c["tags"].(type) {
	case []string:
		return stringsAny(t)
	case []any:
		return t
	case string:
		return []any{t}
	}
	return []any{}
}

// SourceFreshnessOf is a source table's freshness as dbt 1.10 holds it,
// in its config and at its top level: None where a freshness: null
// cleared it, an empty threshold (counts and periods None) where none is
// declared, else SourceFreshness's.
func SourceFreshnessOf(s *project.SourceTable) any {
	switch {
	case s.FreshnessNull:
		return nil
	case s.Freshness == nil:
		return SourceFreshness(map[string]any{})
	}
	return SourceFreshness(s.Freshness)
}

// SourceConfig is a source table's config as dbt 1.10 holds it (its
// SourceConfig): enabled, event_time, freshness, loaded_at_field,
// loaded_at_query, meta and tags, then every other key the project set.
func SourceConfig(s *project.SourceTable) map[string]any {
	cfg := DefaultSourceConfig()
	maps.Copy(cfg, s.Config)
	cfg["freshness"] = SourceFreshnessOf(s)
	cfg["loaded_at_field"] = nilIfEmpty(s.LoadedAtField)
	cfg["loaded_at_query"] = nilIfEmpty(s.LoadedAtQuery)
	cfg["meta"] = orEmptyMap(s.Meta)
	tags := slices.Clone(s.Tags)
	slices.Sort(tags)
	cfg["tags"] = stringsAny(slices.Compact(tags))
	return cfg
}

// SourceFreshness is a source's freshness as dbt holds it (the graph's,
// and the manifest's, which docs writes from it): None
// when none is declared, else warn_after and error_after each
// {count, period} (None where the project cleared it with null), and
// filter.
func SourceFreshness(f map[string]any) any {
	if f == nil {
		return nil
	}
	return project.FreshnessThreshold(f)
}

// TimeValue is t as a template reads dbt's timestamps (a result's
// timing): a naive UTC datetime, None when t is zero.
func TimeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return NaiveTimeValue(t)
}

// UTCTimeValue is t as an aware UTC datetime (datetime.timezone.utc), as
// dbt's freshness results hold max_loaded_at; None when t is zero.
func UTCTimeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return awareWall(t.UTC(), &tzInfo{abbr: "UTC"})
}

// NaiveTimeValue is a timestamp without a time zone as a driver returns
// it (its wall clock in UTC): a naive datetime, as Python's drivers give
// one to dbt ("2024-01-31 12:00:00", no offset).
func NaiveTimeValue(t time.Time) any { return naiveTime(t.UTC()) }

// DateValue is a date as a driver returns it (midnight UTC): a Python
// date, "2024-01-31".
func DateValue(t time.Time) any {
	u := t.UTC()
	return newDate(u.Year(), u.Month(), u.Day())
}

// graphConfigValue is a config as dbt's config objects read in templates: a
// key the config does not hold is None (node.config.full_refresh of a
// test), not undefined.
func graphConfigValue(cfg map[string]any) *jinja.Dict {
	d := jinja.NewDict()
	for _, k := range sortedKeys(cfg) {
		d.Set(k, templateValue(cfg[k]))
	}
	return d.MissingIsNone()
}

// timeSpineValue is a model's time_spine as dbt's graph and manifest give
// it: nil, or its standard granularity column and custom granularities.
func timeSpineValue(ts *project.TimeSpine) any {
	if ts == nil {
		return nil
	}
	custom := make([]any, len(ts.CustomGranularities))
	for i, cg := range ts.CustomGranularities {
		custom[i] = map[string]any{"name": cg.Name, "column_name": nilIfEmpty(cg.ColumnName)}
	}
	return map[string]any{"standard_granularity_column": ts.StandardGranularityColumn, "custom_granularities": custom}
}
