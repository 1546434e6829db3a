package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/docs/schematest"
	"github.com/elt-dev/elt/project"
)

// slimCIProject copies examples/shop, whose profile has the two
// environments of a slim CI job on one DuckDB file: dev (schema main, the
// production of this example) and ci (schema ci). The marts' meta gets an
// env_var() so that a config that renders differently per environment is
// part of the test.
func slimCIProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "shop"), dir)
	t.Setenv("ELT_SHOP_DB", filepath.Join(dir, "shop.duckdb"))
	t.Setenv("ELT_SHOP_CI_SCHEMA", "ci")
	proj, err := os.ReadFile(filepath.Join(dir, "dbt_project.yml"))
	if err != nil {
		t.Fatal(err)
	}
	marts := "    marts:\n      +materialized: table\n"
	if !strings.Contains(string(proj), marts) {
		t.Fatalf("examples/shop/dbt_project.yml no longer has %q", marts)
	}
	// Configs compared as written, so that what renders per environment
	// is no change (dbt's default compares config() calls as rendered).
	writeFile(t, dir, "dbt_project.yml", strings.Replace(string(proj), marts,
		marts+"      +meta: {built_by: \"{{ env_var('ELT_STATE_BUILT_BY', 'nobody') }}\"}\n", 1)+
		"flags:\n  state_modified_compare_more_unrendered_values: true\n")
	// And so does a config() call.
	stg, err := os.ReadFile(filepath.Join(dir, "models", "staging", "stg_customers.sql"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "models/staging/stg_customers.sql",
		"{{ config(meta={'built_by': env_var('ELT_STATE_BUILT_BY', 'nobody')}) }}\n"+string(stg))
	return dir
}

