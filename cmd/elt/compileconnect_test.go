package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// introspectProject has a model that asks the warehouse for a source's
// columns and row count while it compiles, as dbt_utils.star and
// get_column_values do, and a model that asks nothing.
var introspectProject = map[string]string{
	"dbt_project.yml": "name: shop\nversion: \"1.0\"\nprofile: shop\n",
	"profiles.yml": `shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: w.duckdb
`,
	"models/sources.yml": "version: 2\nsources:\n  - name: raw\n    schema: raw\n    tables:\n      - name: people\n",
	"models/wide.sql": `{% if execute %}
{%- set cols = adapter.get_columns_in_relation(source('raw', 'people')) -%}
{%- set n = run_query('select count(*) from raw.people').columns[0].values()[0] -%}
{% endif %}
select {% for c in cols %}{{ c.name }}, {% endfor %}{{ n }} as n from {{ source('raw', 'people') }}
`,
	"models/plain.sql": "select 1 as id\n",
}

// TestCompileConnectsOnDemand: as dbt compile does, elt compile answers a
// render's run_query and adapter introspection from the warehouse,
// connecting on the first such call; a selection that asks nothing does
// not connect (the DuckDB file is not created).
func TestCompileConnectsOnDemand(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, introspectProject)
	db := filepath.Join(dir, "w.duckdb")

	if res := elt(t, dir, "compile", "-s", "plain"); res.code != 0 {
		t.Fatalf("compile -s plain: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("compile -s plain opened the warehouse (stat %s: %v); it asks nothing of it", db, err)
	}

	execDuckDB(t, db, "create schema raw", "create table raw.people (id integer, full_name varchar)",
		"insert into raw.people values (1, 'a'), (2, 'b'), (3, 'c')")
	for _, args := range [][]string{{"compile"}, {"compile", "--no-partial-parse"}, {"compile", "-s", "wide"}} {
		res := elt(t, dir, args...)
		if res.code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
		}
		got := compiledFile(t, dir, "models/wide.sql")
		if want := `select id, full_name, 3 as n from "w"."raw"."people"`; !strings.Contains(got, want) {
			t.Errorf("%s: compiled wide.sql = %q; want it to hold %q", strings.Join(args, " "), got, want)
		}
	}

	// The manifest carries what the warehouse answered, as compiled_code.
	if got := compiledNodes(t, dir)["model.shop.wide"].CompiledCode; !strings.Contains(got, "full_name, 3 as n") {
		t.Errorf("manifest compiled_code of wide = %q", got)
	}
}

// compiledNode is what the tests here read of a node in manifest.json.
type compiledNode struct {
	CompiledCode string `json:"compiled_code"`
	CompiledPath string `json:"compiled_path"`
}

// compiledNodes reads target/manifest.json's nodes.
func compiledNodes(t *testing.T, dir string) map[string]compiledNode {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Nodes map[string]compiledNode }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m.Nodes
}

// TestCompileConnectFails: a warehouse that cannot be opened fails the
// compile of a model that asks it something, at that model, with the
// connection's error; nothing is left half written.
func TestCompileConnectFails(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, introspectProject)
	// A folder where the DuckDB file should be: DuckDB cannot open it.
	if err := os.Mkdir(filepath.Join(dir, "w.duckdb"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Each model's error names what it asked, whichever asked first.
	writeFiles(t, dir, map[string]string{
		"models/asks.sql": "{% if execute %}{% set r = run_query('select 1') %}{% endif %}select 1 as id\n",
		"models/inc.sql":  "{{ config(materialized='incremental') }}select 1 as id{% if is_incremental() %} where false{% endif %}\n",
	})
	res := elt(t, dir, "compile")
	if res.code == 0 {
		t.Fatalf("compile succeeded without a warehouse to ask:\n%s", res.stdout)
	}
	out := res.stdout + res.stderr
	wantAll(t, out, "models/wide.sql", "needs a connection to target \"dev\", which failed")
	for file, what := range map[string]string{"models/asks.sql": "run_query", "models/inc.sql": "is_incremental()"} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, file) && strings.Contains(line, what+" needs a connection") {
				found = true
			}
		}
		if !found {
			t.Errorf("no line of %s saying %s needs a connection:\n%s", file, what, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "manifest.json")); err != nil {
		t.Errorf("no manifest after the failed compile: %v", err)
	}
}

