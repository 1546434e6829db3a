package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/internal/benchgen"
	"github.com/elt-dev/elt/internal/sharedtest"
)

// cacheProject is a small project with every kind of file a render may
// depend on: a macro, properties YAML, a seed, a snapshot, an installed
// package's macro, vars, env_var() in a model and in YAML, two targets,
// and models that read what differs between invocations.
var cacheProject = map[string]string{
	"dbt_project.yml": `name: shop
version: "1.0"
profile: shop
vars:
  rate: 2
models:
  shop:
    +materialized: view
`,
	"profiles.yml": `shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: shop.duckdb
      schema: main
    prod:
      type: duckdb
      path: shop.duckdb
      schema: prod
`,
	"macros/money.sql":  "{% macro cents(col) -%}({{ col }} / 100){%- endmacro %}\n",
	"models/a.sql":      "{{ config(alias='a_tbl') }}\nselect 1 as id, {{ cents('x') }} as c, {{ var('rate') }} as r\n",
	"models/b.sql":      "select * from {{ ref('a') }}\n",
	"models/c.sql":      "select {{ pkg.pkg_money('y') }} as y\n",
	"models/e.sql":      "select '{{ env_var('ELT_TEST_REGION', 'eu') }}' as region\n",
	"models/v.sql":      "select '{{ invocation_id }}' as inv, '{{ run_started_at }}' as t\n",
	"models/schema.yml": "version: 2\nmodels:\n  - name: b\n    config:\n      tags: [\"{{ env_var('ELT_TEST_TAG', 'plain') }}\"]\n    columns:\n      - name: id\n        tests: [not_null]\n",
	"seeds/s.csv":       "id\n1\n",
	"snapshots/snap.sql": `{% snapshot snap %}
{{ config(target_schema='snaps', unique_key='id', strategy='check', check_cols='all') }}
select * from {{ ref('s') }}
{% endsnapshot %}
`,
	"dbt_packages/pkg/dbt_project.yml":  "name: pkg\nversion: \"1.0\"\n",
	"dbt_packages/pkg/macros/money.sql": "{% macro pkg_money(col) -%}{{ col }} * 100{%- endmacro %}\n",
}

// eltWith runs the CLI in-process with env as the process environment.
func eltWith(t *testing.T, dir string, env map[string]string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) {
		if v, ok := env[k]; ok {
			return v, true
		}
		return os.LookupEnv(k)
	}
	e := environment{lookupEnv: lookup, workDir: dir, homeDir: t.TempDir()}
	code := runWith(context.Background(), args, &out, &errb, e)
	return cliResult{code: code, stdout: out.String(), stderr: errb.String()}
}

type renderCacheStats struct {
	ParseHits     int `json:"parse_hits"`
	ParseMisses   int `json:"parse_misses"`
	CompileHits   int `json:"compile_hits"`
	CompileMisses int `json:"compile_misses"`
}

