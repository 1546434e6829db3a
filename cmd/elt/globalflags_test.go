package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// oneModel is a DuckDB project with one model.
func oneModel(t *testing.T, extra string) string {
	t.Helper()
	dir := miniProject(t, extra)
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	return dir
}

func exists(dir, rel string) bool {
	_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
	return err == nil
}

// TestLogLevelAsDBT: --log-level and --debug/-d set the console's level
// before or after the command, as dbt's; --quiet wins over them but for
// none; the command line wins over DBT_LOG_LEVEL; dbt.log follows
// --log-level unless --log-level-file is given.
func TestLogLevelAsDBT(t *testing.T) {
	dir := oneModel(t, "")
	const info, debug = "Running with elt=", "static checks of"
	cases := []struct {
		args      []string
		env       string // DBT_LOG_LEVEL
		want, not []string
		empty     bool
	}{
		{args: []string{"run"}, want: []string{info}, not: []string{debug}},
		{args: []string{"run", "--log-level", "warn"}, not: []string{info, "Done."}},
		{args: []string{"--log-level", "WARN", "run"}, not: []string{info}},
		{args: []string{"--log-level", "debug", "run"}, want: []string{info, debug}},
		{args: []string{"--debug", "run"}, want: []string{info, debug}},
		{args: []string{"run", "-d"}, want: []string{info, debug}},
		{args: []string{"run", "-d", "--no-debug"}, want: []string{info}, not: []string{debug}},
		{args: []string{"run", "--log-level", "none"}, empty: true},
		{args: []string{"--quiet", "--debug", "run"}, not: []string{info, debug}},
		{args: []string{"--quiet", "--log-level", "none", "run"}, empty: true},
		{args: []string{"run"}, env: "warn", not: []string{info}},
		{args: []string{"run", "--log-level", "info"}, env: "warn", want: []string{info}},
		{args: []string{"run", "--debug"}, env: "error", want: []string{info, debug}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " ")+" "+c.env, func(t *testing.T) {
			t.Setenv("DBT_LOG_LEVEL", c.env)
			res := mustElt(t, dir, c.args...)
			wantAll(t, res.stdout, c.want...)
			wantNone(t, res.stdout, c.not...)
			if c.empty && res.stdout != "" {
				t.Errorf("want no console output:\n%s", res.stdout)
			}
		})
	}
	if res := elt(t, dir, "run", "--log-level", "loud"); res.code != 2 || !strings.Contains(res.stderr, "log_level must be debug, info, warn, error or none") {
		t.Errorf("--log-level loud: exit %d\n%s", res.code, res.stderr)
	}
	mustElt(t, dir, "run", "--log-level", "warn", "--log-path", "logs")
	b, err := os.ReadFile(filepath.Join(dir, "logs", "dbt.log"))
	if err != nil {
		t.Fatal(err)
	}
	wantNone(t, string(b), info)
	mustElt(t, dir, "run", "--log-level", "warn", "--debug", "--log-path", "logs2")
	b, err = os.ReadFile(filepath.Join(dir, "logs2", "dbt.log"))
	if err != nil {
		t.Fatal(err)
	}
	wantAll(t, string(b), "[debug]", info)
}

