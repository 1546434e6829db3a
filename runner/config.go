package runner

import (
	"fmt"
	"strings"

	"github.com/elt-dev/elt/project"
)

// stringList reads a config value that dbt accepts as a string or a list
// ("unique_key: id" or "unique_key: [a, b]").
func stringList(c project.Config, key string) []string {
	switch v := c[key].(type) {
	case nil:
		return nil
	case string:
		if strings.TrimSpace(v) == "" {
			return nil
		}
		return []string{strings.TrimSpace(v)}
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, strings.TrimSpace(fmt.Sprint(x)))
		}
		return out
	}
	return []string{fmt.Sprint(c[key])}
}

// optBool reads a boolean config that may be unset.
func optBool(c project.Config, key string) (value, set bool) {
	switch v := c[key].(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(v) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// FullRefresh says whether a node is rebuilt from scratch: the node's
// full_refresh config wins over the --full-refresh flag, as in dbt.
func FullRefresh(c project.Config, flag bool) bool {
	if v, set := optBool(c, "full_refresh"); set {
		return v
	}
	return flag
}

// incrementalStrategy is the configured strategy, or "" when none is set:
// each adapter then applies its warehouse's default (delete+insert with a
// unique_key or append on DuckDB and Postgres, merge on Snowflake and BigQuery).
func incrementalStrategy(c project.Config) string {
	return strings.ToLower(stringConfig(c, "incremental_strategy", ""))
}
