package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runResultsArgs(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rr struct {
		Args map[string]any `json:"args"`
	}
	if err := json.Unmarshal(b, &rr); err != nil {
		t.Fatal(err)
	}
	return rr.Args
}

// TestProjectFlagsAreDefaults: flags: in dbt_project.yml set fail_fast,
// log_format, printer_width and log_level; the command line and the DBT_
// environment variables win over them, as in dbt.
func TestProjectFlagsAreDefaults(t *testing.T) {
	dir := miniProject(t, "flags:\n  fail_fast: true\n  log_format: json\n  indirect_selection: cautious\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")

	res := mustElt(t, dir, "run")
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	for _, l := range lines {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("log_format: json, but a line is not JSON: %q", l)
		}
	}
	args := runResultsArgs(t, dir)
	if args["fail_fast"] != true || args["log_format"] != "json" || args["indirect_selection"] != "cautious" {
		t.Errorf("run_results args: want fail_fast true, log_format json, indirect_selection cautious; got %v", args)
	}

	res = mustElt(t, dir, "run", "--log-format", "text")
	if strings.HasPrefix(strings.TrimSpace(res.stdout), "{") {
		t.Errorf("--log-format text should win over flags: log_format:\n%s", res.stdout)
	}
	t.Setenv("DBT_FAIL_FAST", "false")
	mustElt(t, dir, "run")
	// dbt's args_to_dict leaves out fail_fast when false.
	if got, present := runResultsArgs(t, dir)["fail_fast"]; present {
		t.Errorf("DBT_FAIL_FAST=false should win over flags: fail_fast: true; args.fail_fast = %v, want it left out", got)
	}
}

func TestProjectFlagsPrinterWidthAndLogLevel(t *testing.T) {
	for _, tc := range []struct {
		flags     string
		wantWidth int // length of the START line after the time; 0: no such line
	}{
		// dbt's format_fancy_output_line: the text padded with dots to
		// the printer width, then " [RUN]".
		{"", 86},
		{"flags:\n  printer_width: 100\n", 106},
		{"flags:\n  log_level: warn\n", 0},
	} {
		dir := miniProject(t, tc.flags)
		writeFile(t, dir, "models/a.sql", "select 1 as id\n")
		res := mustElt(t, dir, "run")
		var start string
		for _, l := range strings.Split(res.stdout, "\n") {
			if strings.Contains(l, "START sql") {
				start = l[len("15:04:05  "):]
			}
		}
		switch {
		case tc.wantWidth == 0 && strings.TrimSpace(res.stdout) != "":
			t.Errorf("%s: log_level warn should print no info lines, got:\n%s", tc.flags, res.stdout)
		case tc.wantWidth > 0 && len(start) != tc.wantWidth:
			t.Errorf("%q: START line is %d wide, want %d: %q", tc.flags, len(start), tc.wantWidth, start)
		}
	}
}

// TestSkipNodesIfOnRunStartFails: by default (dbt 1.10) the nodes run
// although on-run-start failed; with the flag on they do not.
func TestSkipNodesIfOnRunStartFails(t *testing.T) {
	for _, tc := range []struct {
		flags  string
		builtA bool
	}{
		{"", true},
		{"flags:\n  skip_nodes_if_on_run_start_fails: true\n", false},
	} {
		dir := miniProject(t, tc.flags+"on-run-start:\n  - \"select * from no_such_table\"\n")
		writeFile(t, dir, "models/a.sql", "select 1 as id\n")
		res := elt(t, dir, "run")
		if res.code != exitFailed {
			t.Errorf("%q: exit %d, want %d (the hook failed)\n%s%s", tc.flags, res.code, exitFailed, res.stdout, res.stderr)
		}
		// As dbt's: the hook's error is a result, listed in the summary.
		if !strings.Contains(res.stdout, "Failure in operation p-on-run-start-0 (./dbt_project.yml)") || !strings.Contains(res.stdout, "no_such_table") {
			t.Errorf("%q: the summary lacks the hook's error:\n%s", tc.flags, res.stdout)
		}
		if got := duckTableExists(t, filepath.Join(dir, "p.duckdb"), "a"); got != tc.builtA {
			t.Errorf("%q: model a built = %v, want %v", tc.flags, got, tc.builtA)
		}
	}
}

func duckTableExists(t *testing.T, path, name string) bool {
	t.Helper()
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("select count(*) from information_schema.tables where table_name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// TestSourceFreshnessRunsProjectHooks: dbt 1.10's
// source_freshness_run_project_hooks (default true), counted in the stat
// line.
func TestSourceFreshnessRunsProjectHooks(t *testing.T) {
	for _, tc := range []struct {
		flags string
		ran   bool
	}{
		{"", true},
		{"flags:\n  source_freshness_run_project_hooks: false\n", false},
	} {
		dir := freshnessProject(t)
		writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n"+tc.flags+
			"on-run-start:\n  - \"create table main.started as select 1 as x\"\non-run-end:\n  - \"create table main.ended as select 1 as x\"\n")
		res := elt(t, dir, "source", "freshness", "--select", "source:raw.fresh")
		// As dbt's freshness task (a RunTask), the stat line counts the
		// hooks it ran.
		stat := "Finished running 1 source in"
		if tc.ran {
			stat = "Finished running 2 project hooks, 1 source in"
		}
		if !strings.Contains(res.stdout, stat) {
			t.Errorf("%q: want %q in\n%s", tc.flags, stat, res.stdout)
		}
		for _, table := range []string{"started", "ended"} {
			if got := duckTableExists(t, filepath.Join(dir, "p.duckdb"), table); got != tc.ran {
				t.Errorf("%q: hook table %s exists = %v, want %v", tc.flags, table, got, tc.ran)
			}
		}
	}
}

// TestVersionCheck: dbt checks the root project's require-dbt-version on
// every command unless flags: version_check is false.
func TestVersionCheck(t *testing.T) {
	dir := miniProject(t, "require-dbt-version: \">=3.0.0\"\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	res := elt(t, dir, "compile")
	if res.code != exitUsage || !strings.Contains(res.stderr, "dbt_project.yml:3:") || !strings.Contains(res.stderr, ">=3.0.0") {
		t.Errorf("want a positioned error at dbt_project.yml:3 naming the range, got exit %d:\n%s", res.code, res.stderr)
	}
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nrequire-dbt-version: \">=3.0.0\"\nflags:\n  version_check: false\n")
	mustElt(t, dir, "compile")
}