// TestUseColorsAsDBT: --use-colors colours the output even off a terminal,
// --no-use-colors (or DBT_USE_COLORS=false) never; the last flag wins.
func TestUseColorsAsDBT(t *testing.T) {
	dir := oneModel(t, "")
	const green = "\x1b[32m"
	for _, c := range []struct {
		args   []string
		env    string
		colour bool
	}{
		{[]string{"--use-colors", "run"}, "", true},
		{[]string{"run", "--use-colors"}, "", true},
		{[]string{"run"}, "true", true},
		{[]string{"run", "--no-use-colors"}, "true", false},
		{[]string{"run", "--use-colors", "--no-use-colors"}, "", false},
		{[]string{"run", "--no-use-colors", "--use-colors"}, "", true},
		{[]string{"run", "--use-colors", "--no-color"}, "", false},
		{[]string{"run", "--use-colors", "--log-format", "json"}, "", false},
		{[]string{"run", "--no-use-colors-file"}, "", false},
	} {
		t.Setenv("DBT_USE_COLORS", c.env)
		res := mustElt(t, dir, c.args...)
		if got := strings.Contains(res.stdout, green); got != c.colour {
			t.Errorf("%v DBT_USE_COLORS=%q: colour %v, want %v\n%s", c.args, c.env, got, c.colour, res.stdout)
		}
	}
	if res := elt(t, dir, "run", "--use-colors-file"); res.code != 2 || !strings.Contains(res.stderr, "elt writes dbt.log without colours") {
		t.Errorf("--use-colors-file: exit %d\n%s", res.code, res.stderr)
	}
}

// TestWarnErrorOptionsAsDBT: --warn-error-options (DBT_WARN_ERROR_OPTIONS,
// flags:) with error all, or naming LogTestResult, fails a test that would
// warn, as --warn-error does; warn and silence keep it a warning; values
// dbt refuses are usage errors.
func TestWarnErrorOptionsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id union all select 1\n")
	writeFile(t, dir, "models/m.yml", "models:\n  - name: m\n    columns:\n      - name: id\n        data_tests: [{unique: {config: {severity: warn}}}]\n")
	mustElt(t, dir, "run")
	warnError := elt(t, dir, "--warn-error", "test")
	if warnError.code != 1 {
		t.Fatalf("--warn-error: exit %d\n%s", warnError.code, warnError.stdout)
	}
	for _, c := range []struct {
		args []string
		env  string
		code int
	}{
		{[]string{"test", "--warn-error-options", `{"error": "all"}`}, "", 1},
		{[]string{"--warn-error-options", "{include: all}", "test"}, "", 1},
		{[]string{"test", "--warn-error-options", "{error: [LogTestResult]}"}, "", 1},
		{[]string{"test", "--warn-error-options", "{error: '*', warn: [LogTestResult]}"}, "", 0},
		{[]string{"test", "--warn-error-options", "{error: [NoNodesForSelectionCriteria]}"}, "", 0},
		{[]string{"test"}, `{"error": "all"}`, 1},
		{[]string{"test", "--warn-error-options", "{error: all, exclude: [LogTestResult]}"}, `{"error": "all"}`, 0},
	} {
		t.Setenv("DBT_WARN_ERROR_OPTIONS", c.env)
		res := elt(t, dir, c.args...)
		if res.code != c.code {
			t.Errorf("%v DBT_WARN_ERROR_OPTIONS=%q: exit %d, want %d\n%s%s", c.args, c.env, res.code, c.code, res.stdout, res.stderr)
		}
		if c.code == 1 {
			wantAll(t, res.stdout, "Got 1 result, configured to fail if != 0")
		}
	}
	t.Setenv("DBT_WARN_ERROR_OPTIONS", "")
	for value, msg := range map[string]string{
		"[LogTestResult]":                         "must be a mapping",
		"{error: some}":                           "error must be one of ('all', '*') or a list of strings",
		"{errors: all}":                           "unknown key errors",
		"{error: all, include: all}":              "only `include` or `error` can be specified, not both",
		"{error: [LogTestResult], warn: [Other]}": "`warn` can only be specified if `error` is one of ('all', '*')",
		"{error: [Deprecations, LogTestResult], silence: [LogTestResult]}": "LogTestResult is both in error and in warn or silence",
		"{error: [": "is not YAML or JSON",
	} {
		res := elt(t, dir, "test", "--warn-error-options", value)
		if res.code != 2 || !strings.Contains(res.stderr, msg) {
			t.Errorf("--warn-error-options %s: exit %d, want 2 and %q\n%s", value, res.code, msg, res.stderr)
		}
	}
	if res := elt(t, dir, "--warn-error", "test", "--warn-error-options", "{error: all}"); res.code != 2 || !strings.Contains(res.stderr, "not allowed with argument warn_error") {
		t.Errorf("--warn-error with --warn-error-options: exit %d\n%s", res.code, res.stderr)
	}
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nflags:\n  warn_error_options: {error: all}\n")
	if res := elt(t, dir, "test"); res.code != 1 {
		t.Errorf("flags: warn_error_options: {error: all}: exit %d\n%s", res.code, res.stdout)
	}
}

