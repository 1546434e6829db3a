package snowflake

import (
	"errors"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// DynamicTableState is what Snowflake says of an existing dynamic table
// (SHOW DYNAMIC TABLES), the settings dbt-snowflake watches for changes.
type DynamicTableState struct {
	TargetLag   string
	Warehouse   string
	RefreshMode string
}

// DynamicTableOptions are a dynamic_table model's configs.
type DynamicTableOptions struct {
	TargetLag             string // target_lag, e.g. "1 hour" or "downstream"
	Warehouse             string // snowflake_warehouse (required)
	RefreshMode           string // refresh_mode: AUTO (default), FULL or INCREMENTAL
	Initialize            string // initialize: ON_CREATE (default) or ON_SCHEDULE
	OnConfigurationChange string // apply (default), continue or fail
}

// DynamicTableOptionsFromConfig reads a model's dynamic table configs.
func DynamicTableOptionsFromConfig(cfg map[string]any) (DynamicTableOptions, error) {
	str := func(key, def string) string {
		if v, ok := cfg[key]; ok && v != nil {
			return strings.TrimSpace(fmt.Sprint(v))
		}
		return def
	}
	o := DynamicTableOptions{
		TargetLag:             str("target_lag", ""),
		Warehouse:             str("snowflake_warehouse", ""),
		RefreshMode:           strings.ToUpper(str("refresh_mode", "AUTO")),
		Initialize:            strings.ToUpper(str("initialize", "ON_CREATE")),
		OnConfigurationChange: strings.ToLower(str("on_configuration_change", "apply")),
	}
	if o.Warehouse == "" {
		return o, errors.New("a dynamic table needs snowflake_warehouse")
	}
	if o.TargetLag == "" {
		return o, errors.New("a dynamic table needs target_lag")
	}
	switch o.OnConfigurationChange {
	case "apply", "continue", "fail":
	default:
		return o, fmt.Errorf("on_configuration_change %q is not apply, continue or fail", o.OnConfigurationChange)
	}
	return o, nil
}

// DynamicTable plans a dynamic_table model as dbt-snowflake builds it.
// existing is the relation's kind and, when it is a dynamic table, its
// state (nil otherwise). A new one, a full refresh, or a table or view
// holding the name gives create or replace dynamic table; an existing
// dynamic table whose settings match is refreshed; changed target_lag or
// warehouse are altered in place under on_configuration_change=apply,
// left with a warning under continue, and an error under fail; a changed
// refresh_mode needs the table rebuilt.
func (p Planner) DynamicTable(m adapters.Model, existing adapters.RelationKind, state *DynamicTableState) (ModelPlan, []string, error) {
	d := p.Dialect
	body := trimStatement(m.SQL)
	if body == "" {
		return ModelPlan{}, nil, errors.New("empty SQL")
	}
	o, err := DynamicTableOptionsFromConfig(m.Config)
	if err != nil {
		return ModelPlan{}, nil, err
	}
	mo, err := ModelOptionsFromConfig(m.Config)
	if err != nil {
		return ModelPlan{}, nil, err
	}
	var plan ModelPlan
	p.tagModel(&plan.Build, &plan.Cleanup, mo.QueryTag)
	target := d.RenderRelation(m.Relation)
	create := Statement{Purpose: "create the dynamic table", SQL: "create or replace dynamic table " + target +
		"\n    target_lag = " + lagLiteral(o.TargetLag) +
		"\n    warehouse = " + o.Warehouse +
		"\n    refresh_mode = " + o.RefreshMode +
		"\n    initialize = " + o.Initialize +
		"\n    as (\n" + body + "\n)"}
	if state == nil || m.FullRefresh {
		switch existing {
		case adapters.KindTable:
			if state == nil {
				plan.Build = append(plan.Build, Statement{Purpose: "drop the table holding the name", SQL: "drop table if exists " + target})
			}
		case adapters.KindView:
			plan.Build = append(plan.Build, Statement{Purpose: "drop the view holding the name", SQL: "drop view if exists " + target})
		}
		plan.Build = append(plan.Build, create)
		return plan, nil, nil
	}
	var alters, changed []string
	if !strings.EqualFold(state.TargetLag, o.TargetLag) {
		alters = append(alters, "target_lag = "+lagLiteral(o.TargetLag))
		changed = append(changed, "target_lag")
	}
	if !strings.EqualFold(state.Warehouse, o.Warehouse) {
		alters = append(alters, "warehouse = "+o.Warehouse)
		changed = append(changed, "snowflake_warehouse")
	}
	rebuild := state.RefreshMode != "" && !strings.EqualFold(state.RefreshMode, o.RefreshMode)
	if rebuild {
		changed = append(changed, "refresh_mode")
	}
	if len(changed) == 0 {
		plan.Build = append(plan.Build, Statement{Purpose: "refresh the dynamic table", SQL: "alter dynamic table " + target + " refresh"})
		return plan, nil, nil
	}
	switch o.OnConfigurationChange {
	case "fail":
		return ModelPlan{}, nil, fmt.Errorf("configuration changes were found (%s) and on_configuration_change is fail", strings.Join(changed, ", "))
	case "continue":
		return plan, []string{fmt.Sprintf("configuration changes were found (%s); on_configuration_change is continue, so they are not applied", strings.Join(changed, ", "))}, nil
	}
	if rebuild {
		plan.Build = append(plan.Build, create)
		return plan, nil, nil
	}
	plan.Build = append(plan.Build, Statement{Purpose: "apply the configuration changes",
		SQL: "alter dynamic table " + target + " set\n    " + strings.Join(alters, "\n    ")})
	return plan, nil, nil
}

// lagLiteral writes target_lag: downstream is a keyword, a duration a string.
func lagLiteral(lag string) string {
	if strings.EqualFold(lag, "downstream") {
		return "downstream"
	}
	return literal(lag)
}

// ShowDynamicTableQuery finds a dynamic table's settings.
func (p Planner) ShowDynamicTableQuery(rel adapters.Relation) string {
	s := p.Dialect.storedRelation(rel)
	return "show dynamic tables like " + literal(s.Identifier) + " in schema " +
		p.Dialect.RenderRelation(adapters.Relation{Database: rel.Database, Schema: rel.Schema})
}
