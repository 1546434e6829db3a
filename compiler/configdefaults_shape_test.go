package compiler

import (
	"testing"

	"github.com/elt-dev/elt/project"
)

// TestDefaultConfigShapes pins keys of dbt 1.10.9's config classes that
// differ by kind: an analysis has NodeConfig's (no access or freshness),
// a model ModelConfig's, a snapshot's meta column names hold
// dbt_is_deleted, and only nodes (not tests) have concurrent_batches.
func TestDefaultConfigShapes(t *testing.T) {
	a, m, s, tc := DefaultConfig(project.Analysis), DefaultConfig(project.Model), DefaultConfig(project.Snapshot), DefaultConfig(project.Test)
	if _, ok := a["access"]; ok {
		t.Error("analysis config has access")
	}
	if _, ok := m["access"]; !ok {
		t.Error("model config lacks access")
	}
	if _, ok := m["freshness"]; !ok {
		t.Error("model config lacks freshness")
	}
	if _, ok := s["snapshot_meta_column_names"].(map[string]any)["dbt_is_deleted"]; !ok {
		t.Error("snapshot_meta_column_names lacks dbt_is_deleted")
	}
	for kind, c := range map[string]map[string]any{"analysis": a, "model": m, "snapshot": s} {
		if _, ok := c["concurrent_batches"]; !ok {
			t.Errorf("%s config lacks concurrent_batches", kind)
		}
	}
	if _, ok := tc["concurrent_batches"]; ok {
		t.Error("test config has concurrent_batches")
	}
}
