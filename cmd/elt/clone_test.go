package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/bigquery"
	"github.com/elt-dev/elt/adapters/postgres"
	"github.com/elt-dev/elt/adapters/snowflake"
)

// TestCloneDuckDB builds a project in a prod schema, then clones it into
// dev from prod's manifest: views over prod's relations, left alone on a
// second clone, replaced with --full-refresh.
func TestCloneDuckDB(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", "p:\n  target: prod\n  outputs:\n"+
		"    prod:\n      type: duckdb\n      path: w.duckdb\n      schema: prod\n"+
		"    dev:\n      type: duckdb\n      path: w.duckdb\n      schema: dev\n")
	writeFile(t, dir, "seeds/people.csv", "id\n1\n2\n")
	writeFile(t, dir, "models/totals.sql", "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('people') }}")
	writeFile(t, dir, "models/eph.sql", "{{ config(materialized='ephemeral') }}\nselect 1 as x")
	mustElt(t, dir, "build")
	state := filepath.Join(t.TempDir(), "prod")
	if err := os.Rename(filepath.Join(dir, "target"), state); err != nil {
		t.Fatal(err)
	}

	res := mustElt(t, dir, "clone", "--state", state, "--target", "dev")
	for _, want := range []string{
		"OK model.p.totals: cloned",
		"OK seed.p.people: cloned",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.stdout)
		}
	}
	if strings.Contains(res.stdout, "eph") {
		t.Errorf("an ephemeral model was cloned:\n%s", res.stdout)
	}
	out := mustElt(t, dir, "show", "--inline", "select n from dev.totals", "--target", "dev")
	if !strings.Contains(out.stdout, "2") {
		t.Errorf("dev.totals does not read prod's rows:\n%s", out.stdout)
	}
	// The clone is a view over prod.
	out = mustElt(t, dir, "show", "--target", "dev", "--inline",
		"select table_type from information_schema.tables where table_schema = 'dev' and table_name = 'totals'")
	if !strings.Contains(out.stdout, "VIEW") {
		t.Errorf("dev.totals is not a view:\n%s", out.stdout)
	}

	res = mustElt(t, dir, "clone", "--state", state, "--target", "dev")
	if !strings.Contains(res.stdout, "already exists (No-op") {
		t.Errorf("second clone did not leave existing relations alone:\n%s", res.stdout)
	}
	res = mustElt(t, dir, "clone", "--state", state, "--target", "dev", "--full-refresh")
	if !strings.Contains(res.stdout, "OK model.p.totals: cloned") {
		t.Errorf("--full-refresh did not clone again:\n%s", res.stdout)
	}
	res = elt(t, dir, "clone", "--target", "dev")
	if res.code == 0 || !strings.Contains(res.stdout+res.stderr, "needs --state") {
		t.Errorf("clone without --state: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestCloneSQL pins the statement each warehouse gets: a zero-copy clone
// of a table where the warehouse has one, a view otherwise.
func TestCloneSQL(t *testing.T) {
	target := adapters.Relation{Database: "analytics", Schema: "dbt_ann", Identifier: "orders"}
	from := adapters.Relation{Database: "analytics", Schema: "prod", Identifier: "orders"}
	for _, c := range []struct {
		d    adapters.Dialect
		mat  string
		want string
	}{
		{snowflake.Dialect{}, "table", "create or replace table analytics.dbt_ann.orders clone analytics.prod.orders"},
		{snowflake.Dialect{}, "view", "create view analytics.dbt_ann.orders as select * from analytics.prod.orders"},
		{bigquery.Dialect{}, "incremental", "create or replace table `analytics`.`dbt_ann`.`orders` clone `analytics`.`prod`.`orders`"},
		{postgres.Dialect{}, "table", `create view "analytics"."dbt_ann"."orders" as select * from "analytics"."prod"."orders"`},
	} {
		if got := cloneSQL(c.d, target, from, c.mat); got != c.want {
			t.Errorf("%s %s:\n got %s\nwant %s", c.d.Type(), c.mat, got, c.want)
		}
	}
}
