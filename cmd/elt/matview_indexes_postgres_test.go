package main

import (
	"strings"
	"testing"
)

// TestMaterializedViewIndexesPostgres: dbt-postgres creates a materialized
// view's indexes with it, and on later runs compares them with the config:
// on_configuration_change continue leaves them (a warning), fail stops the
// model, apply drops the old and creates the new ones.
func TestMaterializedViewIndexesPostgres(t *testing.T) {
	schema := "mv_indexes"
	ctx, conn := pgSchema(t, schema)
	indexes := func() string { t.Helper(); return pgIndexes(t, ctx, conn, schema) }
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	model := func(onChange, indexes string) {
		writeFile(t, dir, "models/mv.sql", "{{ config(materialized='materialized_view', on_configuration_change='"+onChange+"', indexes="+indexes+") }}\nselect 1 as id, 2 as value\n")
	}
	first := "mv: USING btree (id)"
	model("apply", "[{'columns': ['id']}]")
	mustElt(t, dir, "run")
	if got := indexes(); got != first {
		t.Fatalf("indexes after the first run:\n%s\nwant:\n%s", got, first)
	}
	mustElt(t, dir, "run") // unchanged: refreshed
	if got := indexes(); got != first {
		t.Errorf("indexes after an unchanged run:\n%s\nwant:\n%s", got, first)
	}

	changed := "[{'columns': ['value'], 'unique': True, 'type': 'hash'}, {'columns': ['id']}]"
	model("continue", changed)
	res := mustElt(t, dir, "run")
	if !strings.Contains(res.stdout, "Configuration changes were identified") {
		t.Errorf("continue: no warning in the output:\n%s", res.stdout)
	}
	if got := indexes(); got != first {
		t.Errorf("indexes after continue:\n%s\nwant:\n%s", got, first)
	}

	model("fail", changed)
	if res := elt(t, dir, "run"); res.code == 0 || !strings.Contains(res.stdout+res.stderr, "`on_configuration_change` was set to `fail`") {
		t.Errorf("fail: exit %d, want the configuration change error\n%s%s", res.code, res.stdout, res.stderr)
	}

	model("apply", "[{'columns': ['value'], 'type': 'hash'}]")
	mustElt(t, dir, "run")
	if got, want := indexes(), "mv: USING hash (value)"; got != want {
		t.Errorf("indexes after apply:\n%s\nwant:\n%s", got, want)
	}
	mustElt(t, dir, "run", "--full-refresh")
	if got, want := indexes(), "mv: USING hash (value)"; got != want {
		t.Errorf("indexes after a full refresh:\n%s\nwant:\n%s", got, want)
	}
}