// TestCompiledPathShared: generic tests whose arguments differ only in
// characters their names leave out share one compiled file, as under
// dbt. It holds the SQL of the last of them by unique id, with and
// without the caches and whatever the threads, so that a compile using
// the caches writes what a fresh one does.
func TestCompiledPathShared(t *testing.T) {
	dir := t.TempDir()
	var vals []string
	for _, c := range "%&#!@*^~" {
		vals = append(vals, "\n          - accepted_values:\n              values: ['a"+string(c)+"']")
	}
	writeFiles(t, dir, map[string]string{
		"dbt_project.yml":  "name: shop\nversion: \"1.0\"\nprofile: shop\n",
		"profiles.yml":     "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: w.duckdb\n",
		"models/m.sql":     "select 'a%' as c\n",
		"models/props.yml": "version: 2\nmodels:\n  - name: m\n    columns:\n      - name: c\n        data_tests:" + strings.Join(vals, "") + "\n",
	})
	const file = "models/props.yml/accepted_values_m_c__a_.sql"
	check := func(step string) {
		t.Helper()
		nodes := compiledNodes(t, dir)
		last, n := "", 0
		for id, node := range nodes {
			if strings.HasPrefix(id, "test.shop.accepted_values_m_c__a_.") {
				n++
				if !strings.HasSuffix(node.CompiledPath, file) {
					t.Fatalf("%s: %s compiled_path %q; want it to end in %s", step, id, node.CompiledPath, file)
				}
				last = max(last, id)
			}
		}
		if n != len(vals) {
			t.Fatalf("%s: %d tests named accepted_values_m_c__a_, want %d", step, n, len(vals))
		}
		if got, want := compiledFile(t, dir, file), nodes[last].CompiledCode; got != want {
			t.Errorf("%s: %s holds\n%s\nwant the SQL of %s:\n%s", step, file, got, last, want)
		}
	}
	for round := range 3 {
		for _, threads := range []string{"1", "4"} {
			step := fmt.Sprintf("round %d, fresh, %s threads", round, threads)
			if res := elt(t, dir, "compile", "--no-partial-parse", "--threads", threads); res.code != 0 {
				t.Fatalf("%s: exit %d\n%s\n%s", step, res.code, res.stdout, res.stderr)
			}
			check(step)
		}
		compileStats(t, dir, nil, "--threads", "4")
		check(fmt.Sprintf("round %d, caches", round))
		// A change that leaves every test as it was, then one that
		// changes the SQL of all of them.
		writeFiles(t, dir, map[string]string{"models/m.sql": fmt.Sprintf("select 'a%%' as c -- %d\n", round)})
		compileStats(t, dir, nil, "--threads", "4")
		check(fmt.Sprintf("round %d, caches after a change", round))
		writeFiles(t, dir, map[string]string{"models/props.yml": strings.Replace(
			"version: 2\nmodels:\n  - name: m\n    columns:\n      - name: c\n        data_tests:"+strings.Join(vals, "")+"\n",
			"accepted_values:", fmt.Sprintf("accepted_values:\n              config: {where: \"c <> 'x%d'\"}", round), -1)})
		compileStats(t, dir, nil, "--threads", "4")
		check(fmt.Sprintf("round %d, caches after the tests changed", round))
	}
	// target/run keeps the statements of the same test. (All but the
	// test of 'a%' fail: the build exits 1.)
	for round := range 3 {
		if res := elt(t, dir, "build", "--threads", "4"); res.code != 1 || !strings.Contains(res.stdout, "PASS=2 WARN=0 ERROR=7") {
			t.Fatalf("build: exit %d, want 1 with 7 tests failing\n%s\n%s", res.code, res.stdout, res.stderr)
		}
		check(fmt.Sprintf("build %d", round))
		b, err := os.ReadFile(filepath.Join(dir, "target", "run", "shop", file))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(b), compiledFile(t, dir, file); !strings.Contains(got, strings.TrimSpace(want)) {
			t.Errorf("build %d: target/run/shop/%s holds\n%s\nwant the statements of the test compiled into target/compiled:\n%s", round, file, got, want)
		}
	}
}

