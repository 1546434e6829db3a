package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRetryRunOperationAsDBT: as dbt's retry (core/dbt/task/retry.py
// TASK_DICT), the last run-operation runs again, with its macro and its
// --args.
func TestRetryRunOperationAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/m.sql", "{% macro note(n) %}\n"+
		"{% do run_query('create table if not exists notes (n int)') %}\n"+
		"{% do run_query('insert into notes values (' ~ n ~ ')') %}\n"+
		"{% do run_query('select * from gate') %}\n{% endmacro %}\n")
	if res := elt(t, dir, "run-operation", "note", "--args", "{n: 7}"); res.code != 1 {
		t.Fatalf("run-operation: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	execDuckDB(t, filepath.Join(dir, "p.duckdb"), "create or replace table notes (n int)", "create table gate (x int)")
	mustElt(t, dir, "retry")
	if got := queryIn(t, dir, "select string_agg(n::varchar, ',') from notes"); got != "7" {
		t.Fatalf("retry did not run note(7) again: notes = %q", got)
	}
	rr := readRunResults(t, filepath.Join(dir, "target", "run_results.json"))
	if e, ok := rr["note"]; !ok || e.Status != "success" || len(rr) != 1 {
		t.Fatalf("run_results after retry: %+v", rr)
	}
}

// TestRetryCompileAndCloneAsDBT: as dbt's retry after compile or clone,
// the nodes the last run left undone are that command's selection (a
// clone from the last run's --state).
func TestRetryCompileAndCloneAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "models/b.sql", "select 2 as id\n")
	mustElt(t, dir, "run", "--target-path", "prod")
	results := func(which, extra string) string {
		return `{"metadata": {}, "elapsed_time": 1, "args": {"which": "` + which + `"` + extra + `}, "results": [` +
			`{"unique_id": "model.p.a", "status": "success", "timing": [], "thread_id": "t", "execution_time": 0, "adapter_response": {}, "message": null, "failures": null},` +
			`{"unique_id": "model.p.b", "status": "error", "timing": [], "thread_id": "t", "execution_time": 0, "adapter_response": {}, "message": "x", "failures": null}]}`
	}

	writeFile(t, dir, "target/run_results.json", results("compile", ""))
	mustElt(t, dir, "retry")
	if _, err := os.Stat(filepath.Join(dir, "target/compiled/p/models/b.sql")); err != nil {
		t.Fatalf("retry did not compile b: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "target/compiled/p/models/a.sql")); err == nil {
		t.Fatalf("retry compiled a, which succeeded")
	}

	writeFile(t, dir, "target/run_results.json", results("clone", `, "state": "prod"`))
	res := mustElt(t, dir, "retry")
	rr := readRunResults(t, filepath.Join(dir, "target", "run_results.json"))
	if _, ok := rr["b"]; !ok || len(rr) != 1 {
		t.Fatalf("retry of clone: want model.p.b alone, got %+v\n%s", rr, res.stdout)
	}
	if !strings.Contains(res.stdout, "model.p.b") {
		t.Fatalf("no clone line for b:\n%s", res.stdout)
	}
}

// TestRetryDocsGenerateAsDBT: after docs generate (dbt's "generate"),
// retry generates the docs again, compiling as docs generate does.
func TestRetryDocsGenerateAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	mustElt(t, dir, "run")
	writeFile(t, dir, "target/run_results.json", `{"metadata": {}, "elapsed_time": 1, "args": {"which": "generate"}, "results": []}`)
	mustElt(t, dir, "retry")
	if _, err := os.Stat(filepath.Join(dir, "target", "catalog.json")); err != nil {
		t.Fatalf("retry did not generate the docs: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "compiled", "p", "models", "a.sql")); err != nil {
		t.Fatalf("retry did not compile as docs generate does: %v", err)
	}
}

// TestRetryNoPreviousRunAsDBT: with no run_results.json to retry, dbt's
// RetryTask stops with "Could not find previous run in '<state>' target
// directory", naming --state or the target path (task/retry.py).
func TestRetryNoPreviousRunAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"retry"}, "Could not find previous run in 'target' target directory"},
		{[]string{"retry", "--state", "walmart"}, "Could not find previous run in 'walmart' target directory"},
	} {
		res := elt(t, dir, c.args...)
		if res.code != exitUsage || !strings.Contains(res.stderr, c.want) {
			t.Errorf("elt %v: exit %d, want %d and %q\n%s%s", c.args, res.code, exitUsage, c.want, res.stdout, res.stderr)
		}
	}
}
