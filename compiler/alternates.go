package compiler

import (
	"context"
	"maps"
	"strconv"

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
		off := map[*project.Node]*Node{}
		failed := false
		for _, pn := range defs {
			n, enabled, err := m.enabledAtParse(ctx, pn)
			if err != nil {
				failed = true
				continue
			}
			if enabled {
				on = append(on, pn)
			} else {
				off[pn] = n
			}
		}
		if failed {
			// The render's error is reported where the node is rendered
			// again, with the other definitions of its name left out.
			continue
		}
		// The definitions not kept are disabled nodes of the manifest
		// (its disabled section, messages about a ref to them); with none
		// enabled the first is kept, and Parse disables it.
		for pn, n := range off {
			if len(on) == 0 && pn == p.Nodes[id] {
				continue
			}
			m.disabled[id+"\x00"+n.OriginalFilePath+"\x00"+strconv.Itoa(n.RawCodeOffset)] = n
		}
		switch len(on) {
		case 0:
			if first := p.Nodes[id]; first.PropsEnable {
				// dbt's parse_patch: properties YAML cannot say which of
				// several disabled definitions to enable.
				l.Add(diag.Errorf(first.PatchPath, first.PatchPos, "enable one definition in dbt_project.yml or in its SQL file's config()",
					"Found %d matching disabled nodes for %s '%s'. Multiple nodes for the same unique id cannot be enabled in the schema file. "+
						"They must be enabled in `dbt_project.yml` or in the sql files.", len(defs), first.ResourceType, first.Name))
			}
		case 1:
			nodes[id] = on[0]
		default:
			a, b := on[0], on[1]
			l.Add(diag.Errorf(b.OriginalFilePath, diag.Pos{}, "rename one of them, or disable all but one with enabled: false",
				"%s: %s %s and %s %s", project.DuplicateName(a.ResourceType, b.ResourceType, b.Name),
				a.ResourceType, a.OriginalFilePath, b.ResourceType, b.OriginalFilePath))
		}
	}
	return nodes
}

// enabledAtParse sets pn up as a node and reports whether it is enabled
// once its config() calls are applied: its config as Parse sets it up, and
// unless that disables a node that cannot enable itself, the config of a
// render in parse mode, merged as the parse render merges it (a config()
// call comes after the project's and the YAML's config in dbt's order).
func (m *Manifest) enabledAtParse(ctx context.Context, pn *project.Node) (*Node, bool, error) {
	n := &Node{}
	if setUpNode(n, pn) && !mayEnableItself(n) {
		return n, false, nil
	}
	rs, err := m.renderNode(ctx, n, false)
	if err != nil {
		return n, false, err
	}
	if len(rs.inFile) > 0 {
		if n.RootConfig != nil {
			n.Config = mergeConfig(mergeConfig(n.ownConfig, rs.inFile), n.RootConfig)
		} else {
			n.Config = mergeConfig(n.Config, rs.inFile)
		}
		n.sharedConfig = false
	}
	return n, !isDisabled(n.Config), nil
}
