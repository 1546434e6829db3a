package compiler

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

func TestEphemeral(t *testing.T) {
	p := newProject(readCase(t, "ephemeral"))
	m, got := compileProject(t, p, testOptions())
	golden(t, "ephemeral/compiled.sql", got)
	if m.Nodes["model.shop.base_e"].RelationName != "" {
		t.Errorf("ephemeral models have no relation")
	}
	if n := len(m.Nodes["model.shop.nested"].ExtraCTEs); n != 2 {
		t.Errorf("nested: want 2 CTEs, got %d", n)
	}

	// A subset compiles its ephemeral dependencies too.
	m2, err := Parse(context.Background(), newProject(readCase(t, "ephemeral")), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Compile(context.Background(), []string{"model.shop.nested"}); err != nil {
		t.Fatal(err)
	}
	if a, b := m2.Nodes["model.shop.nested"].CompiledCode, m.Nodes["model.shop.nested"].CompiledCode; a != b {
		t.Errorf("subset compile differs:\n%s\nvs\n%s", a, b)
	}
	if m2.Nodes["model.shop.simple"].Compiled {
		t.Errorf("simple was not asked for")
	}
}

// TestInjectCTEs: as dbt's _inject_ctes_into_sql: after a leading WITH
// (or WITH RECURSIVE) and the whitespace that follows it, then ", ";
// else a new WITH before the first token, then a space.
func TestInjectCTEs(t *testing.T) {
	ctes := []CTE{{SQL: " __dbt__cte__a as (\nselect 1\n)"}}
	for _, tc := range []struct{ in, want string }{
		{"select * from __dbt__cte__a", "with __dbt__cte__a as (\nselect 1\n) select * from __dbt__cte__a"},
		{"with b as (select 2) select *", "with  __dbt__cte__a as (\nselect 1\n), b as (select 2) select *"},
		{"/* c */ -- d\nWith b as (x) y", "/* c */ -- d\nWith  __dbt__cte__a as (\nselect 1\n), b as (x) y"},
		{"without_with", "with __dbt__cte__a as (\nselect 1\n) without_with"},
		{"\nwith recursive t(n) as (select 1) select sum(n) from t;", "\nwith recursive  __dbt__cte__a as (\nselect 1\n), t(n) as (select 1) select sum(n) from t;"},
		{"WITH\n  RECURSIVE\n  t as (x) y", "WITH\n  RECURSIVE\n   __dbt__cte__a as (\nselect 1\n), t as (x) y"},
		{"with recursive_thing as (x) y", "with  __dbt__cte__a as (\nselect 1\n), recursive_thing as (x) y"},
	} {
		if got := injectCTEs(tc.in, ctes); got != tc.want {
			t.Errorf("injectCTEs(%q):\nwant %q\ngot  %q", tc.in, tc.want, got)
		}
	}
}

func TestGenericTests(t *testing.T) {
	p := newProject(readCase(t, "generic"))
	addSource(p, "raw", "orders")
	decl := func(test string, col string, args map[string]any) *project.TestDecl {
		return &project.TestDecl{TestName: test, Args: args, Config: project.Config{}, AttachedKind: project.Model,
			AttachedName: "orders", ColumnName: col, File: "models/marts/schema.yml", Pos: diag.Pos{Line: 7}}
	}
	p.GenericTests = []*project.TestDecl{
		decl("not_null", "id", nil),
		decl("unique", "id", nil),
		decl("accepted_values", "status", map[string]any{"values": []any{"placed", "shipped", "completed"}}),
		decl("relationships", "customer_id", map[string]any{"to": "ref('customers')", "field": "id"}),
		decl("accepted_values", "status", map[string]any{"values": []any{"placed", "shipped", "completed", "return_pending", "returned"}}),
		{TestName: "not_null", Config: project.Config{}, AttachedKind: project.Source, SourceName: "raw", AttachedName: "orders", ColumnName: "id", File: "models/sources.yml", Pos: diag.Pos{Line: 3}},
	}
	where := decl("not_null", "customer_id", nil)
	where.Config = project.Config{"where": "status = '{{ var(\"status\", \"placed\") }}'", "severity": "warn"}
	named := decl("unique", "customer_id", nil)
	named.Name = "orders_customer_unique"
	p.GenericTests = append(p.GenericTests, where, named)

	m, got := compileProject(t, p, testOptions())
	golden(t, "generic/compiled.sql", got)
	// Parse merged the generic tests into its sorted nodes.
	ids, nodes, parsed := m.sortedNodes()
	if want := sortedKeys(m.Nodes); !parsed || !slices.Equal(ids, want) {
		t.Errorf("Parse's node order: want %v, got %v (parsed %v)", want, ids, parsed)
	}
	for i, id := range ids {
		if nodes[i] != m.Nodes[id] {
			t.Errorf("Parse's node %d is not %s", i, id)
		}
	}

	byName := map[string]*Node{}
	var names []string
	for _, n := range m.Nodes {
		if n.TestMetadata != nil {
			byName[n.Name] = n
			names = append(names, n.Name)
		}
	}
	sort.Strings(names)
	wantNames := []string{
		"accepted_values_orders_status__placed__shipped__completed",
		"accepted_values_orders_status__placed__shipped__completed__return_pending__returned",
		"not_null_orders_customer_id",
		"not_null_orders_id",
		"orders_customer_unique",
		"relationships_orders_customer_id__id__ref_customers_",
		"source_not_null_raw_orders_id",
		"unique_orders_id",
	}
	if strings.Join(names, "\n") != strings.Join(wantNames, "\n") {
		t.Fatalf("test names:\nwant %v\ngot  %v", wantNames, names)
	}
	long := byName["accepted_values_orders_status__placed__shipped__completed__return_pending__returned"]
	if long.ShortName != "accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758" {
		t.Errorf("long name short form: got %s", long.ShortName)
	}
	rel := byName["relationships_orders_customer_id__id__ref_customers_"]
	if !strings.HasPrefix(rel.UniqueID, "test.shop.relationships_orders_customer_id__id__ref_customers_.") || len(rel.UniqueID) != len("test.shop.relationships_orders_customer_id__id__ref_customers_.")+10 {
		t.Errorf("unique id: %s", rel.UniqueID)
	}
	// dbt's order: the refs of the test's arguments (to), then its model.
	if got := fmt.Sprint(rel.DependsOn.Nodes); got != "[model.shop.customers model.shop.orders]" {
		t.Errorf("relationships depends_on: %s", got)
	}
	if rel.Config["severity"] != "warn" {
		t.Errorf("config() inside a test macro: severity %v", rel.Config["severity"])
	}
	if got := fmt.Sprint(rel.FQN); got != "[shop marts relationships_orders_customer_id__id__ref_customers_]" {
		t.Errorf("fqn: %s", got)
	}
	if rel.AttachedNode != "model.shop.orders" || rel.ColumnName != "customer_id" {
		t.Errorf("attached: %s %s", rel.AttachedNode, rel.ColumnName)
	}
	kw := rel.TestMetadata.Kwargs
	if kw["model"] != "{{ get_where_subquery(ref('orders')) }}" || kw["column_name"] != "customer_id" || kw["to"] != "ref('customers')" || kw["field"] != "id" {
		t.Errorf("kwargs: %v", kw)
	}
	nn := byName["not_null_orders_id"]
	for k, want := range map[string]any{"severity": "ERROR", "warn_if": "!= 0", "error_if": "!= 0", "fail_calc": "count(*)"} {
		if nn.Config[k] != want {
			t.Errorf("default %s: want %v, got %v", k, want, nn.Config[k])
		}
	}
	src := byName["source_not_null_raw_orders_id"]
	if fmt.Sprint(src.DependsOn.Nodes) != "[source.shop.raw.orders]" {
		t.Errorf("source test depends_on: %v", src.DependsOn.Nodes)
	}
}

func TestErrorsAllAtOnce(t *testing.T) {
	p := newProject(readCase(t, "errors"))
	p.GenericTests = []*project.TestDecl{{TestName: "no_such_test", Config: project.Config{}, AttachedKind: project.Model,
		AttachedName: "stg_orders", File: "models/schema.yml", Pos: diag.Pos{Line: 12, Column: 11}}}
	_, got := compileProject(t, p, testOptions())
	golden(t, "errors/stderr.txt", got)
	_, err := Parse(context.Background(), p, testOptions())
	l := diagList(err)
	want := map[string]int{
		"models/bad_ref.sql": 2, "models/bad_source.sql": 3, "models/bad_syntax.sql": 3,
		"models/uses_off.sql": 1, "models/raises.sql": 2, "models/schema.yml": 12,
	}
	// models/bad_var.sql reads a var nothing sets: as dbt, the parse reads
	// it as None and its compile fails (TestMissingVarFailsAtCompile).
	gotLines := map[string]int{}
	for _, d := range l {
		gotLines[d.File] = d.Pos.Line
	}
	for f, line := range want {
		if gotLines[f] != line {
			t.Errorf("%s: want line %d, got %d (all: %v)", f, line, gotLines[f], err)
		}
	}
}

// TestMissingVarFailsAtCompile: a var nothing sets is None while the
// project parses (dbt's ParseVar) and an error where the model compiles.
func TestMissingVarFailsAtCompile(t *testing.T) {
	p := newProject(map[string]string{"models/bad_var.sql": readCase(t, "errors")["models/bad_var.sql"]})
	m, err := Parse(context.Background(), p, testOptions())
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	err = m.Compile(context.Background(), []string{"model.shop.bad_var"})
	l := diagList(err)
	if len(l) != 1 || l[0].File != "models/bad_var.sql" || l[0].Pos.Line != 3 || !strings.Contains(l[0].Summary, "Required var 'missing_var' not found") {
		t.Errorf("want the missing var at models/bad_var.sql:3, got %v", err)
	}
}

func TestMacroSyntaxError(t *testing.T) {
	p := newProject(map[string]string{
		"macros/ok.sql":  "{% macro fine() %}ok{% endmacro %}\n",
		"macros/bad.sql": "{% macro broken() %}\n{{ 1 + }}\n{% endmacro %}\n",
		"models/a.sql":   "select 1\n",
	})
	_, err := Parse(context.Background(), p, testOptions())
	l := diagList(err)
	if len(l) != 1 || l[0].File != "macros/bad.sql" || l[0].Pos.Line != 2 {
		t.Errorf("want one error at macros/bad.sql:2, got %v", err)
	}
}

// TestUnknownNamesReadable: calling something the Jinja context lacks says
// what is missing, not a dump of the receiver.
func TestUnknownNamesReadable(t *testing.T) {
	p := newProject(map[string]string{
		"models/a.sql": "select '{{ modules.datetime.tzname(1, 2) }}'\n",
		"models/b.sql": "select 1\n-- x\nselect '{{ nothing.here() }}'\n",
	})
	m, err := Parse(context.Background(), p, testOptions())
	if err != nil {
		t.Fatalf("parse (dbt's parse-time undefined absorbs the calls): %v", err)
	}
	err = m.Compile(context.Background(), nil)
	got := map[string]string{}
	for _, d := range diagList(err) {
		got[fmt.Sprintf("%s:%d", d.File, d.Pos.Line)] = d.Summary
	}
	want := map[string]string{
		"models/a.sql:1": "no function or method 'tzname' here (elt's Jinja context does not provide it)",
		"models/b.sql:3": "'nothing' is not defined, so nothing.here() cannot be called",
	}
	for loc, msg := range want {
		if got[loc] != msg {
			t.Errorf("%s: got %q, want %q (all: %v)", loc, got[loc], msg, got)
		}
	}
}

// TestPackageNamespaceUndefined: calling a macro of a dbt package that is
// not installed names the package and says what to do, when the node
// compiles; the parse goes on and records the node's refs, as dbt's.
func TestPackageNamespaceUndefined(t *testing.T) {
	p := newProject(map[string]string{
		"models/a.sql": "select\n{{ dbt_utils.star(ref('b')) }}\nfrom {{ ref('b') }}\n",
		"models/b.sql": "select 1 as id\n",
	})
	m, err := Parse(context.Background(), p, testOptions())
	if err != nil {
		t.Fatalf("parse (dbt parses it; only compiling a fails): %v", err)
	}
	if got := m.Nodes["model.shop.a"].Refs; len(got) == 0 || got[len(got)-1].Name != "b" {
		t.Errorf("a's refs after the undefined call: %v", got)
	}
	err = m.Compile(context.Background(), []string{"model.shop.a"})
	l := diagList(err)
	if len(l) != 1 || l[0].File != "models/a.sql" || l[0].Summary != "'dbt_utils' is not defined, so dbt_utils.star() cannot be called" || !strings.Contains(l[0].Hint, "elt deps") {
		t.Errorf("got %v", err)
	}
}

// TestReleaseProjectNodes: once the project's node tables are dropped the
// manifest still compiles, and an error found then still reads the node's
// source for its message.
func TestReleaseProjectNodes(t *testing.T) {
	p := newProject(map[string]string{
		"models/a.sql":     "select 1 as id\n{% if execute %}{{ nothing.here() }}{% endif %}\n",
		"models/b.sql":     "select * from {{ ref('c') }}\n",
		"models/c.sql":     "{{ config(materialized='table') }}\nselect 1 as id\n",
		"macros/tests.sql": "{% test not_null(model, column_name) %}select * from {{ model }} where {{ column_name }} is null{% endtest %}\n",
	})
	p.GenericTests = []*project.TestDecl{{TestName: "not_null", Config: project.Config{}, AttachedKind: project.Model,
		AttachedName: "c", ColumnName: "id", File: "models/schema.yml", Pos: diag.Pos{Line: 6}}}
	m, err := Parse(context.Background(), p, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Nodes) != 3 || m.Nodes["model.shop.c"] == nil {
		t.Fatalf("parsed %d nodes: %v", len(p.Nodes), sortedKeys(m.Nodes))
	}
	m.ReleaseProjectNodes()
	if p.Nodes != nil || p.GenericTests != nil {
		t.Fatalf("the project's node tables are still there: %d nodes, %d tests", len(p.Nodes), len(p.GenericTests))
	}
	if err := m.Compile(context.Background(), []string{"model.shop.b", "model.shop.c"}); err != nil {
		t.Fatal(err)
	}
	if got := m.Nodes["model.shop.b"].CompiledCode; !strings.Contains(got, `"c"`) {
		t.Errorf("b compiled to %q", got)
	}
	if got := m.Nodes["model.shop.c"].Config["materialized"]; got != "table" {
		t.Errorf("c's config() lost: materialized %v", got)
	}
	var test *Node
	for _, n := range m.Nodes {
		if n.TestMetadata != nil {
			test = n
		}
	}
	if test == nil {
		t.Fatal("the generic test is gone")
	}
	if err := m.Compile(context.Background(), []string{test.UniqueID}); err != nil || !strings.Contains(test.CompiledCode, "id is null") {
		t.Errorf("the generic test compiled to %q (%v)", test.CompiledCode, err)
	}
	err = m.Compile(context.Background(), []string{"model.shop.a"})
	l := diagList(err)
	if len(l) != 1 || l[0].File != "models/a.sql" || l[0].Summary != "'nothing' is not defined, so nothing.here() cannot be called" {
		t.Errorf("want the undefined name explained from a.sql's source, got %v", err)
	}
}

// TestConfigsShared: models and generic tests with equal configs share
// one map, nodes with another config keep theirs, and a template that may
// change its node's config (model.config) changes a copy, not the shared
// map.
func TestConfigsShared(t *testing.T) {
	p := newProject(map[string]string{
		"models/orders.sql": "select 1 as id, 2 as customer_id\n",
		"models/a.sql":      "{{ config(materialized='table', tags=['nightly']) }}\nselect 1 as id\n",
		"models/b.sql":      "{{ config(materialized='table', tags=['nightly']) }}\nselect 2 as id\n",
		"models/c.sql":      "{{ config(materialized='table', tags=['hourly']) }}\nselect 3 as id\n",
		"models/d.sql":      "{{ config(materialized='table', meta={'owner': 'ann'}) }}\nselect 4 as id\n",
		"macros/tests.sql": "{% test not_null(model, column_name) %}select * from {{ model }} where {{ column_name }} is null{% endtest %}\n" +
			"{% test unique(model, column_name) %}select {{ column_name }} from {{ model }} group by 1 having count(*) > 1{% endtest %}\n",
	})
	decl := func(test, col string, cfg project.Config) *project.TestDecl {
		return &project.TestDecl{TestName: test, Config: cfg, AttachedKind: project.Model,
			AttachedName: "orders", ColumnName: col, File: "models/schema.yml", Pos: diag.Pos{Line: 5}}
	}
	p.GenericTests = []*project.TestDecl{
		decl("not_null", "id", project.Config{}),
		decl("unique", "id", project.Config{}),
		decl("not_null", "customer_id", project.Config{"severity": "warn"}),
		decl("unique", "customer_id", project.Config{"meta": map[string]any{"owner": "bob"}}),
	}
	m, byName := parseNamed(t, p)
	same := func(x, y string) bool {
		return reflect.ValueOf(byName[x].Config).Pointer() == reflect.ValueOf(byName[y].Config).Pointer()
	}
	for _, pair := range [][2]string{{"not_null_orders_id", "unique_orders_id"}, {"a", "b"}} {
		if !same(pair[0], pair[1]) {
			t.Errorf("%s and %s have equal configs and do not share them: %v and %v", pair[0], pair[1], byName[pair[0]].Config, byName[pair[1]].Config)
		}
	}
	for _, pair := range [][2]string{{"not_null_orders_id", "not_null_orders_customer_id"}, {"a", "c"}, {"a", "orders"}} {
		if same(pair[0], pair[1]) {
			t.Errorf("%s and %s have different configs and share one: %v", pair[0], pair[1], byName[pair[0]].Config)
		}
	}
	if got := byName["not_null_orders_customer_id"].Config["severity"]; got != "warn" {
		t.Errorf("a test's own severity: %v", got)
	}
	if got := fmt.Sprint(byName["c"].Config["tags"]); got != "[hourly]" {
		t.Errorf("c's tags: %s", got)
	}
	for _, name := range []string{"d", "unique_orders_customer_id"} {
		if byName[name].sharedConfig {
			t.Errorf("%s: a config holding a map was shared", name)
		}
	}
	a, b := byName["a"], byName["b"]
	if reflect.ValueOf(a.UnrenderedConfig).Pointer() != reflect.ValueOf(b.UnrenderedConfig).Pointer() || fmt.Sprint(a.UnrenderedConfig["tags"]) != "[nightly]" {
		t.Errorf("a and b's equal unrendered configs are not shared: %v and %v", a.UnrenderedConfig, b.UnrenderedConfig)
	}
	// model.config hands a template a dict of its own, as dbt's model
	// dict: writing to it changes no node's config.
	st := m.engine.newState(m, a, true)
	modelConfig(a.ResourceType, st.currentConfig())["materialized"] = "view"
	if b.Config["materialized"] != "table" || a.Config["materialized"] != "table" {
		t.Errorf("writing a's config through model.config: a %v, b %v", a.Config, b.Config)
	}
}

// TestGenericTestConfigsFromTree: generic tests without a config of their
// own share the config their dbt_project.yml tree levels give them, and a
// test that a level of the tree names by itself, a test in another folder
// and a test whose tree config holds a map each get what the tree gives
// them alone.
func TestGenericTestConfigsFromTree(t *testing.T) {
	p := newProject(map[string]string{
		"models/staging/orders.sql":  "select 1 as id, 2 as customer_id\n",
		"models/marts/customers.sql": "select 1 as id\n",
		"macros/tests.sql": "{% test not_null(model, column_name) %}select * from {{ model }} where {{ column_name }} is null{% endtest %}\n" +
			"{% test unique(model, column_name) %}select {{ column_name }} from {{ model }} group by 1 having count(*) > 1{% endtest %}\n",
	})
	level := func(cfg project.Config, children map[string]*project.ConfigTree) *project.ConfigTree {
		return &project.ConfigTree{Config: cfg, Unrendered: cfg, Children: children}
	}
	p.Config.Trees["data_tests"] = level(project.Config{"tags": []string{"all"}}, map[string]*project.ConfigTree{
		"shop": level(nil, map[string]*project.ConfigTree{
			"staging": level(project.Config{"severity": "warn"}, map[string]*project.ConfigTree{
				"unique_orders_customer_id": level(project.Config{"severity": "error", "limit": 5}, nil),
			}),
			"marts": level(project.Config{"meta": map[string]any{"owner": "ann"}}, nil),
		}),
	})
	decl := func(test, model, col, file string) *project.TestDecl {
		return &project.TestDecl{TestName: test, AttachedKind: project.Model,
			AttachedName: model, ColumnName: col, File: file, Pos: diag.Pos{Line: 5}}
	}
	p.GenericTests = []*project.TestDecl{
		decl("not_null", "orders", "id", "models/staging/schema.yml"),
		decl("unique", "orders", "id", "models/staging/schema.yml"),
		decl("not_null", "orders", "customer_id", "models/staging/schema.yml"),
		decl("unique", "orders", "customer_id", "models/staging/schema.yml"),
		decl("not_null", "customers", "id", "models/marts/schema.yml"),
		decl("unique", "customers", "id", "models/marts/schema.yml"),
	}
	m, byName := parseNamed(t, p)
	ptr := func(c project.Config) uintptr { return reflect.ValueOf(c).Pointer() }
	for name, want := range map[string]string{
		"not_null_orders_id":          "map[enabled:true error_if:!= 0 fail_calc:count(*) materialized:test severity:warn tags:[all] warn_if:!= 0]",
		"unique_orders_id":            "map[enabled:true error_if:!= 0 fail_calc:count(*) materialized:test severity:warn tags:[all] warn_if:!= 0]",
		"not_null_orders_customer_id": "map[enabled:true error_if:!= 0 fail_calc:count(*) materialized:test severity:warn tags:[all] warn_if:!= 0]",
		"unique_orders_customer_id":   "map[enabled:true error_if:!= 0 fail_calc:count(*) limit:5 materialized:test severity:error tags:[all] warn_if:!= 0]",
		"not_null_customers_id":       "map[enabled:true error_if:!= 0 fail_calc:count(*) materialized:test meta:map[owner:ann] severity:ERROR tags:[all] warn_if:!= 0]",
		"unique_customers_id":         "map[enabled:true error_if:!= 0 fail_calc:count(*) materialized:test meta:map[owner:ann] severity:ERROR tags:[all] warn_if:!= 0]",
	} {
		n := byName[name]
		if n == nil {
			t.Fatalf("no test %s among %v", name, m.ids)
		}
		if got := fmt.Sprint(n.Config); got != want {
			t.Errorf("%s's config:\n got %s\nwant %s", name, got, want)
		}
	}
	staging := byName["not_null_orders_id"]
	for _, name := range []string{"unique_orders_id", "not_null_orders_customer_id"} {
		if n := byName[name]; ptr(n.Config) != ptr(staging.Config) || ptr(n.UnrenderedConfig) != ptr(staging.UnrenderedConfig) || !n.sharedConfig {
			t.Errorf("%s does not share the staging folder's configs", name)
		}
	}
	if ptr(byName["unique_orders_customer_id"].Config) == ptr(staging.Config) {
		t.Error("the test its own tree level names shares the folder's config")
	}
	if a, b := byName["not_null_customers_id"], byName["unique_customers_id"]; ptr(a.Config) == ptr(b.Config) || a.sharedConfig {
		t.Error("configs holding a map are shared")
	}
	// A shared config is read only: model.config gives a template a copy.
	st := m.engine.newState(m, staging, true)
	modelConfig(staging.ResourceType, st.currentConfig())["severity"] = "ERROR"
	if byName["unique_orders_id"].Config["severity"] != "warn" || staging.Config["severity"] != "warn" {
		t.Errorf("writing one test's config through model.config changed another's")
	}
}

// parseNamed parses p and returns the manifest and its nodes by name.
func parseNamed(t *testing.T, p *project.Project) (*Manifest, map[string]*Node) {
	t.Helper()
	m, err := Parse(context.Background(), p, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Node{}
	for _, n := range m.Nodes {
		byName[n.Name] = n
	}
	return m, byName
}