// TestWriteJSONAsDBT: --no-write-json (DBT_WRITE_JSON, flags: write_json)
// writes no manifest.json or run_results.json; the run and elt's own
// files (compiled SQL) are as before; the command line wins.
func TestWriteJSONAsDBT(t *testing.T) {
	dir := oneModel(t, "")
	mustElt(t, dir, "--no-write-json", "run")
	for _, f := range []string{"target/manifest.json", "target/run_results.json"} {
		if exists(dir, f) {
			t.Errorf("--no-write-json wrote %s", f)
		}
	}
	if !exists(dir, "target/compiled/p/models/m.sql") {
		t.Error("--no-write-json: no compiled SQL")
	}
	if got := rowsOf(t, dir, "main.m"); got != "1" {
		t.Errorf("m: %q", got)
	}
	mustElt(t, dir, "run", "--write-json")
	for _, f := range []string{"target/manifest.json", "target/run_results.json"} {
		if !exists(dir, f) {
			t.Errorf("--write-json did not write %s", f)
		}
	}

	dir = oneModel(t, "flags:\n  write_json: false\n")
	mustElt(t, dir, "run")
	if exists(dir, "target/run_results.json") {
		t.Error("flags: write_json: false wrote run_results.json")
	}
	t.Setenv("DBT_WRITE_JSON", "true")
	mustElt(t, dir, "run", "--no-write-json")
	if exists(dir, "target/run_results.json") {
		t.Error("--no-write-json with DBT_WRITE_JSON=true wrote run_results.json")
	}
	mustElt(t, dir, "run")
	if !exists(dir, "target/run_results.json") {
		t.Error("DBT_WRITE_JSON=true over flags: write_json: false wrote no run_results.json")
	}
}

// TestNothingToDoAsDBT: a selection that matches nothing warns with dbt's
// NoNodesForSelectionCriteria and NothingToDo texts and prints no summary;
// under --warn-error (or warn_error_options) it exits 2.
func TestNothingToDoAsDBT(t *testing.T) {
	dir := oneModel(t, "")
	const noMatch = "The selection criterion 'nonexistent' does not match any enabled nodes"
	const nothing = "Nothing to do. Try checking your model configs and model specification args"
	for _, cmd := range []string{"run", "build", "seed", "test", "snapshot"} {
		res := mustElt(t, dir, cmd, "-s", "nonexistent")
		wantAll(t, res.stdout, noMatch, "hint: check the spelling", nothing)
		wantNone(t, res.stdout, "Completed successfully", "Concurrency:", "Done.", "Finished running")
	}
	// Nothing of the command's kind: NothingToDo alone.
	res := mustElt(t, dir, "test")
	wantAll(t, res.stdout, nothing)
	wantNone(t, res.stdout, "does not match", "Completed successfully")
	if !exists(dir, "target/run_results.json") {
		t.Error("nothing to do: no run_results.json, which dbt writes")
	}

	for _, args := range [][]string{
		{"--warn-error", "run", "-s", "nonexistent"},
		{"run", "-s", "nonexistent", "--warn-error-options", `{"error": "all"}`},
		{"run", "-s", "nonexistent", "--warn-error-options", "{error: [NoNodesForSelectionCriteria]}"},
	} {
		res := elt(t, dir, args...)
		if res.code != 2 || !strings.Contains(res.stderr, noMatch) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s%s", args, res.code, noMatch, res.stdout, res.stderr)
		}
		wantNone(t, res.stdout, nothing)
	}
	res = elt(t, dir, "--warn-error", "test")
	if res.code != 2 || !strings.Contains(res.stderr, nothing) {
		t.Errorf("--warn-error test with no tests: exit %d\n%s", res.code, res.stderr)
	}
	// silence hides a warning; error naming the other event fails on it.
	res = elt(t, dir, "run", "-s", "nonexistent", "--warn-error-options", "{error: [NothingToDo], silence: [NoNodesForSelectionCriteria]}")
	if res.code != 2 || !strings.Contains(res.stderr, nothing) {
		t.Errorf("error NothingToDo, silence NoNodesForSelectionCriteria: exit %d\n%s", res.code, res.stderr)
	}
	wantNone(t, res.stdout, noMatch)
}

