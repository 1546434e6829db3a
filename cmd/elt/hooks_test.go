package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/elt-dev/elt/docs/schematest"
)

// hookRREntry is an entry of run_results.json, with what the hook tests
// look at.
type hookRREntry struct {
	UniqueID        string         `json:"unique_id"`
	Status          string         `json:"status"`
	Message         *string        `json:"message"`
	ThreadID        string         `json:"thread_id"`
	Failures        *int           `json:"failures"`
	ExecutionTime   float64        `json:"execution_time"`
	AdapterResponse map[string]any `json:"adapter_response"`
	Compiled        *bool          `json:"compiled"`
	CompiledCode    *string        `json:"compiled_code"`
	Timing          []struct {
		Name string `json:"name"`
	} `json:"timing"`
}

func orderedRunResults(t *testing.T, dir string) []hookRREntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []hookRREntry `json:"results"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Results
}

// wantLines fails t unless out has, in order, a line (without its time)
// matching each pattern, a regexp; a pattern is looked for after the line
// the one before it matched.
func wantLines(t *testing.T, out string, patterns ...string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	next := 0
	for _, p := range patterns {
		re := regexp.MustCompile(`^\d\d:\d\d:\d\d  ` + p + `$`)
		found := -1
		for i := next; i < len(lines); i++ {
			if re.MatchString(lines[i]) {
				found = i
				break
			}
		}
		if found < 0 {
			t.Errorf("no line matches %q after line %d in:\n%s", p, next, out)
			return
		}
		next = found + 1
	}
}

// TestProjectHookLinesAndResults: as dbt 1.10.9's safe_run_hooks, each
// on-run-start and on-run-end hook has a START line and an OK line (one
// whose SQL renders blank too), numbered among its hook type's, and a
// result in run_results.json; the stat line counts them as project hooks
// and orders the kinds by dbt's keys (task/printer.py get_counts).
func TestProjectHookLinesAndResults(t *testing.T) {
	dir := miniProject(t, "on-run-start:\n  - \"create table main.started as select 1 as x\"\n  - \"{{ '' }}\"\non-run-end:\n  - \"select 2\"\n")
	writeFile(t, dir, "seeds/s.csv", "a\n1\n")
	writeFile(t, dir, "models/v.sql", "select 1 as y\n")
	writeFile(t, dir, "models/t.sql", "{{ config(materialized='table') }} select 1 as y\n")
	writeFile(t, dir, "models/t.yml", "models:\n  - name: t\n    columns:\n      - name: y\n        data_tests: [not_null]\n")
	res := mustElt(t, dir, "build")
	wantLines(t, res.stdout,
		`Concurrency: 2 threads \(target='dev'\)`,
		``,
		`1 of 2 START hook: p\.on-run-start\.0 \.+ \[RUN\]`,
		`1 of 2 OK hook: p\.on-run-start\.0 \.+ \[OK in \d+\.\d\ds\]`,
		`2 of 2 START hook: p\.on-run-start\.1 \.+ \[RUN\]`,
		`2 of 2 OK hook: p\.on-run-start\.1 \.+ \[OK in \d+\.\d\ds\]`,
		``,
		`1 of 4 START .*`,
		`1 of 1 START hook: p\.on-run-end\.0 \.+ \[RUN\]`,
		`1 of 1 OK hook: p\.on-run-end\.0 \.+ \[OK in \d+\.\d\ds\]`,
		``,
		`Finished running 3 project hooks, 1 seed, 1 table model, 1 test, 1 view model in .*`,
		`Completed successfully`,
		`Done\. PASS=7 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=7`,
	)
	if strings.Contains(res.stdout, "Running 2 on-run-start hooks") {
		t.Errorf("dbt 1.10 prints no HooksRunning line:\n%s", res.stdout)
	}
	rr := orderedRunResults(t, dir)
	var ids []string
	for _, r := range rr {
		ids = append(ids, r.UniqueID)
	}
	if len(rr) != 7 || ids[0] != "operation.p.p-on-run-start-0" || ids[1] != "operation.p.p-on-run-start-1" || ids[6] != "operation.p.p-on-run-end-0" {
		t.Fatalf("run_results.json ids: %v", ids)
	}
	for i, want := range []struct{ message, code string }{
		{"p.on-run-start.0 passed", "create table main.started as select 1 as x"},
		{"p.on-run-start.1 passed", ""},
	} {
		r := rr[i]
		if r.Status != "success" || r.Message == nil || *r.Message != want.message || r.ThreadID != "main" ||
			r.Failures == nil || *r.Failures != 0 || len(r.AdapterResponse) != 0 ||
			r.Compiled == nil || !*r.Compiled || r.CompiledCode == nil || *r.CompiledCode != want.code ||
			len(r.Timing) != 2 || r.Timing[0].Name != "compile" || r.Timing[1].Name != "execute" {
			t.Errorf("result %s: %+v", r.UniqueID, r)
		}
	}
}

// TestProjectHookFailureSkipsTheRest: as dbt's, a hook whose statement
// fails is an error result (its message says so), the hooks after it are
// skipped with a SKIP line, the nodes still run (the run fails), the
// summary lists the hook's failure and counts the skipped hook among its
// errors, and on-run-end's results hold the failed hook.
func TestProjectHookFailureSkipsTheRest(t *testing.T) {
	dir := miniProject(t, `on-run-start:
  - "create table main.my_hook_table ( id int )"
  - "drop table main.my_hook_table"
  - "insert into main.my_hook_table (id) values (1)"
  - "create table main.my_hook_table ( id int )"
