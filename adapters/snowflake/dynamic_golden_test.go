package snowflake

import (
	"testing"

	"github.com/elt-dev/elt/adapters"
)

func TestGoldenDynamicTables(t *testing.T) {
	body := "select id, status from analytics.dbt_ann.stg_orders"
	cfg := func(extra map[string]any) map[string]any {
		c := map[string]any{"target_lag": "1 hour", "snowflake_warehouse": "transforming"}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	same := &DynamicTableState{TargetLag: "1 hour", Warehouse: "TRANSFORMING", RefreshMode: "AUTO"}
	changed := &DynamicTableState{TargetLag: "5 minutes", Warehouse: "OTHER_WH", RefreshMode: "AUTO"}
	cases := []struct {
		name     string
		cfg      map[string]any
		existing adapters.RelationKind
		state    *DynamicTableState
		full     bool
	}{
		{"dynamic_table_create", cfg(nil), adapters.KindNone, nil, false},
		{"dynamic_table_downstream_incremental", cfg(map[string]any{"target_lag": "downstream", "refresh_mode": "incremental", "initialize": "on_schedule"}), adapters.KindNone, nil, false},
		{"dynamic_table_over_table", cfg(nil), adapters.KindTable, nil, false},
		{"dynamic_table_over_view", cfg(nil), adapters.KindView, nil, false},
		{"dynamic_table_unchanged_refresh", cfg(nil), adapters.KindTable, same, false},
		{"dynamic_table_full_refresh", cfg(nil), adapters.KindTable, same, true},
		{"dynamic_table_apply", cfg(nil), adapters.KindTable, changed, false},
		{"dynamic_table_continue", cfg(map[string]any{"on_configuration_change": "continue"}), adapters.KindTable, changed, false},
		{"dynamic_table_fail", cfg(map[string]any{"on_configuration_change": "fail"}), adapters.KindTable, changed, false},
		{"dynamic_table_refresh_mode_change", cfg(map[string]any{"refresh_mode": "FULL"}), adapters.KindTable, same, false},
		{"dynamic_table_no_warehouse", map[string]any{"target_lag": "1 hour"}, adapters.KindNone, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := adapters.Model{Relation: goldenRel, Materialized: "dynamic_table", SQL: body, Config: c.cfg, FullRefresh: c.full}
			plan, warnings, err := profile.DynamicTable(m, c.existing, c.state)
			var s script
			s.comment("dynamic_table %s, existing: %q, dynamic: %v, full refresh: %v", profile.Dialect.RenderRelation(goldenRel), c.existing, c.state != nil, c.full)
			if err != nil {
				s.err(err)
			}
			for _, w := range warnings {
				s.comment("warning: %s", w)
			}
			s.stmts("build", plan.Build)
			s.stmts("cleanup", plan.Cleanup)
			golden(t, c.name, s.String())
		})
	}
	var s script
	s.query("dynamic table settings", profile.ShowDynamicTableQuery(goldenRel))
	golden(t, "dynamic_table_show", s.String())
}