// TestDBTGlobalFlagsAccepted: dbt's global flags that tune what elt does
// not have are accepted on either side of the command; the ones elt acts
// on do what dbt's do; the ones it cannot honour are refused, saying why.
func TestDBTGlobalFlagsAccepted(t *testing.T) {
	dir := oneModel(t, "")
	for _, flag := range [][]string{
		{"--no-version-check"}, {"--version-check"}, {"--partial-parse"}, {"--no-partial-parse"},
		{"--no-send-anonymous-usage-stats"}, {"--show-all-deprecations"}, {"--cache-selected-only"},
		{"--no-cache-selected-only"}, {"--populate-cache"}, {"--no-populate-cache"}, {"--log-cache-events"},
		{"--static-parser"}, {"--no-static-parser"}, {"--printer-width", "100"}, {"--write-json"},
	} {
		mustElt(t, dir, append(append([]string(nil), flag...), "run")...)
		mustElt(t, dir, append([]string{"run"}, flag...)...)
	}
	res := mustElt(t, dir, "--single-threaded", "run", "--threads", "4")
	wantAll(t, res.stdout, "Concurrency: 1 threads")
	t.Setenv("DBT_SINGLE_THREADED", "true")
	res = mustElt(t, dir, "run")
	wantAll(t, res.stdout, "Concurrency: 1 threads")
	t.Setenv("DBT_SINGLE_THREADED", "")

	// --printer-width: where the result lines end.
	line := func(out string) int {
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, " START sql ") {
				return len(l)
			}
		}
		return -1
	}
	narrow, wide := line(mustElt(t, dir, "run").stdout), line(mustElt(t, dir, "run", "--printer-width", "100").stdout)
	if wide-narrow != 20 {
		t.Errorf("--printer-width 100: START line %d long, want 20 more than the default's %d", wide, narrow)
	}
	if res := elt(t, dir, "run", "--printer-width", "0"); res.code != 2 || !strings.Contains(res.stderr, "at least 1") {
		t.Errorf("--printer-width 0: exit %d\n%s", res.code, res.stderr)
	}

	// --no-version-check: require-dbt-version is not checked.
	vdir := oneModel(t, "require-dbt-version: '>=99.0.0'\n")
	if res := elt(t, vdir, "run"); res.code != 2 || !strings.Contains(res.stderr, "this version of dbt is not supported") {
		t.Errorf("require-dbt-version >=99: exit %d\n%s", res.code, res.stderr)
	}
	mustElt(t, vdir, "--no-version-check", "run")

	for args, msg := range map[string]string{
		"--send-anonymous-usage-stats run": "elt never sends usage statistics",
		"run --record-timing-info t.prof":  "elt cannot write dbt's Python timing profile; set ELT_CPUPROFILE=t.prof",
		"-r t.prof run":                    "elt cannot write dbt's Python timing profile",
	} {
		res := elt(t, dir, strings.Fields(args)...)
		if res.code != 2 || !strings.Contains(res.stderr, msg) {
			t.Errorf("%s: exit %d, want 2 and %q\n%s", args, res.code, msg, res.stderr)
		}
	}
}