// compileStats runs elt compile with JSON logs and returns the render
// cache's statistics.
func compileStats(t *testing.T, dir string, env map[string]string, args ...string) renderCacheStats {
	t.Helper()
	res := eltWith(t, dir, env, append([]string{"compile", "--no-check", "--log-format", "json"}, args...)...)
	if res.code != 0 {
		t.Fatalf("compile: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	for _, line := range strings.Split(res.stdout, "\n") {
		var ev struct {
			Info struct{ Name string }
			Data renderCacheStats
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Info.Name == "RenderCacheStats" {
			return ev.Data
		}
	}
	t.Fatalf("no RenderCacheStats event in\n%s", res.stdout)
	return renderCacheStats{}
}

// coldCompile compiles dir with no cache yet: every one of its n nodes
// renders.
func coldCompile(t *testing.T, dir string, n int) {
	t.Helper()
	want := renderCacheStats{ParseMisses: n, CompileMisses: n}
	if got := compileStats(t, dir, nil); got != want {
		t.Fatalf("cold compile: %+v; want %+v", got, want)
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func compiledFile(t *testing.T, dir, rel string) string {
	t.Helper()
	if strings.HasPrefix(rel, "snapshots/") {
		// dbt writes no compiled file for a snapshot: the compiled code
		// of the file's snapshots is in the manifest.
		var codes []string
		for _, v := range readManifest(t, dir)["nodes"].(map[string]any) {
			if n := v.(map[string]any); n["resource_type"] == "snapshot" && n["original_file_path"] == rel {
				codes = append(codes, jsonString(n["compiled_code"]))
			}
		}
		if len(codes) == 0 {
			t.Fatalf("no snapshot of %s in the manifest", rel)
		}
		sort.Strings(codes)
		return strings.Join(codes, "\n")
	}
	b, err := os.ReadFile(filepath.Join(dir, "target/compiled/shop", rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRenderCacheUsedWhenNothingChanged(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, cacheProject)
	cold := compileStats(t, dir, nil)
	if cold.ParseHits != 0 || cold.CompileHits != 0 || cold.ParseMisses == 0 {
		t.Fatalf("first compile: %+v; want no hits", cold)
	}
	before := compiledFile(t, dir, "models/b.sql")
	warm := compileStats(t, dir, nil)
	// v.sql reads invocation_id and run_started_at: rendered every time.
	want := renderCacheStats{ParseHits: cold.ParseMisses - 1, ParseMisses: 1, CompileHits: cold.CompileMisses - 1, CompileMisses: 1}
	if warm != want {
		t.Errorf("second compile: %+v; want %+v", warm, want)
	}
	if got := compiledFile(t, dir, "models/b.sql"); got != before || got != `select * from "shop"."main"."a_tbl"` {
		t.Errorf("b compiled from the cache: %q (before: %q)", got, before)
	}
	// --no-partial-parse renders everything: no cache, so no statistics.
	if res := eltWith(t, dir, nil, "compile", "--no-check", "--log-format", "json", "--no-partial-parse"); res.code != 0 || strings.Contains(res.stdout, "RenderCacheStats") {
		t.Errorf("--no-partial-parse: exit %d, %s", res.code, res.stdout)
	}
	// elt ls reads the cache (and renders only what changed).
	res := eltWith(t, dir, nil, "ls", "--resource-type", "model", "--output", "name", "--log-format", "json")
	if res.code != 0 || res.stdout != "a\nb\nc\ne\nv\n" {
		t.Errorf("ls: %d %q %s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stderr, fmt.Sprintf(`"parse_hits":%d,"parse_misses":1`, cold.ParseMisses-1)) {
		t.Errorf("ls did not reuse the parse renders: %s", res.stderr)
	}
}

// TestRenderCacheKeepsAcrossSettings: the environment variables that
// choose elt's settings (a debug log level, the printer width, colours)
// and not what the project renders leave the renders cached; an env var
// the project's YAML reads does not (TestRenderCacheInvalidation).
func TestRenderCacheKeepsAcrossSettings(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, cacheProject)
	cold := compileStats(t, dir, nil)
	// v.sql reads invocation_id and run_started_at: rendered every time.
	want := renderCacheStats{ParseHits: cold.ParseMisses - 1, ParseMisses: 1, CompileHits: cold.CompileMisses - 1, CompileMisses: 1}
	for _, env := range []map[string]string{
		{"DBT_LOG_LEVEL": "debug", "DBT_PRINTER_WIDTH": "100", "DBT_USE_COLORS": "false"},
		nil,
		{"DBT_VERSION_CHECK": "false", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
	} {
		if got := compileStats(t, dir, env); got != want {
			t.Errorf("compile with %v: %+v; want %+v", env, got, want)
		}
	}
	if got := compiledFile(t, dir, "models/b.sql"); got != `select * from "shop"."main"."a_tbl"` {
		t.Errorf("b compiled from the cache: %q", got)
	}
}

// TestRenderCacheStoreFailures: should_store_failures() answers from
// --store-failures when a test's config does not say, and dbt's not_null
// selects every column only then: each build's compiled file shows its own
// setting, whatever the last one was (the compile cache's key holds it).
func TestRenderCacheStoreFailures(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id, 'x' as name\n")
	writeFile(t, dir, "models/props.yml", "models:\n  - name: m\n    columns:\n      - name: id\n        data_tests: [not_null]\n")
	compiled := func() string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "target/compiled/p/models/props.yml/not_null_m_id.sql"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(b)), " ")
	}
	for _, step := range []struct {
		args []string
		want string
	}{
		{nil, "select id from"},
		{[]string{"--store-failures"}, "select * from"},
		{nil, "select id from"},
		{[]string{"--store-failures"}, "select * from"},
	} {
		mustElt(t, dir, append([]string{"build"}, step.args...)...)
		if got := compiled(); !strings.HasPrefix(got, step.want) {
			t.Errorf("build %v compiled not_null to %q; want it to start %q", step.args, got, step.want)
		}
	}
}

// TestRenderCacheEmpty: --empty changes what ref() and source() print in
// compiled SQL, not what a parse render captures (dbt's partial parsing
// ignores it too). Switching it compiles every node again but renders no
// parse again (v aside), the same setting twice reuses both, and each
// compile's files show its own setting.
func TestRenderCacheEmpty(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, cacheProject)
	cold := compileStats(t, dir, nil)
	switched := renderCacheStats{ParseHits: cold.ParseMisses - 1, ParseMisses: 1, CompileMisses: cold.CompileMisses}
	same := renderCacheStats{ParseHits: cold.ParseMisses - 1, ParseMisses: 1, CompileHits: cold.CompileMisses - 1, CompileMisses: 1}
	const plain = `select * from "shop"."main"."a_tbl"`
	const empty = `select * from (select * from "shop"."main"."a_tbl" where false limit 0)`
	for i, step := range []struct {
		args []string
		want renderCacheStats
		b    string
	}{
		{[]string{"--empty"}, switched, empty},
		{[]string{"--empty"}, same, empty},
		{nil, switched, plain},
		{nil, same, plain},
		{[]string{"--empty"}, switched, empty},
	} {
		if got := compileStats(t, dir, nil, step.args...); got != step.want {
			t.Errorf("step %d %v: %+v; want %+v", i, step.args, got, step.want)
		}
		if got := strings.TrimSpace(compiledFile(t, dir, "models/b.sql")); got != step.b {
			t.Errorf("step %d %v: b compiled to %q; want %q", i, step.args, got, step.b)
		}
	}
	// The last compile's files (v's invocation_id aside) are an uncached
	// compile's with --empty.
	cached := targetSnapshot(t, dir)
	if res := eltWith(t, dir, nil, "compile", "--no-check", "--no-partial-parse", "--empty"); res.code != 0 {
		t.Fatalf("compile --no-partial-parse --empty: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	fresh := targetSnapshot(t, dir)
	for file, w := range fresh {
		if file != "manifest.json" && !strings.HasSuffix(file, "/v.sql") && cached[file] != w {
			t.Errorf("%s differs from an uncached compile with --empty:\n got %q\nwant %q", file, cached[file], w)
		}
	}
	if len(cached) != len(fresh) || len(fresh) < 6 {
		t.Errorf("%d files compiled with the cache, %d without", len(cached), len(fresh))
	}
}

// TestRenderCacheTargetReads: switching targets renders again the parse
// renders that read the target (directly, through a macro, a var holding
// Jinja, a config() call or adapter.external_root()) and no other, and
// compiles again the nodes that read it or whose relations, or whose
// refs' relations, moved. Each compile equals an uncached one.
func TestRenderCacheTargetReads(t *testing.T) {
	dir := t.TempDir()
	output := func(name, schema, root string) string {
		return "    " + name + ":\n      type: duckdb\n      path: shop.duckdb\n      schema: " + schema + "\n      external_root: " + root + "\n"
	}
	writeFiles(t, dir, map[string]string{
		"dbt_project.yml":      "name: shop\nversion: \"1.0\"\nprofile: shop\nvars:\n  env_name: \"{{ target.name }}\"\n",
		"profiles.yml":         "shop:\n  target: dev\n  outputs:\n" + output("dev", "main", "ext_a") + output("dev2", "main", "ext_a") + output("prod", "prod", "ext_b"),
		"macros/who.sql":       "{% macro who() %}{{ target.name }}{% endmacro %}\n",
		"models/plain.sql":     "select 1 as id\n",
		"models/direct.sql":    "select '{{ target.name }}' as t\n",
		"models/via_macro.sql": "select '{{ who() }}' as t\n",
		"models/via_var.sql":   "select '{{ var('env_name') }}' as t\n",
		"models/cfg.sql":       "{{ config(alias='cfg_' ~ target.name) }}\nselect 1 as id\n",
		"models/down.sql":      "select * from {{ ref('cfg') }}\n",
		"models/ext.sql":       "select '{{ adapter.external_root() }}' as r\n",
	})
	coldCompile(t, dir, 7)
	const readers = 5 // direct, via_macro, via_var, cfg, ext
	for i, step := range []struct {
		target        string
		compileMisses int
		down, direct  string
	}{
		// Another schema: every relation moved.
		{"prod", 7, `select * from "shop"."prod"."cfg_prod"`, "select 'prod' as t"},
		// Back to main: every relation moved again.
		{"dev2", 7, `select * from "shop"."main"."cfg_dev2"`, "select 'dev2' as t"},
		// The same schema under another name: plain compiles from the
		// cache; down's ref moved (cfg's alias reads the name).
		{"dev", readers + 1, `select * from "shop"."main"."cfg_dev"`, "select 'dev' as t"},
		{"dev", 0, `select * from "shop"."main"."cfg_dev"`, "select 'dev' as t"},
	} {
		want := renderCacheStats{ParseHits: 7 - readers, ParseMisses: readers, CompileHits: 7 - step.compileMisses, CompileMisses: step.compileMisses}
		if step.compileMisses == 0 {
			want = renderCacheStats{ParseHits: 7, CompileHits: 7}
		}
		if got := compileStats(t, dir, nil, "--target", step.target); got != want {
			t.Errorf("step %d (--target %s): %+v; want %+v", i, step.target, got, want)
		}
		for file, w := range map[string]string{"models/down.sql": step.down, "models/direct.sql": step.direct} {
			if got := strings.TrimSpace(compiledFile(t, dir, file)); got != w {
				t.Errorf("step %d (--target %s): %s = %q; want %q", i, step.target, file, got, w)
			}
		}
		cached := targetSnapshot(t, dir)
		if res := eltWith(t, dir, nil, "compile", "--no-check", "--no-partial-parse", "--target", step.target); res.code != 0 {
			t.Fatalf("compile --no-partial-parse: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
		}
		fresh := targetSnapshot(t, dir)
		for file, w := range fresh {
			if cached[file] != w {
				t.Errorf("step %d (--target %s): %s differs from an uncached compile:\n got %.300q\nwant %.300q", i, step.target, file, cached[file], w)
			}
		}
		if len(cached) != len(fresh) || len(fresh) != 8 {
			t.Errorf("step %d: %d files compiled with the cache, %d without; want 8", i, len(cached), len(fresh))
		}
	}
}

// TestRenderCacheVarReads: another --vars renders again the renders that
// read a var it changed (directly, through a macro, through another var's
// Jinja, in a config() call, or with a default it now overrides) and no
// other, and compiles again the nodes whose refs' or sources' relations
// moved (a source's schema YAML renders with a var). Each compile equals
// an uncached one with the same --vars.
func TestRenderCacheVarReads(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"dbt_project.yml":      "name: shop\nversion: \"1.0\"\nprofile: shop\nvars:\n  a: 1\n  nested: \"{{ var('a') }}\"\n",
		"profiles.yml":         cacheProject["profiles.yml"],
		"macros/get_a.sql":     "{% macro get_a() %}{{ var('a') }}{% endmacro %}\n",
		"models/plain.sql":     "select 1 as id\n",
		"models/reads_a.sql":   "select {{ var('a') }} as a\n",
		"models/reads_b.sql":   "select {{ var('b', 0) }} as b\n",
		"models/via_macro.sql": "select {{ get_a() }} as a\n",
		"models/nested.sql":    "select {{ var('nested') }} as n\n",
		"models/cfg.sql":       "{{ config(alias='cfg_' ~ var('suffix', 'x')) }}\nselect 1 as id\n",
		"models/down.sql":      "select * from {{ ref('cfg') }}\n",
		"models/sources.yml":   "version: 2\nsources:\n  - name: raw\n    schema: \"{{ var('src_schema', 'raw') }}\"\n    tables:\n      - name: events\n",
		"models/from_src.sql":  "select * from {{ source('raw', 'events') }}\n",
	})
	const models = 8
	coldCompile(t, dir, models)
	for i, step := range []struct {
		vars                       string
		parseMisses, compileMisses int
		file, want                 string
	}{
		// reads_a, via_macro, nested
		{"{a: 2}", 3, 3, "models/nested.sql", "select 2 as n"},
		// reads_b: its default is overridden
		{"{a: 2, b: 7}", 1, 1, "models/reads_b.sql", "select 7 as b"},
		// cfg renders again; down compiles again (its ref moved)
		{"{a: 2, b: 7, suffix: y}", 1, 2, "models/down.sql", `select * from "shop"."main"."cfg_y"`},
		{"{a: 2, b: 7, suffix: y}", 0, 0, "models/via_macro.sql", "select 2 as a"},
		// A var YAML renders: from_src's source moved, so it compiles again.
		{"{a: 2, b: 7, suffix: y, src_schema: raw2}", 0, 1, "models/from_src.sql", `select * from "shop"."raw2"."events"`},
		// every var back to the project's or the default
		{"", 5, 7, "models/reads_a.sql", "select 1 as a"},
	} {
		var args []string
		if step.vars != "" {
			args = []string{"--vars", step.vars}
		}
		want := renderCacheStats{ParseHits: models - step.parseMisses, ParseMisses: step.parseMisses,
			CompileHits: models - step.compileMisses, CompileMisses: step.compileMisses}
		checkCompile(t, dir, fmt.Sprintf("step %d (--vars %s)", i, step.vars), want, step.file, step.want, args...)
	}
}

// checkCompile compiles dir with args and checks the render cache's
// counts, one compiled file's SQL, and that every compiled file equals an
// uncached compile's.
func checkCompile(t *testing.T, dir, what string, want renderCacheStats, file, sql string, args ...string) {
	t.Helper()
	if got := compileStats(t, dir, nil, args...); got != want {
		t.Errorf("%s: %+v; want %+v", what, got, want)
	}
	if got := strings.TrimSpace(compiledFile(t, dir, file)); got != sql {
		t.Errorf("%s: %s = %q; want %q", what, file, got, sql)
	}
	sameAsUncached(t, dir, what, args...)
}

// TestRenderCacheMacroTable: a macro added renders again only the renders
// that may read its name: one that dispatched the name it now overrides,
// one reading a var whose Jinja names it, one whose template tests it.
// Each compile equals an uncached one.
func TestRenderCacheMacroTable(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"dbt_project.yml":                  "name: shop\nversion: \"1.0\"\nprofile: shop\nvars:\n  v: \"{{ maybe() if maybe is defined else 'none' }}\"\n",
		"profiles.yml":                     cacheProject["profiles.yml"],
		"dbt_packages/pkg/dbt_project.yml": "name: pkg\nversion: \"1.0\"\n",
		"dbt_packages/pkg/macros/shout.sql": "{% macro shout(x) %}{{ return(adapter.dispatch('shout', 'pkg')(x)) }}{% endmacro %}\n" +
			"{% macro default__shout(x) %}upper({{ x }}){% endmacro %}\n" +
			"{% macro digest(x) %}{{ dbt.last_day(x, 'month') }}{% endmacro %}\n",
		"macros/money.sql":    cacheProject["macros/money.sql"],
		"models/digested.sql": "select {{ pkg.digest(\"'a'\") }} as h\n",
		"models/plain.sql":    "select 1 as id\n",
		"models/uses_pkg.sql": "select {{ pkg.shout(\"'a'\") }} as s\n",
		"models/cents.sql":    "select {{ cents('x') }} as c\n",
		"models/var_user.sql": "select '{{ var('v') }}' as v\n",
		"models/guard.sql":    "select '{{ guard() if guard is defined else 'plain' }}' as g\n",
	})
	const models = 6
	coldCompile(t, dir, models)
	for i, step := range []struct {
		file, body  string
		misses      int
		model, want string
	}{
		{"macros/unused.sql", "{% macro unused_one() %}1{% endmacro %}\n", 0, "models/plain.sql", "select 1 as id"},
		// The root project's duckdb__shout now wins pkg's dispatch.
		{"macros/shout.sql", "{% macro duckdb__shout(x) %}lower({{ x }}){% endmacro %}\n", 1, "models/uses_pkg.sql", "select lower('a') as s"},
		{"macros/maybe.sql", "{% macro maybe() %}yes{% endmacro %}\n", 1, "models/var_user.sql", "select 'yes' as v"},
		// A name the template tests before calling it.
		{"macros/guard.sql", "{% macro guard() %}guarded{% endmacro %}\n", 1, "models/guard.sql", "select 'guarded' as g"},
		// A macro's body: the renders that call it.
		{"macros/money.sql", "{% macro cents(col) -%}({{ col }} / 10){%- endmacro %}\n", 1, "models/cents.sql", "select (x / 10) as c"},
		// An override of a dispatched built-in that a package macro
		// reaches only through other built-ins (pkg.digest, dbt.last_day,
		// dbt.default_last_day, dbt.date_trunc): the render recorded none.
		{"macros/trunc.sql", "{% macro duckdb__date_trunc(datepart, date) %}trunc_{{ datepart }}({{ date }}){% endmacro %}\n", 1, "models/digested.sql",
			"select cast(((trunc_month('a') + cast(1 as bigint) * interval 1 month) + cast(-1 as bigint) * interval 1 day) as date) as h"},
	} {
		writeFiles(t, dir, map[string]string{step.file: step.body})
		want := renderCacheStats{ParseHits: models - step.misses, ParseMisses: step.misses, CompileHits: models - step.misses, CompileMisses: step.misses}
		checkCompile(t, dir, fmt.Sprintf("step %d (%s)", i, step.file), want, step.model, step.want)
	}
}

// TestRenderCacheInvalidation changes one thing a render depends on
// between two compiles and checks that the cache was not used where it
// must not be, and that the output shows the change.
func TestRenderCacheInvalidation(t *testing.T) {
	all := -1          // every node rendered again
	everyCompile := -2 // compileMisses: every node compiled again
	cases := []struct {
		name string
		// change edits the project; env and args are the second compile's.
		change func(t *testing.T, dir string)
		env    map[string]string
		args   []string
		// parseMisses and compileMisses expected on the second compile
		// (all: no hits at all); v.sql always misses.
		parseMisses, compileMisses int
		file, want                 string // a compiled file and what it must hold
	}{
		{
			name: "model file",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"models/e.sql": "select 'x' as region\n"})
			},
			// e and v; compile: e, v
			parseMisses: 2, compileMisses: 2,
			file: "models/e.sql", want: "select 'x' as region\n",
		},
		{
			name: "model config read by a downstream ref",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"models/a.sql": "{{ config(alias='a_new') }}\nselect 1 as id, {{ cents('x') }} as c, {{ var('rate') }} as r\n"})
			},
			// parse: a, v; compile: a, b (its ref's relation changed), v
			parseMisses: 2, compileMisses: 3,
			file: "models/b.sql", want: `select * from "shop"."main"."a_new"`,
		},
		{
			// Properties YAML reaches a render through the nodes it
			// describes: a, whose config it changes, renders again (and v,
			// which always does); b reads a's relation, which a's config()
			// keeps.
			name: "properties YAML",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"models/schema.yml": cacheProject["models/schema.yml"] + "  - name: a\n    config:\n      alias: a_yaml\n"})
			},
			parseMisses: 2, compileMisses: 2, // a and v
			file: "models/b.sql", want: `select * from "shop"."main"."a_tbl"`, // config() in the file wins over YAML
		},
		{
			// A relation properties YAML changes reaches the nodes that
			// ref it: e's alias, which b2 reads.
			name: "properties YAML relation",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{
					"models/b2.sql":     "select * from {{ ref('e') }}\n",
					"models/schema.yml": cacheProject["models/schema.yml"] + "  - name: e\n    config:\n      alias: e_yaml\n",
				})
			},
			parseMisses: 3, compileMisses: 3, // b2 (new), e and v
			file: "models/b2.sql", want: `select * from "shop"."main"."e_yaml"`,
		},
		{
			// A macro's body: the renders that called it (a's) render
			// again.
			name: "macro",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"macros/money.sql": "{% macro cents(col) -%}({{ col }} / 1000){%- endmacro %}\n"})
			},
			parseMisses: 2, compileMisses: 2, // a and v
			file: "models/a.sql", want: "select 1 as id, (x / 1000) as c, 2 as r",
		},
		{
			// A new macro no render names reaches none
			// (TestRenderCacheMacroTable has those that do).
			name: "macro added",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"macros/more.sql": "{% macro more() %}1{% endmacro %}\n"})
			},
			parseMisses: 1, compileMisses: 1, // v
			file: "models/a.sql", want: "select 1 as id, (x / 100) as c, 2 as r",
		},
		{
			// A macro moved to another file: the renders that call it.
			name: "macro moved",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"macros/money.sql": "", "macros/money2.sql": cacheProject["macros/money.sql"]})
			},
			parseMisses: 2, compileMisses: 2, // a and v
			file: "models/a.sql", want: "select 1 as id, (x / 100) as c, 2 as r",
		},
		{
			// A seed's rows reach no render.
			name:        "seed",
			change:      func(t *testing.T, dir string) { writeFiles(t, dir, map[string]string{"seeds/s.csv": "id\n2\n"}) },
			parseMisses: 1, compileMisses: 1, // v
			file: "models/b.sql", want: `select * from "shop"."main"."a_tbl"`,
		},
		{
			// A snapshot block's body is its node's raw code: snap renders
			// again (and v).
			name: "snapshot",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"snapshots/snap.sql": strings.Replace(cacheProject["snapshots/snap.sql"], "select *", "select id", 1)})
			},
			parseMisses: 2, compileMisses: 2,
			file: "snapshots/snap.sql", want: "select id from",
		},
		{
			// What lies outside a snapshot block is read by nothing.
			name: "snapshot file outside its block",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"snapshots/snap.sql": "-- the orders' history\n\n" + cacheProject["snapshots/snap.sql"]})
			},
			parseMisses: 1, compileMisses: 1, // v
			file: "snapshots/snap.sql", want: "select * from",
		},
		{
			// A second block is a new node: it renders, the first does not.
			name: "snapshot added to a file",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"snapshots/snap.sql": cacheProject["snapshots/snap.sql"] + strings.NewReplacer("snapshot snap", "snapshot snap2", "select *", "select id").Replace(cacheProject["snapshots/snap.sql"])})
			},
			parseMisses: 2, compileMisses: 2, // snap2 and v
			// Both blocks compile to the file's path; snap2 is written last.
			file: "snapshots/snap.sql", want: "select id from",
		},
		{
			// vars and the config blocks reach a render through var()
			// reads and its node's keys (TestRenderCacheVarReads).
			name: "dbt_project.yml var",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"dbt_project.yml": strings.Replace(cacheProject["dbt_project.yml"], "rate: 2", "rate: 3", 1)})
			},
			parseMisses: 2, compileMisses: 2, // a and v
			file: "models/a.sql", want: "select 1 as id, (x / 100) as c, 3 as r",
		},
		{
			// A models: config: the models' renders (a, b, c, e, v), and
			// the compiled SQL of the nodes whose config or refs' configs
			// moved.
			name: "dbt_project.yml models config",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"dbt_project.yml": cacheProject["dbt_project.yml"] + "    +materialized: table\n"})
			},
			parseMisses: 5, compileMisses: 6, // models; compile: models and b's test
			file: "models/b.sql", want: `select * from "shop"."main"."a_tbl"`,
		},
		{
			// Comments and layout are not what the file says.
			name: "dbt_project.yml comment",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"dbt_project.yml": "# the shop\n" + strings.Replace(cacheProject["dbt_project.yml"], "version: \"1.0\"", "version:   \"1.0\"   # of the shop", 1)})
			},
			parseMisses: 1, compileMisses: 1, // v
			file: "models/b.sql", want: `select * from "shop"."main"."a_tbl"`,
		},
		{
			// Any other key of dbt_project.yml (hooks, quoting, dispatch,
			// flags...) may reach every render.
			name: "dbt_project.yml other key",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"dbt_project.yml": cacheProject["dbt_project.yml"] + "on-run-start: [\"select 1\"]\n"})
			},
			parseMisses: all, compileMisses: all,
			file: "models/b.sql", want: `select * from "shop"."main"."a_tbl"`,
		},
		{
			// a reads var('rate') (TestRenderCacheVarReads has more).
			name: "--vars", args: []string{"--vars", "{rate: 5}"},
			parseMisses: 2, compileMisses: 2, // a and v
			file: "models/a.sql", want: "select 1 as id, (x / 100) as c, 5 as r",
		},
		{
			name: "env var read by a model", env: map[string]string{"ELT_TEST_REGION": "us"},
			parseMisses: 2, compileMisses: 2, // e and v
			file: "models/e.sql", want: "select 'us' as region",
		},
		{
			name: "env var read by properties YAML", env: map[string]string{"ELT_TEST_TAG": "tagged"},
			parseMisses: all, compileMisses: all,
			file: "models/e.sql", want: "select 'eu' as region",
		},
		{
			// No render reads the target (TestRenderCacheTargetReads has
			// those that do); every relation moved to the prod schema.
			name: "target", args: []string{"--target", "prod"},
			parseMisses: 1, compileMisses: everyCompile, // parse: v
			file: "models/b.sql", want: `select * from "shop"."prod"."a_tbl"`,
		},
		{
			name: "installed package",
			change: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"dbt_packages/pkg/macros/money.sql": "{% macro pkg_money(col) -%}{{ col }} * 10{%- endmacro %}\n"})
			},
			parseMisses: 2, compileMisses: 2, // c and v
			file: "models/c.sql", want: "select y * 10 as y",
		},
		{
			name: "elt version",
			change: func(t *testing.T, dir string) {
				old := version
				version = old + "+next"
				t.Cleanup(func() { version = old })
			},
			parseMisses: all, compileMisses: all,
			file: "models/a.sql", want: "select 1 as id, (x / 100) as c, 2 as r",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, cacheProject)
			first := compileStats(t, dir, nil)
			total := renderCacheStats{ParseMisses: first.ParseMisses, CompileMisses: first.CompileMisses}
			if c.change != nil {
				c.change(t, dir)
			}
			got := compileStats(t, dir, c.env, c.args...)
			if c.compileMisses == everyCompile {
				c.compileMisses = first.CompileMisses
			}
			if c.parseMisses == all {
				if got.ParseHits != 0 || got.CompileHits != 0 {
					t.Errorf("cache used after the change: %+v; want every node rendered", got)
				}
			} else if got.ParseMisses != c.parseMisses || got.CompileMisses != c.compileMisses || got.ParseHits == 0 {
				t.Errorf("second compile: %+v; want %d parse and %d compile misses of %+v", got, c.parseMisses, c.compileMisses, total)
			}
			if body := compiledFile(t, dir, c.file); !strings.Contains(body, strings.TrimSpace(c.want)) {
				t.Errorf("%s = %q; want it to hold %q", c.file, body, c.want)
			}
		})
	}
}

