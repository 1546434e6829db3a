package docs

import (
	"fmt"
	"reflect"
	"strings"
	"unsafe"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

// Hook is one pre-hook or post-hook as the manifest writes it.
type Hook struct {
	SQL         string `json:"sql"`
	Transaction bool   `json:"transaction"`
	Index       *int   `json:"index"`
}

// nodeConfig is the node's full config: dbt's defaults for its kind, then
// every key the project set. Hooks are written under dbt's hyphenated keys
// as lists of {sql, transaction, index}.
func nodeConfig(n *compiler.Node) map[string]any {
	cfg := compiler.DefaultConfig(n.ResourceType)
	for k, v := range n.Config {
		switch k {
		case "pre_hook", "pre-hook":
			cfg["pre-hook"] = hooks(v)
		case "post_hook", "post-hook":
			cfg["post-hook"] = hooks(v)
		case "tags":
			cfg["tags"] = orEmpty(stringList(v))
		case "docs":
			d := docsConfig(v)
			cfg["docs"] = map[string]any{"show": d.Show, "node_color": d.NodeColor}
		case "contract":
			c := contract(v)
			cfg["contract"] = map[string]any{"enforced": c.Enforced, "alias_types": c.AliasTypes}
		default:
			cfg[k] = jsonValue(v)
		}
	}
	if n.ResourceType == project.Seed && len(n.SeedColumnTypes) > 0 {
		ct := map[string]any{}
		for k, v := range n.SeedColumnTypes {
			ct[k] = v
		}
		cfg["column_types"] = ct
	}
	return cfg
}

// shareMemo shares, among the nodes of one chunk of a manifest, what the
// builder and the encoder make of each config map: the compiler gives
// the nodes whose configs are equal one map (a folder's models, the tests
// of one kind), and none of these maps, nor what is made of them, is
// changed while the manifest is written. A nil memo shares nothing. Not
// safe for concurrent use.
type shareMemo struct {
	configs    map[sharedConfig]map[string]any
	unrendered map[unsafe.Pointer]map[string]any
	encoded    map[unsafe.Pointer][]byte // JSON by the map written
}

// mapID is m's identity: nodes holding the same config map hold one map.
func mapID[M ~map[string]any](m M) unsafe.Pointer { return reflect.ValueOf(m).UnsafePointer() }

// sharedConfig is a node's config map and its resource type, which sets
// the defaults.
type sharedConfig struct {
	kind project.ResourceType
	cfg  unsafe.Pointer
}

// nodeConfig is nodeConfig(n), the same map for nodes of one kind that
// hold the same config map. A seed's config also has its column types:
// it is its own.
func (memo *shareMemo) nodeConfig(n *compiler.Node) map[string]any {
	if memo == nil || n.ResourceType == project.Seed || len(n.Config) == 0 {
		return nodeConfig(n)
	}
	id := sharedConfig{n.ResourceType, mapID(n.Config)}
	return memoized(&memo.configs, id, func() map[string]any { return nodeConfig(n) })
}

// unrenderedConfig is unrenderedConfig(c), the same map for the same c.
func (memo *shareMemo) unrenderedConfig(c project.Config) map[string]any {
	if memo == nil || len(c) == 0 {
		return unrenderedConfig(c)
	}
	return memoized(&memo.unrendered, mapID(c), func() map[string]any { return unrenderedConfig(c) })
}

// memoized is (*m)[k], made by build the first time it is asked for.
func memoized[K comparable, V any](m *map[K]V, k K, build func() V) V {
	if v, ok := (*m)[k]; ok {
		return v
	}
	v := build()
	if *m == nil {
		*m = map[K]V{}
	}
	(*m)[k] = v
	return v
}

// unrenderedConfig is the config as the project wrote it, without defaults
// and with Jinja in dbt_project.yml and properties YAML not rendered (dbt's
// unrendered_config); hook keys get dbt's spelling.
func unrenderedConfig(c project.Config) map[string]any {
	out := make(map[string]any, len(c))
	for k, v := range c {
		switch k {
		case "pre_hook":
			k = "pre-hook"
		case "post_hook":
			k = "post-hook"
		}
		out[k] = jsonValue(v)
	}
	return out
}

// hooks accepts the forms dbt accepts: one SQL string, a list of strings, or
// {sql, transaction} objects (alone or in a list).
func hooks(v any) []Hook {
	var items []any
	switch t := v.(type) {
	case nil:
		return []Hook{}
	case []any:
		items = t
	case []string:
		for _, s := range t {
			items = append(items, s)
		}
	default:
		items = []any{t}
	}
	out := make([]Hook, 0, len(items))
	for _, it := range items {
		// index stays null: dbt numbers only on-run-start/end hooks.
		h := Hook{Transaction: true}
		switch t := it.(type) {
		case string:
			h.SQL = t
		case Hook:
			h = t
		case map[string]any:
			h.SQL, _ = t["sql"].(string)
			if tx, ok := t["transaction"].(bool); ok {
				h.Transaction = tx
			}
		default:
			h.SQL = fmt.Sprint(t)
		}
		if strings.TrimSpace(h.SQL) == "" {
			continue
		}
		out = append(out, h)
	}
	return out
}

// jsonValue makes a YAML-decoded value encodable: maps with non-string keys
// become map[string]any.
func jsonValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return jsonMap(t)
	case project.Config:
		return jsonMap(t)
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = jsonValue(e)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = jsonValue(e)
		}
		return out
	}
	return v
}

func jsonMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = jsonValue(v)
	}
	return out
}
