package docs

import (
	"slices"
	"sort"

	"github.com/elt-dev/elt/project"
)

// resources adds the exposures, groups, semantic models, metrics and
// saved queries of the project to out, with the exposures' and semantic
// models' edges in parent_map and child_map, and group_map.
func (b *builder) resources(out *Manifest) {
	p := b.m.Project
	if p == nil {
		return
	}
	edge := func(child string, parents []string) {
		out.ParentMap[child] = dedupSorted(append(slices.Clip(out.ParentMap[child]), parents...))
		for _, dep := range parents {
			out.ChildMap[dep] = dedupSorted(append(slices.Clip(out.ChildMap[dep]), child))
		}
		if out.ChildMap[child] == nil {
			out.ChildMap[child] = []string{}
		}
	}
	for id, x := range p.Exposures {
		refs, sources, metrics := callLists(x.DependsOn)
		cfg := map[string]any{"enabled": true, "tags": orEmpty(x.Tags), "meta": orEmptyMap(x.Meta)}
		out.Exposures[id] = map[string]any{
			"name": x.Name, "resource_type": string(project.ExposureType), "package_name": x.Package,
			"path": b.pkgRel(x.Package, x.File), "original_file_path": b.pkgRel(x.Package, x.File),
			"unique_id": id, "fqn": x.FQN, "type": x.Type, "owner": ownerOf(x.Owner),
			"description": x.Description, "label": strOrNull(x.Label), "maturity": strOrNull(x.Maturity),
			"meta": orEmptyMap(x.Meta), "tags": orEmpty(x.Tags), "config": cfg, "unrendered_config": map[string]any{},
			"url": strOrNull(x.URL), "depends_on": map[string]any{"macros": []string{}, "nodes": orEmpty(x.DependsOnNodes)},
			"refs": refs, "sources": sources, "metrics": metrics, "created_at": b.createdAt,
		}
		edge(id, x.DependsOnNodes)
	}
	for id, g := range p.Groups {
		cfg := map[string]any{"meta": map[string]any{}}
		if m, ok := g.Config["meta"].(map[string]any); ok {
			cfg["meta"] = m
		}
		out.Groups[id] = map[string]any{
			"name": g.Name, "resource_type": string(project.GroupType), "package_name": g.Package,
			"path": b.pkgRel(g.Package, g.File), "original_file_path": b.pkgRel(g.Package, g.File),
			"unique_id": id, "owner": ownerOf(g.Owner), "description": strOrNull(g.Description), "config": cfg,
		}
	}
	for id, r := range p.Semantic {
		obj := map[string]any{}
		for k, v := range r.Raw {
			obj[k] = jsonValue(v)
		}
		cfg := map[string]any{"enabled": true, "group": nil, "meta": map[string]any{}}
		for k, v := range r.Config {
			cfg[k] = jsonValue(v)
		}
		for k, v := range map[string]any{
			"name": r.Name, "resource_type": string(r.Kind), "package_name": r.Package,
			"path": b.pkgRel(r.Package, r.File), "original_file_path": b.pkgRel(r.Package, r.File),
			"unique_id": id, "fqn": r.FQN, "description": strOrNull(r.Description), "label": strOrNull(r.Label),
			"config": cfg, "depends_on": map[string]any{"macros": []string{}, "nodes": orEmpty(r.DependsOnIDs)},
			"created_at": b.createdAt,
		} {
			obj[k] = v
		}
		switch r.Kind {
		case project.SemanticModel:
			// node_relation: the relation of the model it reads, as dbt writes it.
			if len(r.DependsOnIDs) > 0 {
				if n := b.m.Nodes[r.DependsOnIDs[0]]; n != nil {
					obj["node_relation"] = map[string]any{
						"alias": n.Relation.Identifier, "schema_name": n.Relation.Schema,
						"database": strOrNull(n.Relation.Database), "relation_name": strOrNull(n.RelationName),
					}
				}
			}
			if r.Model != nil {
				refs, _, _ := callLists([]project.DependsOnCall{*r.Model})
				obj["refs"] = refs
			}
			out.SemanticModels[id] = obj
		case project.Metric:
			out.Metrics[id] = obj
		case project.SavedQuery:
			out.SavedQueries[id] = obj
		}
		edge(id, r.DependsOnIDs)
	}
	// group_map: each group's name and the nodes in it.
	for _, n := range b.m.SortedNodes() {
		if g, ok := n.Config["group"].(string); ok && g != "" {
			if _, written := out.Nodes[n.UniqueID]; written {
				out.GroupMap[g] = append(out.GroupMap[g], n.UniqueID)
			}
		}
	}
	for g, ids := range out.GroupMap {
		sort.Strings(ids)
		out.GroupMap[g] = ids
	}
}

func ownerOf(o map[string]any) map[string]any {
	out := map[string]any{"email": nil, "name": nil}
	for k, v := range o {
		out[k] = v
	}
	return out
}

// callLists splits ref(), source() and metric() calls into dbt's refs,
// sources and metrics lists.
func callLists(calls []project.DependsOnCall) (refs []map[string]any, sources, metrics [][]string) {
	refs, sources, metrics = []map[string]any{}, [][]string{}, [][]string{}
	for _, c := range calls {
		switch c.Func {
		case "ref":
			r := map[string]any{"name": c.Args[len(c.Args)-1], "package": nil, "version": nil}
			if len(c.Args) == 2 {
				r["package"] = c.Args[0]
			}
			if c.Version != "" {
				r["version"] = c.Version
			}
			refs = append(refs, r)
		case "source":
			sources = append(sources, c.Args)
		case "metric":
			metrics = append(metrics, c.Args)
		}
	}
	return refs, sources, metrics
}