// TestRenderCacheVolatileRenders: renders that read what differs between
// invocations are rendered every time, and their output shows it.
func TestRenderCacheVolatileRenders(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, cacheProject)
	writeFiles(t, dir, map[string]string{
		"models/now.sql":   "select '{{ modules.datetime.datetime.now().isoformat() }}' as now\n",
		"models/graph.sql": "select {{ graph.nodes | length }} as n\n",
		// Read inside a macro, two calls down.
		"macros/stamp.sql":   "{% macro stamp() %}{{ inner_stamp() }}{% endmacro %}\n{% macro inner_stamp() %}{{ invocation_id }}{% endmacro %}\n",
		"models/stamped.sql": "select '{{ stamp() }}' as inv\n",
	})
	compileStats(t, dir, nil)
	v1 := compiledFile(t, dir, "models/v.sql")
	now1 := compiledFile(t, dir, "models/now.sql")
	stamped1 := compiledFile(t, dir, "models/stamped.sql")
	// A new model changes what graph shows, and no other file.
	writeFiles(t, dir, map[string]string{"models/extra.sql": "select 1 as x\n"})
	got := compileStats(t, dir, nil)
	// extra is new; v, now, graph and stamped are volatile.
	if got.ParseMisses != 5 || got.CompileMisses != 5 {
		t.Errorf("stats %+v; want 5 parse and 5 compile misses (extra, v, now, graph, stamped)", got)
	}
	if stamped2 := compiledFile(t, dir, "models/stamped.sql"); stamped2 == stamped1 {
		t.Errorf("stamped.sql kept the earlier invocation_id: %q", stamped2)
	}
	if v2 := compiledFile(t, dir, "models/v.sql"); v2 == v1 {
		t.Errorf("v.sql kept the earlier invocation_id: %q", v2)
	}
	if now2 := compiledFile(t, dir, "models/now.sql"); now2 == now1 {
		t.Errorf("now.sql kept the earlier time: %q", now2)
	}
}

