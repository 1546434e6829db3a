package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// starterProject scaffolds the `elt init` project into a temp folder and
// returns its path; the DuckDB file lands inside it.
func starterProject(t *testing.T) string {
	t.Helper()
	work := t.TempDir()
	res := elt(t, work, "init", "demo")
	if res.code != 0 {
		t.Fatalf("init: exit %d: %s%s", res.code, res.stdout, res.stderr)
	}
	return filepath.Join(work, "demo")
}

func writeFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// wantAll fails t for each of wants that out lacks.
func wantAll(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("lacks %q:\n%s", w, out)
		}
	}
}

// wantNone fails t for each of nots that out holds.
func wantNone(t *testing.T, out string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(out, n) {
			t.Errorf("holds %q:\n%s", n, out)
		}
	}
}

func TestInitThenBuild(t *testing.T) {
	dir := starterProject(t)
	res := elt(t, dir, "build")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout, "OK loaded seed file main.raw_people", "OK created sql view model main.people", "OK created sql table model main.people_per_city", "PASS unique_people_id", "Done. PASS=8 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=8")
	_, rows := relationRows(t, openDB(t, filepath.Join(dir, "demo.duckdb")), "main.people_per_city")
	if got := strings.Join(flat(rows), ","); got != "BOSTON,1,HELSINKI,1,LONDON,1,NEW YORK,1" {
		t.Errorf("people_per_city = %s", got)
	}
	for _, f := range []string{"target/manifest.json", "target/run_results.json", "target/compiled/demo/models/example/people.sql", "target/run/demo/models/example/people.sql"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
}

func flat(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// TestBadInput: every bad input gets a message naming the file and line, a
// hint where one helps, and the documented exit code.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
		args  []string
		code  int
		want  []string // substrings of stdout+stderr
	}{
		{
			name: "malformed properties YAML",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "models/example/schema.yml", "version: 2\nmodels:\n  - name: people\n    columns:\n     - name: id\n    - bad\n")
			},
			code: 2, want: []string{"models/example/schema.yml:6", "hint:"},
		},
		{
			name: "malformed dbt_project.yml",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "dbt_project.yml", "name: demo\nprofile: demo\nmodels:\n  demo:\n   +materialized: view\n  - x\n")
			},
			code: 2, want: []string{"dbt_project.yml:", "hint:"},
		},
		{
			name: "unknown ref",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "models/example/people_per_city.sql", "select city\n\nfrom {{ ref('peeple') }}\n")
			},
			code: 2, want: []string{"models/example/people_per_city.sql:3", "peeple", "did you mean 'people'"},
		},
		{
			name: "unknown ref inside a snapshot block",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "snapshots/s.sql", "-- history\n\n{% snapshot s1 %}\n{{ config(unique_key='id', strategy='check', check_cols='all') }}\nselect * from {{ ref('nope') }}\n{% endsnapshot %}\n")
			},
			code: 2, want: []string{"snapshots/s.sql:5", "depends on a node named 'nope' which was not found"},
		},
		{
			name: "undeclared source",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "models/example/src.sql", "-- raw data\nselect * from {{ source('raw', 'events') }}\n")
			},
			code: 2, want: []string{"models/example/src.sql:2", "depends on a source named 'raw.events' which was not found", "hint:"},
		},
		{
			name: "duplicate model names",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "models/other/people.sql", "select 1 as id\n")
			},
			code: 2, want: []string{"models/example/people.sql", "models/other/people.sql", "people"},
		},
		{
			name: "Jinja syntax error",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "models/example/broken.sql", "select 1 as a\n{% if true %}\nselect 2\n")
			},
			// Jinja2 (and so dbt) reports an unclosed block at the line of
			// the template's last token.
			code: 2, want: []string{"models/example/broken.sql:2", "Jinja", "'if'"},
		},
		{
			name: "dependency cycle",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "models/example/people.sql", "select * from {{ ref('people_per_city') }}\n")
			},
			code: 2, want: []string{"Found a cycle: model.demo.people", "model.demo.people_per_city", "models/example/people.sql"},
		},
		{
			name: "SQL error at run time",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "models/example/people.sql", "select\n    id,\n    nme\nfrom {{ ref('raw_people') }}\n")
			},
			// The static checks would stop the build first (next case).
			args: []string{"build", "--no-check"},
			code: 1, want: []string{"models/example/people.sql:3", "nme", "ERROR creating sql view model main.people", "SKIP relation main.people_per_city"},
		},
		{
			name: "unknown column found before the run",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "models/example/people.sql", "select\n    id,\n    nme\nfrom {{ ref('raw_people') }}\n")
			},
			code: 1, want: []string{"models/example/people.sql:3:5: column nme is not a column of raw_people", "hint: did you mean name?", "--no-check skips the checks"},
		},
		{
			name:  "missing profile",
			setup: func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "profiles.yml")) },
			code:  2, want: []string{"profiles.yml", "hint:"},
		},
		{
			name:  "missing target",
			setup: func(t *testing.T, dir string) {},
			args:  []string{"build", "--target", "prod"},
			code:  2, want: []string{"profiles.yml", "prod", "dev"},
		},
		{
			name: "bad CSV",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "seeds/raw_people.csv", "id,name,city\n1,Ada,London\n2,\"Grace,NY\n3,Linus,Helsinki\n")
			},
			code: 1, want: []string{"seeds/raw_people.csv:3", "ERROR creating seed file main.raw_people"},
		},
		{
			name:  "unknown selector method",
			setup: func(t *testing.T, dir string) {},
			args:  []string{"build", "--select", "colour:red"},
			code:  2, want: []string{"colour"},
		},
		{
			name:  "bad --vars",
			setup: func(t *testing.T, dir string) {},
			args:  []string{"build", "--vars", "{unclosed"},
			code:  2, want: []string{"--vars"},
		},
		{
			name: "failing data test",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "tests/no_ada.sql", "select * from {{ ref('people') }} where name = 'Ada'\n")
			},
			code: 1, want: []string{"FAIL 1 no_ada", "Failure in test no_ada (tests/no_ada.sql)", "ERROR=1"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := starterProject(t)
			tc.setup(t, dir)
			args := tc.args
			if args == nil {
				args = []string{"build"}
			}
			res := elt(t, dir, args...)
			all := res.stdout + res.stderr
			if res.code != tc.code {
				t.Errorf("exit code: got %d, want %d\n%s", res.code, tc.code, all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
			if strings.Contains(all, "panic") || strings.Contains(all, "goroutine ") {
				t.Errorf("output shows a crash:\n%s", all)
			}
		})
	}
}

