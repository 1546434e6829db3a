package main

import (
	"testing"
)

// runQueryCellsMacro logs each cell of the first row of query, and
// whether it is a string, one line per column.
func runQueryCellsMacro(query string) string {
	return "{% macro cells() %}\n{% set result = run_query(" + query + ") %}\n" +
		"{% for c in result.columns %}{{ log('cell ' ~ c.name ~ '=' ~ c[0] ~ ' string=' ~ (c[0] is string), info=True) }}{% endfor %}\n" +
		"{% endmacro %}\n"
}

// TestRunQueryContainerCellsPostgres: dbt's agate table of a query
// result holds a list or dict cell (a PostgreSQL array or json value, as
// psycopg2 gives it) as its json.dumps text (dbt-common
// table_from_data_flat, dbt's tests/functional/run_query/test_types.py):
// numeric elements as floats, jsonb keys in jsonb's order, text escaped
// to ASCII, dates and timestamps in isoformat.
func TestRunQueryContainerCellsPostgres(t *testing.T) {
	pgSchema(t, "rq_cells")
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "macros/cells.sql", runQueryCellsMacro(`"select ARRAY[1, 2, 3, 4] as ints, ARRAY['a', 'é'] as texts, `+
		`ARRAY[1.5, 2]::numeric[] as nums, '{\"b\": 1, \"a\": [1, 2.5, null, true], \"cc\": {\"x\": \"y\"}}'::jsonb as obj, `+
		`ARRAY[date '2024-01-02'] as dates, ARRAY[timestamp '2024-01-02 03:04:05.5'] as tss, '7'::jsonb as num, 'x' as plain"`))
	res := mustElt(t, dir, "run-operation", "cells")
	wantAll(t, res.stdout,
		"cell ints=[1, 2, 3, 4] string=True",
		`cell texts=["a", "\u00e9"] string=True`,
		"cell nums=[1.5, 2.0] string=True",
		`cell obj={"a": [1, 2.5, null, true], "b": 1, "cc": {"x": "y"}} string=True`,
		`cell dates=["2024-01-02"] string=True`,
		`cell tss=["2024-01-02T03:04:05.500000"] string=True`,
		"cell num=7 string=False",
		"cell plain=x string=True")
}

// TestRunQueryContainerCellsDuckDB: the same for dbt-duckdb, whose
// driver gives a LIST as a list and a STRUCT as a dict in its fields'
// declared order.
func TestRunQueryContainerCellsDuckDB(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", "p:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: p.duckdb}\n")
	writeFile(t, dir, "macros/cells.sql", runQueryCellsMacro(`"select [1, 2, 3] as l, {'b': 1, 'a': {'z': 1.5, 'y': [date '2024-01-02']}} as s, `+
		`[[1, 2], [3]] as nested, ['x', NULL] as tx"`))
	res := mustElt(t, dir, "run-operation", "cells")
	wantAll(t, res.stdout,
		"cell l=[1, 2, 3] string=True",
		`cell s={"b": 1, "a": {"z": 1.5, "y": ["2024-01-02"]}} string=True`,
		"cell nested=[[1, 2], [3]] string=True",
		`cell tx=["x", null] string=True`)
}