var volatileArtifactFields = regexp.MustCompile(`"(generated_at|invocation_id|invocation_started_at)":"[^"]*"|"created_at":[0-9.e+]+`)

// targetSnapshot reads target/compiled and target/manifest.json, with the
// invocation's id and timestamps blanked in the manifest.
func targetSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := treeFiles(t, filepath.Join(dir, "target", "compiled"))
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	out["manifest.json"] = string(volatileArtifactFields.ReplaceAll(b, []byte(`"$1":"-"`)))
	return out
}

// treeFiles reads every file under root, by its slash-separated path
// below root; a root that does not exist holds none.
func treeFiles(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

// TestRenderCacheByteIdentical: the compiled SQL and manifest of a
// 2,000-model project are the same byte for byte with and without the
// cache, and with one and several threads.
func TestRenderCacheByteIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a 2,000-model project several times")
	}
	dir := t.TempDir()
	if err := benchgen.Write(dir, benchgen.Options{Models: 2000}); err != nil {
		t.Fatal(err)
	}
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	run := func(threads int) (map[string]string, renderCacheStats) {
		t.Helper()
		runtime.GOMAXPROCS(threads)
		st := compileStats(t, dir, nil, "--threads", fmt.Sprint(threads))
		return targetSnapshot(t, dir), st
	}
	runtime.GOMAXPROCS(1)
	if res := eltWith(t, dir, nil, "compile", "--threads", "1", "--no-partial-parse"); res.code != 0 {
		t.Fatalf("compile: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	want := targetSnapshot(t, dir)
	if len(want) < 2000 {
		t.Fatalf("only %d files compiled", len(want))
	}
	os.RemoveAll(filepath.Join(dir, "target"))
	steps := []struct {
		name    string
		threads int
		warm    bool
	}{
		{"cold cache, 4 threads", 4, false},
		{"warm cache, 4 threads", 4, true},
		{"warm cache, 1 thread", 1, true},
		{"warm cache, 2 threads", 2, true},
	}
	for _, s := range steps {
		got, st := run(s.threads)
		if s.warm && (st.ParseMisses != 0 || st.CompileMisses != 0) {
			t.Errorf("%s: %+v; want every render from the cache", s.name, st)
		}
		if !s.warm && st.ParseHits != 0 {
			t.Errorf("%s: %+v; want no hits", s.name, st)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d files, want %d", s.name, len(got), len(want))
		}
		for name, w := range want {
			if got[name] != w {
				t.Errorf("%s: %s differs from the compile without cache:\n got %.300q\nwant %.300q", s.name, name, got[name], w)
			}
		}
	}
}

type checkCacheStats struct {
	Unchanged                bool
	Reused, Resolved, Parsed int
	SeedsReused              int `json:"seeds_reused"`
	SeedsInferred            int `json:"seeds_inferred"`
}

// compileWithCheck compiles the project (with the static checks) and
// returns what the check cache saved.
func compileWithCheck(t *testing.T, dir string, args ...string) checkCacheStats {
	t.Helper()
	res := eltWith(t, dir, nil, append([]string{"compile", "--log-format", "json"}, args...)...)
	if res.code != 0 {
		t.Fatalf("compile: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	for _, line := range strings.Split(res.stdout, "\n") {
		var ev struct {
			Info struct{ Name string }
			Data checkCacheStats
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Info.Name == "CheckCacheStats" {
			return ev.Data
		}
	}
	t.Fatalf("no CheckCacheStats event in\n%s", res.stdout)
	return checkCacheStats{}
}

// unchanged reports whether path is still the file before was (not
// replaced by a rename) with the same size and modification time.
func unchanged(t *testing.T, path string, before fs.FileInfo) bool {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return os.SameFile(fi, before) && fi.Size() == before.Size() && fi.ModTime().Equal(before.ModTime())
}

func stat(t *testing.T, path string) fs.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

// TestCachesRewrittenOnlyWhenChanged: the static checks re-check nothing
// when nothing changed and only what changed otherwise (the check cache),
// and no cache file is rewritten by a compile that changed nothing.
func TestCachesRewrittenOnlyWhenChanged(t *testing.T) {
	dir := t.TempDir()
	const models = 150
	if err := benchgen.Write(dir, benchgen.Options{Models: models}); err != nil {
		t.Fatal(err)
	}
	renderCache := filepath.Join(dir, "target", renderCacheFile)
	checkCache := filepath.Join(dir, "target", checkCacheFile)

	cold := compileWithCheck(t, dir)
	// Models with the same compiled SQL (several read one seed) share a parse.
	distinct := map[string]bool{}
	for i := range models {
		b, err := os.ReadFile(filepath.Join(dir, "target/compiled", benchgen.ProjectName, benchgen.ModelPath(i)))
		if err != nil {
			t.Fatal(err)
		}
		distinct[string(b)] = true
	}
	if cold != (checkCacheStats{Resolved: models, Parsed: len(distinct)}) {
		t.Fatalf("first compile: %+v; want every model resolved, one parse for each of %d distinct compiled models", cold, len(distinct))
	}
	renderFI, checkFI := stat(t, renderCache), stat(t, checkCache)

	// Nothing changed: the findings come from the check cache.
	if warm := compileWithCheck(t, dir); warm != (checkCacheStats{Unchanged: true}) {
		t.Errorf("nothing changed: %+v; want the check answered from the cache", warm)
	}
	if r, c := unchanged(t, renderCache, renderFI), unchanged(t, checkCache, checkFI); !r || !c {
		t.Errorf("a compile that changed nothing rewrote a cache file: render cache kept %v, check cache kept %v", r, c)
	}

	// One model changes (not its columns): only it is parsed and resolved.
	path := filepath.Join(dir, filepath.FromSlash(benchgen.ModelPath(models/2)))
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{benchgen.ModelPath(models / 2): string(orig) + "where id >= 0\n"})
	if one := compileWithCheck(t, dir); one != (checkCacheStats{Reused: models - 1, Resolved: 1, Parsed: 1}) {
		t.Errorf("one model changed: %+v; want it alone parsed and resolved", one)
	}
	if unchanged(t, renderCache, renderFI) || unchanged(t, checkCache, checkFI) {
		t.Errorf("a compile that rendered and checked a changed model did not save the caches")
	}

	// compile -s of a changed model checks it; the next full compile
	// parses nothing: the check cache has every model's result.
	writeFiles(t, dir, map[string]string{benchgen.ModelPath(models / 2): string(orig) + "where id >= 1\n"})
	if sel := compileWithCheck(t, dir, "-s", benchgen.ModelName(models/2)); sel.Parsed != 1 || sel.Resolved != 1 {
		t.Errorf("compile -s after a change: %+v; want one model parsed and resolved", sel)
	}
	if full := compileWithCheck(t, dir); full.Parsed != 0 || full.Resolved != 0 || full.Unchanged {
		t.Errorf("full compile after compile -s: %+v; want every model reused", full)
	}
	got, err := os.ReadFile(filepath.Join(dir, "target/compiled", benchgen.ProjectName, benchgen.ModelPath(models/2)))
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(got)), "where id >= 1") {
		t.Errorf("compiled model after the edits: %q, %v", got, err)
	}
}

