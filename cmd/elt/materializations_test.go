package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// miniProject writes dbt_project.yml and profiles.yml for a project named p.
func miniProject(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n"+extra)
	writeFile(t, dir, "profiles.yml", "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      threads: 2\n")
	return dir
}

func mustElt(t *testing.T, dir string, args ...string) cliResult {
	t.Helper()
	res := elt(t, dir, args...)
	if res.code != 0 {
		t.Fatalf("elt %s: exit %d\n%s%s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
	}
	return res
}

func rowsOf(t *testing.T, dir, rel string) string {
	t.Helper()
	db := openDB(t, filepath.Join(dir, "p.duckdb"))
	defer db.Close()
	_, rows := relationRows(t, db, rel)
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, "|"))
	}
	return strings.Join(out, "\n")
}

// TestIncrementalEqualsFullRebuild: an incremental model run again after new
// and changed source rows ends with exactly the rows of a full rebuild.
func TestIncrementalEqualsFullRebuild(t *testing.T) {
	// "" leaves incremental_strategy unset: the adapter's default applies.
	for _, strategy := range []string{"merge", "delete+insert", "append", ""} {
		t.Run(strategy, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, "seeds/events.csv", "id,updated_at,amount\n1,2024-01-01 10:00:00,10\n2,2024-01-02 10:00:00,20\n3,2024-01-03 10:00:00,30\n")
			filter := "where updated_at > (select max(updated_at) from {{ this }})"
			key := ", unique_key='id'"
			if strategy == "append" {
				key = ""
			}
			strategyConfig := ""
			if strategy != "" {
				strategyConfig = fmt.Sprintf(", incremental_strategy='%s'", strategy)
			}
			writeFile(t, dir, "models/events_inc.sql", fmt.Sprintf("{{ config(materialized='incremental'%s%s) }}\nselect id, updated_at, amount from {{ ref('events') }}\n{%% if is_incremental() %%}\n%s\n{%% endif %%}\n", strategyConfig, key, filter))
			mustElt(t, dir, "build")
			if got := rowsOf(t, dir, "main.events_inc"); strings.Count(got, "\n") != 2 {
				t.Fatalf("first run rows:\n%s", got)
			}
			// A new row, and (except for append) a changed row with a later timestamp.
			seed := "id,updated_at,amount\n1,2024-01-01 10:00:00,10\n2,2024-01-02 10:00:00,20\n3,2024-01-03 10:00:00,30\n4,2024-01-04 10:00:00,40\n"
			if strategy != "append" {
				seed = "id,updated_at,amount\n1,2024-01-01 10:00:00,10\n2,2024-01-05 09:00:00,25\n3,2024-01-03 10:00:00,30\n4,2024-01-04 10:00:00,40\n"
			}
			writeFile(t, dir, "seeds/events.csv", seed)
			res := mustElt(t, dir, "build")
			if strategy != "append" && !strings.Contains(res.stdout, "incremental model main.events_inc") {
				t.Errorf("no incremental run line:\n%s", res.stdout)
			}
			incremental := rowsOf(t, dir, "main.events_inc")
			mustElt(t, dir, "build", "--full-refresh")
			full := rowsOf(t, dir, "main.events_inc")
			if incremental != full {
				t.Errorf("incremental rows differ from a full rebuild:\nincremental:\n%s\nfull:\n%s", incremental, full)
			}
			if strings.Count(full, "\n") != 3 {
				t.Errorf("want 4 rows, got:\n%s", full)
			}
		})
	}
}

// TestIncrementalDuplicateKeyFails: where dbt would silently duplicate rows,
// elt fails naming the model, the key and sample values, and keeps the table.
func TestIncrementalDuplicateKeyFails(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/src.csv", "id,v\n1,a\n2,b\n")
	writeFile(t, dir, "models/m.sql", "{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}\nselect id, v from {{ ref('src') }}\n")
	mustElt(t, dir, "build")
	writeFile(t, dir, "seeds/src.csv", "id,v\n1,a\n2,b\n2,c\n")
	res := elt(t, dir, "build")
	if res.code != 1 || !strings.Contains(res.stdout, "model.p.m") || !strings.Contains(res.stdout, "unique_key (id)") || !strings.Contains(res.stdout, "e.g. 2") {
		t.Errorf("exit %d; want a duplicate-key error naming model, key and value:\n%s", res.code, res.stdout)
	}
	if got := rowsOf(t, dir, "main.m"); got != "1|a\n2|b" {
		t.Errorf("table changed after the failed merge:\n%s", got)
	}
}

