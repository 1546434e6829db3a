package graph

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/lazyre"
)

// rawSpecRe is dbt's pattern of one selection term (RAW_SELECTOR_PATTERN):
// @, N+, method:, the value, +N.
var rawSpecRe = lazyre.New(`\A(?P<childrens_parents>@)?(?P<parents>(?P<parents_depth>\d*)\+)?(?:(?P<method>[\w.]+):)?(?P<value>.*?)(?P<children>\+(?P<children_depth>\d*))?\z`)

// ManifestSelectors is manifest.json's selectors: each selector of a
// (rendered) selectors.yml keyed by name, with its keys as written (name,
// definition, description, default) and its definition normalized as dbt's
// SelectorDict does: a string term becomes a method/value mapping, {tag: x}
// becomes {method: tag, value: x}, method: selector is replaced by the
// named selector's definition. root is the file's document or top-level
// node; nil gives an empty map.
func ManifestSelectors(root *yaml.Node) map[string]any {
	out := map[string]any{}
	if root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root == nil {
		return out
	}
	root = expandAliases(root, map[*yaml.Node]*yaml.Node{})
	if root.Kind != yaml.MappingNode {
		return out
	}
	list := derefNode(mapValue(root, "selectors"))
	if list == nil || list.Kind != yaml.SequenceNode {
		return out
	}
	for _, item := range list.Content {
		item = derefNode(item)
		if item == nil || item.Kind != yaml.MappingNode {
			continue
		}
		entry, ok := plainValue(item).(map[string]any)
		name, isName := entry["name"].(string)
		if !ok || !isName {
			continue
		}
		if def := mapValue(item, "definition"); def != nil {
			entry["definition"] = normalizeDefinition(def, out)
		}
		out[name] = entry
	}
	return out
}

// normalizeDefinition is dbt's SelectorDict.parse_from_definition.
func normalizeDefinition(n *yaml.Node, earlier map[string]any) any {
	n = derefNode(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if s, ok := plainValue(n).(string); ok {
			return singleSpecDict(s)
		}
		return plainValue(n)
	case yaml.MappingNode:
		for _, op := range []string{"union", "intersection"} {
			if v := mapValue(n, op); v != nil {
				return map[string]any{op: normalizeList(v, earlier)}
			}
		}
		return normalizeMapping(n, earlier)
	}
	return plainValue(n)
}

// normalizeList is dbt's parse_a_definition: each mapping and each string
// of a union or intersection list is normalized.
func normalizeList(n *yaml.Node, earlier map[string]any) any {
	n = derefNode(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return plainValue(n)
	}
	out := make([]any, 0, len(n.Content))
	for _, c := range n.Content {
		v := plainValue(c)
		switch v.(type) {
		case string, map[string]any:
			out = append(out, normalizeDefinition(c, earlier))
		default:
			out = append(out, v)
		}
	}
	return out
}

// normalizeMapping is dbt's parse_dict_definition: the first key decides.
func normalizeMapping(n *yaml.Node, earlier map[string]any) any {
	if len(n.Content) < 2 {
		return plainValue(n)
	}
	key, val := n.Content[0].Value, derefNode(n.Content[1])
	var value any
	if val != nil && val.Kind == yaml.SequenceNode {
		items := make([]any, 0, len(val.Content))
		for _, c := range val.Content {
			items = append(items, normalizeDefinition(c, earlier))
		}
		value = items
	} else {
		value = plainValue(val)
	}
	switch {
	case key == "exclude":
		return map[string]any{"exclude": value}
	case len(n.Content) == 2:
		return map[string]any{"method": key, "value": value}
	case key == "method" && value == "selector":
		name, _ := plainValue(mapValue(n, "value")).(string)
		if sel, ok := earlier[name].(map[string]any); ok {
			return sel["definition"]
		}
	}
	return plainValue(n)
}

// singleSpecDict is dbt's SelectionCriteria.dict_from_single_spec: the
// parts of a term that are present; a term without a method gets dbt's
// default one (path when the value has a slash, file for a .sql, .py or
// .csv name, else fqn).
func singleSpecDict(raw string) map[string]any {
	m := rawSpecRe().FindStringSubmatch(raw)
	if m == nil {
		return map[string]any{"error": "Invalid selector spec"}
	}
	out := map[string]any{}
	for i, name := range rawSpecRe().SubexpNames() {
		if name == "" || m[i] == "" {
			continue
		}
		switch name {
		case "childrens_parents", "parents", "children":
			out[name] = true
		default:
			out[name] = m[i]
		}
	}
	if _, ok := out["method"]; !ok {
		value := m[rawSpecRe().SubexpIndex("value")]
		lower := strings.ToLower(value)
		switch {
		case strings.Contains(value, "/"):
			out["method"] = "path"
		case strings.HasSuffix(lower, ".sql"), strings.HasSuffix(lower, ".py"), strings.HasSuffix(lower, ".csv"):
			out["method"] = "file"
		default:
			out["method"] = "fqn"
		}
	}
	return out
}

func derefNode(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// mapValue is the value of key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// plainValue decodes a node into plain values (map[string]any, []any,
// scalars); nil when it cannot.
func plainValue(n *yaml.Node) any {
	if n == nil {
		return nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil
	}
	return v
}