// TestFailedModelKeepsPreviousTable: a model whose SQL fails at run time
// leaves the previous table and its rows in place.
func TestFailedModelKeepsPreviousTable(t *testing.T) {
	dir := starterProject(t)
	if res := elt(t, dir, "build"); res.code != 0 {
		t.Fatalf("first build: %d\n%s", res.code, res.stdout)
	}
	writeFile(t, dir, "models/example/people_per_city.sql", "{{ config(materialized='table') }}\nselect city, cast('not a number' as integer) as people\nfrom {{ ref('people') }}\n")
	res := elt(t, dir, "run", "--select", "people_per_city")
	if res.code != 1 {
		t.Fatalf("failing run: exit %d, want 1\n%s", res.code, res.stdout)
	}
	if !strings.Contains(res.stdout, "Conversion Error") {
		t.Errorf("the warehouse error is not shown:\n%s", res.stdout)
	}
	db := openDB(t, filepath.Join(dir, "demo.duckdb"))
	header, rows := relationRows(t, db, "main.people_per_city")
	if strings.Join(header, ",") != "city,people" || len(rows) != 4 || rows[0][1] != "1" {
		t.Errorf("previous table changed: %v %v", header, rows)
	}
	var leftovers int
	if err := db.QueryRow(`select count(*) from information_schema.tables where table_name like '%elt_tmp%'`).Scan(&leftovers); err != nil {
		t.Fatal(err)
	}
	if leftovers != 0 {
		t.Errorf("%d temporary tables left behind", leftovers)
	}
}

