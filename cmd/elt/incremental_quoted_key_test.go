package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestIncrementalQuotedUniqueKey: dbt pastes unique_key into its SQL as
// written, so a double-quoted identifier names its column exactly
// (dbt's tests/functional/column_quoting/test_column_quotes.py: seed,
// run, run). Each strategy that uses the key runs twice, the second time
// applying a changed row on the key.
func TestIncrementalQuotedUniqueKey(t *testing.T) {
	model := func(strategy, b string) string {
		return "{% set col_a = '\"col_A\"' %}\n" +
			"{{ config(materialized='incremental', incremental_strategy='" + strategy + "', unique_key=[col_a]) }}\n" +
			"select 1 as {{ col_a }}, " + b + " as \"col_B\"\n"
	}
	targets := []struct{ name, profile string }{
		{"duckdb", "p:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: p.duckdb}\n"},
		{"postgres", pgProfile},
	}
	for _, target := range targets {
		for _, strategy := range []string{"merge", "delete+insert"} {
			t.Run(target.name+"/"+strategy, func(t *testing.T) {
				var pgRows func() string
				if target.name == "postgres" {
					ctx, conn := pgSchema(t, "inc_quoted_key")
					pgRows = func() string {
						var got string
						if err := conn.QueryRow(ctx, `select string_agg("col_A" || ',' || "col_B", ',') from inc_quoted_key.m`).Scan(&got); err != nil {
							t.Fatal(err)
						}
						return got
					}
				}
				dir := t.TempDir()
				writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
				writeFile(t, dir, "profiles.yml", target.profile)
				writeFile(t, dir, "models/m.sql", model(strategy, "2"))
				if res := elt(t, dir, "run"); res.code != 0 {
					t.Fatalf("first run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
				}
				writeFile(t, dir, "models/m.sql", model(strategy, "3"))
				res := elt(t, dir, "run")
				if res.code != 0 {
					t.Fatalf("second run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
				}
				var got string
				if pgRows != nil {
					got = pgRows()
				} else {
					_, rows := relationRows(t, openDB(t, filepath.Join(dir, "p.duckdb")), "m")
					got = strings.Join(flatten(rows), ",")
				}
				if got != "1,3" {
					t.Errorf("rows after the second run: %s, want 1,3", got)
				}
			})
		}
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}
