package compiler

import (
	"context"
	"maps"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// chooseAlternates returns the project's nodes with, for each unique id
// defined more than once (project.Project.Alternates), the one definition
// that is enabled, as dbt keeps it: a package's models/bigquery/x.sql and
// models/postgres/x.sql, each enabled for its own warehouse by its folder's
// config or its config() call. Two enabled definitions are an error; with
// none enabled the first stays, disabled.
func (m *Manifest) chooseAlternates(ctx context.Context, l *diag.List, p *project.Project) map[string]*project.Node {
	nodes := maps.Clone(p.Nodes)
	for _, id := range sortedKeys(p.Alternates) {
		defs := append([]*project.Node{p.Nodes[id]}, p.Alternates[id]...)
		var on []*project.Node
		failed := false
		for _, pn := range defs {
			enabled, err := m.enabledAtParse(ctx, pn)
			if err != nil {
				failed = true
				println("ALT", pn.OriginalFilePath, err.Error())
				continue
			}
			if enabled {
				on = append(on, pn)
			}
		}
		if failed {
			// The render's error is reported where the node is rendered
			// again, with the other definitions of its name left out.
			continue
		}
		switch len(on) {
		case 0:
		case 1:
			nodes[id] = on[0]
		default:
			a, b := on[0], on[1]
			l.Add(diag.Errorf(b.OriginalFilePath, diag.Pos{}, "rename one of them, or disable all but one with enabled: false",
				"found two enabled resources named %q: %s %s and %s %s",
				b.Name, a.ResourceType, a.OriginalFilePath, b.ResourceType, b.OriginalFilePath))
		}
	}
	return nodes
}

// enabledAtParse reports whether pn is enabled once its config() calls are
// applied: its config as Parse sets it up, and if that leaves it enabled,
// the config of a render in parse mode, merged as the parse render merges it.
func (m *Manifest) enabledAtParse(ctx context.Context, pn *project.Node) (bool, error) {
	var n Node
	if setUpNode(&n, pn) {
		return false, nil
	}
	rs, err := m.renderNode(ctx, &n, false)
	if err != nil {
		return false, err
	}
	cfg := n.Config
	if len(rs.inFile) > 0 {
		if n.RootConfig != nil {
			cfg = mergeConfig(mergeConfig(n.ownConfig, rs.inFile), n.RootConfig)
		} else {
			cfg = mergeConfig(n.Config, rs.inFile)
		}
	}
	return !isDisabled(cfg), nil
}
