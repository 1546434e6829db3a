package project

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestDiscoverNodes(t *testing.T) {
	snapshotFile := "-- header\n{% snapshot orders_snap %}\n{{ config(unique_key='id') }}\nselect * from {{ source('raw', 'orders') }}\n{% endsnapshot %}\n\n{%- snapshot customers_snap -%}select 2{%- endsnapshot -%}\n"
	p := mustLoad(t, map[string]string{
		"models/staging/stg_orders.sql":  "select 1 as id",
		"models/orders.sql":              "select * from {{ ref('stg_orders') }}",
		"models/.hidden.sql":             "select 1",
		"models/.cache/x.sql":            "select 1",
		"models/notes.txt":               "ignored",
		"seeds/lookup/countries.csv":     "code\nNL\n",
		"snapshots/snaps.sql":            snapshotFile,
		"tests/assert_positive.sql":      "select 1 where false",
		"tests/generic/is_even.sql":      "{% test is_even(model, column_name) %}select 1{% endtest %}",
		"macros/cents.sql":               "{% macro cents(x) %}{{ x }} * 100{% endmacro %}",
		"dbt_packages/pkg/models/p.sql":  "select 1",
		"target/compiled/x.sql":          "select 1",
		"analyses/a.sql":                 "select 1",
		"models/staging/_properties.yml": "version: 2\n",
	})
	var ids []string
	for id := range p.Nodes {
		ids = append(ids, id)
	}
	wantEqual(t, "node ids", sortedKeys(p.Nodes), []string{
		"analysis.shop.a", "model.shop.orders", "model.shop.stg_orders", "seed.shop.countries",
		"snapshot.shop.customers_snap", "snapshot.shop.orders_snap", "test.shop.assert_positive",
	})

	stg := p.Nodes["model.shop.stg_orders"]
	sum := sha256.Sum256([]byte("select 1 as id"))
	wantEqual(t, "model", *stg, Node{
		UniqueID: "model.shop.stg_orders", ResourceType: Model, Name: "stg_orders", Package: "shop",
		Path: "staging/stg_orders.sql", OriginalFilePath: "models/staging/stg_orders.sql",
		FQN: []string{"shop", "staging", "stg_orders"}, RawCode: "select 1 as id", Language: "sql",
		Config: Config{}, UnrenderedConfig: Config{}, Checksum: hex.EncodeToString(sum[:]),
	})

	seed := p.Nodes["seed.shop.countries"]
	wantEqual(t, "seed fqn", seed.FQN, []string{"shop", "lookup", "countries"})
	wantEqual(t, "seed path", seed.Path, "lookup/countries.csv")
	wantEqual(t, "seed raw code", seed.RawCode, "")
	if seed.Checksum == "" {
		t.Error("seed has no checksum")
	}

	snap := p.Nodes["snapshot.shop.orders_snap"]
	wantEqual(t, "snapshot fqn", snap.FQN, []string{"shop", "snaps", "orders_snap"})
	wantEqual(t, "snapshot raw code", snap.RawCode, "\n{{ config(unique_key='id') }}\nselect * from {{ source('raw', 'orders') }}\n")
	wantEqual(t, "snapshot body at offset", snapshotFile[snap.RawCodeOffset:snap.RawCodeOffset+len(snap.RawCode)], snap.RawCode)
	snap2 := p.Nodes["snapshot.shop.customers_snap"]
	wantEqual(t, "second snapshot", snap2.RawCode, "select 2")

	test := p.Nodes["test.shop.assert_positive"]
	wantEqual(t, "test fqn", test.FQN, []string{"shop", "assert_positive"})

	var macroPaths []string
	for _, f := range p.MacroFiles {
		macroPaths = append(macroPaths, f.Path)
	}
	wantEqual(t, "macro files", macroPaths, []string{"macros/cents.sql", "tests/generic/is_even.sql"})

	if p.Target == nil || p.Target.Database != "shop" || p.Target.Schema != "main" || p.Target.Threads != 1 {
		t.Errorf("target = %+v", p.Target)
	}
}

