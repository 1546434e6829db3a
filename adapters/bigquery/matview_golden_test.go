package bigquery

import (
	"strings"
)

func matViewCase(config map[string]any, existing TableFacts, mv *MaterializedViewFacts, full bool) func() (string, error) {
	return func() (string, error) {
		tc, err := ParseTableConfig(config)
		if err != nil {
			return "", err
		}
		mc, err := ParseMaterializedViewConfig(config)
		if err != nil {
			return "", err
		}
		stmts, warnings, err := PlanMaterializedView(target, modelSQL, tc, mc, existing, mv, full)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		for _, w := range warnings {
			b.WriteString("-- warning: " + w + "\n")
		}
		section(&b, "build", stmts...)
		return b.String(), nil
	}
}

// matViewCases are TestGolden's materialized_view cases
// (testdata/golden/matview_*.sql).
func matViewCases() map[string]func() (string, error) {
	mvExisting := TableFacts{Kind: "view"}
	same := &MaterializedViewFacts{EnableRefresh: true, RefreshIntervalMinutes: 30}
	other := &MaterializedViewFacts{EnableRefresh: true, RefreshIntervalMinutes: 60}
	day := map[string]any{"partition_by": map[string]any{"field": "created_at", "data_type": "date"}}
	return map[string]func() (string, error){
		"matview_create":            matViewCase(nil, TableFacts{}, nil, false),
		"matview_create_options":    matViewCase(map[string]any{"refresh_interval_minutes": 15, "cluster_by": "id", "labels": map[string]any{"team": "finance"}}, TableFacts{}, nil, false),
		"matview_no_auto_refresh":   matViewCase(map[string]any{"enable_refresh": false}, TableFacts{}, nil, false),
		"matview_over_table":        matViewCase(nil, TableFacts{Kind: "table"}, nil, false),
		"matview_unchanged_refresh": matViewCase(nil, mvExisting, same, false),
		"matview_full_refresh":      matViewCase(nil, mvExisting, same, true),
		"matview_apply":             matViewCase(nil, mvExisting, other, false),
		"matview_continue":          matViewCase(map[string]any{"on_configuration_change": "continue"}, mvExisting, other, false),
		"matview_fail":              matViewCase(map[string]any{"on_configuration_change": "fail"}, mvExisting, other, false),
		"matview_partition_change":  matViewCase(day, mvExisting, same, false),
		"matview_bad_option":        matViewCase(map[string]any{"on_configuration_change": "ignore"}, TableFacts{}, nil, false),
	}
}
