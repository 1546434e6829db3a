package compiler

import (
	"fmt"
	"maps"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// finishGrantKeys turns each "+privilege" left in a node's final grants
// into "privilege". Merges keep the "+" of a layer that had nothing under
// it to extend until the node's config is whole; dbt merges every layer
// into a config whose grants start as {}, where a "+privilege" with
// nothing to extend is the privilege (DictKeyAppend).
func finishGrantKeys(nodes []*Node) {
	for _, n := range nodes {
		g, ok := n.Config["grants"].(map[string]any)
		if !ok || !hasPlusKey(g) {
			continue
		}
		fixed := make(map[string]any, len(g))
		for k, v := range g {
			if priv, plus := strings.CutPrefix(k, "+"); plus {
				fixed[priv] = append(append([]any{}, project.ListItems(fixed[priv])...), project.ListItems(v)...)
				continue
			}
			fixed[k] = append(append([]any{}, project.ListItems(v)...), project.ListItems(fixed[k])...)
		}
		n.Config = maps.Clone(n.Config)
		n.Config["grants"] = fixed
		n.sharedConfig, n.configInterned = false, false
	}
}

func hasPlusKey(g map[string]any) bool {
	for k := range g {
		if strings.HasPrefix(k, "+") {
			return true
		}
	}
	return false
}

// validateGrantsAndDocs reports, at the node's config, a grants config
// that is not a mapping of privileges to a grantee or a list of them, and a
// persist_docs config with keys other than relation and columns or values
// other than true and false.
func validateGrantsAndDocs(l *diag.List, n *Node) {
	switch n.ResourceType {
	case project.Model, project.Seed, project.Snapshot:
	default:
		return
	}
	if g, set := n.Config["grants"]; set && g != nil {
		file, pos := ConfigSite(n)
		hint := "write grants: {select: [role_a, role_b]}"
		m, ok := g.(map[string]any)
		if !ok {
			l.Add(diag.Errorf(file, pos, hint, "%s %s: grants must be a mapping of privilege to grantees, not %v", n.ResourceType, n.Name, g))
		}
		for priv, v := range m {
			ok := strings.TrimSpace(strings.TrimPrefix(priv, "+")) != ""
			switch x := v.(type) {
			case string:
				ok = ok && strings.TrimSpace(x) != ""
			case []any:
				for _, e := range x {
					s, isStr := e.(string)
					ok = ok && isStr && strings.TrimSpace(s) != ""
				}
			case []string:
			case nil:
			default:
				ok = false
			}
			if !ok {
				l.Add(diag.Errorf(file, pos, hint, "%s %s: grants: %q must list grantees by name, not %v", n.ResourceType, n.Name, priv, v))
			}
		}
	}
	if d, set := n.Config["persist_docs"]; set && d != nil {
		file, pos := ConfigSite(n)
		hint := "write persist_docs: {relation: true, columns: true}"
		m, ok := d.(map[string]any)
		if !ok {
			l.Add(diag.Errorf(file, pos, hint, "%s %s: persist_docs must be a mapping, not %v", n.ResourceType, n.Name, d))
		}
		for k, v := range m {
			if _, isBool := v.(bool); (k != "relation" && k != "columns") || !isBool {
				l.Add(diag.Errorf(file, pos, hint, "%s %s: persist_docs: %s: %s is not supported", n.ResourceType, n.Name, k, fmt.Sprint(v)))
			}
		}
	}
}