// TestSnapshotDuplicateKeyWarns: a snapshot whose source repeats its
// unique_key is built as dbt builds it, with a warning naming the
// snapshot, the key and sample values, in text and in JSON logs.
func TestSnapshotDuplicateKeyWarns(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/customers.csv", "id,email,updated_at\n1,a@x.org,2024-01-01 00:00:00\n2,b@x.org,2024-01-01 00:00:00\n2,b@x.org,2024-01-01 00:00:00\n")
	writeFile(t, dir, "snapshots/customers_snap.sql", "{% snapshot customers_snap %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at') }}\nselect * from {{ ref('customers') }}\n{% endsnapshot %}\n")
	mustElt(t, dir, "seed")
	res := mustElt(t, dir, "snapshot")
	wantAll(t, res.stdout,
		"snapshots/customers_snap.sql: warning: snapshot snapshot.p.customers_snap: unique_key (id) is not unique in the source, e.g. id=2 (2 rows)",
		"OK snapshotted main.customers_snap",
		"PASS=1 WARN=0 ERROR=0",
	)
	query := "(select id, email, cast(dbt_valid_from as varchar) as valid_from, coalesce(cast(dbt_valid_to as varchar), 'current') as valid_to from main.customers_snap) q"
	sorted := func(rows string) string {
		lines := strings.Split(rows, "\n")
		sort.Strings(lines)
		return strings.Join(lines, "\n")
	}
	if got, want := sorted(rowsOf(t, dir, query)), "1|a@x.org|2024-01-01 00:00:00|current\n2|b@x.org|2024-01-01 00:00:00|current\n2|b@x.org|2024-01-01 00:00:00|current"; got != want {
		t.Errorf("first run rows:\n got %s\nwant %s", got, want)
	}

	// 2 changes: both its current versions close and, as under dbt, the
	// new version is inserted once for each. The source is unique now:
	// no warning.
	writeFile(t, dir, "seeds/customers.csv", "id,email,updated_at\n1,a@x.org,2024-01-01 00:00:00\n2,b@new.org,2024-02-01 00:00:00\n")
	mustElt(t, dir, "seed")
	res = mustElt(t, dir, "snapshot", "--log-format", "json")
	warned := 0
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		// By the event's name: other events carry paths, and the test's
		// folder is named after it.
		if strings.Contains(line, `"name":"SnapshotDuplicateKey"`) {
			warned++
		}
	}
	if warned != 0 {
		t.Errorf("a unique source was warned about:\n%s", res.stdout)
	}
	want := strings.Join([]string{
		"1|a@x.org|2024-01-01 00:00:00|current",
		"2|b@new.org|2024-02-01 00:00:00|current",
		"2|b@new.org|2024-02-01 00:00:00|current",
		"2|b@x.org|2024-01-01 00:00:00|2024-02-01 00:00:00",
		"2|b@x.org|2024-01-01 00:00:00|2024-02-01 00:00:00",
	}, "\n")
	if got := sorted(rowsOf(t, dir, query)); got != want {
		t.Errorf("second run rows:\n got %s\nwant %s", got, want)
	}

	// JSON logs: one warn event with the snapshot, key and samples.
	writeFile(t, dir, "seeds/customers.csv", "id,email,updated_at\n1,a@x.org,2024-01-01 00:00:00\n1,a@x.org,2024-01-01 00:00:00\n2,b@new.org,2024-02-01 00:00:00\n")
	mustElt(t, dir, "seed")
	res = mustElt(t, dir, "snapshot", "--log-format", "json")
	var events []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		var ev struct {
			Info struct{ Name, Level, Msg string } `json:"info"`
			Data map[string]any                    `json:"data"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		if ev.Info.Name == "SnapshotDuplicateKey" {
			if ev.Info.Level != "warn" || !strings.Contains(ev.Info.Msg, "id=1 (2 rows)") {
				t.Errorf("warning event: %s", line)
			}
			events = append(events, ev.Data)
		}
	}
	if len(events) != 1 {
		t.Fatalf("want one SnapshotDuplicateKey event, got %d:\n%s", len(events), res.stdout)
	}
	got := fmt.Sprint(events[0]["snapshot"], " ", events[0]["unique_key"], " ", events[0]["samples"], " ", events[0]["node_info"].(map[string]any)["unique_id"])
	if want := "snapshot.p.customers_snap [id] [id=1 (2 rows)] snapshot.p.customers_snap"; got != want {
		t.Errorf("warning event data: got %q, want %q", got, want)
	}
}

// TestSnapshotKeepsOldVersion: a changed row keeps its old version with
// dbt_valid_to set, and gains a new current version.
func TestSnapshotKeepsOldVersion(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/customers.csv", "id,email,updated_at\n1,a@x.org,2024-01-01 00:00:00\n2,b@x.org,2024-01-01 00:00:00\n")
	writeFile(t, dir, "snapshots/customers_snap.sql", "{% snapshot customers_snap %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at') }}\nselect * from {{ ref('customers') }}\n{% endsnapshot %}\n")
	mustElt(t, dir, "seed")
	res := mustElt(t, dir, "snapshot")
	if !strings.Contains(res.stdout, "OK snapshotted main.customers_snap") {
		t.Errorf("snapshot line:\n%s", res.stdout)
	}
	writeFile(t, dir, "seeds/customers.csv", "id,email,updated_at\n1,a@new.org,2024-02-01 00:00:00\n2,b@x.org,2024-01-01 00:00:00\n")
	mustElt(t, dir, "build")
	db := openDB(t, filepath.Join(dir, "p.duckdb"))
	rows, err := db.Query(`select id, email, cast(dbt_valid_from as varchar), coalesce(cast(dbt_valid_to as varchar), 'current')
		from main.customers_snap order by id, dbt_valid_from`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id int
		var email, from, to string
		if err := rows.Scan(&id, &email, &from, &to); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %s %s", id, email, from, to))
	}
	want := []string{
		"1 a@x.org 2024-01-01 00:00:00 2024-02-01 00:00:00",
		"1 a@new.org 2024-02-01 00:00:00 current",
		"2 b@x.org 2024-01-01 00:00:00 current",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("snapshot rows:\n got %v\nwant %v", got, want)
	}
}

// TestHooksAndOperations: pre/post hooks, on-run-start/end with results, and run-operation.
func TestHooksAndOperations(t *testing.T) {
	dir := miniProject(t, `on-run-start:
  - "create table if not exists main.audit (event varchar, detail varchar)"
on-run-end:
  - "insert into main.audit select 'end', '{{ results | length }} results, first {{ results[0].status }}'"
models:
  p:
    +post-hook: "insert into main.audit values ('post', '{{ this.identifier }}')"
`)
	writeFile(t, dir, "models/m.sql", "{{ config(materialized='table', pre_hook=\"insert into main.audit values ('pre', '{{ this }}')\") }}\nselect 1 as one\n")
	writeFile(t, dir, "macros/ops.sql", `{% macro count_audit(event) %}
{% set r = run_query("select count(*) from main.audit where event = '" ~ event ~ "'") %}
{% do log("audit rows for " ~ event ~ ": " ~ r[0][0], info=True) %}
{% endmacro %}
{% macro add_note(text) %}
{% call statement('note', fetch_result=False) %}insert into main.audit values ('note', '{{ text }}'){% endcall %}
{% endmacro %}`)
	mustElt(t, dir, "run")
	got := rowsOf(t, dir, "main.audit")
	want := "end|1 results, first success\npost|m\npre|\"p\".\"main\".\"m\""
	if got != want {
		t.Errorf("audit rows:\n got %s\nwant %s", got, want)
	}
	res := mustElt(t, dir, "run-operation", "count_audit", "--args", "{event: post}")
	if !strings.Contains(res.stdout, "audit rows for post: 1") {
		t.Errorf("run-operation output:\n%s", res.stdout)
	}
	mustElt(t, dir, "run-operation", "add_note", "--args", "{text: hello}")
	if got := rowsOf(t, dir, "main.audit"); !strings.Contains(got, "note|hello") {
		t.Errorf("statement did not run:\n%s", got)
	}
	// dbt's UndefinedMacroError ends the command with exit 2.
	if res := elt(t, dir, "run-operation", "no_such_macro"); res.code != exitUsage || !strings.Contains(res.stdout+res.stderr, "no_such_macro") {
		t.Errorf("unknown macro: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestRetry re-runs only what errored or was skipped.
func TestRetry(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "models/b.sql", "select idd from {{ ref('a') }}\n")
	writeFile(t, dir, "models/c.sql", "select * from {{ ref('b') }}\n")
	writeFile(t, dir, "models/d.sql", "select 2 as id\n")
	// The static checks would stop the run before anything ran; here the
	// warehouse is to fail b.
	res := elt(t, dir, "run", "--no-check")
	if res.code != 1 || !strings.Contains(res.stdout, "PASS=2 WARN=0 ERROR=1 SKIP=1") {
		t.Fatalf("first run: exit %d\n%s", res.code, res.stdout)
	}
	writeFile(t, dir, "models/b.sql", "select id from {{ ref('a') }}\n")
	res = mustElt(t, dir, "retry")
	if !strings.Contains(res.stdout, "TOTAL=2") || strings.Contains(res.stdout, "main.a ") || !strings.Contains(res.stdout, "main.c") {
		t.Errorf("retry ran the wrong nodes:\n%s", res.stdout)
	}
	// As dbt's retry, which runs the retried command over the empty
	// subset (task/retry.py): its NothingToDo, and an empty
	// run_results.json in that command's name.
	res = mustElt(t, dir, "retry")
	if !strings.Contains(res.stdout, "Nothing to do. Try checking your model configs and model specification args") {
		t.Errorf("second retry:\n%s", res.stdout)
	}
	entries := runResultEntries(t, dir)
	raw, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Args struct {
			Which string `json:"which"`
		} `json:"args"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 || doc.Args.Which != "run" {
		t.Errorf("run_results.json after a retry with nothing to do: %s", raw)
	}
}

