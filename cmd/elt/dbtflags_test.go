package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDBTCommandLinesRun: dbt 1.10's flags a CI script passes are taken:
// those that change nothing in elt (as dbt ignores them on those commands,
// or they steer a part of dbt elt has not), the --no-x of dbt's flag
// pairs, --threads and --selector where dbt has them, and retry --state;
// those asking what elt cannot do stop with a reason, not "unknown flag".
func TestDBTCommandLinesRun(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/e.sql", "{{ config(materialized='ephemeral') }}\nselect 2 as id\n")
	writeFile(t, dir, "models/bad.sql", "select * from no_such_table\n")
	writeFile(t, dir, "selectors.yml", "selectors:\n  - name: just_m\n    definition: m\n")
	for _, args := range [][]string{
		{"run", "-s", "m", "--no-fail-fast", "--no-defer", "--no-favor-state", "--no-empty"},
		{"parse", "--threads", "2", "--state", "x", "--defer", "--fail-fast", "--indirect-selection", "cautious"},
		{"ls", "--macro-debugging", "--use-experimental-parser", "--no-use-fast-test-edges", "--log-file-max-bytes", "100",
			"--partial-parse-file-path", "x", "--partial-parse-file-diff", "--no-show-all-deprecations", "--no-upload-to-artifacts-ingest-api"},
		{"compile", "-s", "m", "--inject-ephemeral-ctes", "--fail-fast"},
		{"show", "--selector", "just_m", "--threads", "2", "--fail-fast"},
		{"deps", "--state", "x", "--defer"},
		{"run-operation", "noop", "--threads", "2"},
		{"debug", "--connection"},
	} {
		if args[0] == "run-operation" {
			writeFile(t, dir, "macros/noop.sql", "{% macro noop() %}{% endmacro %}\n")
		}
		if res := elt(t, dir, args...); res.code != 0 {
			t.Errorf("elt %s: exit %d\n%s%s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
		}
	}
	// -q then --no-quiet: the last wins, as in click.
	if res := elt(t, dir, "run", "-s", "m", "-q", "--no-quiet"); res.code != 0 || !strings.Contains(res.stdout, "Completed successfully") {
		t.Errorf("run -q --no-quiet: exit %d, want the normal output\n%s", res.code, res.stdout)
	}
	if res := elt(t, dir, "show", "-s", "m", "--selector", "just_m"); res.code != 0 || !strings.Contains(res.stdout, "Previewing node 'm'") {
		t.Errorf("show --selector: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := elt(t, dir, "debug", "--config-dir"); res.code != 0 || !strings.Contains(res.stdout, "xdg-open "+dir) {
		t.Errorf("debug --config-dir: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		// dbt's SampleType: a bad window stops the command.
		{[]string{"run", "--sample", "3d"}, nil, "Invalid value for '--sample': Cannot load SAMPLE_WINDOW from '3d'. Must be of form 'DAYS_INT GRAIN_SIZE'."},
		{[]string{"run"}, map[string]string{"DBT_SAMPLE": "3 weeks"}, "Invalid grain size 'weeks'. Must be one of ['hour', 'day', 'month', 'year', 'hours', 'days', 'months', 'years']."},
		{[]string{"build", "--show"}, nil, "dbt's build takes it and shows no seed"},
		{[]string{"build", "--export-saved-queries"}, nil, "saved query exports"},
		{[]string{"compile", "--no-inject-ephemeral-ctes"}, nil, "always compiles ephemeral models into CTEs"},
		{[]string{"ls", "--upload-to-artifacts-ingest-api"}, nil, "cannot upload"},
		// dbt's _validate_event_time_configs, before anything runs.
		{[]string{"run", "--event-time-start", "2024-01-02"}, nil, "`--event-time-end` must also be present"},
		{[]string{"run", "--event-time-end", "2024-01-02"}, nil, "`--event-time-start` must also be present"},
		{[]string{"run"}, map[string]string{"DBT_EVENT_TIME_END": "2024-01-02"}, "`--event-time-start` must also be present"},
		{[]string{"run", "--event-time-start", "2024-01-03", "--event-time-end", "2024-01-02"}, nil, "must be less than `--event-time-end`"},
	} {
		if res := eltWith(t, dir, c.env, c.args...); res.code != 2 || !strings.Contains(res.stderr, c.want) {
			t.Errorf("elt %s (env %v): exit %d, want 2 with %q\n%s%s", strings.Join(c.args, " "), c.env, res.code, c.want, res.stdout, res.stderr)
		}
	}

	// retry --state: the run_results.json of that folder, as dbt's retry.
	if res := elt(t, dir, "run"); res.code != 1 {
		t.Fatalf("run with a failing model: exit %d", res.code)
	}
	if err := os.Rename(filepath.Join(dir, "target"), filepath.Join(dir, "prev")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "models/bad.sql", "select 3 as id\n")
	res := elt(t, dir, "retry", "--state", "prev", "--full-refresh")
	if res.code != 0 || !strings.Contains(res.stdout, "bad") || strings.Contains(res.stdout, " m ") {
		t.Errorf("retry --state prev: exit %d, want bad alone run again\n%s%s", res.code, res.stdout, res.stderr)
	}
}