// saveState copies the artifacts of the last run into dir/prev, as a CI
// job downloads production's.
func saveState(t *testing.T, dir string) string {
	t.Helper()
	prev := filepath.Join(dir, "prev")
	if err := os.MkdirAll(prev, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"manifest.json", "run_results.json"} {
		b, err := os.ReadFile(filepath.Join(dir, "target", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(prev, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return prev
}

// runStatuses reads target/run_results.json: unique id -> status.
func runStatuses(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for id, r := range resultMessages(t, dir) {
		out[id] = r[0]
	}
	return out
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

func shopCompiled(t *testing.T, dir, model string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "shop", "models", model+".sql"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func duckTables(t *testing.T, dir, schema string) []string {
	t.Helper()
	db, err := sql.Open("duckdb", filepath.Join(dir, "shop.duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return lines(queryRows(t, db, "select table_name from information_schema.tables where table_schema = '"+schema+"'"))
}

// TestSlimCI is the pull-request loop on the example project: production
// builds everything and keeps its artifacts; the change to one model is
// state:modified (and nothing else is, though the marts' meta renders
// differently in CI); `build --select state:modified+ --defer --state prev`
// builds that model and its children in the CI schema, reading every other
// parent from production, and passes.
func TestSlimCI(t *testing.T) {
	dir := slimCIProject(t)
	t.Setenv("ELT_STATE_BUILT_BY", "prod-job")
	if res := elt(t, dir, "build"); res.code != 0 {
		t.Fatalf("prod build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	prev := saveState(t, dir)
	fctNode := readManifest(t, dir)["nodes"].(map[string]any)["model.shop.fct_orders"].(map[string]any)
	if got := fctNode["config"].(map[string]any)["meta"]; !reflect.DeepEqual(got, map[string]any{"built_by": "prod-job"}) {
		t.Errorf("config.meta: %v", got)
	}
	if got := fctNode["unrendered_config"].(map[string]any)["meta"]; !reflect.DeepEqual(got, map[string]any{"built_by": "{{ env_var('ELT_STATE_BUILT_BY', 'nobody') }}"}) {
		t.Errorf("unrendered_config.meta keeps the Jinja as written: %v", got)
	}
	stgNode := readManifest(t, dir)["nodes"].(map[string]any)["model.shop.stg_customers"].(map[string]any)
	if got := stgNode["unrendered_config"].(map[string]any)["meta"]; got != "{'built_by': env_var('ELT_STATE_BUILT_BY', 'nobody')}" {
		t.Errorf("unrendered_config.meta of a config() call: %v", got)
	}

	t.Setenv("ELT_STATE_BUILT_BY", "ci-job")
	if res := elt(t, dir, "ls", "-s", "state:modified", "--state", prev); res.code != 0 || strings.TrimSpace(res.stdout) != "" {
		t.Fatalf("before any change, state:modified: exit %d, want nothing, got\n%s%s", res.code, res.stdout, res.stderr)
	}

	stg := filepath.Join(dir, "models", "staging", "stg_payments.sql")
	b, err := os.ReadFile(stg)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "models/staging/stg_payments.sql", strings.Replace(string(b), "lower(payment_method)", "lower(trim(payment_method))", 1))

	res := elt(t, dir, "ls", "-s", "state:modified", "--state", prev, "--output", "json", "--resource-type", "model")
	if res.code != 0 {
		t.Fatalf("ls: exit %d\n%s", res.code, res.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(res.stdout)), &got); err != nil {
		t.Fatalf("want one JSON line, got %q: %v", res.stdout, err)
	}
	if got["unique_id"] != "model.shop.stg_payments" || !reflect.DeepEqual(got["modified_reasons"], []any{"body"}) {
		t.Errorf("state:modified: want stg_payments with reasons [body], got %v", got)
	}
	// --output-keys gives the keys asked for alone, as dbt's ls does
	// (task/list.py generate_json); modified_reasons when named.
	for keys, want := range map[string]string{
		"unique_id":                  `{"unique_id": "model.shop.stg_payments"}`,
		"unique_id modified_reasons": `{"unique_id": "model.shop.stg_payments", "modified_reasons": ["body"]}`,
	} {
		res := mustElt(t, dir, "ls", "-s", "state:modified", "--state", prev, "--output", "json", "--resource-type", "model", "--output-keys", keys)
		if got := strings.TrimSpace(res.stdout); got != want {
			t.Errorf("--output-keys %q:\n got %s\nwant %s", keys, got, want)
		}
	}

	want := lines(elt(t, dir, "ls", "-s", "stg_payments+", "--resource-type", "model", "--exclude", "config.materialized:ephemeral", "--output", "name").stdout)
	if len(want) < 3 {
		t.Fatalf("stg_payments should have children in the example, got %v", want)
	}
	res = elt(t, dir, "build", "-t", "ci", "--select", "state:modified+", "--defer", "--state", prev)
	if res.code != 0 {
		t.Fatalf("slim CI build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// The static checks know a deferred ref's relation (production's) as
	// the ref it is: no "not a ref" warning for it.
	if strings.Contains(res.stdout+res.stderr, "is not a ref") {
		t.Errorf("slim CI build warned of deferred refs:\n%s%s", res.stdout, res.stderr)
	}
	// elt check takes --state (and DBT_STATE) for the same selection.
	for _, env := range []map[string]string{nil, {"DBT_STATE": prev}} {
		args := []string{"check", "--select", "state:modified+", "--output", "json"}
		if env == nil {
			args = append(args, "--state", prev)
		}
		if res := eltWith(t, dir, env, args...); res.code != 0 || strings.TrimSpace(res.stdout) != "[]" {
			t.Errorf("check %v (env %v): exit %d\n%s%s", args, env, res.code, res.stdout, res.stderr)
		}
	}
	var built []string
	for id, status := range runStatuses(t, dir) {
		if status != "success" && status != "pass" && (status != "no-op" || !strings.HasPrefix(id, "exposure.")) {
			t.Errorf("%s: %s", id, status)
		}
		if strings.HasPrefix(id, "model.") {
			built = append(built, strings.TrimPrefix(id, "model.shop."))
		}
		if strings.HasPrefix(id, "seed.") {
			t.Errorf("seed %s was built, though unchanged", id)
		}
	}
	sort.Strings(built)
	if !reflect.DeepEqual(built, want) {
		t.Errorf("built models: want %v, got %v", want, built)
	}
	if tables := duckTables(t, dir, "ci"); !reflect.DeepEqual(tables, want) {
		t.Errorf("relations in the ci schema: want %v, got %v", want, tables)
	}
	fct := shopCompiled(t, dir, "marts/fct_orders")
	for _, s := range []string{`"shop"."main"."stg_orders"`, `"shop"."ci"."stg_payments"`} {
		if !strings.Contains(fct, s) {
			t.Errorf("fct_orders should read %s:\n%s", s, fct)
		}
	}

	// Without --favor-state, a parent that exists in CI is read there; with
	// it, from production.
	// Its seed is read from production too: seeds defer like models.
	if res := elt(t, dir, "run", "-t", "ci", "-s", "stg_orders", "--defer", "--favor-state", "--state", prev); res.code != 0 {
		t.Fatalf("run stg_orders: %s%s", res.stdout, res.stderr)
	}
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{nil, `"shop"."ci"."stg_orders"`},
		{[]string{"--favor-state"}, `"shop"."main"."stg_orders"`},
	} {
		args := append([]string{"run", "-t", "ci", "-s", "fct_orders", "--defer", "--state", prev}, tc.flags...)
		if res := elt(t, dir, args...); res.code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, res.code, res.stdout, res.stderr)
		}
		fct := shopCompiled(t, dir, "marts/fct_orders")
		if !strings.Contains(fct, tc.want) {
			t.Errorf("%v: fct_orders should read %s:\n%s", tc.flags, tc.want, fct)
		}
	}

	// compile defers too.
	if res := elt(t, dir, "compile", "-t", "ci", "-s", "daily_revenue", "--defer", "--favor-state", "--state", prev); res.code != 0 {
		t.Fatalf("compile --defer: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if daily := shopCompiled(t, dir, "marts/daily_revenue"); !strings.Contains(daily, `"shop"."main"."fct_orders"`) {
		t.Errorf("compile --defer --favor-state: daily_revenue should read main's fct_orders:\n%s", daily)
	}

	// --defer-state names the run to defer to apart from --state.
	if res := elt(t, dir, "compile", "-t", "ci", "-s", "daily_revenue", "--defer", "--favor-state", "--defer-state", prev); res.code != 0 {
		t.Fatalf("compile --defer-state: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if daily := shopCompiled(t, dir, "marts/daily_revenue"); !strings.Contains(daily, `"shop"."main"."fct_orders"`) {
		t.Errorf("compile --defer-state: daily_revenue should read main's fct_orders:\n%s", daily)
	}

	if res := elt(t, dir, "build", "-t", "ci", "--defer"); res.code != 2 || !strings.Contains(res.stderr, "--defer needs --state") {
		t.Errorf("--defer without --state: exit %d\n%s", res.code, res.stderr)
	}
}

// TestResultSelector selects on the statuses of an earlier run.
func TestResultSelector(t *testing.T) {
	dir := slimCIProject(t)
	writeFile(t, dir, "models/staging/stg_products.sql", "select no_such_column from {{ ref('raw_products') }}")
	if res := elt(t, dir, "seed"); res.code != 0 {
		t.Fatalf("seed: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := elt(t, dir, "run", "--no-check"); res.code != 1 {
		t.Fatalf("run with a broken model: want exit 1, got %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	prev := saveState(t, dir)
	// Tests of the selected models come along (eager indirect selection),
	// so only models are listed.
	res := elt(t, dir, "ls", "-s", "result:error", "--state", prev, "--output", "name", "--resource-type", "model")
	if got := lines(res.stdout); !reflect.DeepEqual(got, []string{"stg_products"}) {
		t.Errorf("result:error: want [stg_products], got %v\n%s", got, res.stderr)
	}
	skipped := lines(elt(t, dir, "ls", "-s", "result:skipped", "--state", prev, "--output", "name", "--resource-type", "model").stdout)
	children := lines(elt(t, dir, "ls", "-s", "stg_products+", "--exclude", "stg_products", "--resource-type", "model", "--exclude", "config.materialized:ephemeral", "--output", "name").stdout)
	if len(skipped) == 0 || !reflect.DeepEqual(skipped, children) {
		t.Errorf("result:skipped: want the children of stg_products %v, got %v", children, skipped)
	}
	if res := elt(t, dir, "ls", "-s", "result:error"); res.code != 2 || !strings.Contains(res.stderr, "--state") {
		t.Errorf("result: without --state: exit %d\n%s", res.code, res.stderr)
	}
	if res := elt(t, dir, "ls", "-s", "state:modified.colour", "--state", prev); res.code != 2 || !strings.Contains(res.stderr, "modified.body") {
		t.Errorf("unknown state check: exit %d\n%s", res.code, res.stderr)
	}
	// DBT_STATE stands in for --state, as in dbt.
	t.Setenv("DBT_STATE", prev)
	res = elt(t, dir, "ls", "-s", "result:error", "--output", "name", "--resource-type", "model")
	if got := lines(res.stdout); !reflect.DeepEqual(got, []string{"stg_products"}) {
		t.Errorf("result:error with DBT_STATE: want [stg_products], got %v\n%s", got, res.stderr)
	}
}

// TestEmptyBuild: --empty builds every model with zero rows; refs and
// sources become empty subqueries, without an alias on DuckDB.
func TestEmptyBuild(t *testing.T) {
	dir := slimCIProject(t)
	if res := elt(t, dir, "build", "-t", "ci", "--empty"); res.code != 0 {
		t.Fatalf("build --empty: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	db, err := sql.Open("duckdb", filepath.Join(dir, "shop.duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	got := queryRows(t, db, "select (select count(*) from ci.fct_orders), (select count(*) from ci.dim_customers), (select count(*) from ci.raw_orders) > 0")
	db.Close()
	if got != "0|0|true" {
		t.Errorf("fct_orders, dim_customers rows and seed loaded: want 0|0|true, got %s", got)
	}
	fct := shopCompiled(t, dir, "marts/fct_orders")
	if !strings.Contains(fct, `(select * from "shop"."ci"."stg_orders" where false limit 0)`) || strings.Contains(fct, "_dbt_limit_subq_") {
		t.Errorf("compiled fct_orders under --empty:\n%s", fct)
	}
	writeFile(t, dir, "analyses/empty_flag.sql", "select {{ flags.EMPTY }} as empty")
	if res := elt(t, dir, "compile", "-t", "ci", "-s", "empty_flag", "--empty"); res.code != 0 || !strings.Contains(res.stdout, "select True as empty") {
		t.Errorf("flags.EMPTY under --empty: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := elt(t, dir, "compile", "-t", "ci", "-s", "dim_customers", "--empty"); res.code != 0 || !strings.Contains(res.stdout, "where false limit 0") {
		t.Errorf("compile --empty: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// Without --empty the same model has rows again.
	if res := elt(t, dir, "run", "-t", "ci", "-s", "fct_orders"); res.code != 0 {
		t.Fatalf("run: %s%s", res.stdout, res.stderr)
	}
	if fct := shopCompiled(t, dir, "marts/fct_orders"); strings.Contains(fct, "limit 0") {
		t.Errorf("without --empty the refs are plain:\n%s", fct)
	}
}

// TestSelectorsYAML: named selectors from selectors.yml, --selector, the
// default: true selector, and positioned errors.
func TestSelectorsYAML(t *testing.T) {
	dir := slimCIProject(t)
	writeFile(t, dir, "selectors.yml", `selectors:
  - name: staging_but_payments
    description: every staging model except payments
    definition:
      union:
        - method: path
          value: models/staging
        - exclude:
            - stg_payments
  - name: orders_and_children
    default: true
    definition:
      method: fqn
      value: stg_orders
      children: true
      children_depth: 1
      indirect_selection: empty
  - name: tables_downstream_of_orders
    definition:
      intersection:
        - method: selector
          value: orders_and_children
        - config.materialized: table
`)
	ls := func(args ...string) []string {
		t.Helper()
		res := elt(t, dir, append([]string{"ls", "--output", "name"}, args...)...)
		if res.code != 0 {
			t.Fatalf("ls %v: exit %d\n%s", args, res.code, res.stderr)
		}
		return lines(res.stdout)
	}
	if got, want := ls("--selector", "staging_but_payments", "--resource-type", "model"),
		[]string{"stg_customers", "stg_order_items", "stg_orders", "stg_products"}; !reflect.DeepEqual(got, want) {
		t.Errorf("--selector staging_but_payments: want %v, got %v", want, got)
	}
	children := ls("-s", "stg_orders+1", "--indirect-selection", "empty")
	if got := ls(); !reflect.DeepEqual(got, children) || len(got) < 2 {
		t.Errorf("default selector: want %v (stg_orders+1, no tests), got %v", children, got)
	}
	// --select overrides the default selector, as in dbt.
	if got := ls("-s", "stg_customers", "--resource-type", "model"); !reflect.DeepEqual(got, []string{"stg_customers"}) {
		t.Errorf("--select with a default selector: %v", got)
	}
	tables := ls("--selector", "tables_downstream_of_orders")
	for _, name := range tables {
		if name == "stg_orders" {
			t.Errorf("intersection with config.materialized:table kept the view stg_orders: %v", tables)
		}
	}
	if len(tables) == 0 {
		t.Error("tables_downstream_of_orders selected nothing")
	}

	writeFile(t, dir, "selectors.yml", `selectors:
  - name: bad
    definition:
      method: colour
      value: red
  - name: typo
    definiton: tag:x
`)
	res := elt(t, dir, "ls", "--selector", "bad")
	if res.code != 2 || !strings.Contains(res.stderr, "selectors.yml:6:5") || !strings.Contains(res.stderr, "definiton") {
		t.Errorf("unknown key: want selectors.yml:6:5 naming definiton, exit %d\n%s", res.code, res.stderr)
	}
	writeFile(t, dir, "selectors.yml", `selectors:
  - name: bad
    definition:
      method: colour
      value: red
`)
	res = elt(t, dir, "ls", "--selector", "bad")
	if res.code != 2 || !strings.Contains(res.stderr, "selectors.yml:4:7") || !strings.Contains(res.stderr, `unknown selector method "colour"`) {
		t.Errorf("unknown method: want selectors.yml:4:7, exit %d\n%s", res.code, res.stderr)
	}
	res = elt(t, dir, "ls", "--selector", "nope")
	if res.code != 2 || !strings.Contains(res.stderr, "the selectors are: bad") {
		t.Errorf("unknown selector name: exit %d\n%s", res.code, res.stderr)
	}
}

// TestSelectorsYAMLRendered: selectors.yml is rendered as dbt renders it,
// with dbt_project.yml's context (env_var, var from --vars, target), natively
// (a bool stays a bool); a render failure is a load error at its line.
func TestSelectorsYAMLRendered(t *testing.T) {
	dir := slimCIProject(t)
	writeFile(t, dir, "selectors.yml", `selectors:
  - name: from_env
    default: "{{ env_var('ELT_TEST_SELECTOR_DEFAULT', 'False') | as_bool }}"
    definition:
      method: fqn
      value: "{{ env_var('ELT_TEST_SELECTOR_MODEL') }}"
  - name: from_vars
    definition: "{{ var('staging_model', 'stg_payments') }}"
  - name: by_target
    definition: "{{ 'stg_orders' if target.name == 'dev' else 'stg_customers' }}"
`)
	ls := func(args ...string) []string {
		t.Helper()
		res := elt(t, dir, append([]string{"ls", "--output", "name", "--resource-type", "model"}, args...)...)
		if res.code != 0 {
			t.Fatalf("ls %v: exit %d\n%s", args, res.code, res.stderr)
		}
		return lines(res.stdout)
	}
	t.Setenv("ELT_TEST_SELECTOR_MODEL", "stg_customers")
	if got, want := ls("--selector", "from_env"), []string{"stg_customers"}; !reflect.DeepEqual(got, want) {
		t.Errorf("env_var in a definition: want %v, got %v", want, got)
	}
	if got, want := ls("--selector", "from_vars"), []string{"stg_payments"}; !reflect.DeepEqual(got, want) {
		t.Errorf("var() default: want %v, got %v", want, got)
	}
	if got, want := ls("--selector", "from_vars", "--vars", "{staging_model: stg_products}"), []string{"stg_products"}; !reflect.DeepEqual(got, want) {
		t.Errorf("var() from --vars: want %v, got %v", want, got)
	}
	if got, want := ls("--selector", "by_target"), []string{"stg_orders"}; !reflect.DeepEqual(got, want) {
		t.Errorf("target.name: want %v, got %v", want, got)
	}
	all := ls()
	if len(all) < 3 {
		t.Fatalf("no default selector: want every model, got %v", all)
	}
	t.Setenv("ELT_TEST_SELECTOR_DEFAULT", "True")
	if got, want := ls(), []string{"stg_customers"}; !reflect.DeepEqual(got, want) {
		t.Errorf("default: rendered to true: want %v, got %v", want, got)
	}

	// A failure to render stops the load at the value's position, as dbt
	// stops when it cannot render selectors.yml.
	os.Unsetenv("ELT_TEST_SELECTOR_MODEL")
	res := elt(t, dir, "ls")
	if res.code == 0 || !strings.Contains(res.stderr, "selectors.yml:6:14") || !strings.Contains(res.stderr, "ELT_TEST_SELECTOR_MODEL") {
		t.Errorf("unset env var: want an error at selectors.yml:6:14 naming the variable, exit %d\n%s", res.code, res.stderr)
	}
}

// TestSelectorsInManifest: manifest.json's selectors hold the rendered,
// normalized selectors keyed by name, valid against the manifest schema.
func TestSelectorsInManifest(t *testing.T) {
	dir := slimCIProject(t)
	t.Setenv("ELT_TEST_SELECTOR_TAG", "finance")
	writeFile(t, dir, "selectors.yml", `selectors:
  - name: finance
    description: "models tagged {{ env_var('ELT_TEST_SELECTOR_TAG') }}"
    default: true
    definition:
      union:
        - "tag:{{ env_var('ELT_TEST_SELECTOR_TAG') }}+"
        - exclude:
            - stg_payments
  - name: orders
    definition:
      method: selector
      value: finance
`)
	if res := elt(t, dir, "parse"); res.code != 0 {
		t.Fatalf("parse: exit %d\n%s", res.code, res.stderr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateManifestSelectors(raw); err != nil {
		t.Fatal(err)
	}
	var m struct {
		Selectors map[string]json.RawMessage `json:"selectors"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	finance := `{"default":true,"definition":{"union":[{"children":true,"method":"tag","value":"finance"},{"exclude":[{"method":"fqn","value":"stg_payments"}]}]},"description":"models tagged finance","name":"finance"}`
	orders := `{"definition":{"union":[{"children":true,"method":"tag","value":"finance"},{"exclude":[{"method":"fqn","value":"stg_payments"}]}]},"name":"orders"}`
	if got := string(m.Selectors["finance"]); got != finance {
		t.Errorf("selectors.finance:\nwant %s\ngot  %s", finance, got)
	}
	if got := string(m.Selectors["orders"]); got != orders {
		t.Errorf("selectors.orders (method: selector):\nwant %s\ngot  %s", orders, got)
	}
	if len(m.Selectors) != 2 {
		t.Errorf("want 2 selectors, got %d", len(m.Selectors))
	}
}

// TestSlimCIPostgres is TestSlimCI and TestEmptyBuild on Postgres: the
// state run builds one schema, the CI run another, and refs to what the CI
// run does not build read the first; --empty's subqueries get the alias
// Postgres requires.
func TestSlimCIPostgres(t *testing.T) {
	suffix := fmt.Sprintf("%d", time.Now().UnixNano()%1_000_000_000)
	prodSchema, ciSchema := "prod_"+suffix, "ci_"+suffix
	pgEnv(t, prodSchema)
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "shop"), dir)
	ctx := context.Background()
	p, err := project.Load(ctx, project.Options{ProjectDir: dir, WorkDir: dir, Target: "pg", Env: os.LookupEnv, HomeDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := openAdapter(ctx, p, dir, p.Target.Threads)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer func() {
		_ = a.Exec(ctx, `drop schema if exists "`+prodSchema+`" cascade`)
		_ = a.Exec(ctx, `drop schema if exists "`+ciSchema+`" cascade`)
	}()

	if res := elt(t, dir, "build", "--target", "pg"); res.code != 0 {
		t.Fatalf("prod build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	prev := saveState(t, dir)
	t.Setenv("ELT_PG_SCHEMA", ciSchema)
	b, err := os.ReadFile(filepath.Join(dir, "models", "staging", "stg_payments.sql"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "models/staging/stg_payments.sql", strings.Replace(string(b), "lower(payment_method)", "lower(trim(payment_method))", 1))
	res := elt(t, dir, "build", "--target", "pg", "-s", "state:modified+", "--defer", "--state", prev)
	if res.code != 0 {
		t.Fatalf("slim CI build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	want := lines(elt(t, dir, "ls", "--target", "pg", "-s", "stg_payments+", "--resource-type", "model", "--exclude", "config.materialized:ephemeral", "--output", "name").stdout)
	var built []string
	for id, status := range runStatuses(t, dir) {
		if status != "success" && status != "pass" && (status != "no-op" || !strings.HasPrefix(id, "exposure.")) {
			t.Errorf("%s: %s", id, status)
		}
		if strings.HasPrefix(id, "model.") {
			built = append(built, strings.TrimPrefix(id, "model.shop."))
		}
	}
	sort.Strings(built)
	if !reflect.DeepEqual(built, want) {
		t.Errorf("built models: want %v, got %v", want, built)
	}
	fct := shopCompiled(t, dir, "marts/fct_orders")
	if !strings.Contains(fct, `"`+prodSchema+`"."stg_orders"`) || !strings.Contains(fct, `"`+ciSchema+`"."stg_payments"`) {
		t.Errorf("fct_orders should read stg_orders from %s and stg_payments from %s:\n%s", prodSchema, ciSchema, fct)
	}
	got := relationValues(t, a, `"`+ciSchema+`".fct_orders`)
	if prodRows := relationValues(t, a, `"`+prodSchema+`".fct_orders`); len(got) != len(prodRows) || len(got) == 0 {
		t.Errorf("fct_orders in CI has %d rows, production %d", len(got), len(prodRows))
	}

	if res := elt(t, dir, "build", "--target", "pg", "--empty"); res.code != 0 {
		t.Fatalf("build --empty: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	fct = shopCompiled(t, dir, "marts/fct_orders")
	if !strings.Contains(fct, `"`+ciSchema+`"."stg_orders" where false limit 0) _dbt_limit_subq_stg_orders`) {
		t.Errorf("compiled fct_orders under --empty on Postgres:\n%s", fct)
	}
	if rows := relationValues(t, a, `"`+ciSchema+`".fct_orders`); len(rows) != 0 {
		t.Errorf("fct_orders after --empty: %d rows", len(rows))
	}
}

// TestCIWorkflowExample keeps examples/ci/github-actions.yml valid YAML and
// running the commands TestSlimCI runs.
func TestCIWorkflowExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "ci", "github-actions.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatalf("examples/ci/github-actions.yml: %v", err)
	}
	var runs []string
	for _, s := range wf.Jobs["pull-request"].Steps {
		runs = append(runs, s.Run)
	}
	all := strings.Join(runs, "\n")
	wantAll(t, all,
		"./elt build --project-dir examples/shop --target ci --select state:modified+ --defer --state prev",
		"./elt ls --project-dir examples/shop --select state:modified --state prev --output json",
	)
	if len(wf.Jobs["production"].Steps) == 0 {
		t.Error("no production job")
	}
}

// TestContractChangeOnShop: changing a contracted mart's column type is
// state:modified with reason contract, and a breaking change is reported.
func TestContractChangeOnShop(t *testing.T) {
	dir := slimCIProject(t)
	if res := elt(t, dir, "parse"); res.code != 0 {
		t.Fatalf("parse: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	prev := saveStateManifest(t, dir)
	schema, err := os.ReadFile(filepath.Join(dir, "models", "marts", "schema.yml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "models/marts/schema.yml", strings.Replace(string(schema), "data_type: numeric(18, 2)", "data_type: double", 1))
	res := elt(t, dir, "ls", "-s", "state:modified", "--state", prev, "--output", "json", "--resource-type", "model")
	if res.code != 0 {
		t.Fatalf("ls: exit %d\n%s", res.code, res.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(res.stdout)), &got); err != nil {
		t.Fatalf("want one JSON line, got %q", res.stdout)
	}
	if got["unique_id"] != "model.shop.payment_methods" || !reflect.DeepEqual(got["modified_reasons"], []any{"contract"}) {
		t.Errorf("want payment_methods modified for its contract, got %v", got)
	}
	for _, want := range []string{
		"[WARNING]: Breaking change to contracted, unversioned model payment_methods (models/marts/payment_methods.sql)\n",
		"While comparing to previous project state, dbt detected a breaking change to an unversioned model.\n",
		"  - Columns with data_type changes: \n", "    - amount (numeric(18, 2) -> double)\n",
	} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("want dbt's breaking change warning %q, got:\n%s", want, res.stderr)
		}
	}
	// dbt raises it under --warn-error (warn_or_error in same_contract),
	// as test_modified_state.py's TestChangedContractUnversioned asserts.
	res = elt(t, dir, "--warn-error", "ls", "-s", "state:modified", "--state", prev, "--resource-type", "model")
	if res.code != exitUsage || res.stdout != "" || !strings.Contains(res.stderr, "dbt detected a breaking change to an unversioned model") {
		t.Errorf("--warn-error: want exit %d and the breaking change as the error, got %d\nstdout: %s\nstderr: %s", exitUsage, res.code, res.stdout, res.stderr)
	}
}

// saveStateManifest keeps only manifest.json, as after elt parse.
func saveStateManifest(t *testing.T, dir string) string {
	t.Helper()
	prev := filepath.Join(dir, "prev")
	if err := os.MkdirAll(prev, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(prev, "manifest.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return prev
}

// TestStateModifiedRenderedByDefaultAsDBT: dbt 1.10's default
// (state_modified_compare_more_unrendered_values false) compares a
// config() call as rendered, so a config that a var changed is
// state:modified (dbt-core's test_modified_state_vars Legacy case); with
// the flag true the call compares as written and nothing is.
func TestStateModifiedRenderedByDefaultAsDBT(t *testing.T) {
	for _, flag := range []string{"", "flags:\n  state_modified_compare_more_unrendered_values: true\n"} {
		dir := miniProject(t, flag)
		writeFile(t, dir, "models/m.sql", "{{ config(materialized=var('mat', 'view')) }}\nselect 1 as id\n")
		mustElt(t, dir, "parse", "--vars", "{mat: view}")
		if err := os.Rename(filepath.Join(dir, "target"), filepath.Join(dir, "prev")); err != nil {
			t.Fatal(err)
		}
		res := mustElt(t, dir, "ls", "-s", "state:modified", "--state", "prev", "--vars", "{mat: table}")
		if got := strings.Contains(res.stdout, "p.m"); got != (flag == "") {
			t.Errorf("flag %q: m state:modified %v\n%s", flag, got, res.stdout)
		}
	}
}

// TestRenamedStateEnvVars: dbt still reads DBT_ARTIFACT_STATE_PATH,
// DBT_DEFER_TO_STATE and DBT_FAVOR_STATE_MODE (cli/params.py's hidden
// --deprecated-* options; cli/flags.py maps them to --state, --defer and
// --favor-state, the old variable over the new one) and warns of each
// (EnvironmentVariableRenamed, an error under --warn-error).
func TestRenamedStateEnvVars(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "models/b.sql", "select * from {{ ref('a') }}\n")
	mustElt(t, dir, "run")
	prev := saveState(t, dir)
	writeFile(t, dir, "models/a.sql", "select 11 as id\n")

	t.Setenv("DBT_ARTIFACT_STATE_PATH", prev)
	t.Setenv("DBT_STATE", filepath.Join(dir, "no_such_state"))
	res := mustElt(t, dir, "ls", "-s", "state:modified", "--output", "name")
	if got := lines(res.stdout); !slices.Contains(got, "a") || slices.Contains(got, "b") {
		t.Errorf("state:modified with DBT_ARTIFACT_STATE_PATH: %v\n%s", got, res.stderr)
	}
	if !strings.Contains(res.stdout+res.stderr, "The environment variable `DBT_ARTIFACT_STATE_PATH` has been renamed as\n") {
		t.Errorf("no deprecation warning:\n%s%s", res.stdout, res.stderr)
	}
	if res := elt(t, dir, "ls", "-s", "state:modified", "--warn-error"); res.code != exitUsage || !strings.Contains(res.stderr, "DBT_ARTIFACT_STATE_PATH") {
		t.Errorf("--warn-error: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	t.Setenv("DBT_DEFER_TO_STATE", "true")
	t.Setenv("DBT_FAVOR_STATE_MODE", "true")
	res = mustElt(t, dir, "run", "-s", "b")
	for _, name := range []string{"DBT_DEFER_TO_STATE` has been renamed as `DBT_DEFER`", "DBT_FAVOR_STATE_MODE` has been renamed as"} {
		if !strings.Contains(res.stdout, name) {
			t.Errorf("no warning %q:\n%s", name, res.stdout)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rr struct{ Args map[string]any }
	if err := json.Unmarshal(b, &rr); err != nil {
		t.Fatal(err)
	}
	if rr.Args["defer"] != true || rr.Args["favor_state"] != true || rr.Args["state"] != prev {
		t.Errorf("run_results args: defer %v favor_state %v state %v", rr.Args["defer"], rr.Args["favor_state"], rr.Args["state"])
	}
}
