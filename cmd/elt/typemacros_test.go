package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTypeMacrosAsDBT: dbt's type_* macros give what the adapter's
// api.Column names the type (dbt-adapters' data_types.sql): TEXT for a
// string on DuckDB and PostgreSQL, the base Column's TYPE_LABELS; on
// BigQuery its BigQueryColumn labels (INT64, FLOAT64) and a bare numeric.
// No adapter overrides them.
func TestTypeMacrosAsDBT(t *testing.T) {
	const model = "select '{{ dbt.type_string() }}|{{ dbt.type_int() }}|{{ dbt.type_bigint() }}|{{ dbt.type_float() }}|" +
		"{{ dbt.type_numeric() }}|{{ dbt.type_boolean() }}|{{ dbt.type_timestamp() }}|{{ dbt.hash('x') }}' as v\n"
	for _, tc := range []struct {
		name, profile, want string
	}{
		{"duckdb", "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n",
			"TEXT|integer|bigint|float|numeric(28,6)|boolean|timestamp|md5(cast(x as TEXT))"},
		{"bigquery", "p:\n  target: bq\n  outputs:\n    bq:\n      type: bigquery\n      method: oauth\n      project: proj\n      dataset: ds\n",
			"string|INT64|bigint|FLOAT64|numeric|boolean|timestamp|"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
			writeFile(t, dir, "profiles.yml", tc.profile)
			writeFile(t, dir, "models/types.sql", model)
			mustElt(t, dir, "compile", "--no-introspect", "-s", "types")
			got := mustRead(t, filepath.Join(dir, "target", "compiled", "p", "models", "types.sql"))
			if !strings.Contains(got, "'"+tc.want) {
				t.Errorf("compiled types.sql:\n%s\nwant it to hold %q", got, tc.want)
			}
		})
	}
}

// TestHashIgnoresTypeStringOverride: dbt's hash and cast_bool_to_text
// cast to api.Column.translate_type('string') themselves (dbt-adapters'
// hash.sql and cast_bool_to_text.sql), so a project's type_string
// override does not reach them; on BigQuery cast_bool_to_text is the
// default's plain cast and hash is to_hex of the default's.
func TestHashIgnoresTypeStringOverride(t *testing.T) {
	const model = "select {{ dbt.hash('x') }} as h, {{ dbt.cast_bool_to_text('b') }} as t, '{{ dbt.type_string() }}' as s\n"
	for _, tc := range []struct {
		name, profile, want string
	}{
		{"duckdb", "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n",
			"select md5(cast(x as TEXT)) as h, cast(b as TEXT) as t, 'varchar' as s"},
		{"bigquery", "p:\n  target: bq\n  outputs:\n    bq:\n      type: bigquery\n      method: oauth\n      project: proj\n      dataset: ds\n",
			"select to_hex(md5(cast(x as string))) as h, cast(b as string) as t, 'varchar' as s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
			writeFile(t, dir, "profiles.yml", tc.profile)
			writeFile(t, dir, "macros/types.sql", "{% macro default__type_string() %}{{ return('varchar') }}{% endmacro %}\n")
			writeFile(t, dir, "models/h.sql", model)
			mustElt(t, dir, "compile", "--no-introspect", "-s", "h")
			got := strings.TrimSpace(mustRead(t, filepath.Join(dir, "target", "compiled", "p", "models", "h.sql")))
			if got != tc.want {
				t.Errorf("compiled h.sql:\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