func TestSelectionRunsOnlyWhatIsAsked(t *testing.T) {
	dir := starterProject(t)
	if res := elt(t, dir, "seed"); res.code != 0 || !strings.Contains(res.stdout, "TOTAL=1") {
		t.Fatalf("seed: %d\n%s", res.code, res.stdout)
	}
	// The singular test every_person_counted reads people and people_per_city:
	// with cautious indirect selection it is left out when only people is selected.
	res := elt(t, dir, "build", "--select", "people", "--indirect-selection", "cautious")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	if strings.Contains(res.stdout, "people_per_city") {
		t.Errorf("people_per_city ran though only people was selected:\n%s", res.stdout)
	}
	if !strings.Contains(res.stdout, "PASS unique_people_id") || !strings.Contains(res.stdout, "TOTAL=3") {
		t.Errorf("people's tests did not run:\n%s", res.stdout)
	}
	res = elt(t, dir, "run", "--select", "+people_per_city", "--exclude", "people_per_city")
	if res.code != 0 || !strings.Contains(res.stdout, "TOTAL=1") {
		t.Errorf("run +people_per_city --exclude people_per_city: exit %d\n%s", res.code, res.stdout)
	}
	if res = elt(t, dir, "run"); res.code != 0 {
		t.Fatalf("run: exit %d\n%s", res.code, res.stdout)
	}
	res = elt(t, dir, "test")
	if res.code != 0 || !strings.Contains(res.stdout, "TOTAL=5") {
		t.Errorf("test: exit %d\n%s", res.code, res.stdout)
	}
}

