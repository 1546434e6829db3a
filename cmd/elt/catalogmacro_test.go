package main

import (
	"fmt"
	"strings"
	"testing"
)

// catalogRowsMacro is a catalog macro returning one made-up row per
// relation it is given, so that the catalog shows which macro ran.
const catalogRowsMacro = `{%% macro %s(information_schema, %s) %%}
  {%% call statement('catalog', fetch_result=True) %%}
    select table_catalog as table_database, table_schema, table_name, 'OVERRIDE %s' as table_type,
           'from the project' as table_comment, 'ann' as table_owner,
           column_name, ordinal_position as column_index, 'custom_' || data_type as column_type,
           null as column_comment,
           'Rows' as "stats:rows:label", 42 as "stats:rows:value", 'made up' as "stats:rows:description", true as "stats:rows:include"
    from information_schema.columns
    where table_schema = 'main'
  {%% endcall %%}
  {{ return(load_result('catalog').table) }}
{%% endmacro %%}
`

// TestDocsGenerateCatalogOverride: as dbt's adapter, docs generate runs
// the project's get_catalog_relations (or, by dispatch, its
// <adapter>__get_catalog_relations; get_catalog without compiling) and
// reads the table it returns into catalog.json; one that raises is a
// catalog error, which --warn-error makes fatal (dbt's
// tests/functional/artifacts/test_override.py).
func TestDocsGenerateCatalogOverride(t *testing.T) {
	t.Run("raises", func(t *testing.T) {
		dir := miniProject(t, "")
		writeFile(t, dir, "models/model.sql", "select 1 as id\n")
		writeFile(t, dir, "macros/failure.sql", "{% macro get_catalog_relations(information_schema, relations) %}\n"+
			"  {% do exceptions.raise_compiler_error('rejected: no catalogs for you') %}\n{% endmacro %}\n")
		mustElt(t, dir, "run")
		res := elt(t, dir, "--warn-error", "docs", "generate")
		if res.code != 2 || !strings.Contains(res.stderr, "rejected: no catalogs for you") {
			t.Fatalf("--warn-error docs generate: exit %d, want 2 with the macro's error\n%s%s", res.code, res.stdout, res.stderr)
		}
		res = elt(t, dir, "docs", "generate")
		if res.code != 1 || !strings.Contains(res.stdout+res.stderr, "Encountered an error while generating catalog") {
			t.Fatalf("docs generate: exit %d, want 1 with a warning\n%s%s", res.code, res.stdout, res.stderr)
		}
		c := readCatalog(t, dir)
		if len(c.Errors) != 1 || !strings.Contains(c.Errors[0], "rejected: no catalogs for you") || len(c.Nodes) != 0 {
			t.Fatalf("catalog errors %q, nodes %v", c.Errors, c.Nodes)
		}
	})
	for _, tc := range []struct {
		name, macro, second string
		args                []string
	}{
		{"get_catalog_relations", "get_catalog_relations", "relations", nil},
		{"dispatched", "duckdb__get_catalog_relations", "relations", nil},
		{"no compile", "get_catalog", "schemas", []string{"--no-compile"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, "models/model.sql", "select 1 as id, 'a' as name\n")
			writeFile(t, dir, "macros/catalog.sql", fmt.Sprintf(catalogRowsMacro, tc.macro, tc.second, tc.macro))
			mustElt(t, dir, "run")
			mustElt(t, dir, append([]string{"docs", "generate"}, tc.args...)...)
			c := readCatalog(t, dir)
			m, ok := c.Nodes["model.p.model"]
			if !ok {
				t.Fatalf("catalog lacks model.p.model: %+v", c)
			}
			if m.Metadata.Type != "OVERRIDE "+tc.macro || m.Columns["id"].Type != "custom_INTEGER" || m.Columns["name"].Index != 2 {
				t.Fatalf("catalog entry not the macro's: %+v", m)
			}
			if s := m.Stats["rows"]; s.Value != 42.0 || !s.Include || m.Stats["has_stats"].Value != true {
				t.Fatalf("stats %+v", m.Stats)
			}
		})
	}
}
