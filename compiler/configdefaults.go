package compiler

import "github.com/elt-dev/elt/project"

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
			"dbt_valid_to": nil, "dbt_valid_from": nil, "dbt_scd_id": nil, "dbt_updated_at": nil,
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
	default:
		c := baseConfigDefaults("view")
		c["access"] = "protected"
		return c
	}
}

// DefaultSourceConfig is a source table's config before the project
// sets anything.
func DefaultSourceConfig() map[string]any {
	return map[string]any{"enabled": true, "event_time": nil}
}
