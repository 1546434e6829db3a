package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/bigquery"
	"github.com/elt-dev/elt/adapters/duckdb"
	"github.com/elt-dev/elt/adapters/postgres"
	"github.com/elt-dev/elt/adapters/snowflake"
	"github.com/elt-dev/elt/runner"
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
	wantAll(t, res.stdout,
		"OK model.p.totals: cloned",
		"OK seed.p.people: cloned",
	)
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
	// As dbt's clone task: run_results.json, one success a node, "No-op"
	// for a relation that exists; --resource-type narrows it.
	rr := runResultEntries(t, dir)
	if len(rr) != 2 || rr["model.p.totals"]["status"] != "success" || rr["model.p.totals"]["message"] != "No-op" || rr["seed.p.people"]["message"] != "No-op" {
		t.Errorf("clone's run_results: %v", rr)
	}
	mustElt(t, dir, "clone", "--state", state, "--target", "dev", "--resource-type", "model")
	if rr = runResultEntries(t, dir); len(rr) != 1 || rr["model.p.totals"] == nil {
		t.Errorf("clone --resource-type model: %v", rr)
	}
	res = mustElt(t, dir, "clone", "--state", state, "--target", "dev", "--full-refresh")
	if !strings.Contains(res.stdout, "OK model.p.totals: cloned") {
		t.Errorf("--full-refresh did not clone again:\n%s", res.stdout)
	}
	// As dbt's clone, a graph task (task/runnable.py): nothing selected
	// is NothingToDo, an empty run_results.json, and an error under
	// --warn-error.
	res = mustElt(t, dir, "clone", "--state", state, "--target", "dev", "--select", "nothing_here")
	if !strings.Contains(res.stdout, "Nothing to do. Try checking your model configs and model specification args") {
		t.Errorf("clone selecting nothing:\n%s", res.stdout)
	}
	if rr = runResultEntries(t, dir); len(rr) != 0 {
		t.Errorf("clone selecting nothing: run_results %v", rr)
	}
	if res = elt(t, dir, "--warn-error", "clone", "--state", state, "--target", "dev", "--select", "nothing_here"); res.code != exitUsage {
		t.Errorf("--warn-error clone selecting nothing: exit %d\n%s%s", res.code, res.stdout, res.stderr)
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

// TestCloneAllAsksCatalogOnce: cloning many relations asks DuckDB's
// catalog of relations a constant number of times (each create would
// otherwise send the next question to the whole catalog), and the clones
// are what one question per relation gave: views over the state's
// relations, existing ones left alone, a target cloned twice in one call
// seen as existing the second time, --full-refresh replacing all.
func TestCloneAllAsksCatalogOnce(t *testing.T) {
	ctx := context.Background()
	var scans atomic.Int64
	a, err := duckdb.Open(ctx, duckdb.Config{Path: filepath.Join(t.TempDir(), "w.duckdb"), Trace: func(sql string) {
		if strings.Contains(sql, "duckdb_tables()") {
			scans.Add(1)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const n = 30
	if err := a.Exec(ctx, "create schema prod"); err != nil {
		t.Fatal(err)
	}
	var jobs []cloneJob
	for i := range n {
		if err := a.Exec(ctx, fmt.Sprintf("create table prod.t_%d as select %d as v", i, i)); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, cloneJob{id: fmt.Sprintf("model.p.t_%d", i), materialized: "table",
			from:   adapters.Relation{Database: "w", Schema: "prod", Identifier: fmt.Sprintf("t_%d", i)},
			target: adapters.Relation{Database: "w", Schema: "dev", Identifier: fmt.Sprintf("t_%d", i)}})
	}
	jobs = append(jobs,
		cloneJob{id: "model.p.again", materialized: "table", from: jobs[1].from, target: jobs[0].target},
		cloneJob{id: "model.p.self", materialized: "table", from: jobs[2].from, target: jobs[2].from})
	value := func(rel string) string {
		t.Helper()
		res, err := a.Query(ctx, "select v from "+rel)
		if err != nil || len(res.Rows) != 1 {
			t.Fatalf("%s: %v %v", rel, res, err)
		}
		return fmt.Sprint(res.Rows[0][0])
	}
	clone := func(fullRefresh bool, wantScans int64, want map[string]int) {
		t.Helper()
		scans.Store(0)
		var out strings.Builder
		results, err := cloneAll(ctx, a, jobs, fullRefresh, &out)
		if err != nil || len(results) != len(jobs) {
			t.Fatalf("cloneAll: %d results for %d jobs, %v\n%s", len(results), len(jobs), err, out.String())
		}
		for _, r := range results {
			if r.Status != runner.Success {
				t.Fatalf("cloneAll: %s %s: %s\n%s", r.UniqueID, r.Status, r.Message, out.String())
			}
		}
		if got := scans.Load(); got > wantScans {
			t.Errorf("full refresh %v: %d questions to duckdb_tables() for %d clones, want at most %d", fullRefresh, got, len(jobs), wantScans)
		}
		for what, count := range want {
			if got := strings.Count(out.String(), what); got != count {
				t.Errorf("full refresh %v: %d lines with %q, want %d:\n%s", fullRefresh, got, what, count, out.String())
			}
		}
	}
	// One question for the dev schema, one for the target created twice.
	clone(false, 2, map[string]int{": cloned ": n, "already exists": 1, "SKIP model.p.self": 1})
	for i := range n {
		if got := value(fmt.Sprintf("dev.t_%d", i)); got != fmt.Sprint(i) {
			t.Errorf("dev.t_%d reads %s, want %d", i, got, i)
		}
	}
	clone(false, 1, map[string]int{": cloned ": 0, "already exists": n + 1})
	clone(true, 2, map[string]int{": cloned ": n + 1, "already exists": 0})
	if got := value("dev.t_0"); got != "1" {
		t.Errorf("dev.t_0 after --full-refresh reads %s, want 1 (the last clone into it, from prod.t_1)", got)
	}
}