func TestCustomPathsAndDefaults(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": baseProject + `
model-paths: ["src/models", "more"]
seed-paths: [data]
target-path: build
clean-targets: [build, dbt_packages]
on-run-start: "create schema if not exists {{ target.schema }}"
on-run-end: ["grant usage on schema {{ target.schema }} to r", "select 1"]
require-dbt-version: ">=1.5.0"
query-comment: "run by {{ target.name }}"
dispatch:
  - macro_namespace: dbt_utils
    search_order: [shop, dbt_utils]
flags:
  send_anonymous_usage_stats: false
quoting: {identifier: false}
restrict-access: true
`,
		"src/models/a.sql":   "select 1",
		"more/b.sql":         "select 2",
		"data/s.csv":         "x\n1\n",
		"models/ignored.sql": "select 3",
	})
	c := p.Config
	wantEqual(t, "model paths", c.ModelPaths, []string{"src/models", "more"})
	wantEqual(t, "test paths default", c.TestPaths, []string{"tests"})
	wantEqual(t, "docs paths default", c.DocsPaths, []string{"src/models", "more", "data", "tests", "macros", "snapshots", "analyses"})
	wantEqual(t, "target path", c.TargetPath, "build")
	wantEqual(t, "on-run-start kept raw", c.OnRunStart, []string{"create schema if not exists {{ target.schema }}"})
	wantEqual(t, "on-run-end", len(c.OnRunEnd), 2)
	wantEqual(t, "require-dbt-version", c.RequireDbtVersion, []string{">=1.5.0"})
	wantEqual(t, "query-comment kept raw", c.QueryComment, "run by {{ target.name }}")
	wantEqual(t, "dispatch", c.Dispatch, []Dispatch{{MacroNamespace: "dbt_utils", SearchOrder: []string{"shop", "dbt_utils"}}})
	wantEqual(t, "flags", c.Flags, map[string]any{"send_anonymous_usage_stats": false})
	wantEqual(t, "raw restrict-access", c.Raw["restrict-access"], true)
	// As dbt's hook parser: each hook statement is an operation node.
	wantEqual(t, "nodes", sortedKeys(p.Nodes), []string{"model.shop.a", "model.shop.b",
		"operation.shop.shop-on-run-end-0", "operation.shop.shop-on-run-end-1", "operation.shop.shop-on-run-start-0", "seed.shop.s"})
	wantEqual(t, "path relative to its model path", p.Nodes["model.shop.a"].Path, "a.sql")
	hook := p.Nodes["operation.shop.shop-on-run-end-1"]
	wantEqual(t, "hook node", []any{hook.Name, hook.Path, hook.PackagePath(), hook.FQN, hook.RawCode, *hook.RunHook},
		[]any{"shop-on-run-end-1", "hooks/shop-on-run-end-1.sql", "./dbt_project.yml", []string{"shop", "hooks", "shop-on-run-end-1"}, "select 1", RunHook{Type: "on-run-end", Index: 1}})
}

func TestFindRootUpward(t *testing.T) {
	dir := newProject(t, map[string]string{"models/deep/x/a.sql": "select 1"})
	p, err := Load(context.Background(), Options{WorkDir: filepath.Join(dir, "models", "deep", "x"), Env: envOf()})
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "root", p.Root, dir)

	_, err = Load(context.Background(), Options{WorkDir: t.TempDir(), Env: envOf()})
	l := diagList(t, err)
	if !strings.Contains(l[0].Summary, "no dbt_project.yml found") || l[0].Hint == "" {
		t.Errorf("got %v", l[0])
	}
}

func TestEnvVarAndVarInProjectAndProfile(t *testing.T) {
	dir := newProject(t, map[string]string{
		"dbt_project.yml": `name: shop
profile: "{{ env_var('DBT_PROFILE', 'shop') }}"
models:
  shop:
    +schema: "{{ env_var('SCHEMA_PREFIX') }}_{{ var('suffix', 'dflt') }}"
    +materialized: "{{ 'view' if target.name == 'dev' else 'table' }}"
    +enabled: "{{ var('enable_models') }}"
    +pre-hook: "insert into audit values ('{{ this }}')"
vars:
  not_rendered: "{{ env_var('NOT_SET_ANYWHERE') }}"
`,
		"profiles.yml": `shop:
  target: "{{ env_var('DBT_TARGET', 'dev') }}"
  outputs:
    dev:
      type: postgres
      host: "{{ env_var('PGHOST') }}"
      port: "{{ env_var('PGPORT') | as_number }}"
      password: "{{ env_var('PGPASSWORD', '') }}"
      dbname: analytics
      schema: dbt_dev
      threads: "{{ env_var('THREADS', '4') | int }}"
    other:
      type: postgres
      host: "{{ env_var('ONLY_IN_OTHER') }}"
`,
		"models/a.sql": "select 1",
	})
	p, err := loadDir(t, dir, Options{
		Env:  envOf("SCHEMA_PREFIX", "analytics", "PGHOST", "db.example", "PGPORT", "5433"),
		Vars: map[string]any{"enable_models": true},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := p.Nodes["model.shop.a"].Config
	wantEqual(t, "schema", cfg["schema"], "analytics_dflt")
	wantEqual(t, "materialized", cfg["materialized"], "view")
	wantEqual(t, "enabled (native bool from var)", cfg["enabled"], true)
	wantEqual(t, "hook kept raw", cfg["pre_hook"], []any{"insert into audit values ('{{ this }}')"})
	wantEqual(t, "vars kept raw", p.Config.Vars["not_rendered"], "{{ env_var('NOT_SET_ANYWHERE') }}")
	tg := p.Target
	wantEqual(t, "target name", tg.Name, "dev")
	wantEqual(t, "host", tg.Fields["host"], "db.example")
	wantEqual(t, "port as number", tg.Fields["port"], 5433)
	wantEqual(t, "threads", tg.Threads, 4)
	wantEqual(t, "database", tg.Database, "analytics")
	wantEqual(t, "schema", tg.Schema, "dbt_dev")
	wantEqual(t, "profile file", tg.File, "profiles.yml")
}

func TestProfileLookupOrder(t *testing.T) {
	profile := func(db string) string {
		return "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: " + db + ".duckdb\n"
	}
	tests := []struct {
		name      string
		flagDir   bool // profiles.yml in a dir given as --profiles-dir
		envDir    bool // ... in a dir named by DBT_PROFILES_DIR
		inProject bool
		inWorkDir bool
		inHome    bool
		want      string // database of the chosen profile; "" means no target
	}{
		{"flag wins", true, true, true, true, true, "flag"},
		{"env next", false, true, true, true, true, "env"},
		{"project dir next", false, false, true, true, true, "project"},
		{"working dir next", false, false, false, true, true, "work"},
		{"home last", false, false, false, false, true, "home"},
		{"none", false, false, false, false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			proj := filepath.Join(root, "project")
			work := filepath.Join(root, "work")
			home := filepath.Join(root, "home")
			files := map[string]string{"project/dbt_project.yml": baseProject, "work/.keep": "", "home/.keep": ""}
			opts := Options{ProjectDir: proj, WorkDir: work, HomeDir: home, SkipProfile: true}
			env := []string{}
			if tt.flagDir {
				files["flagdir/profiles.yml"] = profile("flag")
				opts.ProfilesDir = filepath.Join(root, "flagdir")
			}
			if tt.envDir {
				files["envdir/profiles.yml"] = profile("env")
				env = append(env, "DBT_PROFILES_DIR", filepath.Join(root, "envdir"))
			}
			if tt.inProject {
				files["project/profiles.yml"] = profile("project")
			}
			if tt.inWorkDir {
				files["work/profiles.yml"] = profile("work")
			}
			if tt.inHome {
				files["home/.dbt/profiles.yml"] = profile("home")
			}
			writeFiles(t, root, files)
			opts.Env = envOf(env...)
			p, err := Load(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if p.Target != nil {
				got = p.Target.Database
			}
			wantEqual(t, "database", got, tt.want)
		})
	}
}

func TestProfileTargets(t *testing.T) {
	profiles := `shop:
  target: dev
  outputs:
    dev:
      type: duckdb
    file:
      type: duckdb
      path: /data/warehouse.db
      schema: analytics
      threads: 8
    pg:
      type: postgres
      database: wh
      schema: s
    bq:
      type: bigquery
      project: my-gcp
      dataset: ds
`
	tests := []struct {
		target, typ, db, schema string
		threads                 int
	}{
		{"", "duckdb", "memory", "main", 1},
		{"file", "duckdb", "warehouse", "analytics", 8},
		{"pg", "postgres", "wh", "s", 1},
		{"bq", "bigquery", "my-gcp", "ds", 1},
	}
	dir := newProject(t, map[string]string{"profiles.yml": profiles})
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			p, err := loadDir(t, dir, Options{Target: tt.target})
			if err != nil {
				t.Fatal(err)
			}
			got := p.Target
			wantEqual(t, "target", []any{got.Type, got.Database, got.Schema, got.Threads}, []any{tt.typ, tt.db, tt.schema, tt.threads})
		})
	}
}

func TestDocsBlocks(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"models/docs.md":    "{% docs orders %}\nOne row per order.\n{% enddocs %}\n\n{% docs status %}Order status{% enddocs %}\n",
		"docs/extra.md":     "{% docs not_loaded %}not in a docs path{% enddocs %}",
		"models/orders.sql": "select 1",
		"models/schema.yml": `
models:
  - name: orders
    description: "{{ doc('orders') }}"
    columns:
      - name: status
        description: 'Status: {{ doc("status") }}'
`,
	})
	d := p.Docs["orders"]
	if d == nil {
		t.Fatalf("docs: %v", sortedKeys(p.Docs))
	}
	wantEqual(t, "doc", *d, DocBlock{Name: "orders", Package: "shop", Contents: "One row per order.", File: "models/docs.md", Pos: d.Pos})
	wantEqual(t, "doc pos line", d.Pos.Line, 1)
	wantEqual(t, "second doc line", p.Docs["status"].Pos.Line, 5)
	if _, ok := p.Docs["not_loaded"]; ok {
		t.Error("docs/ is not a docs path by default")
	}
	o := p.Nodes["model.shop.orders"]
	wantEqual(t, "description", o.Description, "One row per order.")
	wantEqual(t, "column description", o.Columns[0].Description, "Status: Order status")
	wantEqual(t, "patch path", o.PatchPath, "models/schema.yml")
}

// TestDescriptionsRendered: a description with Jinja other than a plain
// doc() call is rendered as dbt renders descriptions (var, expressions,
// doc() as a string); a block's own text is not rendered again.
func TestDescriptionsRendered(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml":   baseProject + "vars:\n  team: data\n",
		"models/docs.md":    "{% docs d %}For column {test_name}, not {{ ref('x') }}{% enddocs %}\n",
		"models/orders.sql": "select 1",
		"models/schema.yml": `
models:
  - name: orders
    description: "owned by {{ var('team') }} / {{ 'a' ~ 'b' }}"
    columns:
      - name: id
        description: "{{ doc('d').format(test_name = 'id') }}"
      - name: x
        description: "{{ doc('d') }}"
`,
	})
	o := p.Nodes["model.shop.orders"]
	wantEqual(t, "description", o.Description, "owned by data / ab")
	wantEqual(t, "doc().format", o.Columns[0].Description, "For column id, not { ref('x') }") // str.format halves the braces
	wantEqual(t, "plain doc", o.Columns[1].Description, "For column {test_name}, not {{ ref('x') }}")
}

func TestSources(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": baseProject + `
sources:
  shop:
    raw:
      +enabled: true
`,
		"models/sources.yml": `
version: 2
sources:
  - name: raw
    description: Raw data
    loader: fivetran
    meta: {owner: ingest}
    tags: [raw]
    loaded_at_field: _loaded_at
    freshness: {warn_after: {count: 12, period: hour}}
    quoting: {identifier: true}
    tables:
      - name: orders
        description: Orders table
        tags: [orders]
        meta: {pii: false}
        columns:
          - name: id
            tests: [unique]
      - name: customers
        identifier: CUSTOMERS_V2
        freshness: null
        loaded_at_field: updated_at
  - name: other
    database: "{{ env_var('OTHER_DB', 'elsewhere') }}"
    schema: landing
    tables:
      - name: events
`,
	})
	wantEqual(t, "source ids", sortedKeys(p.Sources), []string{"source.shop.other.events", "source.shop.raw.customers", "source.shop.raw.orders"})
	o := p.Sources["source.shop.raw.orders"]
	wantEqual(t, "orders", []any{o.Database, o.Schema, o.Identifier, o.Loader, o.LoadedAtField, o.Description, o.SourceDescription},
		[]any{"shop", "raw", "orders", "fivetran", "_loaded_at", "Orders table", "Raw data"})
	wantEqual(t, "orders tags", o.Tags, []string{"raw", "orders"})
	wantEqual(t, "orders meta", o.Meta, map[string]any{"owner": "ingest", "pii": false})
	wantEqual(t, "orders freshness", o.Freshness, map[string]any{"warn_after": map[string]any{"count": 12, "period": "hour"}})
	wantEqual(t, "orders quoting", o.Quoting, map[string]any{"identifier": true})
	wantEqual(t, "orders config enabled (tree)", o.Config["enabled"], true)
	wantEqual(t, "orders fqn", o.FQN, []string{"shop", "raw", "orders"})
	wantEqual(t, "orders pos", o.Pos.Line, 13)
	c := p.Sources["source.shop.raw.customers"]
	wantEqual(t, "customers", []any{c.Identifier, c.LoadedAtField, c.Freshness == nil}, []any{"CUSTOMERS_V2", "updated_at", true})
	e := p.Sources["source.shop.other.events"]
	wantEqual(t, "events", []any{e.Database, e.Schema}, []any{"elsewhere", "landing"})
	if len(p.GenericTests) != 1 || p.GenericTests[0].AttachedKind != Source || p.GenericTests[0].SourceName != "raw" ||
		p.GenericTests[0].AttachedName != "orders" || p.GenericTests[0].ColumnName != "id" {
		t.Errorf("source test = %+v", p.GenericTests)
	}
}

func TestSourceDatabaseWithoutTarget(t *testing.T) {
	dir := newProject(t, map[string]string{
		"profiles.yml":       "",
		"models/sources.yml": "sources:\n  - name: raw\n    tables: [{name: t}]\n",
	})
	p, err := loadDir(t, dir, Options{SkipProfile: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Target != nil {
		t.Errorf("target = %+v, want nil", p.Target)
	}
	wantEqual(t, "database", p.Sources["source.shop.raw.t"].Database, "")
}

func TestTestDeclarations(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"models/orders.sql": "select 1",
		"models/schema.yml": `
models:
  - name: orders
    data_tests:
      - dbt_utils.expression_is_true:
          expression: "total >= 0"
    columns:
      - name: id
        tests:
          - unique
          - not_null:
              severity: warn
              where: "id > 0"
      - name: status
        data_tests:
          - accepted_values:
              values: [placed, shipped]
              quote: false
              config:
                severity: error
                tags: [x]
          - accepted_values:
              name: status_values_v2
              description: Allowed statuses
              arguments:
                values: [a, b]
              config:
                where: "1=1"
      - name: customer_id
        tests:
          - relationships:
              to: ref('customers')
              field: id
          - test_name: not_null
            name: cust_not_null
            limit: 10
`,
	})
	type short struct {
		TestName, Namespace, Name, Column, Desc string
		Args                                    map[string]any
		Config                                  Config
		Line                                    int
	}
	var got []short
	for _, td := range p.GenericTests {
		if td.File != "models/schema.yml" || td.AttachedKind != Model || td.AttachedName != "orders" {
			t.Errorf("attachment of %s: %+v", td.TestName, td)
		}
		got = append(got, short{td.TestName, td.Namespace, td.Name, td.ColumnName, td.Description, td.Args, td.Config, td.Pos.Line})
	}
	want := []short{
		{"dbt_utils.expression_is_true", "dbt_utils", "", "", "", map[string]any{"expression": "total >= 0"}, Config{}, 5},
		{"unique", "", "", "id", "", map[string]any{}, Config{}, 10},
		{"not_null", "", "", "id", "", map[string]any{}, Config{"severity": "warn", "where": "id > 0"}, 11},
		{"accepted_values", "", "", "status", "", map[string]any{"values": []any{"placed", "shipped"}, "quote": false},
			Config{"severity": "error", "tags": []string{"x"}}, 16},
		{"accepted_values", "", "status_values_v2", "status", "Allowed statuses", map[string]any{"values": []any{"a", "b"}},
			Config{"where": "1=1"}, 22},
		{"relationships", "", "", "customer_id", "", map[string]any{"to": "ref('customers')", "field": "id"}, Config{}, 31},
		{"not_null", "", "cust_not_null", "customer_id", "", map[string]any{}, Config{"limit": 10}, 34},
	}
	wantEqual(t, "tests", got, want)
}

func TestPropertiesWarnings(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"models/a.sql": "select 1",
		"models/schema.yml": `
version: 2
models:
  - name: does_not_exist
    description: x
exposures:
  - name: dash
    type: dashboard
    owner: {email: a@b.c}
semantic_models: []
unit_tests: []
custom_key: 1
`,
	})
	if len(p.Warnings) != 2 {
		t.Fatalf("warnings: %v", p.Warnings)
	}
	if d, ok := findDiag(p.Warnings, `Did not find matching node for patch with name 'does_not_exist' in the 'models' section`); !ok || d.Pos.Line != 4 {
		t.Errorf("missing-node warning: %v", p.Warnings)
	}
	if _, ok := findDiag(p.Warnings, `unknown top-level key "custom_key"`); !ok {
		t.Errorf("unknown key warning: %v", p.Warnings)
	}
}

// TestDeprecatedPathKeysAsDBT: dbt 1.10 still reads source-paths and
// data-paths as model-paths and seed-paths (dbt-integration-project's
// master has them), with a deprecation warning at the key.
func TestDeprecatedPathKeysAsDBT(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": baseProject + "source-paths: [src]\ndata-paths: [data]\n",
		"src/m.sql":       "select 1 as id\n",
		"data/s.csv":      "id\n1\n",
	})
	var names []string
	for _, n := range p.Nodes {
		names = append(names, n.OriginalFilePath)
	}
	sort.Strings(names)
	if fmt.Sprint(names) != "[data/s.csv src/m.sql]" {
		t.Errorf("nodes from %v, want data/s.csv and src/m.sql", names)
	}
	for key, line := range map[string]int{"source-paths": 5, "data-paths": 6} {
		d, ok := findDiag(p.Warnings, "the "+key+" config has been renamed")
		if !ok || d.File != "dbt_project.yml" || d.Pos.Line != line {
			t.Errorf("%s: no warning at dbt_project.yml:%d in %v", key, line, p.Warnings)
		}
	}
}

// TestBadInput: every problem names its file and line, and all of them are reported together.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		opts    Options
		summary string
		file    string
		line    int
	}{
		{"malformed dbt_project.yml", map[string]string{"dbt_project.yml": "name: shop\nmodels:\n  shop:\n    +materialized: table\n   bad: [\n"},
			Options{}, "invalid YAML", "dbt_project.yml", 5},
		{"malformed schema.yml", map[string]string{"models/a.sql": "select 1", "models/schema.yml": "models:\n  - name: a\n    description: \"unclosed\n"},
			Options{}, "invalid YAML", "models/schema.yml", 3},
		{"tabs in yaml", map[string]string{"models/schema.yml": "models:\n\t- name: a\n"},
			Options{}, "invalid YAML", "models/schema.yml", 2},
		{"unknown project key", map[string]string{"dbt_project.yml": baseProject + "model_paths: [models]\n"},
			Options{}, `unknown key "model_paths"`, "dbt_project.yml", 5},
		{"renamed project key", map[string]string{"dbt_project.yml": baseProject + "modules-path: pkgs\n"},
			Options{}, "renamed to packages-install-path", "dbt_project.yml", 5},
		{"deprecated and new path keys", map[string]string{"dbt_project.yml": baseProject + "model-paths: [models]\nsource-paths: [src]\n"},
			Options{}, "source-paths and model-paths cannot both be defined", "dbt_project.yml", 6},
		{"missing profile", map[string]string{}, Options{Profile: "nope"}, `profile "nope" not found`, "profiles.yml", 1},
		{"profile named in dbt_project.yml not found", map[string]string{"dbt_project.yml": "name: shop\nprofile: nope\n"},
			Options{}, `profile "nope" not found`, "dbt_project.yml", 2},
		{"missing target", map[string]string{}, Options{Target: "prod"}, `target "prod" not found`, "profiles.yml", 3},
		{"duplicate model names", map[string]string{"models/a/orders.sql": "select 1", "models/b/orders.sql": "select 2"},
			Options{}, `dbt found two models with the name "orders": model models/a/orders.sql and model models/b/orders.sql`, "models/b/orders.sql", 0},
		{"model and seed with one name", map[string]string{"models/orders.sql": "select 1", "seeds/orders.csv": "a\n1\n"},
			Options{}, `dbt found two resources with the name "orders": model models/orders.sql and seed seeds/orders.csv`, "seeds/orders.csv", 0},
		{"duplicate analysis names", map[string]string{"analyses/a/x.sql": "select 1", "analyses/b/x.sql": "select 2"},
			Options{}, `dbt found two analyses with the name "x": analyses/a/x.sql and analyses/b/x.sql`, "analyses/b/x.sql", 0},
		{"duplicate exposure names", map[string]string{"models/e.yml": "exposures:\n  - {name: e, type: dashboard, owner: {email: a@b.c}}\n  - {name: e, type: dashboard, owner: {email: a@b.c}}\n"},
			Options{}, `dbt found two exposures with the name "e": models/e.yml:2 and models/e.yml:3`, "models/e.yml", 3},
		{"duplicate source table", map[string]string{"models/s.yml": "sources:\n  - name: raw\n    tables:\n      - name: t\n      - name: t\n"},
			Options{}, `dbt found two sources with the name "raw.t": models/s.yml:4 and models/s.yml:5`, "models/s.yml", 5},
		{"foreign key to not a ref", map[string]string{"models/a.sql": "select 1 as id", "models/s.yml": "models:\n  - name: a\n    constraints:\n      - type: foreign_key\n        columns: [id]\n        to: invalid\n        to_columns: [id]\n"},
			Options{}, "Invalid 'ref' or 'source' syntax on foreign key constraint 'to' on model a: invalid.", "models/s.yml", 6},
		{"column foreign key to unbalanced", map[string]string{"models/a.sql": "select 1 as id", "models/s.yml": "models:\n  - name: a\n    columns:\n      - name: id\n        constraints:\n          - type: foreign_key\n            to: ref('b'\n"},
			Options{}, "Invalid 'ref' or 'source' syntax on foreign key constraint 'to' on model a: ref('b'.", "models/s.yml", 7},
		{"source quoting not a bool", map[string]string{"models/s.yml": "sources:\n  - name: raw\n    quoting:\n      identifier: \"no\"\n    tables: [{name: t}]\n"},
			Options{}, `source "raw": quoting identifier must be true, false or null`, "models/s.yml", 4},
		{"source table quoting unknown part", map[string]string{"models/s.yml": "sources:\n  - name: raw\n    tables:\n      - name: t\n        quoting: {table: false}\n"},
			Options{}, `source table "t" quoting: unknown key "table"`, "models/s.yml", 5},
		{"unknown doc", map[string]string{"models/a.sql": "select 1", "models/s.yml": "models:\n  - name: a\n    description: \"{{ doc('nope') }}\"\n"},
			Options{}, "doc('nope') not found", "models/s.yml", 3},
		{"missing env var in project", map[string]string{"dbt_project.yml": baseProject + "models:\n  +schema: \"{{ env_var('NO_SUCH') }}\"\n"},
			Options{}, "Env var required but not provided: 'NO_SUCH'", "dbt_project.yml", 6},
		{"missing env var in profile", map[string]string{"profiles.yml": "shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      password: \"{{ env_var('PGPASS') }}\"\n"},
			Options{}, "Env var required but not provided: 'PGPASS'", "profiles.yml", 6},
		{"missing var in project", map[string]string{"dbt_project.yml": baseProject + "models:\n  +schema: \"{{ var('s') }}\"\n"},
			Options{}, "Required var 's' not found", "dbt_project.yml", 6},
		{"unclosed snapshot", map[string]string{"snapshots/s.sql": "\n{% snapshot s %}\nselect 1\n"},
			Options{}, "never closed", "snapshots/s.sql", 2},
		{"described twice", map[string]string{"models/a.sql": "select 1", "models/x.yml": "models: [{name: a}]\n", "models/y.yml": "models:\n  - name: a\n"},
			Options{}, `model "a" is described twice: models/x.yml:1 and models/y.yml:2`, "models/y.yml", 2},
		{"bad test entry", map[string]string{"models/a.sql": "select 1", "models/s.yml": "models:\n  - name: a\n    tests:\n      - unique: {}\n        not_null: {}\n"},
			Options{}, "exactly one key", "models/s.yml", 4},
		{"test config key at the top level and in config", map[string]string{"models/a.sql": "select 1", "models/s.yml": "models:\n  - name: a\n    columns:\n      - name: c\n        data_tests:\n          - accepted_values:\n              values: [x]\n              severity: warn\n              config:\n                severity: error\n"},
			Options{}, "Test cannot have the same key at the top-level and in config: severity", "models/s.yml", 8},
		{"test config key under arguments and in config", map[string]string{"models/a.sql": "select 1", "models/s.yml": "models:\n  - name: a\n    data_tests:\n      - not_null:\n          arguments: {column_name: c, where: \"c > 1\"}\n          config: {where: \"c > 2\"}\n"},
			Options{}, "Test cannot have the same key at the top-level and in config: where", "models/s.yml", 5},
		{"bad config-version", map[string]string{"dbt_project.yml": "name: shop\nprofile: shop\nconfig-version: 1\n"},
			Options{}, "invalid config-version", "dbt_project.yml", 3},
		{"project version not a version", map[string]string{"dbt_project.yml": "name: shop\nprofile: shop\nversion: invalid\n"},
			Options{}, `invalid version "invalid"`, "dbt_project.yml", 3},
		{"dbt-cloud not a mapping", map[string]string{"dbt_project.yml": "name: shop\nprofile: shop\ndbt-cloud: Some string\n"},
			Options{}, "dbt-cloud must be a mapping, not a str", "dbt_project.yml", 3},
		{"tests beside an empty data_tests", map[string]string{"models/a.sql": "select 1 as id", "models/s.yml": "models:\n  - name: a\n    data_tests: []\n    tests: [unique]\n"},
			Options{}, `model "a" has both tests: and data_tests: (the other at line 3)`, "models/s.yml", 4},
		{"a source table's two test lists", map[string]string{"models/s.yml": "sources:\n  - name: raw\n    tables:\n      - name: t\n        columns:\n          - name: id\n            tests: [unique]\n            data_tests: [not_null]\n"},
			Options{}, `column "id" has both tests: and data_tests: (the other at line 7)`, "models/s.yml", 8},
		{"tests and data_tests in dbt_project.yml", map[string]string{"dbt_project.yml": "name: shop\nprofile: shop\ntests:\n  +enabled: true\ndata_tests:\n  +tags: super\n"},
			Options{}, "cannot have both 'tests' and 'data_tests' defined", "dbt_project.yml", 3},
		{"meta at the top level and in config", map[string]string{"models/a.sql": "select 1", "models/s.yml": "models:\n  - name: a\n    meta:\n      owner: Somebody Else\n    config:\n      meta: {owner: Julie Smith}\n"},
			Options{}, "found meta both under 'config' and as a top-level key", "models/s.yml", 3},
		{"group at the top level and in config", map[string]string{"seeds/a.csv": "x\n1\n", "models/s.yml": "seeds:\n  - name: a\n    config: {group: g}\n    group: g\n"},
			Options{}, "found group both under 'config' and as a top-level key", "models/s.yml", 4},
		{"ref() in a test's config", map[string]string{"models/a.sql": "select 1 as id", "models/s.yml": "models:\n  - name: a\n    columns:\n      - name: id\n        data_tests:\n          - not_null:\n              config:\n                where: \"id = (select id from {{ ref('a') }} limit 1)\"\n"},
			Options{}, "invalid generic test configuration: 'ref' is undefined", "models/s.yml", 8},
		{"macro in a test's top-level where", map[string]string{"models/a.sql": "select 1 as id", "models/s.yml": "models:\n  - name: a\n    data_tests:\n      - not_null:\n          column_name: id\n          where: \"{{ my_filter() }}\"\n"},
			Options{}, "invalid generic test configuration: 'my_filter' is undefined", "models/s.yml", 6},
		{"duplicate measure in a semantic model", map[string]string{"models/a.sql": "select 1 as id", "models/s.yml": "semantic_models:\n  - name: sm\n    model: ref('a')\n    entities:\n      - name: id\n        type: primary\n    measures:\n      - name: n\n        agg: count\n        expr: id\n      - name: n\n        agg: sum\n        expr: id\n"},
			Options{}, `semantic model "sm": can't use name "n" for a measure when it was already used for a measure at line 8`, "models/s.yml", 11},
		{"dimension named as an entity", map[string]string{"models/a.sql": "select 1 as id", "models/s.yml": "semantic_models:\n  - name: sm\n    model: ref('a')\n    entities:\n      - name: id\n        type: primary\n    dimensions:\n      - name: id\n        type: categorical\n"},
			Options{}, `can't use name "id" for a dimension when it was already used for a entity`, "models/s.yml", 8},
		{"empty seed delimiter", map[string]string{"dbt_project.yml": baseProject + "seeds:\n  +delimiter: \"\"\n", "seeds/s.csv": "a|b\n1|x\n"},
			Options{}, `seed s: delimiter "" must be a single character`, "seeds/s.csv", 1},
		{"seed header no unquoted name", map[string]string{"dbt_project.yml": baseProject + "seeds:\n  +delimiter: \";\"\n  +quote_columns: false\n", "seeds/s.csv": "id;a|b\n1;1|x\n"},
			Options{}, `seed s: column "a|b" cannot be written unquoted`, "seeds/s.csv", 1},
		{"invalid project name", map[string]string{"dbt_project.yml": "name: my-shop\nprofile: shop\n"},
			Options{}, `invalid project name "my-shop"`, "dbt_project.yml", 1},
		{"bad properties version", map[string]string{"models/s.yml": "version: 1\n"},
			Options{}, "only version 2 is supported", "models/s.yml", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadDir(t, newProject(t, tt.files), tt.opts)
			l := diagList(t, err)
			d, ok := findDiag(l, tt.summary)
			if !ok {
				t.Fatalf("no diagnostic containing %q in:\n%v", tt.summary, err)
			}
			if d.File != tt.file || d.Pos.Line != tt.line {
				t.Errorf("at %s:%d, want %s:%d (%s)", d.File, d.Pos.Line, tt.file, tt.line, d.Error())
			}
			if d.Hint == "" {
				t.Errorf("no hint: %s", d.Error())
			}
		})
	}
}

