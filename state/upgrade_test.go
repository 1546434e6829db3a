package state

import (
	"fmt"
	"strings"
	"testing"
)

// TestOlderManifestSchemas: a --state manifest of schema v4-v11 is read
// as dbt reads it once upgraded: v4-v6's raw_sql is the body, and a
// model of a schema before access (v4-v8) is protected; so an unchanged
// model is not state:modified. v1-v3 and unknown schemas are refused in
// dbt's words (IncompatibleSchemaError).
func TestOlderManifestSchemas(t *testing.T) {
	manifest := func(version int, model string) []byte {
		return []byte(fmt.Sprintf(`{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v%d.json"},
			"nodes": {"model.p.m": {%s, "unique_id": "model.p.m", "resource_type": "model", "name": "m", "fqn": ["p", "m"],
				"schema": "main", "alias": "m", "config": {"materialized": "view"}, "depends_on": {"macros": [], "nodes": []}}},
			"sources": {}, "macros": {}, "disabled": {}}`, version, model))
	}
	current := mustParse(t, manifest(12, `"raw_code": "select 1 as id", "access": "protected", "latest_version": null, "deprecation_date": null`))
	for _, tc := range []struct {
		version int
		model   string
	}{
		{4, `"raw_sql": "select 1 as id"`},
		{6, `"raw_sql": "select 1 as id"`},
		{7, `"raw_code": "select 1 as id", "language": "sql"`},
		{8, `"raw_code": "select 1 as id", "language": "sql"`},
		{9, `"raw_code": "select 1 as id", "access": "protected"`},
	} {
		old := mustParse(t, manifest(tc.version, tc.model))
		if got := Compare(old, current).Reasons("model.p.m"); len(got) != 0 {
			t.Errorf("v%d: unchanged model is modified: %v", tc.version, got)
		}
	}
	// A real change is still one.
	old := mustParse(t, manifest(5, `"raw_sql": "select 2 as id"`))
	if got := Compare(old, current).Reasons("model.p.m"); len(got) != 1 || got[0] != "body" {
		t.Errorf("v5 with another body: %v, want [body]", got)
	}
	for _, version := range []int{1, 3, 13} {
		_, err := ParseManifest("state/manifest.json", manifest(version, `"raw_sql": "select 1 as id"`))
		want := fmt.Sprintf(`Expected a schema version of "https://schemas.getdbt.com/dbt/manifest/v12.json" in state/manifest.json, but found "https://schemas.getdbt.com/dbt/manifest/v%d.json"`, version)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("v%d: err %v, want %q", version, err, want)
		}
	}
}
