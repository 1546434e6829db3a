package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestEphemeralCompileErrorSkipsReaders: a selected ephemeral model that
// fails to compile is dbt's own node (task/runnable.py _handle_result
// keeps no result for it); every model reading it is skipped with the
// message of task/base.py on_skip, its line is "ERROR SKIP" followed by
// the ephemeral model's error, and the run fails. Selected alone, the
// reader compiles the ephemeral model inline and errors.
func TestEphemeralCompileErrorSkipsReaders(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/base.sql", "{{ config(materialized='ephemeral') }}\nselect {{ adapter.invalid_method() }} as x\n")
	writeFile(t, dir, "models/dependent.sql", "select * from {{ ref('base') }}\n")
	writeFile(t, dir, "models/grand.sql", "select * from {{ ref('dependent') }}\n")
	res := elt(t, dir, "run")
	if res.code != exitFailed {
		t.Fatalf("run: exit %d, want %d\n%s%s", res.code, exitFailed, res.stdout, res.stderr)
	}
	msg := func(id string) string {
		return "Compilation Error in " + id + ", caused by compilation error in referenced ephemeral model model.p.base"
	}
	want := map[string][2]string{
		"model.p.dependent": {"skipped", msg("model.p.dependent")},
		"model.p.grand":     {"skipped", msg("model.p.grand")},
	}
	if got := resultMessages(t, dir); !equalResultMessages(got, want) {
		t.Errorf("run_results: want %v, got %v", want, got)
	}
	for _, line := range []string{
		"SKIP relation main.dependent due to ephemeral model status 'error'",
		"[ERROR SKIP]",
		"Failure in model base (models/base.sql)",
		"Completed with 2 errors",
		"Done. PASS=0 WARN=0 ERROR=0 SKIP=2 NO-OP=0 TOTAL=2",
	} {
		if !strings.Contains(res.stdout, line) {
			t.Errorf("stdout lacks %q:\n%s", line, res.stdout)
		}
	}

	res = elt(t, dir, "run", "-s", "dependent")
	if res.code != exitFailed {
		t.Fatalf("run -s dependent: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if got := resultMessages(t, dir)["model.p.dependent"]; got[0] != "error" || !strings.Contains(got[1], "invalid_method") {
		t.Errorf("run -s dependent: want an error naming invalid_method, got %v", got)
	}
}

// resultMessages reads target/run_results.json: unique id -> status, message.
func resultMessages(t *testing.T, dir string) map[string][2]string {
	t.Helper()
	var rr struct {
		Results []struct {
			UniqueID string  `json:"unique_id"`
			Status   string  `json:"status"`
			Message  *string `json:"message"`
		} `json:"results"`
	}
	readJSON(t, filepath.Join(dir, "target", "run_results.json"), &rr)
	out := map[string][2]string{}
	for _, r := range rr.Results {
		m := ""
		if r.Message != nil {
			m = *r.Message
		}
		out[r.UniqueID] = [2]string{r.Status, m}
	}
	return out
}

func equalResultMessages(a, b map[string][2]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestSkippedResultsHaveNoTiming: a node skipped because its parent
// failed has dbt's on_skip result in run_results.json: an empty timing
// list and no execution time; the failed parent keeps its timing.
func TestSkippedResultsHaveNoTiming(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/bad.sql", "select no_such_column from (select 1 as x) t\n")
	writeFile(t, dir, "models/child.sql", "select * from {{ ref('bad') }}\n")
	if res := elt(t, dir, "run"); res.code != exitFailed {
		t.Fatalf("run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var rr struct {
		Results []struct {
			UniqueID      string            `json:"unique_id"`
			Status        string            `json:"status"`
			Timing        []json.RawMessage `json:"timing"`
			ExecutionTime float64           `json:"execution_time"`
		} `json:"results"`
	}
	readJSON(t, filepath.Join(dir, "target", "run_results.json"), &rr)
	seen := 0
	for _, r := range rr.Results {
		switch r.UniqueID {
		case "model.p.child":
			seen++
			if r.Status != "skipped" || r.Timing == nil || len(r.Timing) != 0 || r.ExecutionTime != 0 {
				t.Errorf("child: status %s, timing %s, execution_time %v; want skipped, [], 0", r.Status, r.Timing, r.ExecutionTime)
			}
		case "model.p.bad":
			seen++
			if r.Status != "error" || len(r.Timing) == 0 {
				t.Errorf("bad: status %s, timing %s; want error with its timing", r.Status, r.Timing)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("run_results.json lacks bad or child: %+v", rr.Results)
	}
}