func TestMissingProfileNamesAvailable(t *testing.T) {
	_, err := loadDir(t, newProject(t, map[string]string{
		"profiles.yml": baseProfiles + "other:\n  outputs:\n    x: {type: duckdb}\n",
	}), Options{Profile: "nope"})
	d, _ := findDiag(diagList(t, err), "not found")
	wantEqual(t, "hint", d.Hint, "available profiles: shop, other")

	_, err = loadDir(t, newProject(t, nil), Options{Target: "prod"})
	d, _ = findDiag(diagList(t, err), "not found")
	wantEqual(t, "hint", d.Hint, "available targets: dev")

	_, err = loadDir(t, newProject(t, map[string]string{"profiles.yml": ""}), Options{HomeDir: t.TempDir()})
	d, ok := findDiag(diagList(t, err), "profiles.yml not found")
	if !ok || d.Hint == "" {
		t.Errorf("no profiles.yml: %v", err)
	}
}

func TestAllProblemsReported(t *testing.T) {
	_, err := loadDir(t, newProject(t, map[string]string{
		"models/a.sql":  "select 1",
		"models/b.sql":  "select 2",
		"models/s1.yml": "models: [{name: a, description: \"{{ doc('x') }}\"}]\n",
		"models/s2.yml": "models: [\n",
		"models/s3.yml": "models: [{name: b, columns: [{name: c, tests: [unique], data_tests: []}]}]\n",
	}), Options{})
	l := diagList(t, err)
	if len(l) != 3 {
		t.Errorf("want 3 errors, got %d:\n%v", len(l), err)
	}
}