on-run-end:
  - "{{ log('results in context: ' ~ results|length ~ ' first ' ~ results[0].node.unique_id ~ ' ' ~ results[0].thread_id, info=true) }}"
`)
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	res := elt(t, dir, "run")
	if res.code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s%s", res.code, exitFailed, res.stdout, res.stderr)
	}
	wantLines(t, res.stdout,
		`3 of 4 START hook: p\.on-run-start\.2 \.+ \[RUN\]`,
		`3 of 4 ERROR hook: p\.on-run-start\.2 \.+ \[ERROR in \d+\.\d\ds\]`,
		`4 of 4 SKIP hook: p\.on-run-start\.3 \.+ \[SKIP in 0\.00s\]`,
		`1 of 1 OK created sql view model main\.a .*`,
		`results in context: 2 first operation\.p\.p-on-run-start-2 main`,
		`1 of 1 OK hook: p\.on-run-end\.0 .*`,
		`Finished running 5 project hooks, 1 view model in .*`,
		`Completed with 2 errors, 0 partial successes, and 0 warnings:`,
		`Failure in operation p-on-run-start-2 \(\./dbt_project\.yml\)`,
		`  p\.on-run-start\.2 failed, error:`,
		`  compiled code at target/compiled/p/\./dbt_project\.yml/hooks/p-on-run-start-2\.sql`,
		`Done\. PASS=4 WARN=0 ERROR=1 SKIP=1 NO-OP=0 TOTAL=6`,
	)
	if strings.Contains(res.stdout, "START hook: p.on-run-start.3") {
		t.Errorf("a skipped hook has no START line:\n%s", res.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "target/compiled/p/dbt_project.yml/hooks/p-on-run-start-2.sql")); err != nil {
		t.Errorf("the failed hook's compiled file: %v", err)
	}
	rr := orderedRunResults(t, dir)
	want := []string{
		"operation.p.p-on-run-start-0 success", "operation.p.p-on-run-start-1 success",
		"operation.p.p-on-run-start-2 error", "operation.p.p-on-run-start-3 skipped",
		"model.p.a success", "operation.p.p-on-run-end-0 success",
	}
	var got []string
	for _, r := range rr {
		got = append(got, r.UniqueID+" "+r.Status)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("run_results.json: got %v, want %v", got, want)
	}
	// The message is dbt's get_execution_status's: the exception's msg,
	// DuckDB's message alone.
	if m := rr[2].Message; m == nil || !strings.HasPrefix(*m, "p.on-run-start.2 failed, error:\n Catalog Error: Table with name my_hook_table does not exist!") || *rr[2].Failures != 1 {
		t.Errorf("failed hook's result: %+v", rr[2])
	}
	if s := rr[3]; s.Message == nil || *s.Message != "p.on-run-start.3 skipped" || *s.Failures != 1 || len(s.Timing) != 0 || *s.Compiled || s.CompiledCode != nil || s.ExecutionTime != 0 {
		t.Errorf("skipped hook's result: %+v", s)
	}
}

// TestSkipNodesAfterFailedHookLines: with skip_nodes_if_on_run_start_fails
// the nodes are skipped, each with dbt's SKIP line, and still counted.
func TestSkipNodesAfterFailedHookLines(t *testing.T) {
	dir := miniProject(t, "flags:\n  skip_nodes_if_on_run_start_fails: true\non-run-start:\n  - \"select * from no_such_table\"\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	res := elt(t, dir, "run")
	if res.code != exitFailed {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantLines(t, res.stdout,
		`1 of 1 ERROR hook: p\.on-run-start\.0 .*`,
		``,
		`1 of 1 SKIP relation main\.a \.+ \[SKIP\]`,
		`Finished running 1 project hook, 1 view model in .*`,
		`Completed with 1 error, 0 partial successes, and 0 warnings:`,
		`Done\. PASS=0 WARN=0 ERROR=1 SKIP=1 NO-OP=0 TOTAL=2`,
	)
	var got []string
	for _, r := range orderedRunResults(t, dir) {
		got = append(got, r.UniqueID+" "+r.Status)
	}
	if strings.Join(got, ",") != "operation.p.p-on-run-start-0 error,model.p.a skipped" {
		t.Errorf("run_results.json: %v", got)
	}
}

// TestOnRunEndHookThatDoesNotRender: as dbt's after_run, run_results.json
// holds what ran, the end messages are those after an interrupt, the stat
// line comes last, and the error ends the invocation (exit 2). The hook
// raises only when executing, as in dbt's test: its node is rendered
// while parsing too.
func TestOnRunEndHookThatDoesNotRender(t *testing.T) {
	dir := miniProject(t, "on-run-end:\n  - \"select 1\"\n  - \"{% if execute %}{{ exceptions.raise_compiler_error('Always raise a compiler error in execute') }}{% endif %}\"\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	res := elt(t, dir, "run")
	if res.code != exitUsage || !strings.Contains(res.stderr, "Always raise a compiler error in execute") {
		t.Fatalf("exit %d, want %d with the error\n%s%s", res.code, exitUsage, res.stdout, res.stderr)
	}
	wantLines(t, res.stdout,
		`1 of 2 OK hook: p\.on-run-end\.0 .*`,
		``,
		`Exited because of keyboard interrupt`,
		`Done\. PASS=2 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=2`,
		``,
		`Finished running 1 project hook, 1 view model in .*`,
	)
	if strings.Contains(res.stdout, "p.on-run-end.1") {
		t.Errorf("a hook that did not render has no line:\n%s", res.stdout)
	}
	var got []string
	for _, r := range orderedRunResults(t, dir) {
		got = append(got, r.UniqueID+" "+r.Status)
	}
	if strings.Join(got, ",") != "model.p.a success,operation.p.p-on-run-end-0 success" {
		t.Errorf("run_results.json: %v", got)
	}
}

// TestProjectHookJSONEvents: --log-format json carries the hook lines as
// dbt's LogHookStartLine and LogHookEndLine events, with their fields.
func TestProjectHookJSONEvents(t *testing.T) {
	dir := miniProject(t, "on-run-start:\n  - \"select 1\"\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	res := mustElt(t, dir, "run", "--log-format", "json")
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		var ev struct {
			Info struct{ Name, Msg, Level string }
			Data map[string]any
		}
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if !strings.HasPrefix(ev.Info.Name, "LogHook") {
			continue
		}
		names = append(names, ev.Info.Name)
		info, _ := ev.Data["node_info"].(map[string]any)
		if ev.Data["statement"] != "p.on-run-start.0" || ev.Data["index"] != 1.0 || ev.Data["total"] != 1.0 ||
			info["unique_id"] != "operation.p.p-on-run-start-0" || info["resource_type"] != "operation" || ev.Info.Level != "info" {
			t.Errorf("%s: %s", ev.Info.Name, l)
		}
		if ev.Info.Name == "LogHookEndLine" && (ev.Data["status"] != "success" || ev.Data["execution_time"] == nil) {
			t.Errorf("end event: %s", l)
		}
	}
	if strings.Join(names, ",") != "LogHookStartLine,LogHookEndLine" {
		t.Errorf("hook events: %v\n%s", names, res.stdout)
	}
}

// TestStatLineKinds: dbt's stat line names a kind by its key when one ran
// and by NodeType's plural otherwise ("data tests"), in key order.
func TestStatLineKinds(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{1, "1 table model, 1 test, 2 view models"},
		{2, "1 table model, 2 data tests, 2 view models"},
	} {
		dir := miniProject(t, "")
		writeFile(t, dir, "models/v.sql", "select 1 as y\n")
		writeFile(t, dir, "models/w.sql", "select 1 as y\n")
		writeFile(t, dir, "models/t.sql", "{{ config(materialized='table') }} select 1 as y\n")
		tests := "[not_null]"
		if tc.n == 2 {
			tests = "[not_null, unique]"
		}
		writeFile(t, dir, "models/t.yml", "models:\n  - name: t\n    columns:\n      - name: y\n        data_tests: "+tests+"\n")
		res := mustElt(t, dir, "build")
		wantLines(t, res.stdout, `Finished running `+regexp.QuoteMeta(tc.want)+` in .*`)
	}
}

// TestRetryLeavesHooksOut: as dbt's retry, a failed project hook in
// run_results.json is no node to retry: with the nodes all built there is
// nothing to do again.
func TestRetryLeavesHooksOut(t *testing.T) {
	dir := miniProject(t, "on-run-end:\n  - \"select * from no_such_table\"\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	if res := elt(t, dir, "run"); res.code != exitFailed {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res := mustElt(t, dir, "retry")
	if !strings.Contains(res.stdout, "Nothing to do.") {
		t.Errorf("retry after a failed hook:\n%s%s", res.stdout, res.stderr)
	}
}

// TestPackageHookNumbering: as dbt's (task/run.py _hook_keyfunc and
// BiggestName), the hooks of a type run the root project's first, then
// installed packages' by name; a log line names a hook by its
// position among them all, its unique_id by its place in its project.
func TestPackageHookNumbering(t *testing.T) {
	dir := miniProject(t, "on-run-start:\n  - \"select 'root'\"\n")
	writeFile(t, dir, "dbt_packages/pk/dbt_project.yml", "name: pk\non-run-start:\n  - \"select 'pk0'\"\n  - \"select 'pk1'\"\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	res := mustElt(t, dir, "run")
	wantLines(t, res.stdout,
		`1 of 3 OK hook: p\.on-run-start\.0 .*`,
		`2 of 3 OK hook: pk\.on-run-start\.1 .*`,
		`3 of 3 OK hook: pk\.on-run-start\.2 .*`,
	)
	var got []string
	for _, r := range orderedRunResults(t, dir)[:3] {
		got = append(got, r.UniqueID+" "+*r.Message)
	}
	want := "operation.p.p-on-run-start-0 p.on-run-start.0 passed,operation.pk.pk-on-run-start-0 pk.on-run-start.1 passed,operation.pk.pk-on-run-start-1 pk.on-run-start.2 passed"
	if strings.Join(got, ",") != want {
		t.Errorf("run_results.json: %v", got)
	}
	// The manifest written after the run holds each hook's place in it.
	nodes := readManifest(t, dir)["nodes"].(map[string]any)
	for id, index := range map[string]float64{"operation.p.p-on-run-start-0": 1, "operation.pk.pk-on-run-start-1": 3} {
		if n, _ := nodes[id].(map[string]any); n == nil || n["index"] != index {
			t.Errorf("manifest.json %s: index %v, want %v", id, n["index"], index)
		}
	}
}

// TestProjectHookNodesInManifest: as dbt's hook parser (parser/hooks.py),
// every on-run-start and on-run-end statement of the root project and of
// an installed package is an operation node of manifest.json, rendered
// while parsing for its refs and macros, configured by models:, tagged
// with its hook type and counted in the Found line; it is never listed or
// selected (ls's resource types have no operation).
func TestProjectHookNodesInManifest(t *testing.T) {
	project := "models:\n  +tags: [nightly]\non-run-start:\n  - \"select 1\"\n  - \"{{ grant_all() }}\"\non-run-end: \"select count(*) from {{ ref('a') }}\"\n"
	dir := miniProject(t, project)
	writeFile(t, dir, "macros/grant_all.sql", "{% macro grant_all() %}select 2{% endmacro %}\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "dbt_packages/pk/dbt_project.yml", "name: pk\non-run-start: \"select 'pk'\"\n")
	res := mustElt(t, dir, "parse")
	wantLines(t, res.stdout, `Found 1 model, 4 operations, \d+ macros`)

	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Nodes     map[string]json.RawMessage `json:"nodes"`
		ParentMap map[string][]string        `json:"parent_map"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	type hookNode struct {
		ResourceType     string   `json:"resource_type"`
		PackageName      string   `json:"package_name"`
		Path             string   `json:"path"`
		OriginalFilePath string   `json:"original_file_path"`
		FQN              []string `json:"fqn"`
		RawCode          string   `json:"raw_code"`
		Tags             []string `json:"tags"`
		Index            *int     `json:"index"`
		Checksum         struct {
			Name, Checksum string
		} `json:"checksum"`
		Config struct {
			Tags         []string `json:"tags"`
			Materialized string   `json:"materialized"`
		} `json:"config"`
		DependsOn struct {
			Macros []string `json:"macros"`
			Nodes  []string `json:"nodes"`
		} `json:"depends_on"`
	}
	root := sha256.Sum256([]byte(strings.TrimSpace("name: p\nprofile: p\n" + project)))
	for _, want := range []struct {
		id, pkg, raw, which string
		index               int
		macros, nodes       []string
	}{
		{"operation.p.p-on-run-start-0", "p", "select 1", "on-run-start", 0, nil, nil},
		{"operation.p.p-on-run-start-1", "p", "{{ grant_all() }}", "on-run-start", 1, []string{"macro.p.grant_all"}, nil},
		{"operation.p.p-on-run-end-0", "p", "select count(*) from {{ ref('a') }}", "on-run-end", 0, nil, []string{"model.p.a"}},
		{"operation.pk.pk-on-run-start-0", "pk", "select 'pk'", "on-run-start", 0, nil, nil},
	} {
		raw, ok := m.Nodes[want.id]
		if !ok {
			t.Errorf("manifest.json has no node %s", want.id)
			continue
		}
		if err := schematest.ValidateManifestHookNode(raw); err != nil {
			t.Errorf("%s: %v", want.id, err)
		}
		var n hookNode
		if err := json.Unmarshal(raw, &n); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(want.id, "operation."+want.pkg+".")
		// The root project's models: config reaches a package's hooks too.
		tags := []string{want.which, "nightly"}
		if n.ResourceType != "operation" || n.PackageName != want.pkg || n.Path != "hooks/"+name+".sql" ||
			n.OriginalFilePath != "./dbt_project.yml" || strings.Join(n.FQN, ".") != want.pkg+".hooks."+name ||
			n.RawCode != want.raw || n.Index == nil || *n.Index != want.index || strings.Join(n.Tags, ",") != strings.Join(tags, ",") ||
			n.Config.Materialized != "view" || strings.Join(n.Config.Tags, ",") != strings.Join(tags[1:], ",") ||
			strings.Join(n.DependsOn.Macros, ",") != strings.Join(want.macros, ",") ||
			strings.Join(n.DependsOn.Nodes, ",") != strings.Join(want.nodes, ",") {
			t.Errorf("%s: %s", want.id, raw)
		}
		if want.pkg == "p" && (n.Checksum.Name != "sha256" || n.Checksum.Checksum != hex.EncodeToString(root[:])) {
			t.Errorf("%s: checksum %+v, want the stripped dbt_project.yml's", want.id, n.Checksum)
		}
	}
	if got := m.ParentMap["operation.p.p-on-run-end-0"]; strings.Join(got, ",") != "model.p.a" {
		t.Errorf("parent_map of the on-run-end hook: %v", got)
	}
	for _, args := range [][]string{{"ls"}, {"ls", "--resource-type", "all"}, {"ls", "-s", "tag:on-run-start"}} {
		if res := mustElt(t, dir, args...); strings.Contains(res.stdout, "on-run") {
			t.Errorf("elt %s lists a hook:\n%s", strings.Join(args, " "), res.stdout)
		}
	}
	// The selector matches the hooks, which ls leaves out: no node is
	// listed, but no criterion went unmatched either.
	if res := mustElt(t, dir, "ls", "-s", "tag:on-run-start"); strings.Contains(res.stdout, "does not match") {
		t.Errorf("tag:on-run-start matches the hook nodes in dbt:\n%s", res.stdout)
	}
}