// TestMicrobatchConfigAtParseAsDBT: dbt checks a microbatch model's
// configs and its inputs' event_time when it parses the project, so parse,
// ls and compile fail, naming the model and where its config is; where the
// project replaces get_incremental_microbatch_sql dbt does not check,
// unless require_batched_execution_for_custom_microbatch_strategy is set.
func TestMicrobatchConfigAtParseAsDBT(t *testing.T) {
	const mb = "materialized='incremental', incremental_strategy='microbatch'"
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no event_time", map[string]string{"models/m.sql": "-- m\n{{ config(" + mb + ", batch_size='day', begin='2024-01-01') }}\nselect 1 as id\n"},
			"models/m.sql:2: Microbatch model 'm' must provide an 'event_time' (string) config that indicates the name of the event time column."},
		{"begin not ISO", map[string]string{"models/m.sql": "{{ config(" + mb + ", event_time='t', batch_size='day', begin='01/02/2024') }}\nselect 1 as id\n"},
			"Microbatch model 'm' must provide a 'begin' config of valid datetime (ISO format), but got: 01/02/2024."},
		{"batch_size in YAML", map[string]string{"models/m.sql": "select 1 as id\n",
			"models/m.yml": "models:\n  - name: m\n    config:\n      materialized: incremental\n      incremental_strategy: microbatch\n      event_time: t\n      begin: '2024-01-01'\n      batch_size: Day\n"},
			"models/m.yml:2:5: Microbatch model 'm' must provide a 'batch_size' config that is one of ['hour', 'day', 'month', 'year'], but got: Day."},
		{"lookback", map[string]string{"models/m.sql": "{{ config(" + mb + ", event_time='t', batch_size='day', begin='2024-01-01', lookback='2') }}\nselect 1 as id\n"},
			"Microbatch model 'm' must provide the optional 'lookback' config as type int, but got: <class 'str'>)."},
		{"input event_time", map[string]string{"seeds/s.csv": "t\n2024-01-01\n", "seeds/s.yml": "seeds:\n  - name: s\n    config:\n      event_time: 5\n",
			"models/m.sql": "{{ config(" + mb + ", event_time='t', batch_size='day', begin='2024-01-01') }}\nselect * from {{ ref('s') }}\n"},
			"Microbatch model 'm' depends on an input node 's' with an 'event_time' config of invalid (non-string) type: <class 'int'>."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := miniProject(t, "")
			for name, body := range tc.files {
				writeFile(t, dir, name, body)
			}
			for _, cmd := range []string{"parse", "ls", "compile"} {
				res := elt(t, dir, cmd)
				if res.code != 2 || !strings.Contains(res.stdout+res.stderr, tc.want) {
					t.Errorf("%s: want exit 2 and %q, got exit %d\n%s%s", cmd, tc.want, res.code, res.stdout, res.stderr)
				}
			}
		})
	}
	t.Run("custom microbatch macro", func(t *testing.T) {
		dir := miniProject(t, "")
		writeFile(t, dir, "models/m.sql", "{{ config("+mb+", batch_size='day', begin='2024-01-01') }}\nselect 1 as id\n")
		writeFile(t, dir, "macros/mb.sql", "{% macro get_incremental_microbatch_sql(arg_dict) %}select 1{% endmacro %}\n")
		mustElt(t, dir, "parse")
		writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nflags:\n  require_batched_execution_for_custom_microbatch_strategy: true\n")
		if res := elt(t, dir, "parse"); res.code != 2 || !strings.Contains(res.stdout+res.stderr, "Microbatch model 'm' must provide an 'event_time'") {
			t.Errorf("with the flag: want the model refused, got exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
	})
	t.Run("no filtered input", func(t *testing.T) {
		dir := miniProject(t, "")
		writeFile(t, dir, "models/m.sql", "{{ config("+mb+", event_time='t', batch_size='day', begin='2024-01-01') }}\nselect current_date as t\n")
		res := mustElt(t, dir, "parse")
		wantAll(t, res.stdout+res.stderr, "The microbatch model 'm' has no 'ref' or 'source' input with an 'event_time' configuration.")
	})
}

// TestMicrobatch: batches by day, upstream filtered by event_time, one batch
// replaced on a later run, and a failing batch run once and reported.
func TestMicrobatch(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/raw_events.csv", "id,event_at,v\n1,2024-01-01 08:00:00,1\n2,2024-01-01 20:00:00,2\n3,2024-01-02 09:00:00,3\n4,2024-01-03 10:00:00,4\n")
	writeFile(t, dir, "models/events.sql", "{{ config(materialized='table', event_time='event_at') }}\nselect * from {{ ref('raw_events') }}\n")
	writeFile(t, dir, "models/daily.sql", "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='day', batch_size='day', begin='2024-01-01') }}\nselect cast(event_at as date) as day, count(*) as n, sum(v) as v from {{ ref('events') }} group by 1\n")
	window := []string{"--event-time-start", "2024-01-01", "--event-time-end", "2024-01-04"}
	res := mustElt(t, dir, append([]string{"build"}, window...)...)
	// As dbt: a line for each batch, the model a microbatch one, SUCCESS.
	wantAll(t, res.stdout, "START sql microbatch model main.daily", "Batch 1 of 3 START batch 2024-01-01 of main.daily",
		"Batch 3 of 3 OK created batch 2024-01-03 of main.daily", "OK created sql microbatch model main.daily", "[SUCCESS in")
	if got := rowsOf(t, dir, "main.daily"); got != "2024-01-01|2|3\n2024-01-02|1|3\n2024-01-03|1|4" {
		t.Errorf("after the first run:\n%s", got)
	}
	// As dbt's get_target_write_path with a batch suffix: each batch has
	// its compiled SQL (filtered to its day) and its run statements,
	// models/daily/daily_<day>.sql, and the model no run file of its own.
	for _, day := range []string{"2024-01-01", "2024-01-02", "2024-01-03"} {
		compiled, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "p", "models", "daily", "daily_"+day+".sql"))
		if err != nil || !strings.Contains(string(compiled), day) {
			t.Errorf("compiled file of batch %s: %v\n%s", day, err, compiled)
		}
		run, err := os.ReadFile(filepath.Join(dir, "target", "run", "p", "models", "daily", "daily_"+day+".sql"))
		if err != nil || !strings.Contains(string(run), day) {
			t.Errorf("run file of batch %s: %v\n%s", day, err, run)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "run", "p", "models", "daily.sql")); !os.IsNotExist(err) {
		t.Errorf("target/run/p/models/daily.sql: want none for a microbatch model, got %v", err)
	}
	// A late row for 2024-01-02: rebuilding only that day's batch picks it up.
	writeFile(t, dir, "seeds/raw_events.csv", "id,event_at,v\n1,2024-01-01 08:00:00,1\n2,2024-01-01 20:00:00,2\n3,2024-01-02 09:00:00,3\n5,2024-01-02 23:00:00,10\n4,2024-01-03 10:00:00,4\n")
	mustElt(t, dir, "build", "--event-time-start", "2024-01-02", "--event-time-end", "2024-01-03")
	if got := rowsOf(t, dir, "main.daily"); got != "2024-01-01|2|3\n2024-01-02|2|13\n2024-01-03|1|4" {
		t.Errorf("after re-running one batch:\n%s", got)
	}
	// on-run-end sees each result's message as run_results.json has it.
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\non-run-end:\n  - \"{% for r in results %}{{ log('result ' ~ r.node.name ~ ': ' ~ r.message ~ ' failures=' ~ r.failures, info=true) }}{% endfor %}\"\n")
	// A batch that always fails is reported and the others land. As in
	// dbt 1.10 (MicrobatchBatchRunner._execute_microbatch_materialization
	// records the failure; nothing runs the batch again), the failed batch
	// is rendered and run once: its run_query logs one row.
	failing := "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='day', batch_size='day', begin='2024-01-01') }}\n" +
		"{% do run_query(\"create table if not exists main.batch_log (id varchar)\") %}{% do run_query(\"insert into main.batch_log values ('\" ~ model.batch.id ~ \"')\") %}\n" +
		"select cast(event_at as date) as day, count(*) as n, sum(v) {% if '2024-01-02' in (model.batch.event_time_start | string) %}+ cast('boom' as integer){% endif %} as v from {{ ref('events') }} group by 1\n"
	writeFile(t, dir, "models/daily.sql", failing)
	res = elt(t, dir, append([]string{"run", "--full-refresh"}, window...)...)
	if res.code != 1 || !strings.Contains(res.stdout, "1 of 3 batches failed:") || !strings.Contains(res.stdout, "batch 2024-01-02T00:00:00Z..2024-01-03T00:00:00Z") {
		t.Errorf("failing batch: exit %d\n%s", res.code, res.stdout)
	}
	if got := rowsOf(t, dir, "main.batch_log"); got != "20240101\n20240102\n20240103" {
		t.Errorf("each batch should render and run once; batch_log:\n%s", got)
	}
	if got := rowsOf(t, dir, "main.daily"); got != "2024-01-01|2|3\n2024-01-03|1|4" {
		t.Errorf("the other batches should have landed:\n%s", got)
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	// As dbt writes them: UTC-aware datetimes in isoformat (dbt_common's
	// DateTimeSerialization), "+00:00".
	want := `"batch_results":{"successful":[["2024-01-01T00:00:00+00:00","2024-01-02T00:00:00+00:00"],["2024-01-03T00:00:00+00:00","2024-01-04T00:00:00+00:00"]],"failed":[["2024-01-02T00:00:00+00:00","2024-01-03T00:00:00+00:00"]]}`
	if !strings.Contains(string(b), want) {
		t.Errorf("run_results.json lacks %s:\n%s", want, b)
	}
	// The model's message is dbt's from merge_batch_results, and its
	// failures the 0 its result starts with, in the artifact and in
	// on-run-end's results alike; the batch's error is in the end summary.
	var rr struct {
		Results []struct {
			UniqueID string `json:"unique_id"`
			Message  string `json:"message"`
			Failures *int   `json:"failures"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &rr); err != nil {
		t.Fatal(err)
	}
	for _, r := range rr.Results {
		if r.UniqueID == "model.p.daily" && (r.Message != "PARTIAL SUCCESS (2/3)" || r.Failures == nil || *r.Failures != 0) {
			t.Errorf("run_results.json: daily's message %q and failures %v, want PARTIAL SUCCESS (2/3) and 0 as dbt's", r.Message, r.Failures)
		}
	}
	wantAll(t, res.stdout, "result daily: PARTIAL SUCCESS (2/3) failures=0\n")
	if !strings.Contains(res.stdout, "PARTIALLY created sql microbatch model main.daily") || !strings.Contains(res.stdout, "[PARTIAL SUCCESS (2/3) in") ||
		!strings.Contains(res.stdout, "Batch 2 of 3 ERROR creating batch 2024-01-02 of main.daily") || !strings.Contains(string(b), `"status":"partial success"`) {
		t.Errorf("want a partial success:\n%s", res.stdout)
	}
	// dbt's summary counts partial successes apart from errors.
	wantAll(t, res.stdout, "Completed with 1 partial success and 0 warnings\n")
	// Fixed, elt retry of the run runs only the failed batch.
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	fixed := "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='day', batch_size='day', begin='2024-01-01') }}\nselect cast(event_at as date) as day, count(*) as n, sum(v) as v from {{ ref('events') }} group by 1\n"
	writeFile(t, dir, "models/daily.sql", fixed)
	res = mustElt(t, dir, "retry")
	if !strings.Contains(res.stdout, "Batch 1 of 1 OK created batch 2024-01-02 of main.daily") || !strings.Contains(res.stdout, "TOTAL=1") {
		t.Errorf("retry should run the one failed batch:\n%s", res.stdout)
	}
	if got := rowsOf(t, dir, "main.daily"); got != "2024-01-01|2|3\n2024-01-02|2|13\n2024-01-03|1|4" {
		t.Errorf("after the retry:\n%s", got)
	}
	// As dbt's merge_batch_results on a retry (task/run.py): the retried
	// batch, then those that succeeded last time (previous_batch_results).
	b, err = os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	want = `"batch_results":{"successful":[["2024-01-02T00:00:00+00:00","2024-01-03T00:00:00+00:00"],["2024-01-01T00:00:00+00:00","2024-01-02T00:00:00+00:00"],["2024-01-03T00:00:00+00:00","2024-01-04T00:00:00+00:00"]],"failed":[]}`
	if !strings.Contains(string(b), want) || !strings.Contains(string(b), `"message":"SUCCESS"`) {
		t.Errorf("run_results.json after the retry lacks %s and message SUCCESS:\n%s", want, b)
	}
	// dbt's RetryTask hands the failed batches to a retried run only
	// (task/retry.py: task_class == RunTask): retrying a build runs the
	// model's batches as the build did, all three.
	writeFile(t, dir, "models/daily.sql", failing)
	if res := elt(t, dir, append([]string{"build", "--full-refresh"}, window...)...); !strings.Contains(res.stdout, "[PARTIAL SUCCESS (2/3) in") {
		t.Fatalf("build: want a partial success:\n%s", res.stdout)
	}
	writeFile(t, dir, "models/daily.sql", fixed)
	res = mustElt(t, dir, "retry")
	wantAll(t, res.stdout, "Batch 1 of 3 OK created batch 2024-01-01 of main.daily", "Batch 3 of 3 OK created batch 2024-01-03 of main.daily")
	if got := rowsOf(t, dir, "main.daily"); got != "2024-01-01|2|3\n2024-01-02|2|13\n2024-01-03|1|4" {
		t.Errorf("after the retried build:\n%s", got)
	}
}

// TestJinjaIntrospectionAndCrossDB: dbt's cross-database macros and adapter
// introspection work in a model compiled against the real warehouse.
func TestJinjaIntrospectionAndCrossDB(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/src.csv", "id,name,joined\n1,ada,2024-01-31\n2,grace,2024-02-29\n")
	writeFile(t, dir, "models/star.sql", `{%- set rel = adapter.get_relation(database=target.database, schema=target.schema, identifier='src') -%}
{%- set cols = adapter.get_columns_in_relation(rel) if rel is not none else [] -%}
select
  {% for c in cols if c.name != 'joined' %}{{ c.name }}, {% endfor %}
  {{ dbt.dateadd('day', 1, 'joined') }} as next_day,
  {{ dbt.concat(["name", "'!'"]) }} as shout,
  {{ dbt.datediff("'2024-01-01'", 'joined', 'month') }} as months
from {{ ref('src') }}
`)
	mustElt(t, dir, "build")
	if got := rowsOf(t, dir, "main.star"); got != "1|ada|2024-02-01 00:00:00|ada!|0\n2|grace|2024-03-01 00:00:00|grace!|1" {
		t.Errorf("rows:\n%s", got)
	}
}

// TestMicrobatchHooksSeeTheirBatch: as dbt runs a microbatch model's
// pre-hooks with its first batch and its post-hooks with its last, each
// renders in that batch's context (model.batch), once.
func TestMicrobatchHooksSeeTheirBatch(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/raw_events.csv", "id,event_at\n1,2024-01-01 08:00:00\n2,2024-01-02 09:00:00\n3,2024-01-03 10:00:00\n")
	writeFile(t, dir, "models/hook_log.sql", "{{ config(materialized='table') }}\nselect cast(null as varchar) as what where false\n")
	writeFile(t, dir, "models/daily.sql", `{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='event_at', batch_size='day', begin='2024-01-01',
  pre_hook="insert into {{ ref('hook_log') }} values ('pre {{ model.batch.id }}')",
  post_hook="insert into {{ ref('hook_log') }} values ('post {{ model.batch.id }} {{ model.batch.event_time_end }}')") }}
select id, event_at from {{ ref('raw_events') }}
`)
	mustElt(t, dir, "build", "--event-time-start", "2024-01-01", "--event-time-end", "2024-01-04")
	if got := rowsOf(t, dir, "main.hook_log"); got != "post 20240103 2024-01-04 00:00:00+00:00\npre 20240101" {
		t.Errorf("hook_log:\n%s", got)
	}
}

// TestYAMLSnapshotPathsAsDBT: a snapshot defined in YAML has the path
// <file>.yml/<name>.sql, as dbt's _add_yaml_snapshot_nodes_to_manifest
// gives it, so each snapshot of the file compiles to a file of its own
// (get_target_write_path: <file>/<path>; dbt writes it under target/run
// only, as its _write_node writes no compiled file for a snapshot) and
// the data tests of the same file, compiled under <file>.yml/, do not
// collide with it.
func TestYAMLSnapshotPathsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/seed.csv", "id,updated_at\n1,2020-01-01\n")
	writeFile(t, dir, "snapshots/snapshot.yml", `snapshots:
  - name: snap_a
    relation: "ref('seed')"
    config: {unique_key: id, strategy: timestamp, updated_at: updated_at}
    columns:
      - name: id
        data_tests: [not_null]
  - name: snap_b
    relation: "ref('seed')"
    config: {unique_key: id, strategy: timestamp, updated_at: updated_at}
`)
	mustElt(t, dir, "seed")
	mustElt(t, dir, "snapshot")
	mustElt(t, dir, "test")
	nodes, _ := readManifest(t, dir)["nodes"].(map[string]any)
	for _, name := range []string{"snap_a", "snap_b"} {
		n, _ := nodes["snapshot.p."+name].(map[string]any)
		if got, want := n["path"], "snapshot.yml/"+name+".sql"; got != want {
			t.Errorf("%s path: got %v, want %s", name, got, want)
		}
		f := filepath.Join(dir, "target", "run", "p", "snapshots", "snapshot.yml", "snapshot.yml", name+".sql")
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		f = filepath.Join(dir, "target", "compiled", "p", "snapshots", "snapshot.yml", "snapshot.yml", name+".sql")
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s: a compiled file (%v), where dbt writes none", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "compiled", "p", "snapshots", "snapshot.yml", "not_null_snap_a_id.sql")); err != nil {
		t.Errorf("the data test's compiled file: %v", err)
	}
}

// TestUnknownSnapshotStrategy: dbt's strategy_dispatch raises a
// CompilationError when the snapshot runs, for a strategy that names no
// macro snapshot_<name>_strategy (in package pkg for "pkg.name") or an
// unknown package (snapshots/test_invalid_namespace_snapshot.py): the
// project loads and compiles, the rest of it builds, and the snapshot
// alone fails with dbt's message.
func TestUnknownSnapshotStrategy(t *testing.T) {
	for _, tc := range []struct{ strategy, want string }{
		{"other", `The specified strategy macro 'other' was not found in package 'None'`},
		{"p.other", `The specified strategy macro 'other' was not found in package 'p'`},
		{"dbt.custom", `The specified strategy macro 'custom' was not found in package 'dbt'`},
		{"nopkg.custom", `Could not find package 'nopkg', called with 'nopkg.custom'`},
	} {
		t.Run(tc.strategy, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, "macros/custom.sql", `{% macro snapshot_custom_strategy(node, snapshotted_rel, current_rel, config, target_exists) %}
{% do return({"unique_key": config['unique_key'], "updated_at": config['updated_at'], "row_changed": "true", "scd_id": "1"}) %}
{% endmacro %}
`)
			writeFile(t, dir, "snapshots/s.sql", `{% snapshot s %}
{{ config(unique_key='id', strategy='`+tc.strategy+`', updated_at='updated_at') }}
select 1 as id, current_timestamp as updated_at
{% endsnapshot %}
`)
			writeFile(t, dir, "models/m.sql", "select 1 as id\n")
			mustElt(t, dir, "compile")
			res := elt(t, dir, "build")
			if res.code != 1 {
				t.Fatalf("want exit 1, got %d\n%s%s", res.code, res.stdout, res.stderr)
			}
			results := runResultEntries(t, dir)
			if got := results["model.p.m"]["status"]; got != "success" {
				t.Errorf("model m: want success, got %v", got)
			}
			want := "Compilation Error in snapshot s (snapshots/s.sql)\n  " + tc.want
			if got := results["snapshot.p.s"]; got["status"] != "error" || got["message"] != want {
				t.Errorf("snapshot s: want error %q, got %v %q", want, got["status"], got["message"])
			}
		})
	}
}