func TestListCompileDebugClean(t *testing.T) {
	dir := starterProject(t)
	res := elt(t, dir, "ls", "--resource-type", "model", "--output", "name")
	if res.code != 0 || res.stdout != "people\npeople_per_city\n" {
		t.Errorf("ls names: exit %d %q %s", res.code, res.stdout, res.stderr)
	}
	res = elt(t, dir, "ls", "--select", "people", "--output", "path")
	if res.code != 0 || !strings.Contains(res.stdout, "models/example/people.sql\n") || !strings.Contains(res.stdout, "models/example/schema.yml") {
		t.Errorf("ls paths: %q", res.stdout)
	}
	res = elt(t, dir, "ls", "--resource-type", "seed")
	if res.stdout != "demo.raw_people\n" {
		t.Errorf("ls selector: %q", res.stdout)
	}
	res = elt(t, dir, "ls", "--resource-type", "model", "--output", "json")
	var n struct {
		Name         string `json:"name"`
		UniqueID     string `json:"unique_id"`
		ResourceType string `json:"resource_type"`
	}
	line := strings.SplitN(res.stdout, "\n", 2)[0]
	if err := json.Unmarshal([]byte(line), &n); err != nil || n.UniqueID != "model.demo.people" || n.ResourceType != "model" {
		t.Errorf("ls json: %v %q", err, line)
	}

	res = elt(t, dir, "compile", "--select", "people")
	if res.code != 0 || !strings.Contains(res.stdout, `upper(city) as city`) || !strings.Contains(res.stdout, `from "demo"."main"."raw_people"`) {
		t.Errorf("compile: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "demo", "models", "example", "people.sql"))
	if err != nil || !strings.Contains(string(b), `"demo"."main"."raw_people"`) {
		t.Errorf("compiled file: %v %s", err, b)
	}

	res = elt(t, dir, "debug")
	if res.code != 0 || !strings.Contains(res.stdout, "Connection test: [OK connection ok]") || !strings.Contains(res.stdout, "type: duckdb") {
		t.Errorf("debug: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// dbt's debug names the files it read (task/debug.py), lines CI logs
	// are searched for (dbt's profiles/test_profile_dir.py does).
	for _, want := range []string{
		"Using profiles dir at " + dir + "\n",
		"Using profiles.yml file at " + filepath.Join(dir, "profiles.yml") + "\n",
		"Using dbt_project.yml file at " + filepath.Join(dir, "dbt_project.yml") + "\n",
		"adapter type: duckdb\n",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("debug: no %q in\n%s", want, res.stdout)
		}
	}

	res = elt(t, dir, "clean")
	if res.code != 0 {
		t.Errorf("clean: exit %d %s", res.code, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "target")); !os.IsNotExist(err) {
		t.Errorf("target/ still exists after clean")
	}

	res = elt(t, dir, "--version")
	if res.code != 0 || !strings.HasPrefix(res.stdout, "elt version ") {
		t.Errorf("--version: %q", res.stdout)
	}
	res = elt(t, dir, "frobnicate")
	if res.code != 2 {
		t.Errorf("unknown command: exit %d, want 2", res.code)
	}
}

// TestJSONLogFormat: --log-format json writes dbt's events with dbt's
// keys, as dagster-dbt and OpenLineage's dbt-ol read them: every info has
// dbt's ten fields; each node has NodeStart and NodeFinished (debug, with
// node_info and run_result) around its runner's START and result lines
// (LogStartLine, LogModelResult, LogTestResult, LogSeedResult, ...);
// node_info has dbt's keys; the run ends with EndOfRunSummary, StatsLine
// and CommandCompleted.
func TestJSONLogFormat(t *testing.T) {
	dir := starterProject(t)
	res := elt(t, dir, "build", "--log-format", "json", "--log-level", "debug")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	type event struct {
		Info map[string]any `json:"info"`
		Data map[string]any `json:"data"`
	}
	infoKeys := "category code extra invocation_id level msg name pid thread ts"
	nodeInfoKeys := "materialized meta node_checksum node_finished_at node_name node_path node_relation node_started_at node_status resource_type unique_id"
	keys := func(m map[string]any) string {
		ks := make([]string, 0, len(m))
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return strings.Join(ks, " ")
	}
	var events []event
	count := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		var ev event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		if got := keys(ev.Info); got != infoKeys {
			t.Fatalf("info keys: want %s\n got %s\n%s", infoKeys, got, line)
		}
		name := ev.Info["name"].(string)
		count[name]++
		if ni, ok := ev.Data["node_info"].(map[string]any); ok {
			if got := keys(ni); got != nodeInfoKeys {
				t.Errorf("%s node_info keys: want %s\n got %s", name, nodeInfoKeys, got)
			}
		}
		events = append(events, ev)
	}
	codes := map[string]string{"MainReportVersion": "A001", "MainReportArgs": "A002", "FoundStats": "W006", "Formatting": "Z017", "ConcurrencyLine": "Q027",
		"NodeStart": "Q024", "LogStartLine": "Q011", "LogModelResult": "Q012", "LogTestResult": "Q007", "LogSeedResult": "Q016",
		"NodeFinished": "Q025", "FinishedRunningStats": "E047", "EndRunResult": "Q037", "EndOfRunSummary": "Z030", "StatsLine": "Z023", "CommandCompleted": "Q039"}
	startedAt := map[string]any{} // node_started_at of each node's NodeStart
	for _, ev := range events {
		name := ev.Info["name"].(string)
		if ni, ok := ev.Data["node_info"].(map[string]any); ok {
			id := ni["unique_id"]
			if name == "NodeStart" {
				startedAt[id.(string)] = ni["node_started_at"]
			} else if ni["node_started_at"] != startedAt[id.(string)] {
				t.Errorf("%s of %s: node_started_at %v, but its NodeStart said %v", name, id, ni["node_started_at"], startedAt[id.(string)])
			}
		}
		if want, ok := codes[name]; ok && ev.Info["code"] != want {
			t.Errorf("%s: code %v, want %s", name, ev.Info["code"], want)
		}
		switch name {
		case "NodeStart", "NodeFinished", "CommandCompleted":
			if ev.Info["level"] != "debug" {
				t.Errorf("%s at level %v, want debug", name, ev.Info["level"])
			}
		}
		ni, _ := ev.Data["node_info"].(map[string]any)
		switch name {
		case "NodeStart":
			if ni["node_status"] != "started" || ni["node_started_at"] == "" || ni["node_finished_at"] != "" ||
				ev.Info["msg"] != "Began running node "+ni["unique_id"].(string) || !strings.HasPrefix(ev.Info["thread"].(string), "Thread-") {
				t.Errorf("NodeStart: %+v", ev)
			}
		case "NodeFinished":
			rr, _ := ev.Data["run_result"].(map[string]any)
			if ni["node_status"] != "success" && ni["node_status"] != "pass" || ni["node_finished_at"] == "" || rr == nil ||
				rr["status"] != ni["node_status"] || ev.Info["msg"] != "Finished running node "+ni["unique_id"].(string) {
				t.Errorf("NodeFinished: %+v", ev)
			}
		case "LogStartLine":
			if ev.Data["index"] == nil || ev.Data["total"] == nil || ev.Data["description"] == nil || !strings.Contains(ev.Info["msg"].(string), " START ") {
				t.Errorf("LogStartLine: %+v", ev)
			}
		case "Formatting":
			if ev.Data["msg"] != "" {
				t.Errorf("Formatting data: %+v", ev.Data)
			}
		case "MainReportVersion":
			if ev.Data["log_version"] != float64(3) || ev.Data["version"] != "="+dbtVersion {
				t.Errorf("MainReportVersion data: %+v", ev.Data)
			}
		case "FinishedRunningStats":
			if ev.Data["stat_line"] == nil || !strings.HasPrefix(ev.Data["execution"].(string), " in 0 hours") {
				t.Errorf("FinishedRunningStats data: %+v", ev.Data)
			}
		case "EndRunResult":
			if rs, _ := ev.Data["results"].([]any); len(rs) != 8 || ev.Data["success"] != true || ev.Info["level"] != "debug" {
				t.Errorf("EndRunResult: %+v", ev)
			}
		case "MainReportArgs":
			args, _ := ev.Data["args"].(map[string]any)
			if ev.Info["level"] != "debug" || args["invocation_command"] != "elt build --log-format json --log-level debug" || args["no_print"] != "None" || args["use_colors"] != "True" {
				t.Errorf("MainReportArgs: %+v", ev)
			}
		case "EndOfRunSummary":
			if ev.Data["num_errors"] != float64(0) || ev.Data["keyboard_interrupt"] != false || ev.Info["msg"] != "Completed successfully" {
				t.Errorf("EndOfRunSummary: %+v", ev)
			}
		}
	}
	if count["NodeStart"] != 8 || count["NodeFinished"] != 8 || count["LogStartLine"] != 8 ||
		count["LogModelResult"]+count["LogTestResult"]+count["LogSeedResult"] != 8 || count["EndOfRunSummary"] != 1 || count["MainReportArgs"] != 1 || count["EndRunResult"] != 1 {
		t.Errorf("events: %v", count)
	}
	if last := events[len(events)-1]; last.Info["name"] != "CommandCompleted" || last.Data["success"] != true || last.Data["command"] != "elt build" {
		t.Errorf("last event: %+v", last)
	}
}

func TestFailFastStopsTheRun(t *testing.T) {
	dir := starterProject(t)
	writeFile(t, dir, "models/example/people.sql", "select nope from {{ ref('raw_people') }}\n")
	for i := 0; i < 6; i++ {
		writeFile(t, dir, "models/example/extra"+string(rune('a'+i))+".sql", "select 1 as one\n")
	}
	res := elt(t, dir, "run", "--fail-fast", "--threads", "1", "--no-check")
	if res.code != 1 {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	if !strings.Contains(res.stdout, "SKIP") {
		t.Errorf("nothing was skipped after the failure:\n%s", res.stdout)
	}
}

// TestStoreFailures: --store-failures keeps a failing test's rows in the
// audit schema and the summary says where to look.
func TestStoreFailures(t *testing.T) {
	dir := starterProject(t)
	writeFile(t, dir, "tests/no_ada.sql", "select * from {{ ref('people') }} where name = 'Ada'\n")
	res := elt(t, dir, "build", "--store-failures")
	if res.code != 1 || !strings.Contains(res.stdout, `select * from "demo"."main_dbt_test__audit"."no_ada"`) {
		t.Fatalf("exit %d, want 1 and a pointer to the stored failures:\n%s", res.code, res.stdout)
	}
	// As dbt, a test that stores its failures has their relation as its
	// relation_name, in the manifest and the run results (from its config
	// or the flag); one that does not has none.
	checkRelationNames := func(want map[string]any) {
		t.Helper()
		nodes, _ := readManifest(t, dir)["nodes"].(map[string]any)
		results := runResultEntries(t, dir)
		for id, rel := range want {
			node, _ := nodes[id].(map[string]any)
			if node["relation_name"] != rel || results[id]["relation_name"] != rel {
				t.Errorf("%s: relation_name %v in the manifest, %v in run_results, want %v", id, node["relation_name"], results[id]["relation_name"], rel)
			}
		}
	}
	checkRelationNames(map[string]any{"test.demo.no_ada": `"demo"."main_dbt_test__audit"."no_ada"`})
	writeFile(t, dir, "tests/no_ada.sql", "{{ config(store_failures=false) }}\nselect * from {{ ref('people') }} where name = 'Ada'\n")
	elt(t, dir, "test")
	checkRelationNames(map[string]any{"test.demo.no_ada": nil})
	writeFile(t, dir, "tests/no_ada.sql", "{{ config(store_failures=true) }}\nselect * from {{ ref('people') }} where name = 'Ada'\n")
	elt(t, dir, "test")
	checkRelationNames(map[string]any{"test.demo.no_ada": `"demo"."main_dbt_test__audit"."no_ada"`})
	_, rows := relationRows(t, openDB(t, filepath.Join(dir, "demo.duckdb")), "main_dbt_test__audit.no_ada")
	if len(rows) != 1 || rows[0][1] != "Ada" {
		t.Errorf("stored failures: %v", rows)
	}
}

// TestManifestCarriesCompiledCode: target/manifest.json is written after
// compiling, with each run node's compiled SQL, as dbt's is.
func TestManifestCarriesCompiledCode(t *testing.T) {
	dir := starterProject(t)
	mustElt(t, dir, "build")
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Nodes map[string]struct {
			Compiled     bool   `json:"compiled"`
			CompiledCode string `json:"compiled_code"`
			RelationName string `json:"relation_name"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	n := m.Nodes["model.demo.people"]
	if !n.Compiled || !strings.Contains(n.CompiledCode, `from "demo"."main"."raw_people"`) || n.RelationName != `"demo"."main"."people"` {
		t.Errorf("model.demo.people in the manifest: %+v", n)
	}
}

// TestJSONLogResultGroup: a node in a group has dbt's group_lookup on its
// result event: the group's name, package and owner.
func TestJSONLogResultGroup(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/tb.sql", "select 1 as id\n")
	writeFile(t, dir, "models/g.yml", "groups:\n  - name: finance\n    owner: {name: Ann, email: a@example.com}\nmodels:\n  - name: tb\n    config: {group: finance}\n")
	res := mustElt(t, dir, "run", "--log-format", "json")
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		var ev struct {
			Info struct{ Name string } `json:"info"`
			Data map[string]any        `json:"data"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.Info.Name != "LogModelResult" {
			continue
		}
		want := map[string]any{"name": "finance", "package_name": "p", "owner": map[string]any{"name": "Ann", "email": "a@example.com"}}
		if !reflect.DeepEqual(ev.Data["group"], want) {
			t.Errorf("LogModelResult group: want %v, got %v", want, ev.Data["group"])
		}
		return
	}
	t.Errorf("no LogModelResult in\n%s", res.stdout)
}

// TestJSONLogTestGroupAndMetaAsDBT: a test attached to a grouped model
// carries that group on LogTestResult and on the end-of-run failure
// events (dbt's test.py and printer.py pass group_lookup's group), and
// node_info.meta is the node's config meta (dbt's node_info property).
func TestJSONLogTestGroupAndMetaAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "{{ config(meta={'key': 1}) }}\nselect null as id\n")
	writeFile(t, dir, "models/s.yml", "groups:\n  - name: my_group\n    owner: {name: group_owner}\n"+
		"models:\n  - name: m\n    config: {group: my_group}\n    columns:\n      - name: id\n        data_tests: [not_null]\n")
	mustElt(t, dir, "run")
	res := elt(t, dir, "test", "--log-format", "json")
	want := map[string]any{"name": "my_group", "package_name": "p", "owner": map[string]any{"name": "group_owner"}}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		var ev struct {
			Info struct{ Name string } `json:"info"`
			Data map[string]any        `json:"data"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			continue
		}
		switch ev.Info.Name {
		case "LogTestResult", "RunResultFailure", "RunResultError":
			seen[ev.Info.Name] = true
			if !reflect.DeepEqual(ev.Data["group"], want) {
				t.Errorf("%s group: want %v, got %v", ev.Info.Name, want, ev.Data["group"])
			}
		}
	}
	if len(seen) != 3 {
		t.Errorf("want LogTestResult, RunResultFailure and RunResultError, saw %v in\n%s", seen, res.stdout)
	}
	res = mustElt(t, dir, "run", "--log-format", "json")
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		var ev struct {
			Data struct {
				NodeInfo *struct {
					UniqueID string         `json:"unique_id"`
					Meta     map[string]any `json:"meta"`
				} `json:"node_info"`
			} `json:"data"`
		}
		if json.Unmarshal([]byte(line), &ev) != nil || ev.Data.NodeInfo == nil || ev.Data.NodeInfo.UniqueID != "model.p.m" {
			continue
		}
		n++
		if !reflect.DeepEqual(ev.Data.NodeInfo.Meta, map[string]any{"key": 1.0}) {
			t.Errorf("node_info.meta: want {key: 1}, got %v", ev.Data.NodeInfo.Meta)
		}
	}
	if n == 0 {
		t.Errorf("no event with model.p.m's node_info in\n%s", res.stdout)
	}
}
