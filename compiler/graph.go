package compiler

import (
	"sync"

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
}

// graphValue is what `graph` is in a render: empty while parsing, the
// whole project once every node is known (execute).
func (st *renderState) graphValue() any {
	if !st.execute || st.m == nil {
		return jinja.NewDict()
	}
	m := st.m
	m.graph.once.Do(func() { m.graph.value = m.buildGraph() })
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
	for _, k := range []string{"exposures", "groups", "metrics", "semantic_models", "saved_queries", "unit_tests"} {
		g.Set(k, jinja.NewDict())
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
	set("config", map[string]any(n.Config))
	set("tags", configTags(n.Config))
	set("meta", orEmptyMap(n.Meta))
	set("description", n.Description)
	set("columns", graphColumns(n.Columns))
	set("language", n.Language)
	set("raw_code", n.RawCode)
	sumName, sum := n.FileChecksum()
	set("checksum", map[string]any{"name": sumName, "checksum": sum})
	var refs []any
	for _, r := range n.Refs {
		refs = append(refs, map[string]any{"name": r.Name, "package": nilIfEmpty(r.Package), "version": nilIfEmpty(r.Version)})
	}
	set("refs", orEmptyList(refs))
	var srcs []any
	for _, s := range n.SourceRefs {
		srcs = append(srcs, []any{s[0], s[1]})
	}
	set("sources", orEmptyList(srcs))
	set("depends_on", map[string]any{"nodes": stringsAny(n.DependsOn.Nodes), "macros": stringsAny(n.DependsOn.Macros)})
	set("patch_path", nilIfEmpty(n.PatchPath))
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
	set("description", s.Description)
	set("source_description", s.SourceDescription)
	set("columns", graphColumns(s.Columns))
	set("meta", orEmptyMap(s.Meta))
	set("source_meta", map[string]any{})
	set("tags", stringsAny(s.Tags))
	set("config", map[string]any(s.Config))
	set("freshness", s.Freshness)
	set("quoting", orEmptyMap(s.Quoting))
	return d
}

func graphColumns(cols []*project.Column) *jinja.Dict {
	d := jinja.NewDict()
	for _, c := range cols {
		col := map[string]any{
			"name": c.Name, "description": c.Description, "data_type": nilIfEmpty(c.DataType),
			"meta": orEmptyMap(c.Meta), "tags": stringsAny(c.Tags), "constraints": orEmptyList(c.Constraints),
			"quote": nil,
		}
		if c.Quote != nil {
			col["quote"] = *c.Quote
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
