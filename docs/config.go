package docs

import (
	"fmt"
	"reflect"
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

// nodeConfig is the node's full config (compiler.NodeConfig) as the
// manifest writes it: hooks as Hook objects, in dbt's key order, and
// every value encodable; a seed's column types its own.
func nodeConfig(n *compiler.Node) map[string]any {
	cfg := compiler.NodeConfig(n)
	for k, v := range cfg {
		switch k {
		case "pre-hook", "post-hook":
			cfg[k] = manifestHooks(v)
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

// manifestHooks are compiler.NodeConfig's hooks as Hook objects.
func manifestHooks(v any) []Hook {
	list, _ := v.([]any)
	out := make([]Hook, 0, len(list))
	for _, h := range list {
		m, _ := h.(map[string]any)
		sql, _ := m["sql"].(string)
		tx, _ := m["transaction"].(bool)
		out = append(out, Hook{SQL: sql, Transaction: tx})
	}
	return out
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