// TestProjectHookRenderedWhileParsing: as dbt's, a hook's node is
// rendered while parsing, so a hook that raises outside `execute` stops
// the parse, naming dbt_project.yml and the hook.
func TestProjectHookRenderedWhileParsing(t *testing.T) {
	dir := miniProject(t, "on-run-end:\n  - \"select 1\"\n  - \"{{ exceptions.raise_compiler_error('no hooks here') }}\"\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	res := elt(t, dir, "parse")
	if res.code != exitUsage || !strings.Contains(res.stderr, "dbt_project.yml: on-run-end hook 2: no hooks here") {
		t.Fatalf("exit %d, want %d naming the hook\n%s%s", res.code, exitUsage, res.stdout, res.stderr)
	}
}

// TestSeedHookRefRefused: a seed's hook that calls ref() stops the
// parse, as dbt's SeedNode refuses implicit dependencies.
func TestSeedHookRefRefused(t *testing.T) {
	dir := miniProject(t, "seeds:\n  +post-hook: [\"select * from {{ ref('m') }}\"]\n")
	writeFile(t, dir, "seeds/s.csv", "id\n1\n")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	res := elt(t, dir, "parse")
	if want := "seeds/s.csv: Seeds cannot depend on other nodes."; res.code != 2 || !strings.Contains(res.stdout+res.stderr, want) {
		t.Errorf("exit %d, want %q:\n%s%s", res.code, want, res.stdout, res.stderr)
	}
}

// TestProjectHooksCompiledAsDBT: dbt's compile selects the hooks'
// operation nodes (EXECUTABLE_NODE_TYPES), so they are compiled: their
// code in manifest.json with compiled_path
// target/compiled/<package>/./dbt_project.yml/hooks/<name>.sql (dbt's
// get_target_write_path), the file there, and a result in
// run_results.json; a --select that names no hook leaves them be. After a
// run the manifest's hook nodes are compiled as dbt's safe_run_hooks
// leaves them, each with its place in the run as index, from 1.
func TestProjectHooksCompiledAsDBT(t *testing.T) {
	project := "on-run-start:\n  - \"select 1\"\n  - \"{{ grant_all() }}\"\non-run-end: \"select count(*) from {{ ref('a') }}\"\n"
	dir := miniProject(t, project)
	writeFile(t, dir, "macros/grant_all.sql", "{% macro grant_all() %}select 2{% endmacro %}\n")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	type hookNode struct {
		Compiled     bool    `json:"compiled"`
		CompiledCode *string `json:"compiled_code"`
		CompiledPath *string `json:"compiled_path"`
		Index        int     `json:"index"`
	}
	hooks := func(t *testing.T) map[string]hookNode {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Nodes map[string]json.RawMessage `json:"nodes"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		out := map[string]hookNode{}
		for id, raw := range m.Nodes {
			if !strings.HasPrefix(id, "operation.") {
				continue
			}
			if err := schematest.ValidateManifestHookNode(raw); err != nil {
				t.Errorf("%s: %v", id, err)
			}
			var n hookNode
			if err := json.Unmarshal(raw, &n); err != nil {
				t.Fatal(err)
			}
			out[id] = n
		}
		return out
	}
	type want struct {
		id, code string
		index    int
	}
	check := func(t *testing.T, got map[string]hookNode, wants []want) {
		t.Helper()
		for _, w := range wants {
			n := got[w.id]
			name := strings.TrimPrefix(w.id, "operation.p.")
			if !n.Compiled || n.CompiledCode == nil || *n.CompiledCode != w.code || n.Index != w.index ||
				n.CompiledPath == nil || *n.CompiledPath != "target/compiled/p/./dbt_project.yml/hooks/"+name+".sql" {
				t.Errorf("%s: %+v (code %v, path %v), want code %q, index %d", w.id, n, strOrNil(n.CompiledCode), strOrNil(n.CompiledPath), w.code, w.index)
			}
			b, err := os.ReadFile(filepath.Join(dir, "target/compiled/p/dbt_project.yml/hooks", name+".sql"))
			if err != nil || string(b) != w.code {
				t.Errorf("%s: compiled file %q (%v), want %q", w.id, b, err, w.code)
			}
		}
	}
	t.Run("compile", func(t *testing.T) {
		mustElt(t, dir, "compile")
		check(t, hooks(t), []want{
			{"operation.p.p-on-run-start-0", "select 1", 0},
			{"operation.p.p-on-run-start-1", "select 2", 1},
			{"operation.p.p-on-run-end-0", `select count(*) from "p"."main"."a"`, 0},
		})
		b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
		if err != nil || !strings.Contains(string(b), `"unique_id":"operation.p.p-on-run-start-1"`) {
			t.Errorf("run_results.json has no result for the hook (%v):\n%s", err, b)
		}
	})
	t.Run("compile a selection", func(t *testing.T) {
		os.RemoveAll(filepath.Join(dir, "target"))
		mustElt(t, dir, "compile", "-s", "a")
		for id, n := range hooks(t) {
			if n.Compiled {
				t.Errorf("%s compiled, though not selected", id)
			}
		}
	})
	t.Run("run", func(t *testing.T) {
		mustElt(t, dir, "run")
		check(t, hooks(t), []want{
			{"operation.p.p-on-run-start-0", "select 1", 1},
			{"operation.p.p-on-run-start-1", "select 2", 2},
			{"operation.p.p-on-run-end-0", `select count(*) from "p"."main"."a"`, 1},
		})
	})
}

func strOrNil(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
