package docs

import (
	"slices"
	"sort"
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
	res := b.m.Resources(b.createdAt)
	for id, x := range res.Exposures {
		out.Exposures[id] = x
		edge(id, p.Exposures[id].DependsOnNodes)
	}
	for id, g := range res.Groups {
		out.Groups[id] = g
	}
	for id, list := range res.Disabled {
		for _, obj := range list {
			out.Disabled[id] = append(out.Disabled[id], jsonMap(obj))
		}
	}
	for _, kind := range []struct {
		from map[string]map[string]any
		to   map[string]any
	}{{res.SemanticModels, out.SemanticModels}, {res.Metrics, out.Metrics}, {res.SavedQueries, out.SavedQueries}} {
		for id, obj := range kind.from {
			kind.to[id] = jsonMap(obj)
			edge(id, p.Semantic[id].DependsOnIDs)
		}
	}
	// group_map: each group's name and the nodes in it, by the node's own
	// group (dbt's build_group_map), which for a generic test is the group
	// of the node it is attached to.
	for _, n := range b.m.SortedNodes() {
		if g := b.nodeGroup(n); g != "" {
			if _, written := out.Nodes[n.UniqueID]; written {
				out.GroupMap[g] = append(out.GroupMap[g], n.UniqueID)
			}
		}
	}
	for g, ids := range out.GroupMap {
		sort.Strings(ids)
		out.GroupMap[g] = ids
	}
	// As dbt: then the saved queries, semantic models and metrics of a
	// declared group, and every declared group, if only with [].
	declared := map[string]bool{}
	for _, g := range p.Groups {
		declared[g.Name] = true
		if out.GroupMap[g.Name] == nil {
			out.GroupMap[g.Name] = []string{}
		}
	}
	for _, kind := range []map[string]map[string]any{res.SavedQueries, res.SemanticModels, res.Metrics} {
		ids := make([]string, 0, len(kind))
		for id := range kind {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if g, ok := kind[id]["group"].(string); ok && declared[g] {
				out.GroupMap[g] = append(out.GroupMap[g], id)
			}
		}
	}
}
