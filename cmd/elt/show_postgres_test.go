package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/docs/schematest"
	"github.com/elt-dev/elt/project"
)

// TestShowAndFreshnessPostgres: elt show gives the same rows on Postgres
// as on DuckDB, and source freshness works there, with a runtime error for
// a table without loaded_at_field (dbt-postgres has no metadata freshness).
func TestShowAndFreshnessPostgres(t *testing.T) {
	schema := fmt.Sprintf("show_%d", time.Now().UnixNano()%1_000_000_000)
	pgEnv(t, schema)
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "shop"), dir)
	defer func() {
		p, err := project.Load(context.Background(), project.Options{ProjectDir: dir, WorkDir: dir, Target: "pg", Env: os.LookupEnv, HomeDir: t.TempDir()})
		if err == nil {
			if a, err := openAdapter(context.Background(), p, dir, p.Target.Threads); err == nil {
				_ = a.Exec(context.Background(), `drop schema if exists "`+schema+`" cascade`)
				a.Close()
			}
		}
	}()
	writeFile(t, dir, "models/freshness_sources.yml", `version: 2
sources:
  - name: landed
    schema: "{{ env_var('ELT_PG_SCHEMA') }}"
    config:
      freshness:
        warn_after: {count: 1, period: hour}
        error_after: {count: 1, period: day}
    tables:
      - name: recent
        identifier: raw_customers
        loaded_at_field: "current_timestamp - interval '2 hours'"
      - name: by_query
        identifier: raw_customers
        loaded_at_query: "select current_timestamp - interval '10 minutes' from {{ this }} limit 1"
      - name: no_field
        identifier: raw_customers
`)
	mustElt(t, dir, "seed", "--target", "pg", "-s", "raw_customers")
	mustElt(t, dir, "seed", "-s", "raw_customers")
	args := []string{"show", "-s", "stg_customers", "--limit", "3", "--output", "json"}
	duck := mustElt(t, dir, args...).stdout
	pg := mustElt(t, dir, append(args, "--target", "pg")...).stdout
	if duck != pg || !strings.Contains(pg, `"node": "stg_customers"`) || strings.Count(pg, `"customer_id"`) != 3 {
		t.Errorf("show differs or is wrong:\nduckdb:\n%s\npostgres:\n%s", duck, pg)
	}
	inline := mustElt(t, dir, "show", "--target", "pg", "--inline", "select count(*) as n from {{ ref('raw_customers') }}").stdout
	if !strings.Contains(inline, "Previewing inline node:\n|  n |") { // agate right-justifies a number column
		t.Errorf("inline on postgres:\n%s", inline)
	}

	res := elt(t, dir, "source", "freshness", "--target", "pg")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1 (no_field is a runtime error)\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout, "WARN freshness of landed.recent", "PASS freshness of landed.by_query", "ERROR freshness of landed.no_field",
		"postgres adapter does not support metadata-based freshness checks")
	raw, err := os.ReadFile(filepath.Join(dir, "target", "sources.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateSources(raw); err != nil {
		t.Fatal(err)
	}
}
