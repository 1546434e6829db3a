// Package yamlsafe holds what every reader of a user's YAML in elt needs
// around yaml.v3. It bounds what a document may stand for once its aliases
// are expanded: yaml.v3 guards Unmarshal into Go values against "billion
// laughs" documents, but not a walk over its node tree, which is how elt
// reads YAML (to keep positions); without a bound, a few hundred bytes of
// nested aliases expand to billions of values. And it finds the line of a
// syntax error, which yaml.v3 often misplaces or leaves out.
package yamlsafe

import "gopkg.in/yaml.v3"

// MaxExpandedNodes is the least bound: real projects reuse anchors a
// handful of times, far below it.
const MaxExpandedNodes = 1_000_000

// TooLarge reports whether doc's aliases expand beyond the bound:
// max(MaxExpandedNodes, 50 times the document's own nodes). It returns the
// innermost node whose expansion crosses the bound, and the bound. The
// walk is linear in the document's size, however often an anchor is used.
func TooLarge(doc *yaml.Node) (culprit *yaml.Node, limit int, tooLarge bool) {
	raw, aliases := 0, false
	var countRaw func(n *yaml.Node)
	countRaw = func(n *yaml.Node) {
		raw++
		aliases = aliases || n.Kind == yaml.AliasNode
		for _, c := range n.Content {
			countRaw(c)
		}
	}
	countRaw(doc)
	limit = max(MaxExpandedNodes, 50*raw)
	if !aliases {
		// Without aliases a document stands for its own nodes only (the
		// common case: no map of every node is needed).
		return nil, limit, false
	}

	sizes := make(map[*yaml.Node]int)
	var expanded func(n *yaml.Node) int
	expanded = func(n *yaml.Node) int {
		if s, ok := sizes[n]; ok {
			return s
		}
		sizes[n] = limit + 1 // an alias cycle counts as too large
		total := 1
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			total += expanded(n.Alias)
		}
		for _, c := range n.Content {
			total += expanded(c)
			if total > limit {
				break
			}
		}
		if total > limit {
			total = limit + 1
			if culprit == nil && n.Line > 0 {
				culprit = n
			}
		}
		sizes[n] = total
		return total
	}
	if expanded(doc) <= limit {
		return nil, limit, false
	}
	return culprit, limit, true
}