// TestCompileIsIncremental: elt compile renders is_incremental() as dbt
// compile does, from whether the model's table exists in the warehouse;
// its config's full_refresh makes it false without asking.
func TestCompileIsIncremental(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"dbt_project.yml": "name: shop\nversion: \"1.0\"\nprofile: shop\n",
		"profiles.yml":    "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: w.duckdb\n",
		"models/inc.sql":  "{{ config(materialized='incremental') }}\nselect 1 as id{% if is_incremental() %} where id > (select max(id) from {{ this }}){% endif %}\n",
		"models/full.sql": "{{ config(materialized='incremental', full_refresh=true) }}\nselect 1 as id{% if is_incremental() %} where false{% endif %}\n",
	})
	compile := func(step string) {
		t.Helper()
		if res := elt(t, dir, "compile"); res.code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", step, res.code, res.stdout, res.stderr)
		}
	}
	compile("before the first run")
	if got := compiledFile(t, dir, "models/inc.sql"); strings.Contains(got, "where") {
		t.Errorf("before the first run, inc.sql = %q; want no incremental filter", got)
	}
	if res := elt(t, dir, "run"); res.code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	compile("after the first run")
	if got, want := compiledFile(t, dir, "models/inc.sql"), `where id > (select max(id) from "w"."main"."inc")`; !strings.Contains(got, want) {
		t.Errorf("after the first run, inc.sql = %q; want it to hold %q", got, want)
	}
	if got := compiledFile(t, dir, "models/full.sql"); strings.Contains(got, "where") {
		t.Errorf("full.sql (full_refresh: true) = %q; want no incremental filter", got)
	}
	// docs generate compiles as compile does: its compiled files and
	// manifest carry the incremental filter too.
	if res := elt(t, dir, "docs", "generate"); res.code != 0 {
		t.Fatalf("docs generate: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if got, want := compiledFile(t, dir, "models/inc.sql"), `where id > (select max(id) from "w"."main"."inc")`; !strings.Contains(got, want) {
		t.Errorf("after docs generate, inc.sql = %q; want it to hold %q", got, want)
	}
	var man struct {
		Nodes map[string]struct {
			CompiledCode string `json:"compiled_code"`
		} `json:"nodes"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &man); err != nil {
		t.Fatal(err)
	}
	if got := man.Nodes["model.shop.inc"].CompiledCode; !strings.Contains(got, "where id >") {
		t.Errorf("docs generate: manifest compiled_code of inc = %q; want the incremental filter", got)
	}
	if res := elt(t, dir, "compile", "--full-refresh"); res.code != 0 {
		t.Fatalf("compile --full-refresh: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if got := compiledFile(t, dir, "models/inc.sql"); strings.Contains(got, "where") {
		t.Errorf("compile --full-refresh: inc.sql = %q; want no incremental filter", got)
	}
}

// TestCompileOutputJSON: --output json prints the compiled SQL of one
// selected node, or of --inline, as dbt's {"node": ..., "compiled": ...}.
func TestCompileOutputJSON(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, introspectProject)
	// The message is what dbt prints, Python's json.dumps(..., indent=2):
	// "node" first, non-ASCII characters escaped (astral ones as surrogate
	// pairs), <, > and & as they are.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-s", "plain"}, "{\n  \"node\": \"plain\",\n  \"compiled\": \"select 1 as id\"\n}"},
		{[]string{"--inline", "select '<&>' from {{ ref('plain') }}"}, "{\n  \"compiled\": \"select '<&>' from \\\"w\\\".\\\"main\\\".\\\"plain\\\"\"\n}"},
		{[]string{"--inline", "select 'café ☕ 𝄞'"}, "{\n  \"compiled\": \"select 'caf\\u00e9 \\u2615 \\ud834\\udd1e'\"\n}"},
	} {
		res := elt(t, dir, append([]string{"compile", "--output", "json", "--log-format", "json"}, c.args...)...)
		if res.code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", c.args, res.code, res.stdout, res.stderr)
		}
		var msg string
		for _, line := range strings.Split(res.stdout, "\n") {
			var ev struct{ Info struct{ Name, Msg string } }
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Info.Name == "CompiledNode" {
				msg = ev.Info.Msg
			}
		}
		if msg != c.want {
			t.Errorf("%v: printed\n%s\nwant\n%s", c.args, msg, c.want)
		}
	}
	if res := elt(t, dir, "compile", "--output", "yaml"); res.code != 2 {
		t.Errorf("--output yaml: exit %d, want 2", res.code)
	}
}

// TestCompileNoIntrospect: --no-introspect (or DBT_INTROSPECT=false), as in
// dbt, keeps elt compile off the warehouse: a render that queries it
// fails, saying why, and one that does not compiles.
func TestCompileNoIntrospect(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, introspectProject)
	for _, c := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"compile", "--no-introspect"}, nil},
		{[]string{"compile", "--introspect=false"}, nil},
		{[]string{"compile"}, map[string]string{"DBT_INTROSPECT": "false"}},
	} {
		res := eltWith(t, dir, c.env, c.args...)
		if res.code == 0 {
			t.Fatalf("%v %v: compiled, want wide.sql's introspection refused", c.args, c.env)
		}
		if out := res.stdout + res.stderr; !strings.Contains(out, "models/wide.sql") || !strings.Contains(out, "which --no-introspect forbids") {
			t.Errorf("%v %v: output lacks the refusal at models/wide.sql:\n%s", c.args, c.env, out)
		}
		if res := eltWith(t, dir, c.env, append(c.args, "-s", "plain")...); res.code != 0 {
			t.Errorf("%v -s plain: exit %d\n%s%s", c.args, res.code, res.stdout, res.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "w.duckdb")); !os.IsNotExist(err) {
		t.Errorf("the warehouse was opened (stat: %v)", err)
	}
}

// TestCompileInline: elt compile --inline compiles a query in the
// project's context and prints it, as dbt compile --inline does, asking the
// warehouse when the query does; it writes no artifact.
func TestCompileInline(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, introspectProject)
	execDuckDB(t, filepath.Join(dir, "w.duckdb"), "create schema raw", "create table raw.people (id integer, full_name varchar)")
	for _, c := range []struct{ sql, want string }{
		{"select * from {{ ref('plain') }} limit 3", `select * from "w"."main"."plain" limit 3`},
		{"{% set cols = adapter.get_columns_in_relation(source('raw', 'people')) %}select {{ cols | length }} as n", "select 2 as n"},
	} {
		res := elt(t, dir, "compile", "--inline", c.sql)
		if res.code != 0 {
			t.Fatalf("compile --inline %q: exit %d\n%s\n%s", c.sql, res.code, res.stdout, res.stderr)
		}
		if !strings.Contains(res.stdout, "Compiled inline node is:") || !strings.Contains(res.stdout, c.want) {
			t.Errorf("compile --inline %q printed\n%s\nwant %q after \"Compiled inline node is:\"", c.sql, res.stdout, c.want)
		}
	}
	for _, artifact := range []string{"manifest.json", "compiled"} {
		if _, err := os.Stat(filepath.Join(dir, "target", artifact)); !os.IsNotExist(err) {
			t.Errorf("compile --inline wrote target/%s (stat: %v)", artifact, err)
		}
	}
	res := elt(t, dir, "compile", "--inline", "select * from {{ ref('missing') }}")
	if out := res.stdout + res.stderr; res.code != 2 || !strings.Contains(out, "--inline:1") || !strings.Contains(out, "depends on a node named 'missing' which was not found") {
		t.Errorf("compile --inline of a missing ref: exit %d\n%s", res.code, out)
	}
	if res := elt(t, dir, "compile", "--inline", "select 1", "-s", "plain"); res.code != 2 {
		t.Errorf("compile --inline with --select: exit %d, want 2\n%s%s", res.code, res.stdout, res.stderr)
	}
}
