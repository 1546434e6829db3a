package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// showProject has a seed, an ephemeral model over it and a table model
// reading the ephemeral one.
func showProject(t *testing.T) string {
	t.Helper()
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/people.csv", "id,name,joined\n1,ann,2024-01-01\n2,bob,2024-02-01\n3,cid,2024-03-01\n4,dee,2024-04-01\n5,eve,2024-05-01\n6,fay,2024-06-01\n7,gus,2024-07-01\n")
	writeFile(t, dir, "models/eph.sql", "{{ config(materialized='ephemeral') }}\nselect id, name, joined from {{ ref('people') }}\n")
	writeFile(t, dir, "models/people_t.sql", "{{ config(materialized='table') }}\nselect id, upper(name) as name, joined, id * 1.5 as score from {{ ref('eph') }} order by id\n")
	return dir
}

func TestShow(t *testing.T) {
	dir := showProject(t)
	mustElt(t, dir, "seed")

	t.Run("select text, default limit 5, nothing built", func(t *testing.T) {
		res := mustElt(t, dir, "show", "--select", "people_t")
		// agate's print_table, as dbt's show: text left, anything else
		// right, a number column with its most precise value's places.
		want := "| id | name |     joined | score |\n" +
			"| -- | ---- | ---------- | ----- |\n" +
			"|  1 | ANN  | 2024-01-01 |   1.5 |\n" +
			"|  2 | BOB  | 2024-02-01 |   3.0 |\n" +
			"|  3 | CID  | 2024-03-01 |   4.5 |\n" +
			"|  4 | DEE  | 2024-04-01 |   6.0 |\n" +
			"|  5 | EVE  | 2024-05-01 |   7.5 |\n"
		if !strings.Contains(res.stdout, "Previewing node 'people_t':\n"+want) {
			t.Fatalf("want table\n%s\ngot\n%s", want, res.stdout)
		}
		// show never writes a relation: the model was not built.
		if got := queryIn(t, dir, "select count(*) from information_schema.tables where table_name = 'people_t'"); got != "0" {
			t.Fatalf("show built people_t: %s", got)
		}
	})

	t.Run("json with limit", func(t *testing.T) {
		res := mustElt(t, dir, "show", "-s", "people_t", "--limit", "2", "--output", "json")
		var got struct {
			Node string           `json:"node"`
			Show []map[string]any `json:"show"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
			t.Fatalf("stdout is not one JSON document: %v\n%s", err, res.stdout)
		}
		if got.Node != "people_t" || len(got.Show) != 2 {
			t.Fatalf("got %+v", got)
		}
		if got.Show[1]["name"] != "BOB" || got.Show[1]["id"] != 2.0 || got.Show[1]["score"] != 3.0 || got.Show[1]["joined"] != "2024-02-01" {
			t.Fatalf("row 2: %v", got.Show[1])
		}
		// Numbers that are not integers print as Python floats, as agate's
		// Number does in dbt's show; integers as integers.
		if !strings.Contains(res.stdout, `"id": 2,`) || !strings.Contains(res.stdout, `"score": 3.0`) {
			t.Fatalf("numbers not printed as dbt's show prints them:\n%s", res.stdout)
		}
		// The column order is the query's.
		if i, j := strings.Index(res.stdout, `"id"`), strings.Index(res.stdout, `"score"`); i < 0 || j < i {
			t.Fatalf("columns out of order:\n%s", res.stdout)
		}
	})

	t.Run("inline with ref, all rows", func(t *testing.T) {
		res := mustElt(t, dir, "show", "--inline", "select count(*) as n, max(name) as top from {{ ref('eph') }}", "--limit", "-1", "--output", "json")
		var got map[string]any
		if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
			t.Fatalf("%v\n%s", err, res.stdout)
		}
		if _, ok := got["node"]; ok {
			t.Fatalf("inline output has a node: %v", got)
		}
		rows := got["show"].([]any)
		if len(rows) != 1 || rows[0].(map[string]any)["n"] != 7.0 || rows[0].(map[string]any)["top"] != "gus" {
			t.Fatalf("got %v", got)
		}
	})

	t.Run("run_results.json holds what show and compile --inline ran", func(t *testing.T) {
		// As dbt's show and compile, tasks of nodes (compile --inline's
		// node is dbt's sql_operation).
		// Their args hold the options dbt gives a default (show's limit
		// and output, compile's output), and a show's compiled_code is
		// the query it ran, its limit applied (dbt's ShowRunner.execute;
		// adapter/dbt_show/test_dbt_show.py).
		for _, c := range []struct {
			args          []string
			id, verb      string
			want          map[string]any
			compiledLimit string
		}{
			{[]string{"show", "-s", "people_t"}, "model.p.people_t", "show", map[string]any{"limit": 5.0, "output": "text"}, "limit 5"},
			{[]string{"show", "--inline", "select 1 as x", "--limit", "3"}, "sql_operation.p.inline_query", "show", map[string]any{"limit": 3.0, "output": "text", "inline": "select 1 as x"}, "limit 3"},
			{[]string{"compile", "--inline", "select 1 as x"}, "sql_operation.p.inline_query", "compile", map[string]any{"output": "text", "inline": "select 1 as x", "compile_inject_ephemeral_ctes": true}, ""},
		} {
			mustElt(t, dir, c.args...)
			var rr map[string]any
			readJSON(t, filepath.Join(dir, "target", "run_results.json"), &rr)
			results, _ := rr["results"].([]any)
			args, _ := rr["args"].(map[string]any)
			if len(results) != 1 || results[0].(map[string]any)["unique_id"] != c.id || results[0].(map[string]any)["status"] != "success" || args["which"] != c.verb {
				t.Errorf("elt %v: run_results.json %v", c.args, rr)
				continue
			}
			for k, v := range c.want {
				if args[k] != v {
					t.Errorf("elt %v: args[%s] = %v, want %v", c.args, k, args[k], v)
				}
			}
			if code, _ := results[0].(map[string]any)["compiled_code"].(string); c.compiledLimit != "" && !strings.Contains(code, c.compiledLimit) {
				t.Errorf("elt %v: compiled_code %q, want it to hold %q", c.args, code, c.compiledLimit)
			}
		}
	})

	t.Run("inline text", func(t *testing.T) {
		res := mustElt(t, dir, "show", "--inline", "select name from {{ ref('people') }} where id > 5 order by id")
		if !strings.Contains(res.stdout, "Previewing inline node:\n| name |\n| ---- |\n| fay  |\n| gus  |\n") {
			t.Fatalf("got\n%s", res.stdout)
		}
	})

	t.Run("inline-direct: sent as it is, no Jinja, limited rows", func(t *testing.T) {
		// {{ }} is no template here: DuckDB reads '{{ x }}' as a string.
		res := mustElt(t, dir, "show", "--inline-direct", "select id, '{{ x }}' as raw from people order by id", "--limit", "2", "--output", "json")
		var got map[string]any
		if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
			t.Fatalf("%v\n%s", err, res.stdout)
		}
		rows, _ := got["show"].([]any)
		if _, ok := got["node"]; ok || len(rows) != 2 || rows[1].(map[string]any)["id"] != 2.0 || rows[1].(map[string]any)["raw"] != "{{ x }}" {
			t.Fatalf("got %v", got)
		}
		res = mustElt(t, dir, "show", "--inline-direct", "select name from people where id = 7")
		if !strings.Contains(res.stdout, "Previewing inline node:\n| name |\n| ---- |\n| gus  |\n") {
			t.Fatalf("got\n%s", res.stdout)
		}
		if res := elt(t, dir, "show", "--inline-direct", "select 1", "--inline", "select 2"); res.code != 2 || !strings.Contains(res.stderr, "--inline-direct alone") {
			t.Fatalf("--inline-direct with --inline: exit %d\n%s", res.code, res.stderr)
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"show"}, 2, "Either --select or --inline must be passed to show"},
			{[]string{"show", "--inline", "select 1", "-s", "people_t"}, 2, "not both"},
			{[]string{"show", "-s", "nothing_here"}, 2, "matches no model"},
			{[]string{"show", "--inline", "select * from {{ ref('peple') }}"}, 2, "--inline:1: Sql_Operation 'sql_operation.p.inline_query' (--inline) depends on a node named 'peple' which was not found"},
			{[]string{"show", "--inline", "select 1", "--output", "yaml"}, 2, "--output must be text or json"},
			{[]string{"show", "--inline", "select * from no_such_table"}, 1, "no_such_table"},
		} {
			res := elt(t, dir, c.args...)
			if res.code != c.code || !strings.Contains(res.stderr, c.want) {
				t.Errorf("elt %s: exit %d, want %d with %q\n%s%s", strings.Join(c.args, " "), res.code, c.code, c.want, res.stdout, res.stderr)
			}
		}
	})
}

// TestQuiet: --quiet (or DBT_QUIET) shows errors and what the command
// exists to print, as dbt's print events: compile -s its SQL alone, show
// its rows alone, ls its list. Without it the compiled SQL and the rows
// follow their title, without the time before their lines, as in dbt.
func TestQuiet(t *testing.T) {
	dir := showProject(t)
	mustElt(t, dir, "seed")
	// eph's compiled code starts with the line its config() call left.
	if res := mustElt(t, dir, "compile", "-s", "eph", "--quiet"); res.stdout != "\nselect id, name, joined from \"p\".\"main\".\"people\"\n" {
		t.Errorf("compile -s eph --quiet printed %q; want the SQL alone", res.stdout)
	}
	res := eltWith(t, dir, map[string]string{"DBT_QUIET": "true"}, "show", "--select", "people_t", "--limit", "1")
	if want := "| id | name |     joined | score |\n| -- | ---- | ---------- | ----- |\n|  1 | ANN  | 2024-01-01 |   1.5 |\n"; res.code != 0 || res.stdout != want {
		t.Errorf("DBT_QUIET=true show: exit %d, printed %q; want the rows alone\n%s", res.code, res.stdout, res.stderr)
	}
	if res := mustElt(t, dir, "-q", "ls", "-s", "eph"); res.stdout != "p.eph\n" {
		t.Errorf("-q ls printed %q", res.stdout)
	}
	res = mustElt(t, dir, "compile", "-s", "eph")
	if !strings.Contains(res.stdout, "\nCompiled node 'eph' is:\n\nselect id, name, joined from") || !strings.Contains(res.stdout, "  Concurrency: 2 threads (target='dev')") {
		t.Errorf("compile -s eph printed\n%s\nwant its log lines, then the title and SQL without times", res.stdout)
	}
	// An error still shows.
	if res := elt(t, dir, "compile", "--quiet", "--inline", "select {{ nope( }}"); res.code == 0 || !strings.Contains(res.stderr, "Jinja syntax error") {
		t.Errorf("a failing compile --quiet: exit %d, printed %q %q; want the error", res.code, res.stdout, res.stderr)
	}
}

// TestShowVersionedName: a versioned model is named with its version, as
// dbt's ShowTask names it (name.vN), in text and JSON.
func TestShowVersionedName(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/dim.sql", "select 1 as id\n")
	writeFile(t, dir, "models/dim_v2.sql", "select 2 as id\n")
	writeFile(t, dir, "models/schema.yml", "models:\n  - name: dim\n    latest_version: 2\n    versions:\n      - v: 1\n        defined_in: dim\n      - v: 2\n")
	res := mustElt(t, dir, "show", "-s", "dim.v2", "--output", "json")
	var got struct {
		Node string           `json:"node"`
		Show []map[string]any `json:"show"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	if got.Node != "dim.v2" || len(got.Show) != 1 || got.Show[0]["id"] != 2.0 {
		t.Fatalf("got %+v", got)
	}
	if res := mustElt(t, dir, "show", "-s", "dim.v1"); !strings.Contains(res.stdout, "Previewing node 'dim.v1':\n") {
		t.Fatalf("got\n%s", res.stdout)
	}
}

// TestShowSeed: as dbt's ShowTask (a SeedRunner for a seed), show of a
// seed loads it and prints all its rows, whatever --limit says.
func TestShowSeed(t *testing.T) {
	dir := showProject(t)
	res := mustElt(t, dir, "show", "--select", "people", "--limit", "2")
	if !strings.Contains(res.stdout, "OK loaded seed file main.people") {
		t.Fatalf("no seed result line:\n%s", res.stdout)
	}
	want := "Previewing node 'people':\n| id | name |     joined |\n| -- | ---- | ---------- |\n|  1 | ann  | 2024-01-01 |\n"
	if !strings.Contains(res.stdout, want) || !strings.Contains(res.stdout, "|  7 | gus  | 2024-07-01 |") {
		t.Fatalf("want all rows after\n%s\ngot\n%s", want, res.stdout)
	}
	if got := queryIn(t, dir, "select count(*) from people"); got != "7" {
		t.Fatalf("seed not loaded: %s", got)
	}
}