// TestLsKeepsCaches: elt ls keeps the renders and what it read from each
// file for the next command, and sees every later edit: a model file, a
// properties file, dbt_project.yml and an env var read in YAML, each
// with a modification time old enough for the file cache to trust stats.
func TestLsKeepsCaches(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, cacheProject)
	sharedtest.AgeFiles(t, dir, time.Hour)
	ls := func(env map[string]string, sel string) (renderCacheStats, string) {
		t.Helper()
		res := eltWith(t, dir, env, "ls", "-s", sel, "--output", "json", "--log-format", "json")
		if res.code != 0 {
			t.Fatalf("ls: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
		}
		var st renderCacheStats
		for _, line := range strings.Split(res.stderr, "\n") {
			var ev struct {
				Info struct{ Name string }
				Data renderCacheStats
			}
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Info.Name == "RenderCacheStats" {
				st = ev.Data
			}
		}
		return st, res.stdout
	}
	cold, _ := ls(nil, "a")
	if cold.ParseHits != 0 || cold.ParseMisses == 0 {
		t.Fatalf("first ls: %+v", cold)
	}
	for _, f := range []string{renderCacheFile, "elt_load_cache.bin"} {
		if _, err := os.Stat(filepath.Join(dir, "target", f)); err != nil {
			t.Fatalf("ls did not keep %s: %v", f, err)
		}
	}
	warm, out := ls(nil, "a")
	if warm.ParseHits != cold.ParseMisses-1 || warm.ParseMisses != 1 {
		t.Errorf("second ls: %+v; want every render but v's from the cache", warm)
	}
	if !strings.Contains(out, `"alias": "a_tbl"`) {
		t.Fatalf("ls json of a: %s", out)
	}
	edits := []struct {
		name, file, body string
		env              map[string]string
		sel, want        string
	}{
		{"model file", "models/a.sql", "{{ config(alias='a_new') }}\nselect 1 as id\n", nil, "a", `"alias": "a_new"`},
		{"properties file", "models/schema.yml", "version: 2\nmodels:\n  - name: b\n    config:\n      tags: [\"edited\"]\n", nil, "b", `"tags": ["edited"]`},
		{"dbt_project.yml", "dbt_project.yml", strings.Replace(cacheProject["dbt_project.yml"], "+materialized: view", "+materialized: table", 1), nil, "b", `"materialized": "table"`},
		{"env var read in YAML", "models/schema.yml", cacheProject["models/schema.yml"], map[string]string{"ELT_TEST_TAG": "from_env"}, "b", `"tags": ["from_env"]`},
	}
	for i, e := range edits {
		writeFiles(t, dir, map[string]string{e.file: e.body})
		old := time.Now().Add(-time.Duration(30+i) * time.Minute)
		if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(e.file)), old, old); err != nil {
			t.Fatal(err)
		}
		if _, out := ls(e.env, e.sel); !strings.Contains(out, e.want) {
			t.Errorf("%s: ls json %s; want %s", e.name, out, e.want)
		}
	}
}

