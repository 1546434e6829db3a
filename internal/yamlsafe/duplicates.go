package yamlsafe

import (
	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
)

// DuplicateKeys warns once for every key written twice in one mapping
// anywhere in the document, naming both lines and saying which value is
// used: the last, as dbt's YAML loader (PyYAML) keeps. Every YAML file elt
// reads (properties, dbt_project.yml, loaders/*.yml, jobs.yml) warns the
// same way; readers of elt's own files take the last value with Pairs.
func DuplicateKeys(file string, root *yaml.Node) []diag.Diagnostic {
	var out []diag.Diagnostic
	// Only an anchored node could be met twice; the walk does not follow
	// aliases, but a map of every node of a large file is costly.
	visited := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || n.Kind == yaml.AliasNode || (n.Anchor != "" && visited[n]) {
			return
		}
		if n.Anchor != "" {
			visited[n] = true
		}
		if n.Kind == yaml.MappingNode {
			// Most mappings have a few keys: look back instead of
			// building a map for each.
			var seen map[string]*yaml.Node
			if len(n.Content) > 32 {
				seen = map[string]*yaml.Node{}
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" || k.Value == "<<" {
					continue
				}
				var prev *yaml.Node
				if seen != nil {
					prev = seen[k.Value]
					seen[k.Value] = k
				} else {
					for j := i - 2; j >= 0; j -= 2 {
						if p := n.Content[j]; p.Kind == yaml.ScalarNode && p.Tag != "!!merge" && p.Value == k.Value {
							prev = p
							break
						}
					}
				}
				if prev != nil {
					out = append(out, diag.Warnf(file, diag.Pos{Line: k.Line, Column: k.Column}, "remove one of them",
						"%s is set twice (first at line %d); the value at line %d is used", k.Value, prev.Line, k.Line))
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	return out
}

// Pairs lists the key and value nodes of a mapping in order, a key written
// twice keeping its first place and taking its last key and value, as
// DuplicateKeys says. n must be a mapping.
func Pairs(n *yaml.Node) [][2]*yaml.Node {
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	var at map[string]int
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode {
			if j, dup := at[k.Value]; dup {
				out[j] = [2]*yaml.Node{k, v}
				continue
			}
			if at == nil {
				at = map[string]int{}
			}
			at[k.Value] = len(out)
		}
		out = append(out, [2]*yaml.Node{k, v})
	}
	return out
}