// TestUninstalledPackagesAsDBT: more packages listed in packages.yml than
// installed stop a load that parses the project (RequirePackages), as
// dbt's UninstalledPackagesFoundError does, naming the file and the
// counts; elsewhere (debug, clean) it is a warning.
func TestUninstalledPackagesAsDBT(t *testing.T) {
	dir := newProject(t, map[string]string{"packages.yml": "# the project's packages\npackages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n"})
	p, err := loadDir(t, dir, Options{SkipProfile: true})
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := findDiag(p.Warnings, "packages.yml lists 1 dbt package, but 0 are installed in dbt_packages/"); !ok || d.File != "packages.yml" || d.Pos.Line != 2 {
		t.Errorf("no warning at packages.yml:2: %v", p.Warnings)
	}
	_, err = loadDir(t, dir, Options{SkipProfile: true, RequirePackages: true})
	if d, ok := findDiag(diagList(t, err), "found 1 package specified in packages.yml, but only 0 installed in dbt_packages/"); !ok || d.Pos.Line != 2 || d.Hint == "" {
		t.Errorf("want an error at packages.yml:2: %v", err)
	}
	// Installed (as elt deps leaves it): no error.
	writeFiles(t, dir, map[string]string{"dbt_packages/dbt_utils/dbt_project.yml": "name: dbt_utils\n"})
	if _, err := loadDir(t, dir, Options{SkipProfile: true, RequirePackages: true}); err != nil {
		t.Errorf("with the package installed: %v", err)
	}
}

