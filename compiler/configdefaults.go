package compiler

import (
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// baseConfigDefaults are the keys dbt writes in every model, seed and
// snapshot config, with their default values (from the v12 schema).
func baseConfigDefaults(materialized string) map[string]any {
	return map[string]any{
		"enabled":                 true,
		"alias":                   nil,
		"schema":                  nil,
		"database":                nil,
		"tags":                    []string{},
		"meta":                    map[string]any{},
		"group":                   nil,
		"materialized":            materialized,
		"incremental_strategy":    nil,
		"batch_size":              nil,
		"lookback":                1,
		"begin":                   nil,
		"persist_docs":            map[string]any{},
		"post-hook":               []any{},
		"pre-hook":                []any{},
		"quoting":                 map[string]any{},
		"column_types":            map[string]any{},
		"full_refresh":            nil,
		"unique_key":              nil,
		"on_schema_change":        "ignore",
		"on_configuration_change": "apply",
		"grants":                  map[string]any{},
		"packages":                []string{},
		"docs":                    map[string]any{"show": true, "node_color": nil},
		"contract":                map[string]any{"enforced": false, "alias_types": true},
		"event_time":              nil,
		"concurrent_batches":      nil,
	}
}

// DefaultConfig is a node's config as dbt holds it before the project
// sets anything: every key of its kind's config with its default value
// (the manifest's config, and the graph's in templates, start from it).
// Each call returns a map of its own.
func DefaultConfig(kind project.ResourceType) map[string]any {
	switch kind {
	case project.Seed:
		c := baseConfigDefaults("seed")
		c["delimiter"] = ","
		c["quote_columns"] = nil
		return c
	case project.Snapshot:
		c := baseConfigDefaults("snapshot")
		for _, k := range []string{"strategy", "target_schema", "target_database", "updated_at", "check_cols", "dbt_valid_to_current"} {
			c[k] = nil
		}
		c["snapshot_meta_column_names"] = map[string]any{
			"dbt_valid_to": nil, "dbt_valid_from": nil, "dbt_scd_id": nil, "dbt_updated_at": nil, "dbt_is_deleted": nil,
		}
		return c
	case project.Test:
		return map[string]any{
			"enabled":           true,
			"alias":             nil,
			"schema":            "dbt_test__audit",
			"database":          nil,
			"tags":              []string{},
			"meta":              map[string]any{},
			"group":             nil,
			"materialized":      "test",
			"severity":          "ERROR",
			"store_failures":    nil,
			"store_failures_as": nil,
			"where":             nil,
			"limit":             nil,
			"fail_calc":         "count(*)",
			"warn_if":           "!= 0",
			"error_if":          "!= 0",
		}
	case project.Analysis, project.Operation:
		return baseConfigDefaults("view") // dbt's NodeConfig: no access or freshness
	default:
		c := baseConfigDefaults("view")
		c["access"] = "protected"
		c["freshness"] = nil // dbt 1.10's ModelConfig.freshness (build_after)
		return c
	}
}

// DefaultSourceConfig is a source table's config before the project
// sets anything.
func DefaultSourceConfig() map[string]any {
	return map[string]any{"enabled": true, "event_time": nil}
}

// NodeConfig is n's config as dbt holds it, in the manifest and in the
// graph templates read: its kind's defaults (DefaultConfig), then every
// key the project set; hooks under dbt's hyphenated keys as lists of
// {sql, transaction, index} (index None: dbt numbers only a
// materialization's hooks), tags a list, docs {show, node_color},
// contract {enforced, alias_types}.
func NodeConfig(n *Node) map[string]any {
	cfg := fullConfig(n.ResourceType, n.Config)
	if n.ResourceType == project.Test {
		// As dbt's TestConfig.finalize_and_validate: store_failures_as,
		// when set, decides store_failures (ephemeral false, anything
		// else true); else a store_failures set makes it table or
		// ephemeral.
		if as := cfg["store_failures_as"]; as != nil {
			cfg["store_failures"] = as != "ephemeral"
		} else if b, ok := configBool(cfg["store_failures"]); ok {
			cfg["store_failures_as"] = map[bool]string{true: "table", false: "ephemeral"}[b]
		}
	}
	return cfg
}

// configBool is a config value that is a boolean, or a string that
// says one.
func configBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		return b, err == nil
	}
	return false, false
}

