package bigquery

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// MaterializedViewFacts are an existing materialized view's settings that
// dbt-bigquery watches for configuration changes.
type MaterializedViewFacts struct {
	EnableRefresh          bool
	RefreshIntervalMinutes int64
}

// MaterializedViewConfig are a materialized_view model's configs.
type MaterializedViewConfig struct {
	EnableRefresh          bool  // enable_refresh (default true)
	RefreshIntervalMinutes int64 // refresh_interval_minutes (default 30)
	OnConfigurationChange  string
}

// ParseMaterializedViewConfig reads enable_refresh,
// refresh_interval_minutes and on_configuration_change.
func ParseMaterializedViewConfig(cfg map[string]any) (MaterializedViewConfig, error) {
	c := MaterializedViewConfig{EnableRefresh: true, RefreshIntervalMinutes: 30, OnConfigurationChange: "apply"}
	if v, ok := cfg["enable_refresh"]; ok && v != nil {
		b, err := strconv.ParseBool(fmt.Sprint(v))
		if err != nil {
			return c, fmt.Errorf("enable_refresh: %v is not true or false", v)
		}
		c.EnableRefresh = b
	}
	if v, ok := cfg["refresh_interval_minutes"]; ok && v != nil {
		n, err := strconv.ParseFloat(fmt.Sprint(v), 64)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("refresh_interval_minutes: %v is not a positive number", v)
		}
		c.RefreshIntervalMinutes = int64(n)
	}
	if v, ok := cfg["on_configuration_change"]; ok && v != nil {
		c.OnConfigurationChange = strings.ToLower(fmt.Sprint(v))
	}
	switch c.OnConfigurationChange {
	case "apply", "continue", "fail":
	default:
		return c, fmt.Errorf("on_configuration_change %q is not apply, continue or fail", c.OnConfigurationChange)
	}
	return c, nil
}

func (c MaterializedViewConfig) options() []string {
	opts := []string{"enable_refresh = " + strconv.FormatBool(c.EnableRefresh)}
	if c.EnableRefresh {
		opts = append(opts, "refresh_interval_minutes = "+strconv.FormatInt(c.RefreshIntervalMinutes, 10))
	}
	return opts
}

// PlanMaterializedView builds a model as a BigQuery materialized view, as
// dbt-bigquery does. mv is the existing materialized view's settings, nil
// when rel is absent or another kind. A new one, a full refresh, or a
// table or view holding the name: drop what is there and create it. An
// existing one whose settings match is refreshed; changed enable_refresh
// or refresh_interval_minutes are altered under on_configuration_change
// apply (a changed partitioning needs it rebuilt), kept with a warning
// under continue, and an error under fail.
func PlanMaterializedView(rel adapters.Relation, sql string, tc TableConfig, mc MaterializedViewConfig, existing TableFacts, mv *MaterializedViewFacts, fullRefresh bool) ([]string, []string, error) {
	body := trimStatement(sql)
	create := "create materialized view if not exists " + render(rel) + tc.ddlClauses(mc.options()...) + "\nas (\n" + body + "\n)"
	if mv == nil || fullRefresh {
		var out []string
		switch {
		case mv != nil:
			out = append(out, "drop materialized view if exists "+render(rel))
		case existing.Kind == adapters.KindTable:
			out = append(out, "drop table if exists "+render(rel))
		case existing.Kind == adapters.KindView:
			out = append(out, "drop view if exists "+render(rel))
		}
		return append(out, create), nil, nil
	}
	var changed, alter []string
	if mv.EnableRefresh != mc.EnableRefresh || (mc.EnableRefresh && mv.RefreshIntervalMinutes != mc.RefreshIntervalMinutes) {
		changed = append(changed, "enable_refresh/refresh_interval_minutes")
		alter = mc.options()
	}
	rebuild := !existing.samePartitioning(tc.PartitionBy)
	if rebuild {
		changed = append(changed, "partition_by")
	}
	if len(changed) == 0 {
		return []string{"call bq.refresh_materialized_view(" + literal(rel.Database+"."+rel.Schema+"."+rel.Identifier) + ")"}, nil, nil
	}
	switch mc.OnConfigurationChange {
	case "fail":
		return nil, nil, fmt.Errorf("configuration changes were found (%s) and on_configuration_change is fail", strings.Join(changed, ", "))
	case "continue":
		return nil, []string{fmt.Sprintf("configuration changes were found (%s); on_configuration_change is continue, so they are not applied", strings.Join(changed, ", "))}, nil
	}
	if rebuild {
		return []string{"drop materialized view if exists " + render(rel), create}, nil, nil
	}
	return []string{"alter materialized view " + render(rel) + " set" + optionsClause(alter)}, nil, nil
}