func TestPythonModelIsANode(t *testing.T) {
	p, err := loadDir(t, newProject(t, map[string]string{
		"models/a.sql":       "select 1",
		"models/py/score.py": "def model(dbt, session):\n    return dbt.ref('a')\n",
	}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := p.Nodes["model.shop.score"]
	if n == nil || n.Language != "python" || !strings.Contains(n.RawCode, "dbt.ref('a')") {
		t.Fatalf("python model: %+v", n)
	}
}

func TestInstalledPackagesMacros(t *testing.T) {
	dir := newProject(t, map[string]string{
		"packages.yml":                               "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n",
		"macros/mine.sql":                            "{% macro mine() %}1{% endmacro %}",
		"dbt_packages/utils/dbt_project.yml":         "name: dbt_utils\nversion: '1.0'\nconfig-version: 2\nmacro-paths: [src]\nvars:\n  size: 3\n",
		"dbt_packages/utils/src/star.sql":            "{% macro star() %}*{% endmacro %}",
		"dbt_packages/utils/src/readme.md":           "not a macro",
		"dbt_packages/utils/tests/generic/range.sql": "{% test accepted_range(model) %}select 1{% endtest %}",
		"dbt_packages/utils/models/ignored.sql":      "select 1",
		"dbt_packages/not_a_package/macros/x.sql":    "{% macro x() %}{% endmacro %}",
		"dbt_packages/other/dbt_project.yml":         "name: other\n",
	})
	p, err := loadDir(t, dir, Options{SkipProfile: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range p.Warnings {
		if w.File == "packages.yml" {
			t.Errorf("unexpected warning: %v", w)
		}
	}
	var names []string
	for _, pkg := range p.Packages {
		names = append(names, pkg.Name)
	}
	if want := []string{"dbt_utils", "other"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("packages: want %v, got %v", want, names)
	}
	u := p.Packages[0]
	var files []string
	for _, f := range u.MacroFiles {
		if f.Package != "dbt_utils" {
			t.Errorf("%s: package %q", f.Path, f.Package)
		}
		files = append(files, f.Path)
	}
	if want := []string{"dbt_packages/utils/src/star.sql", "dbt_packages/utils/tests/generic/range.sql"}; !reflect.DeepEqual(files, want) {
		t.Errorf("macro files: want %v, got %v", want, files)
	}
	if u.Dir != "dbt_packages/utils" || u.Config.Vars["size"] != 3 {
		t.Errorf("package: %+v", u)
	}
	if len(p.MacroFiles) != 1 || p.MacroFiles[0].Package != "" {
		t.Errorf("root macro files: %+v", p.MacroFiles)
	}
	m := p.Nodes["model.dbt_utils.ignored"]
	if len(p.Nodes) != 1 || m == nil || m.PackageDir != "dbt_packages/utils" || m.PackagePath() != "models/ignored.sql" ||
		!reflect.DeepEqual(m.FQN, []string{"dbt_utils", "ignored"}) {
		t.Errorf("package model: %+v", p.Nodes)
	}
}

func TestInstalledPackageErrorsArePositioned(t *testing.T) {
	dir := newProject(t, map[string]string{
		"dbt_packages/bad/dbt_project.yml":  "name: bad\nmacro-paths: macros\n",
		"dbt_packages/dup1/dbt_project.yml": "name: twin\n",
		"dbt_packages/dup2/dbt_project.yml": "name: twin\n",
	})
	_, err := loadDir(t, dir, Options{SkipProfile: true})
	l := diagList(t, err)
	var got []string
	for _, d := range l {
		got = append(got, fmt.Sprintf("%s:%d", d.File, d.Pos.Line))
	}
	want := []string{"dbt_packages/bad/dbt_project.yml:2", "dbt_packages/dup2/dbt_project.yml:1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("want %v, got %v (%v)", want, got, err)
	}
}

// A config argument set to a false value gives way to config: without
// an error, as in dbt's test builder (only a set value conflicts).
func TestTestFalseTopLevelConfigGivesWay(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"models/a.sql": "select 1",
		"models/s.yml": "models:\n  - name: a\n    columns:\n      - name: c\n        data_tests:\n          - not_null:\n              store_failures: false\n              config: {store_failures: true}\n",
	})
	var got []any
	for _, d := range p.GenericTests {
		got = append(got, d.Config["store_failures"])
	}
	wantEqual(t, "store_failures", got, []any{true})
}

// An empty or null tests: beside data_tests: is no conflict for dbt (its
// schema parser renames tests: only when it holds tests), nor is a
// source's non-empty list beside an empty one: the tests given load.
func TestOneEmptyTestsListAccepted(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"models/a.sql": "select 1 as id",
		"models/s.yml": "models:\n  - name: a\n    tests: []\n    data_tests: [unique]\n    columns:\n      - name: id\n        tests:\n        data_tests: [not_null]\n" +
			"sources:\n  - name: raw\n    tables:\n      - name: t\n        data_tests: []\n        tests: [unique]\n",
	})
	var got []string
	for _, d := range p.GenericTests {
		got = append(got, d.AttachedName+":"+d.ColumnName+":"+d.TestName)
	}
	slices.Sort(got)
	want := []string{"a::unique", "a:id:not_null", "t::unique"}
	if !slices.Equal(got, want) {
		t.Fatalf("tests %v, want %v", got, want)
	}
}
