package compiler

import (
	"sort"

	"github.com/elt-dev/elt/project"
)

// inferPrimaryKeys sets each model's PrimaryKey as dbt 1.10 infers it
// for the manifest (ModelNode.infer_primary_key): a primary_key
// constraint's columns (the model's, then a column's), else the columns
// with both a unique and a not_null test, else those with an enabled
// unique test, else those with a disabled one (unique_combination_of_columns
// counting as unique for each of its columns). dbt returns the last three
// in set order; elt sorts them, so the manifest does not vary by run.
func (m *Manifest) inferPrimaryKeys() {
	tests := map[string][]*Node{}
	add := func(t *Node) {
		if t.ResourceType == project.Test && t.TestMetadata != nil && t.AttachedNode != "" {
			tests[t.AttachedNode] = append(tests[t.AttachedNode], t)
		}
	}
	for _, n := range m.nodes {
		add(n)
	}
	for _, n := range m.disabled {
		add(n)
	}
	for _, n := range m.nodes {
		if n.ResourceType == project.Model {
			n.PrimaryKey = primaryKeyOf(n, tests[n.UniqueID], m.disabled)
		}
	}
}

func primaryKeyOf(n *Node, tests []*Node, disabled map[string]*Node) []string {
	for _, c := range n.Constraints {
		if k, ok := c.(map[string]any); ok && k["type"] == "primary_key" {
			return columnNames(k["columns"])
		}
	}
	for _, col := range n.Columns {
		for _, c := range col.Constraints {
			if k, ok := c.(map[string]any); ok && k["type"] == "primary_key" {
				return []string{col.Name}
			}
		}
	}
	enabled, off, notNull := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, t := range tests {
		var cols []string
		if s, ok := t.TestMetadata.Kwargs["column_name"].(string); ok {
			cols = []string{s}
		} else if l, ok := t.TestMetadata.Kwargs["combination_of_columns"].([]any); ok {
			for _, c := range l {
				if s, ok := c.(string); ok {
					cols = append(cols, s)
				}
			}
		}
		isOff := disabled[t.UniqueID] == t
		for _, c := range cols {
			switch t.TestMetadata.Name {
			case "unique", "unique_combination_of_columns":
				if isOff {
					off[c] = true
				} else {
					enabled[c] = true
				}
			case "not_null":
				notNull[c] = true
			}
		}
	}
	both := map[string]bool{}
	for c := range notNull {
		if enabled[c] || off[c] {
			both[c] = true
		}
	}
	for _, set := range []map[string]bool{both, enabled, off} {
		if len(set) > 0 {
			out := make([]string, 0, len(set))
			for c := range set {
				out = append(out, c)
			}
			sort.Strings(out)
			return out
		}
	}
	return []string{}
}

// columnNames are a constraint's columns: [] for anything but a list.
func columnNames(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, c := range l {
		if s, ok := c.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
