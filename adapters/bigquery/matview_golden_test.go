package bigquery

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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

// TestGoldenMaterializedViews pins the SQL of materialized_view models in
// testdata/golden/matview_*.sql (-update rewrites them).
func TestGoldenMaterializedViews(t *testing.T) {
	mvExisting := TableFacts{Kind: "view"}
	same := &MaterializedViewFacts{EnableRefresh: true, RefreshIntervalMinutes: 30}
	other := &MaterializedViewFacts{EnableRefresh: true, RefreshIntervalMinutes: 60}
	day := map[string]any{"partition_by": map[string]any{"field": "created_at", "data_type": "date"}}
	cases := map[string]func() (string, error){
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
	dir := filepath.Join("testdata", "golden")
	for name, plan := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := plan()
			if err != nil {
				got = "-- error: " + err.Error() + "\n"
			}
			path := filepath.Join(dir, name+".sql")
			if updating() {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGoldenMaterializedViews -update to write it)", err)
			}
			if string(want) != got {
				t.Errorf("%s differs\n--- want\n%s\n--- got\n%s", path, want, got)
			}
		})
	}
}