// fullConfig is NodeConfig of a node of kind whose config is c.
func fullConfig(kind project.ResourceType, c project.Config) map[string]any {
	cfg := DefaultConfig(kind)
	for k, v := range c {
		switch k {
		case "pre_hook", "pre-hook":
			cfg["pre-hook"] = configHooks(v)
		case "post_hook", "post-hook":
			cfg["post-hook"] = configHooks(v)
		case "tags":
			cfg["tags"] = configTags(c)
		case "docs":
			cfg["docs"] = configDocs(v)
		case "contract":
			cfg["contract"] = configContract(v)
		case "snapshot_meta_column_names":
			// dbt's SnapshotMetaColumnNames: the names set, and null for
			// the others.
			names, isDefault := cfg[k].(map[string]any)
			set, isMap := v.(map[string]any)
			if !isDefault || !isMap {
				cfg[k] = v
				continue
			}
			for name, col := range set {
				names[name] = col
			}
		default:
			cfg[k] = v
		}
	}
	return cfg
}

// modelConfig is the config of dbt's model variable: the node's dict
// (to_dict(omit_none=True)), so every key of its kind's config with its
// default, without those that are None (nor a docs node_color or a
// hook index that is).
func modelConfig(kind project.ResourceType, c project.Config) map[string]any {
	cfg := fullConfig(kind, c)
	for k, v := range cfg {
		switch x := v.(type) {
		case nil:
			delete(cfg, k)
		case []any:
			if k == "pre-hook" || k == "post-hook" {
				for _, h := range x {
					if m, ok := h.(map[string]any); ok && m["index"] == nil {
						delete(m, "index")
					}
				}
			}
		case map[string]any:
			if k == "docs" && x["node_color"] == nil {
				delete(x, "node_color")
			}
			if k == "snapshot_meta_column_names" {
				set := map[string]any{}
				for name, col := range x {
					if col != nil {
						set[name] = col
					}
				}
				cfg[k] = set
			}
		}
	}
	return cfg
}

// configHooks accepts the forms dbt accepts: one SQL string, a list of
// strings, or {sql, transaction} objects (alone or in a list); hooks
// with no SQL are dropped.
func configHooks(v any) []any {
	items := project.ListItems(v)
	out := make([]any, 0, len(items))
	for _, it := range items {
		sql, transaction := "", true
		switch t := it.(type) {
		case string:
			sql = t
		case map[string]any:
			sql, _ = t["sql"].(string)
			if tx, ok := t["transaction"].(bool); ok {
				transaction = tx
			}
		default:
			sql = fmt.Sprint(t)
		}
		if strings.TrimSpace(sql) == "" {
			continue
		}
		out = append(out, map[string]any{"sql": sql, "transaction": transaction, "index": nil})
	}
	return out
}

// configDocs is a docs config as dbt holds it: {show, node_color}.
func configDocs(v any) map[string]any {
	d := map[string]any{"show": true, "node_color": nil}
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["show"].(bool); ok {
			d["show"] = s
		}
		if c, ok := m["node_color"].(string); ok && c != "" {
			d["node_color"] = c
		}
	}
	return d
}

// configContract is a contract config as dbt holds it: {enforced,
// alias_types}.
func configContract(v any) map[string]any {
	c := map[string]any{"enforced": false, "alias_types": true}
	if m, ok := v.(map[string]any); ok {
		if e, ok := m["enforced"].(bool); ok {
			c["enforced"] = e
		}
		if a, ok := m["alias_types"].(bool); ok {
			c["alias_types"] = a
		}
	}
	return c
}

// finishModelFreshness makes a model's freshness config what dbt 1.10's
// ModelConfig keeps (its __pre_deserialize__): one without build_after is
// dropped, with a warning here since dbt drops it without a word, and one
// with build_after keeps build_after alone, its updates_on "any" unless
// set.
func finishModelFreshness(l *diag.List, nodes []*Node) {
	for _, n := range nodes {
		if n.ResourceType != project.Model {
			continue
		}
		f, ok := n.Config["freshness"].(map[string]any)
		if !ok {
			continue
		}
		var keep any
		if b, ok := f["build_after"].(map[string]any); ok {
			b = maps.Clone(b)
			if _, set := b["updates_on"]; !set {
				b["updates_on"] = "any"
			}
			keep = map[string]any{"build_after": b}
		} else {
			file, pos := ConfigSite(n)
			l.Add(diag.Warnf(file, pos, "give the model's freshness a build_after: {count: ..., period: ...}, or remove it",
				"model %s: a freshness config without build_after is dropped, as dbt drops it (a model's freshness is its build_after)", n.Name))
		}
		n.Config = maps.Clone(n.Config)
		n.Config["freshness"] = keep
		n.sharedConfig, n.configInterned = false, false
	}
}
