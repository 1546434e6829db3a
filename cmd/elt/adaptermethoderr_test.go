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

// TestAdapterColumnsInTableAndCacheMethods: adapter.get_columns_in_table
// (schema, identifier) reads a table of the target's database, and the
// relation-cache methods a materialization may call (cache_added,
// cache_dropped, cache_renamed) exist and render nothing, as dbt's
// BaseAdapter's (adapters/base/impl.py).
func TestAdapterColumnsInTableAndCacheMethods(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id, 'x' as name\n")
	writeFile(t, dir, "models/b.sql", `-- {{ ref('a') }}
{% set cols = adapter.get_columns_in_table('main', 'a') %}
select '{{ cols | map(attribute="name") | join(",") }}' as cols,
  '{{ adapter.cache_added(this) }}{{ adapter.cache_dropped(this) }}{{ adapter.cache_renamed(this, this) }}' as cache
`)
	mustElt(t, dir, "run")
	if got := rowsOf(t, dir, "main.b"); got != "id,name|" {
		t.Errorf("b = %q, want id,name|", got)
	}
}
