package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dbt-duckdb's file features, end to end through the CLI: sources read in
// place from files (external_location), models written to files
// (materialized='external'), register_upstream_external_models(), attached
// databases and extensions.

// queryIn runs query on the project's p.duckdb, read-only, resolving
// relative file paths against dir as elt does, and returns the rows as
// "a|b" lines in the query's order.
func queryIn(t *testing.T, dir, query string) string {
	t.Helper()
	db, err := sql.Open("duckdb", filepath.Join(dir, "p.duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("set file_search_path = '" + strings.ReplaceAll(dir, "'", "''") + "'"); err != nil {
		t.Fatal(err)
	}
	return queryRows(t, db, query)
}

func queryRows(t *testing.T, db *sql.DB, query string) string {
	t.Helper()
	r, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	var lines []string
	for r.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			if v.Valid {
				parts[i] = v.String
			}
		}
		lines = append(lines, strings.Join(parts, "|"))
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// writeParquet writes the rows of query to path as Parquet, with DuckDB.
func writeParquet(t *testing.T, path, query string) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("copy (" + query + ") to '" + path + "' (format parquet)"); err != nil {
		t.Fatal(err)
	}
}

func readManifest(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func compiledSQL(t *testing.T, dir, model string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "p", "models", model+".sql"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestExternalSources: source tables whose meta or config sets
// external_location read CSV, JSON and Parquet files in place; the
// table's setting overrides the source's; the three formatters of
// dbt-duckdb fill in the fields; the manifest still lists the sources as
// dependencies and names them by their location.
func TestExternalSources(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "data/people.csv", "id,name\n1,ann\n2,bob\n")
	writeFile(t, dir, "data/ev/a.json", `{"id": 1, "kind": "click"}`+"\n"+`{"id": 2, "kind": "view"}`+"\n")
	writeFile(t, dir, "data/ev/b.json", `{"id": 3, "kind": "click"}`+"\n")
	writeParquet(t, filepath.Join(dir, "data", "orders_1.parquet"), "select 1 as id, 10 as amount")
	writeParquet(t, filepath.Join(dir, "data", "orders_2.parquet"), "select 2 as id, 20 as amount")
	writeFile(t, dir, "data/tagged_x.csv", "id\n7\n")
	writeFile(t, dir, "data/tmpl.csv", "id\n8\n")
	writeFile(t, dir, "data/cfgsrc_things.csv", "id\n9\n")
	writeFile(t, dir, "models/sources.yml", `version: 2
sources:
  - name: raw
    meta:
      external_location: "data/{name}.csv"
    tables:
      - name: people
        columns:
          - name: id
            data_tests: [not_null, unique]
      - name: events
        identifier: ev
        config:
          external_location: "read_json('data/{identifier}/*.json')"
      - name: orders
        meta:
          external_location: "data/orders_*.parquet"
      - name: tagged
        config:
          external_location: "data/%(name)s_%(extra)s.csv"
          formatter: oldstyle
          extra: x
      - name: tmpl
        config:
          external_location: "read_csv('data/${name}.csv', header = true)"
          formatter: template
  - name: cfgsrc
    config:
      external_location: "data/{schema}_{name}.csv"
    tables:
      - name: things
`)
	writeFile(t, dir, "models/people.sql", "{{ config(materialized='table') }}\nselect id, name from {{ source('raw', 'people') }}\n")
	writeFile(t, dir, "models/clicks.sql", "{{ config(materialized='table') }}\nselect count(*) as n from {{ source('raw', 'events') }} where kind = 'click'\n")
	writeFile(t, dir, "models/orders.sql", "{{ config(materialized='table') }}\nselect cast(sum(amount) as integer) as total from {{ source('raw', 'orders') }}\n")
	writeFile(t, dir, "models/others.sql", "{{ config(materialized='table') }}\n"+
		"select id from {{ source('raw', 'tagged') }} union all select id from {{ source('raw', 'tmpl') }} union all select id from {{ source('cfgsrc', 'things') }}\n"+
		"{% set cols = adapter.get_columns_in_relation(source('raw', 'people')) %}\n"+
		"union all select {{ cols | length }}\n")
	mustElt(t, dir, "build")

	for rel, want := range map[string]string{
		"main.people": "1|ann\n2|bob",
		"main.clicks": "2",
		"main.orders": "30",
		"main.others": "2\n7\n8\n9",
	} {
		if got := queryIn(t, dir, "select * from "+rel+" order by all"); got != want {
			t.Errorf("%s:\n got %q\nwant %q", rel, got, want)
		}
	}
	for model, want := range map[string]string{
		"people": "from 'data/people.csv'",
		"clicks": "from read_json('data/ev/*.json')",
		"orders": "from 'data/orders_*.parquet'",
		"others": "from 'data/tagged_x.csv' union all select id from read_csv('data/tmpl.csv', header = true) union all select id from 'data/cfgsrc_things.csv'",
	} {
		if got := compiledSQL(t, dir, model); !strings.Contains(got, want) {
			t.Errorf("compiled %s lacks %q:\n%s", model, want, got)
		}
	}
	m := readManifest(t, dir)
	node := m["nodes"].(map[string]any)["model.p.people"].(map[string]any)
	deps := node["depends_on"].(map[string]any)["nodes"].([]any)
	if len(deps) != 1 || deps[0] != "source.p.raw.people" {
		t.Errorf("model.p.people depends_on.nodes = %v", deps)
	}
	src := m["sources"].(map[string]any)["source.p.raw.events"].(map[string]any)
	if src["relation_name"] != "read_json('data/ev/*.json')" {
		t.Errorf("source relation_name = %v", src["relation_name"])
	}
}

// TestExternalModels: materialized='external' writes Parquet and CSV
// files (partitioned too) under the target path, leaves a view over them
// that refs read, rewrites them on a rerun, and
// register_upstream_external_models() in on-run-start recreates the view
// of an unselected upstream model.
func TestExternalModels(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/items.csv", "id,cat,amount\n1,a,10\n2,a,20\n3,b,30\n")
	writeFile(t, dir, "models/ext_parquet.sql", "{{ config(materialized='external') }}\nselect id, cat, amount from {{ ref('items') }}\n")
	writeFile(t, dir, "models/ext_csv.sql", "{{ config(materialized='external', format='csv', delimiter='|') }}\nselect id, amount from {{ ref('items') }}\n")
	writeFile(t, dir, "models/ext_parts.sql", "{{ config(materialized='external', options={'partition_by': 'cat', 'overwrite': true}) }}\nselect id, cat, amount from {{ ref('items') }}\n")
	writeFile(t, dir, "models/ext_csv_parts.sql", "{{ config(materialized='external', format='csv', options={'partition_by': 'cat', 'overwrite': true}) }}\nselect id, cat from {{ ref('items') }}\n")
	writeFile(t, dir, "models/ext_empty.sql", "{{ config(materialized='external') }}\nselect id, cat from {{ ref('items') }} where false\n")
	writeFile(t, dir, "models/summary.sql", `{{ config(materialized='table') }}
select
  (select sum(amount) from {{ ref('ext_parquet') }})::int as parquet_total,
  (select sum(amount) from {{ ref('ext_csv') }})::int as csv_total,
  (select string_agg(cat || ':' || amount, ',' order by id) from {{ ref('ext_parts') }}) as parts,
  (select string_agg(cat || ':' || id, ',' order by id) from {{ ref('ext_csv_parts') }}) as csv_parts,
  (select count(*) from {{ ref('ext_empty') }})::int as empty_rows
`)
	res := mustElt(t, dir, "build")
	if !strings.Contains(res.stdout, "OK created sql external model main.ext_parquet") {
		t.Errorf("no external model line:\n%s", res.stdout)
	}
	check := func(want string) {
		t.Helper()
		if got := queryIn(t, dir, "select * from main.summary"); got != want {
			t.Errorf("summary:\n got %s\nwant %s", got, want)
		}
	}
	check("60|60|a:10,a:20,b:30|a:1,a:2,b:3|0")

	// The files are where dbt-duckdb's external_location puts them, under
	// the target path, and hold the rows.
	target := filepath.Join(dir, "target")
	mem, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	for q, want := range map[string]string{
		"select count(*) from read_parquet('" + target + "/ext_parquet.parquet')":                                  "3",
		"select count(*) from read_csv('" + target + "/ext_csv.csv', delim='|', header=true)":                      "3",
		"select string_agg(amount, ',' order by id) from read_parquet('" + target + "/ext_parts/cat=a/*.parquet')": "10,20",
		"select count(*) from read_csv('" + target + "/ext_csv_parts/cat=b/*.csv')":                                "1",
		"select count(*) from read_parquet('" + target + "/ext_empty.parquet')":                                    "1", // the row of nulls
	} {
		if got := queryRows(t, mem, q); got != want {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}
	if got := queryIn(t, dir, "select table_type from information_schema.tables where table_name = 'ext_parquet'"); got != "VIEW" {
		t.Errorf("ext_parquet is a %s, want a VIEW", got)
	}
	if got := queryIn(t, dir, "select string_agg(column_name, ',' order by ordinal_position) from information_schema.columns where table_name = 'ext_empty'"); got != "id,cat" {
		t.Errorf("ext_empty columns: %s", got)
	}

	// A rerun with changed rows rewrites every file.
	writeFile(t, dir, "seeds/items.csv", "id,cat,amount\n1,a,11\n2,b,22\n")
	mustElt(t, dir, "build")
	check("33|33|a:11,b:22|a:1,b:2|0")
	entries, _ := os.ReadDir(target)
	for _, e := range entries {
		if strings.Contains(e.Name(), "elt-tmp") {
			t.Errorf("left behind: %s", e.Name())
		}
	}

	// A run of summary alone, after the upstream view is gone: on-run-start's
	// register_upstream_external_models() recreates it over the file.
	execDuckDB(t, filepath.Join(dir, "p.duckdb"), "drop view main.ext_parquet")
	if res := elt(t, dir, "run", "--select", "summary"); res.code == 0 {
		t.Fatalf("summary ran without its upstream view:\n%s", res.stdout)
	}
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\non-run-start:\n  - \"{{ register_upstream_external_models() }}\"\n")
	mustElt(t, dir, "run", "--select", "summary")
	check("33|33|a:11,b:22|a:1,b:2|0")
	if got := queryIn(t, dir, "select count(*) from main.ext_parquet"); got != "2" {
		t.Errorf("recreated view has %s rows", got)
	}
}

// TestExternalModelLocations: external_root and location put files where
// the profile and model say, relative to the working directory; a
// partitioned model without overwrite fails its rerun as DuckDB and
// dbt-duckdb do, saying what to set.
func TestExternalModelLocations(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      external_root: exports\n")
	writeFile(t, dir, "models/a.sql", "{{ config(materialized='external') }}\nselect 1 as x\n")
	writeFile(t, dir, "models/b.sql", "{{ config(materialized='external', location='elsewhere/b_file.json') }}\nselect 2 as x\n")
	writeFile(t, dir, "models/c.sql", "{{ config(materialized='external', options={'partition_by': 'x'}) }}\nselect 3 as x, 4 as y\n")
	writeFile(t, dir, "models/d.sql", "select (select x from {{ ref('a') }}) + (select x from {{ ref('b') }}) + (select y from {{ ref('c') }}) as v\n")
	mustElt(t, dir, "run")
	for _, f := range []string{"exports/a.parquet", "elsewhere/b_file.json", "exports/c/x=3"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	if got := queryIn(t, dir, "select v from main.d"); got != "7" {
		t.Errorf("d = %s", got)
	}
	if got := queryIn(t, dir, "select sql like '%read_json(''elsewhere/b_file.json''%' from duckdb_views() where view_name = 'b'"); got != "true" {
		t.Errorf("view b does not read the location as written: %s", got)
	}
	res := elt(t, dir, "run", "--select", "c")
	if res.code != 1 || !strings.Contains(res.stdout, "models/c.sql") || !strings.Contains(res.stdout, "overwrite: true") {
		t.Errorf("rerun of a partitioned model without overwrite: exit %d\n%s", res.code, res.stdout)
	}
}

// profileProject writes a project p with the given duckdb target lines
// (indented under the target) and returns its folder.
func profileProject(t *testing.T, targetLines string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n"+targetLines)
	return dir
}

// TestAttach: databases under attach: are attached at connect, a
// read-only one refuses writes, and its tables serve as sources
// (database: alias); one without an alias is named after its file.
func TestAttach(t *testing.T) {
	dir := profileProject(t, "      attach:\n        - path: crm.duckdb\n          alias: crm_ro\n          read_only: true\n        - path: sub/scratch.duckdb\n")
	execDuckDB(t, filepath.Join(dir, "crm.duckdb"), "create schema raw; create table raw.customers as select * from (values (1, 'ann'), (2, 'bob')) t(id, name)")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "models/sources.yml", `version: 2
sources:
  - name: crm
    database: crm_ro
    schema: raw
    tables:
      - name: customers
        columns:
          - name: id
            data_tests: [unique]
`)
	writeFile(t, dir, "models/customers.sql", "{{ config(materialized='table') }}\nselect id, upper(name) as name from {{ source('crm', 'customers') }}\n")
	writeFile(t, dir, "models/scratch_copy.sql", "{{ config(materialized='table', database='scratch') }}\nselect count(*)::int as n from {{ ref('customers') }}\n")
	mustElt(t, dir, "build")
	if got := queryIn(t, dir, "select * from main.customers order by id"); got != "1|ANN\n2|BOB" {
		t.Errorf("customers: %s", got)
	}
	scratch, err := sql.Open("duckdb", filepath.Join(dir, "sub", "scratch.duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	if got := queryRows(t, scratch, "select n from main.scratch_copy"); got != "2" {
		t.Errorf("scratch.main.scratch_copy: %s", got)
	}
	scratch.Close()

	writeFile(t, dir, "models/writer.sql", "{{ config(materialized='table', database='crm_ro') }}\nselect 1 as x\n")
	// The run creates its schemas first, as dbt does: that fails.
	res := elt(t, dir, "run", "--select", "writer")
	if out := res.stdout + res.stderr; res.code != 1 || !strings.Contains(out, "models/writer.sql") || !strings.Contains(strings.ToLower(out), "read-only") {
		t.Errorf("a write to the read-only database: exit %d\n%s", res.code, res.stdout)
	}
}

// TestProfileDatabaseIsAttachAlias: as in dbt-duckdb, the target database
// may be an attached database's alias; models are built there.
func TestProfileDatabaseIsAttachAlias(t *testing.T) {
	dir := profileProject(t, "      database: wh\n      attach:\n        - path: warehouse.duckdb\n          alias: wh\n")
	writeFile(t, dir, "models/m.sql", "{{ config(materialized='table') }}\nselect 42 as answer\n")
	mustElt(t, dir, "run")
	db, err := sql.Open("duckdb", filepath.Join(dir, "warehouse.duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := queryRows(t, db, "select answer from main.m"); got != "42" {
		t.Errorf("wh.main.m: %s", got)
	}
}

// TestProfileExtensionsAndUnsupported: extensions built into elt load
// offline; one that would need a download, an attached database of a type
// elt cannot read and dbt-duckdb keys elt does not support all stop the
// command before anything runs, at their line in profiles.yml.
func TestProfileExtensionsAndUnsupported(t *testing.T) {
	// DuckDB looks for installed extensions under $HOME/.duckdb: an empty
	// home makes sure nothing but what is built in is there.
	t.Setenv("HOME", t.TempDir())
	dir := profileProject(t, "      extensions:\n        - json\n        - name: parquet\n          repo: core\n")
	writeFile(t, dir, "models/m.sql", "{{ config(materialized='table') }}\nselect (select count(*) from read_json_objects('data.json'))::int as n\n")
	writeFile(t, dir, "data.json", `{"a": 1}`+"\n"+`{"a": 2}`+"\n")
	mustElt(t, dir, "run")
	if got := queryIn(t, dir, "select n from main.m"); got != "2" {
		t.Errorf("m: %s", got)
	}

	cases := []struct {
		name, lines string
		want        []string
	}{
		{"extension needing a download", "      extensions:\n        - json\n        - spatial\n",
			[]string{"profiles.yml:9:11", "extensions[1]", "extension spatial is not built into elt", "never downloads", "hint:", "json"}},
		{"unknown extension", "      extensions: [no_such_ext]\n",
			[]string{"profiles.yml:7:20", "extension no_such_ext is not built into elt"}},
		{"sqlite attach", "      attach:\n        - path: other.db\n          type: sqlite\n",
			[]string{"profiles.yml:9:11", "attach[0].type", "sqlite_scanner extension", "never downloads"}},
		{"attach secret", "      attach:\n        - path: s3://bucket/x.duckdb\n          secret: mine\n",
			[]string{"profiles.yml:9:11", "attach[0].secret", "elt does not support DuckDB secrets"}},
		{"attach unknown key", "      attach:\n        - path: x.duckdb\n          aliass: y\n",
			[]string{"profiles.yml:9:11", "an attach entry has no key \"aliass\""}},
		{"plugins", "      plugins:\n        - module: excel\n",
			[]string{"profiles.yml:7:7", "plugins: elt does not run dbt-duckdb's plugins"}},
		{"unknown key", "      extentions: [json]\n",
			[]string{"profiles.yml:7:7", "does not support the profile key \"extentions\"", "did you mean extensions?"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := profileProject(t, c.lines)
			writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\non-run-start:\n  - \"create table main.started as select 1 as x\"\n")
			writeFile(t, dir, "models/m.sql", "select 1 as x\n")
			res := elt(t, dir, "run")
			out := res.stdout + res.stderr
			if res.code == 0 {
				t.Fatalf("ran:\n%s", out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "START") || strings.Contains(out, "hook") {
				t.Errorf("something ran:\n%s", out)
			}
		})
	}
}

// TestRemoteFilesNeedAnExtension: an s3:// source or external model
// location, with httpfs neither built in nor loaded, stops the run before
// anything runs, at the source's or model's file, saying why.
func TestRemoteFilesNeedAnExtension(t *testing.T) {
	dir := miniProject(t, "on-run-start:\n  - \"create table main.started as select 1 as x\"\n")
	writeFile(t, dir, "models/sources.yml", `version: 2
sources:
  - name: lake
    tables:
      - name: events
        meta:
          external_location: "read_parquet('s3://bucket/{name}/*.parquet')"
`)
	writeFile(t, dir, "models/a.sql", "select * from {{ source('lake', 'events') }}\n")
	writeFile(t, dir, "models/b.sql", "{{ config(materialized='external', location='s3://bucket/out/b.parquet') }}\nselect 1 as x\n")
	res := elt(t, dir, "run")
	out := res.stdout + res.stderr
	for _, w := range []string{
		"models/sources.yml:5:9: source lake.events: elt cannot read or write s3://bucket/events/*.parquet",
		"models/b.sql", "s3://bucket/out/b.parquet", "httpfs extension", "never downloads",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if res.code != 1 || strings.Contains(out, "START") || strings.Contains(out, "hook") {
		t.Errorf("exit %d; something ran:\n%s", res.code, out)
	}
}