// runStats runs an elt command that runs nodes, with JSON logs, and
// returns the render cache's statistics (ok false when there were none).
func runStats(t *testing.T, dir string, args ...string) (renderCacheStats, bool) {
	t.Helper()
	res := eltWith(t, dir, nil, append(args, "--log-format", "json")...)
	if res.code != 0 {
		t.Fatalf("%v: exit %d\n%s\n%s", args, res.code, res.stdout, res.stderr)
	}
	for _, line := range strings.Split(res.stdout, "\n") {
		var ev struct {
			Info struct{ Name string }
			Data renderCacheStats
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Info.Name == "RenderCacheStats" {
			return ev.Data, true
		}
	}
	return renderCacheStats{}, false
}

// TestRunReusesRenders: elt run keeps and reuses renders as compile does,
// and what differs between runs still differs: an incremental model's
// is_incremental(), a changed var, invocation_id.
func TestRunReusesRenders(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, cacheProject)
	writeFiles(t, dir, map[string]string{
		// cacheProject's a and c are for compiling: these run.
		"models/a.sql":   "{{ config(alias='a_tbl') }}\nselect 1 as id, {{ cents('250') }} as c, {{ var('rate') }} as r\n",
		"models/c.sql":   "select {{ pkg.pkg_money('3') }} as y\n",
		"models/inc.sql": "{{ config(materialized='incremental') }}\nselect {% if is_incremental() %}2{% else %}1{% endif %} as k, {{ var('rate') }} as r\n",
	})
	db := func(q string) string {
		t.Helper()
		d, err := sql.Open("duckdb", filepath.Join(dir, "shop.duckdb")+"?access_mode=read_only")
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		return queryRows(t, d, q)
	}
	cold, ok := runStats(t, dir, "run", "--no-check")
	if !ok || cold.ParseHits != 0 || cold.ParseMisses == 0 {
		t.Fatalf("first run: %+v (stats %t); want misses only", cold, ok)
	}
	v1 := db(`select inv from "shop"."main"."v"`)
	warm, _ := runStats(t, dir, "run", "--no-check")
	// v reads invocation_id, inc is_incremental(): rendered again.
	if warm.ParseHits == 0 || warm.ParseHits+warm.ParseMisses != cold.ParseMisses {
		t.Errorf("second run: %+v; want the first run's %d parse renders, most reused", warm, cold.ParseMisses)
	}
	if got := db(`select k, r from "shop"."main"."inc" order by k`); got != "1|2\n2|2" {
		t.Errorf("inc after two runs:\n%s\nwant the second run's is_incremental() branch appended", got)
	}
	// The manifest's compiled code is the second run's, not the first's.
	var man struct {
		Nodes map[string]struct {
			CompiledCode string `json:"compiled_code"`
		} `json:"nodes"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json")); err != nil || json.Unmarshal(b, &man) != nil {
		t.Fatalf("manifest: %v", err)
	}
	if got := man.Nodes["model.shop.inc"].CompiledCode; !strings.HasPrefix(got, "\nselect 2 as k") {
		t.Errorf("inc's compiled_code after the second run: %q", got)
	}
	if v2 := db(`select inv from "shop"."main"."v"`); v2 == v1 {
		t.Errorf("v kept the first run's invocation_id %q", v2)
	}
	// A var given on the command line reaches every render.
	runStats(t, dir, "run", "--no-check", "--vars", "{rate: 5}")
	if got := db(`select r from "shop"."main"."a_tbl"`); got != "5" {
		t.Errorf("a_tbl.r with --vars rate 5: %q", got)
	}
	if got := db(`select k, r from "shop"."main"."inc" order by k, r`); got != "1|2\n2|2\n2|5" {
		t.Errorf("inc after a third run with rate 5:\n%s", got)
	}
	if _, ok := runStats(t, dir, "run", "--no-check", "--no-partial-parse"); ok {
		t.Errorf("run --no-partial-parse used the render cache")
	}
}

// TestCheckSeedTypesCached: the static checks infer a seed's column types
// by reading the whole file; they are kept in the check cache while the
// file's stamp is unchanged, inferred again when it changes (also with the
// same contents), and a changed header is seen.
func TestCheckSeedTypesCached(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"dbt_project.yml": "name: shop\nversion: '1.0'\nprofile: shop\n",
		"profiles.yml":    "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n",
		"seeds/s.csv":     "id,amt\n1,2\n",
		"models/m.sql":    "select amt + 1 as x from {{ ref('s') }}\n",
		"models/n.sql":    "select id from {{ ref('s') }}\n",
	})
	seed := filepath.Join(dir, "seeds", "s.csv")
	// A file changed within the last 2 s is not trusted by its stamp.
	past := func() {
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(seed, old, old); err != nil {
			t.Fatal(err)
		}
	}
	past()
	if st := compileWithCheck(t, dir); st.SeedsInferred != 1 || st.SeedsReused != 0 {
		t.Fatalf("first compile: %+v; want the seed inferred", st)
	}
	if st := compileWithCheck(t, dir); !st.Unchanged || st.SeedsReused != 1 || st.SeedsInferred != 0 {
		t.Fatalf("second compile: %+v; want the seed's types from the cache", st)
	}
	// Touched: inferred again, and the models' results are kept.
	past()
	if st := compileWithCheck(t, dir); st.SeedsInferred != 1 || !st.Unchanged {
		t.Fatalf("after a touch: %+v; want the seed inferred and the findings unchanged", st)
	}
	if st := compileWithCheck(t, dir); !st.Unchanged || st.SeedsReused != 1 || st.SeedsInferred != 0 {
		t.Fatalf("after a touch, again: %+v; want everything from the cache", st)
	}
	// The cache written after the touch kept n's result: only m resolves.
	writeFiles(t, dir, map[string]string{"models/m.sql": "select amt + 2 as x from {{ ref('s') }}\n"})
	if st := compileWithCheck(t, dir); st.Resolved != 1 || st.Reused != 1 {
		t.Fatalf("after m changed: %+v; want m resolved and n reused", st)
	}
	// A renamed column is seen: m reads a column s no longer has.
	writeFiles(t, dir, map[string]string{"seeds/s.csv": "id,amount\n1,2\n"})
	past()
	res := eltWith(t, dir, nil, "compile")
	if res.code != 0 || !strings.Contains(res.stdout, "models/m.sql:1:8: warning: column amt is not a column of s") {
		t.Errorf("compile after the seed's column was renamed: exit %d, want the unknown column amt reported as a warning\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestRenderCachePropertiesEdits: properties YAML, docs and seed edits render
// again only the nodes they reach, and after each the compiled SQL and
// manifest are those of a compile without the cache. The models read
// what YAML gives their node (description, a column's description, meta,
// config, tests' arguments and config) and the relations of a model and a
// source that YAML names.
func TestRenderCachePropertiesEdits(t *testing.T) {
	dir := t.TempDir()
	schema := func(desc, colDesc, meta, mat, alias, values, where string) string {
		return `version: 2
models:
  - name: d
    description: "` + desc + `"
    meta: {` + meta + `}
    config:
      materialized: ` + mat + alias + `
    columns:
      - name: id
        description: "` + colDesc + `"
        data_tests:
          - not_null:
              config:
                where: "` + where + `"
          - accepted_values:
              arguments:
                values: [` + values + `]
  - name: p
    description: "reads d"
`
	}
	sources := func(identifier string) string {
		return "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: events\n        identifier: " + identifier + "\n"
	}
	writeFiles(t, dir, shopProject(map[string]string{
		"models/d.sql": `select 1 as id, '{{ model.description }}' as d, '{{ model.columns["id"].description }}' as k,` +
			` '{{ model.meta.get("tier", "none") }}' as tier, '{{ config.get("materialized") }}' as mat` + "\n",
		"models/p.sql":       "select * from {{ ref('d') }}\n",
		"models/q.sql":       "select * from {{ source('raw', 'events') }}\n",
		"models/r.sql":       "select 2 as id\n",
		"models/docs.md":     "{% docs key_doc %}the documented key{% enddocs %}\n",
		"models/schema.yml":  schema("first", "the key", "", "view", "", "1", "id > 0"),
		"models/sources.yml": sources("events_v1"),
		"seeds/s.csv":        "id\n1\n",
	}))
	step := func(name string, files map[string]string, want map[string]string) {
		t.Helper()
		writeFiles(t, dir, files)
		st := compileStats(t, dir, nil)
		if name != "first compile" && st.ParseHits == 0 {
			t.Errorf("%s: %+v; want r (and what the edit does not reach) from the cache", name, st)
		}
		sameAsUncached(t, dir, name)
		for file, w := range want {
			if got := compiledFile(t, dir, file); !strings.Contains(got, w) {
				t.Errorf("%s: %s = %q; want it to hold %q", name, file, got, w)
			}
		}
	}
	step("first compile", nil, map[string]string{"models/d.sql": "'first' as d, 'the key' as k, 'none' as tier, 'view' as mat"})
	step("nothing changed", nil, nil)
	step("description", map[string]string{"models/schema.yml": schema("second", "the key", "", "view", "", "1", "id > 0")},
		map[string]string{"models/d.sql": "'second' as d"})
	step("column description", map[string]string{"models/schema.yml": schema("second", "primary key", "", "view", "", "1", "id > 0")},
		map[string]string{"models/d.sql": "'primary key' as k"})
	step("meta", map[string]string{"models/schema.yml": schema("second", "primary key", "tier: gold", "view", "", "1", "id > 0")},
		map[string]string{"models/d.sql": "'gold' as tier"})
	step("config", map[string]string{"models/schema.yml": schema("second", "primary key", "tier: gold", "table", "", "1", "id > 0")},
		map[string]string{"models/d.sql": "'table' as mat"})
	step("alias", map[string]string{"models/schema.yml": schema("second", "primary key", "tier: gold", "table", "\n      alias: d_final", "1", "id > 0")},
		map[string]string{"models/p.sql": `"main"."d_final"`})
	step("test arguments and config", map[string]string{"models/schema.yml": schema("second", "primary key", "tier: gold", "table", "\n      alias: d_final", "1, 2", "id > 1")}, nil)
	step("source identifier", map[string]string{"models/sources.yml": sources("events_v2")},
		map[string]string{"models/q.sql": `"events_v2"`})
	step("seed", map[string]string{"seeds/s.csv": "id\n1\n2\n"}, nil)
	step("column description from a docs block", map[string]string{"models/schema.yml": schema("second", `{{ doc('key_doc') }}`, "tier: gold", "table", "\n      alias: d_final", "1, 2", "id > 1")},
		map[string]string{"models/d.sql": "'the documented key' as k"})
	step("docs block", map[string]string{"models/docs.md": "{% docs key_doc %}the key, documented again{% enddocs %}\n"},
		map[string]string{"models/d.sql": "'the key, documented again' as k"})
}

// TestRenderCacheFlags: --full-refresh and --store-failures reach a
// render only through `flags`: a render that reads it is rendered every
// time, and the others stay cached across the flags.
func TestRenderCacheFlags(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, shopProject(map[string]string{
		"models/f.sql": "select {{ 1 if flags.FULL_REFRESH else 0 }} as full_refresh, {{ 1 if flags.STORE_FAILURES else 0 }} as store\n",
		"models/a.sql": "select 1 as id\n",
		"models/b.sql": "select * from {{ ref('a') }}\n",
	}))
	cold := compileStats(t, dir, nil)
	if cold.ParseMisses != 3 {
		t.Fatalf("first compile: %+v; want 3 renders", cold)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--full-refresh"}, "select 1 as full_refresh, 0 as store"},
		{nil, "select 0 as full_refresh, 0 as store"},
	} {
		got := compileStats(t, dir, nil, c.args...)
		if want := (renderCacheStats{ParseHits: 2, ParseMisses: 1, CompileHits: 2, CompileMisses: 1}); got != want {
			t.Errorf("compile %v: %+v; want a and b from the cache, f rendered", c.args, got)
		}
		if body := compiledFile(t, dir, "models/f.sql"); strings.TrimSpace(body) != c.want {
			t.Errorf("compile %v: f.sql = %q; want %q", c.args, body, c.want)
		}
	}
}

// TestRenderCacheMacroEdits: a macro file's edit renders again the parse
// and compile renders that called a macro of it (through another macro,
// another file or dispatch too), and never leaves compiled SQL rendered
// with the earlier macros in the cache, not even for the nodes a compile
// -s did not compile. After each step the compiled files
// and manifest are those of a compile without the cache.
func TestRenderCacheMacroEdits(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, shopProject(map[string]string{
		"macros/a.sql":  "{% macro inner() %}'inner1'{% endmacro %}\n{% macro outer() %}{{ inner() }}{% endmacro %}\n",
		"macros/b.sql":  "{% macro other() %}'other1'{% endmacro %}\n",
		"macros/c.sql":  "{% macro exec_only() %}'exec1'{% endmacro %}\n",
		"macros/d.sql":  "{% macro nested() %}{{ other() }}{% endmacro %}\n",
		"macros/e.sql":  "{% macro default__disp() %}'disp1'{% endmacro %}\n",
		"models/m1.sql": "select {{ outer() }} as v\n",
		"models/m2.sql": "select {{ nested() }} as v\n",
		"models/m3.sql": "select {% if execute %}{{ exec_only() }}{% else %}1{% endif %} as v\n",
		"models/m4.sql": "select 1 as v\n",
		"models/m5.sql": "select {{ adapter.dispatch('disp')() }} as v\n",
	}))
	step := func(name, file, body string, parse, compile int, model, want string) {
		t.Helper()
		if file != "" {
			writeFiles(t, dir, map[string]string{file: body})
		}
		st := compileStats(t, dir, nil)
		if st.ParseMisses != parse || st.CompileMisses != compile {
			t.Errorf("%s: %+v; want %d parse and %d compile renders again", name, st, parse, compile)
		}
		if got := compiledFile(t, dir, model); !strings.Contains(got, want) {
			t.Errorf("%s: %s = %q; want it to hold %q", name, model, got, want)
		}
		sameAsUncached(t, dir, name)
	}
	step("first compile", "", "", 5, 5, "models/m1.sql", "'inner1'")
	step("nothing changed", "", "", 0, 0, "models/m1.sql", "'inner1'")
	step("a macro called through another of its file", "macros/a.sql",
		"{% macro inner() %}'inner2'{% endmacro %}\n{% macro outer() %}{{ inner() }}{% endmacro %}\n", 1, 1, "models/m1.sql", "'inner2'")
	step("a macro called from another file's macro", "macros/b.sql", "{% macro other() %}'other2'{% endmacro %}\n", 1, 1, "models/m2.sql", "'other2'")
	step("a macro only the compile render calls", "macros/c.sql", "{% macro exec_only() %}'exec2'{% endmacro %}\n", 0, 1, "models/m3.sql", "'exec2'")
	step("a macro reached by dispatch", "macros/e.sql", "{% macro default__disp() %}'disp2'{% endmacro %}\n", 1, 1, "models/m5.sql", "'disp2'")

	// compile -s of another model after an edit compiles that one alone;
	// the full compile after it must not take m3's compiled SQL from
	// before the edit.
	writeFiles(t, dir, map[string]string{"macros/c.sql": "{% macro exec_only() %}'exec3'{% endmacro %}\n"})
	if st := compileStats(t, dir, nil, "-s", "m4"); st.ParseHits == 0 {
		t.Errorf("compile -s m4 after a macro edit: %+v; want the parse renders reused", st)
	}
	step("full compile after compile -s", "", "", 0, 1, "models/m3.sql", "'exec3'")
}

// shopProject is files with the dbt_project.yml and profiles.yml of a
// project named shop on a DuckDB file.
func shopProject(files map[string]string) map[string]string {
	files["dbt_project.yml"] = "name: shop\nversion: \"1.0\"\nprofile: shop\n"
	files["profiles.yml"] = "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n      schema: main\n"
	return files
}

// TestRenderCacheCarriedCompileKeepsItsMacros: a node whose parse render
// ran again (a macro only its parse calls changed) but that a compile -s
// did not compile keeps its stored compiled SQL, and with it the macros
// that SQL's render called: a later edit to one of them renders it again.
func TestRenderCacheCarriedCompileKeepsItsMacros(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, shopProject(map[string]string{
		"macros/p.sql": "{% macro p() %}1{% endmacro %}\n",
		"macros/q.sql": "{% macro q() %}'q1'{% endmacro %}\n",
		"models/a.sql": "select {% if execute %}{{ q() }}{% else %}{{ p() }}{% endif %} as v\n",
		"models/b.sql": "select 1 as v\n",
	}))
	compileStats(t, dir, nil)
	writeFiles(t, dir, map[string]string{"macros/p.sql": "{% macro p() %}2{% endmacro %}\n"})
	compileStats(t, dir, nil, "-s", "b")
	writeFiles(t, dir, map[string]string{"macros/q.sql": "{% macro q() %}'q2'{% endmacro %}\n"})
	compileStats(t, dir, nil)
	if got := compiledFile(t, dir, "models/a.sql"); !strings.Contains(got, "'q2'") {
		t.Errorf("a.sql = %q after q changed; want it rendered with the new q ('q2')", got)
	}
}

// TestRenderCacheSnapshotEdits: a snapshot file is not in the project
// digest: an edit to a block renders that snapshot again, an edit outside
// the blocks renders nothing, a block added, renamed or removed renders
// only itself, and after each the compiled files and manifest are those
// of a compile without the cache.
func TestRenderCacheSnapshotEdits(t *testing.T) {
	dir := t.TempDir()
	block := func(name, sql string) string {
		return "{% snapshot " + name + " %}\n{{ config(target_schema='snaps', unique_key='id', strategy='check', check_cols='all') }}\n" +
			sql + "\n{% endsnapshot %}\n"
	}
	writeFiles(t, dir, shopProject(map[string]string{
		"models/a.sql":        "select 1 as id\n",
		"models/b.sql":        "select * from {{ ref('orders_snap') }}\n",
		"snapshots/snaps.sql": block("orders_snap", "select * from {{ ref('a') }}"),
	}))
	compileStats(t, dir, nil)
	for _, c := range []struct {
		name        string
		file        string
		parseMisses int // of the compile after the edit
	}{
		{"a block's body", block("orders_snap", "select id from {{ ref('a') }}"), 1},
		{"outside the blocks", "-- history of orders\n\n" + block("orders_snap", "select id from {{ ref('a') }}"), 0},
		{"a block added", block("orders_snap", "select id from {{ ref('a') }}") + block("more_snap", "select 2 as id"), 1},
		{"a block renamed", block("orders_snap", "select id from {{ ref('a') }}") + block("other_snap", "select 2 as id"), 1},
		{"a block removed", block("orders_snap", "select id from {{ ref('a') }}"), 0},
	} {
		writeFiles(t, dir, map[string]string{"snapshots/snaps.sql": c.file})
		st := compileStats(t, dir, nil)
		if st.ParseMisses != c.parseMisses || st.ParseHits == 0 {
			t.Errorf("%s: %+v; want %d parse renders again, the rest from the cache", c.name, st, c.parseMisses)
		}
		sameAsUncached(t, dir, c.name)
	}
}

// sameAsUncached checks that the compiled files and manifest the last
// compile in dir left are those a compile without the cache writes, ids
// and times aside; it leaves the latter's.
func sameAsUncached(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cached := targetSnapshot(t, dir)
	if res := eltWith(t, dir, nil, append([]string{"compile", "--no-check", "--no-partial-parse"}, args...)...); res.code != 0 {
		t.Fatalf("%s: compile --no-partial-parse: exit %d\n%s\n%s", name, res.code, res.stdout, res.stderr)
	}
	fresh := targetSnapshot(t, dir)
	for file, w := range fresh {
		if cached[file] != w {
			t.Errorf("%s: %s differs from a compile without the cache:\n got %.400q\nwant %.400q", name, file, cached[file], w)
		}
	}
	if len(cached) != len(fresh) {
		t.Errorf("%s: %d files compiled with the cache, %d without", name, len(cached), len(fresh))
	}
}

// TestCachesLagBehindFewChanges: in a project large enough, a compile that
// changed a few renders and files leaves the render and load caches as
// they are (writing them costs in proportion to the whole project); the
// next command renders and reads those again and finds what an uncached
// compile finds. Past the lag allowed, both are written again.
func TestCachesLagBehindFewChanges(t *testing.T) {
	dir := t.TempDir()
	const models = 1100 // 2,200 renders and 1,100 files or so: 4 and 2 may lag
	if err := benchgen.Write(dir, benchgen.Options{Models: models}); err != nil {
		t.Fatal(err)
	}
	sharedtest.AgeFiles(t, dir, time.Hour)
	renderCache := filepath.Join(dir, "target", renderCacheFile)
	loadCache := filepath.Join(dir, "target", "elt_load_cache.bin")
	if st := compileStats(t, dir, nil); st.ParseHits != 0 {
		t.Fatalf("first compile: %+v", st)
	}
	renderFI, loadFI := stat(t, renderCache), stat(t, loadCache)
	edit := func(i int, tail string) {
		t.Helper()
		path := filepath.Join(dir, filepath.FromSlash(benchgen.ModelPath(i)))
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		writeFiles(t, dir, map[string]string{benchgen.ModelPath(i): string(b) + tail})
	}
	compiled := func(i int) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "target/compiled", benchgen.ProjectName, benchgen.ModelPath(i)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// One model changes: compile -s renders it and leaves both caches.
	edit(models/2, "-- one\n")
	if st := compileStats(t, dir, nil, "-s", benchgen.ModelName(models/2)); st.ParseMisses != 1 {
		t.Errorf("compile -s after one edit: %+v; want one render", st)
	}
	if !strings.HasSuffix(strings.TrimSpace(compiled(models/2)), "-- one") {
		t.Errorf("compiled file after compile -s: %q", compiled(models/2))
	}
	if r, l := unchanged(t, renderCache, renderFI), unchanged(t, loadCache, loadFI); !r || !l {
		t.Fatalf("a compile that changed one model rewrote a cache: render cache kept %v, load cache kept %v", r, l)
	}
	// The next compile renders that model again (its stored render lags)
	// and nothing else, and still leaves the caches.
	if st := compileStats(t, dir, nil); st.ParseMisses != 1 || st.ParseHits == 0 {
		t.Errorf("compile after: %+v; want the lagging model alone rendered", st)
	}
	if r, l := unchanged(t, renderCache, renderFI), unchanged(t, loadCache, loadFI); !r || !l {
		t.Fatalf("the compile after rewrote a cache: render cache kept %v, load cache kept %v", r, l)
	}
	sameAsUncached(t, dir, "one model lagging")

	// Many models change: both caches are written, and then nothing lags.
	for i := range 40 {
		edit(i*25, "-- many\n")
	}
	if st := compileStats(t, dir, nil); st.ParseMisses < 40 {
		t.Errorf("compile after 40 edits: %+v; want each edited model rendered", st)
	}
	if unchanged(t, renderCache, renderFI) || unchanged(t, loadCache, loadFI) {
		t.Fatalf("a compile past the lag allowed did not write the caches")
	}
	if st := compileStats(t, dir, nil); st.ParseMisses != 0 {
		t.Errorf("compile after the caches were written: %+v; want every render reused", st)
	}
	sameAsUncached(t, dir, "after the caches were written")
}

// TestDbtIgnoreAcrossCachedRuns: a change to .dbtignore takes effect on
// the next run with the load and render caches in place: the files it
// names now are left out and those it no longer names are read, as if
// they had been deleted and written (dbt reads .dbtignore on every parse).
func TestDbtIgnoreAcrossCachedRuns(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, ".dbtignore", "macros/two.sql\nmodels/wip/\n")
	writeFile(t, dir, "macros/one.sql", "{% macro val() %}1{% endmacro %}\n")
	writeFile(t, dir, "macros/two.sql", "{% macro val() %}2{% endmacro %}\n")
	writeFile(t, dir, "models/m.sql", "select {{ val() }} as v\n")
	writeFile(t, dir, "models/wip/broken.sql", "select {{ \n")
	mustElt(t, dir, "run")
	if got := rowsOf(t, dir, "main.m"); got != "1" {
		t.Errorf("first run: m = %q, want 1", got)
	}
	writeFile(t, dir, ".dbtignore", "macros/one.sql\nmodels/wip/\n")
	mustElt(t, dir, "run")
	if got := rowsOf(t, dir, "main.m"); got != "2" {
		t.Errorf("after ignoring one.sql: m = %q, want 2", got)
	}
	writeFile(t, dir, ".dbtignore", "macros/one.sql\n")
	if r := elt(t, dir, "run"); r.code == 0 || !strings.Contains(r.stdout+r.stderr, "models/wip/broken.sql") {
		t.Errorf("wip no longer ignored: exit %d, want an error in models/wip/broken.sql\n%s%s", r.code, r.stdout, r.stderr)
	}
}
