package docs

import (
	"testing"

	"github.com/elt-dev/elt/project"
)

// TestContractChecksumAsDBT: the answer was computed with dbt-core 1.10's
// ModelNode.build_contract_checksum on the same columns and constraints
// (dbt-common's ColumnLevelConstraint and ModelLevelConstraint dataclasses,
// Python 3.11).
func TestContractChecksumAsDBT(t *testing.T) {
	cols := []*project.Column{
		{Name: "name", DataType: "text"},
		{Name: "id", DataType: "integer", Constraints: []any{
			map[string]any{"type": "not_null"},
			map[string]any{"type": "check", "expression": "id <> 'x'", "warn_unenforced": false},
		}},
	}
	model := []any{
		map[string]any{"type": "primary_key", "columns": []any{"id"}},
		map[string]any{"type": "check", "expression": "id > 0", "name": "pos"},
	}
	got := contractChecksum(true, "table", cols, model)
	if want := "dec46baef8aa2aa22181001adfae0387ac8d63aa2eb3033b9cbc4e69fc2e7783"; got == nil || *got != want {
		t.Errorf("checksum %v, want %s", got, want)
	}
	// A view does not enforce constraints: the model's are not part of it.
	view := contractChecksum(true, "view", cols, model)
	if view == nil || *view == *got {
		t.Errorf("view checksum %v: want one without the model constraints", view)
	}
	if c := contractChecksum(false, "table", cols, model); c != nil {
		t.Errorf("unenforced contract: checksum %q, want none", *c)
	}
}
