package main

import (
	"strings"
	"testing"
)

// TestAdapterMethodErrorLine: an adapter method that runs one of dbt's
// macros (adapter.drop_schema) and fails is reported at the model's line
// that called it, with the macro lines after it, not at a line of the
// macro's file under the model's name.
func TestAdapterMethodErrorLine(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n{% if execute %}\n  {% do adapter.drop_schema(api.Relation.create(database='p', schema='main')) %}\n{% endif %}\n")
	res := elt(t, dir, "run")
	if res.code == 0 || !strings.Contains(res.stdout, "models/a.sql:3:") || !strings.Contains(res.stdout, "(models/a.sql:3 → elt/adapter_macros.sql:") {
		t.Errorf("want the error at models/a.sql:3; exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
