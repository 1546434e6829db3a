package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elt-dev/elt/docs/schematest"
)

// unitProject is a small shop: a seed, a staging view, a mart that joins a
// source, and an incremental ledger.
func unitProject(t *testing.T, unitYAML string) string {
	t.Helper()
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/raw_orders.csv", "id,customer_id,amount,status\n1,10,5.50,placed\n2,11,7.25,shipped\n3,10,1.00,returned\n")
	writeFile(t, dir, "models/stg_orders.sql", "select id, customer_id, amount, upper(status) as status from {{ ref('raw_orders') }}")
	writeFile(t, dir, "models/customer_totals.sql", `{{ config(materialized='table') }}
select o.customer_id, c.name, sum(o.amount) as total, count(*) as orders, '{{ var("currency", "EUR") }}' as currency,
    '{{ env_var("SHOP_REGION", "eu") }}' as region
from {{ ref('stg_orders') }} o
left join {{ source('crm', 'customers') }} c on c.id = o.customer_id
where o.status <> 'RETURNED'
group by 1, 2
`)
	writeFile(t, dir, "models/ledger.sql", `{{ config(materialized='incremental', unique_key='id') }}
select id, amount from {{ ref('stg_orders') }}
{% if is_incremental() %}
where id > (select max(id) from {{ this }})
{% endif %}
`)
	writeFile(t, dir, "models/sources.yml", `version: 2
sources:
  - name: crm
    schema: crm
    tables:
      - name: customers
        columns:
          - name: id
            data_type: integer
          - name: name
            data_type: varchar
          - name: tier
            data_type: varchar
`)
	writeFile(t, dir, "models/unit.yml", unitYAML)
	execDuckDB(t, filepath.Join(dir, "p.duckdb"),
		"create schema crm",
		"create table crm.customers (id integer, name varchar, tier varchar)",
		"insert into crm.customers values (10, 'Ada', 'gold'), (11, 'Bob', 'silver')")
	return dir
}

const passingUnitTests = `version: 2
unit_tests:
  - name: totals_skip_returns
    description: returned orders do not count
    model: customer_totals
    given:
      - input: ref('stg_orders')
        rows:
          - {id: 1, customer_id: 10, amount: 2.5, status: PLACED}
          - {id: 2, customer_id: 10, amount: 1.5, status: SHIPPED}
          - {id: 3, customer_id: 10, amount: 9, status: RETURNED}
          - {id: 4, customer_id: 12, status: PLACED}
      - input: source('crm', 'customers')
        rows:
          - {id: 10, name: Ada}
    expect:
      rows:
        - {customer_id: 10, name: Ada, total: 4.0, orders: 2}
        - {customer_id: 12, name: null, total: null, orders: 1}
  - name: totals_csv_and_vars
    model: customer_totals
    overrides:
      vars: {currency: USD}
      env_vars: {SHOP_REGION: us}
    given:
      - input: ref('stg_orders')
        format: csv
        rows: |
          id,customer_id,amount,status
          1,10,3,PLACED
      - input: source('crm', 'customers')
        format: csv
        fixture: customers
    expect:
      format: csv
      rows: |
        customer_id,name,total,currency,region
        10,Ada,3,USD,us
  - name: ledger_new_rows_only
    model: ledger
    overrides:
      macros: {is_incremental: true}
    given:
      - input: ref('stg_orders')
        rows: [{id: 1, amount: 1}, {id: 2, amount: 2}, {id: 3, amount: 3}]
      - input: this
        format: sql
        rows: select 2 as id, 2.0 as amount
    expect:
      rows: [{id: 3, amount: 3}]
  - name: stg_orders_reads_the_seed
    model: stg_orders
    expect:
      rows: [{id: 1, status: PLACED}, {id: 2, status: SHIPPED}, {id: 3, status: RETURNED}]
  - name: ledger_full
    model: ledger
    config: {tags: [ledger]}
    overrides:
      macros: {is_incremental: false}
    given:
      - input: ref('stg_orders')
        rows: [{id: 1, amount: 1}, {id: 2, amount: 2}]
    expect:
      format: sql
      rows: select 1 as id, 1 as amount union all select 2, 2
`

func TestUnitTestsPass(t *testing.T) {
	dir := unitProject(t, passingUnitTests)
	writeFile(t, dir, "tests/fixtures/customers.csv", "id,name\n10,Ada\n")
	// The inputs' real relations exist (types come from them), but the
	// unit tests read none of their rows.
	mustElt(t, dir, "seed")
	mustElt(t, dir, "run")
	res := mustElt(t, dir, "test")
	wantAll(t, res.stdout,
		"PASS customer_totals::totals_skip_returns",
		"PASS customer_totals::totals_csv_and_vars",
		"PASS ledger::ledger_new_rows_only",
		"PASS ledger::ledger_full",
		"PASS stg_orders::stg_orders_reads_the_seed",
		"5 unit tests",
	)
	// As dbt, each unit test's SQL (the model on its fixtures) is in
	// target/compiled under its properties file and that file's folder.
	b, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "p", "models", "unit.yml", "models", "ledger_new_rows_only.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); !strings.Contains(got, "select id, amount from __dbt__cte__stg_orders") || !strings.Contains(got, "select max(id) from __dbt__cte__ledger") {
		t.Errorf("compiled unit test:\n%s", got)
	}

	// Selection: by test type, by name, by model with +, by tag, by resource type.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ls", "--select", "test_type:unit", "--output", "name"}, "totals_csv_and_vars\ntotals_skip_returns\nledger_full\nledger_new_rows_only\nstg_orders_reads_the_seed"},
		{[]string{"ls", "--select", "ledger_full", "--output", "name"}, "ledger_full"},
		{[]string{"ls", "--select", "tag:ledger", "--output", "name"}, "ledger_full"},
		{[]string{"ls", "--select", "ledger+", "--resource-type", "unit_test", "--output", "name"}, "ledger_full\nledger_new_rows_only"},
		{[]string{"ls", "--select", "unit_test:totals*", "--output", "selector"}, "unit_test:p.totals_csv_and_vars\nunit_test:p.totals_skip_returns"},
	} {
		res := elt(t, dir, c.args...)
		if got := strings.TrimSpace(res.stdout); got != c.want {
			t.Errorf("elt %s = %q, want %q (%s)", strings.Join(c.args, " "), got, c.want, res.stderr)
		}
	}
	res = mustElt(t, dir, "test", "--resource-type", "unit_test", "-s", "customer_totals")
	if !strings.Contains(res.stdout, "Done. PASS=2 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=2") {
		t.Errorf("test --resource-type unit_test -s customer_totals:\n%s", res.stdout)
	}

	// The manifest lists them; run_results has their verdicts.
	var manifest struct {
		UnitTests map[string]struct {
			Model     string `json:"model"`
			DependsOn struct {
				Nodes []string `json:"nodes"`
			} `json:"depends_on"`
			Given []struct {
				Input  string `json:"input"`
				Format string `json:"format"`
			} `json:"given"`
		} `json:"unit_tests"`
		ChildMap map[string][]string `json:"child_map"`
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &manifest)
	ut, ok := manifest.UnitTests["unit_test.p.ledger.ledger_new_rows_only"]
	if !ok {
		t.Fatalf("manifest unit_tests: %v", manifest.UnitTests)
	}
	if ut.Model != "ledger" || len(ut.DependsOn.Nodes) != 1 || ut.DependsOn.Nodes[0] != "model.p.ledger" || len(ut.Given) != 2 || ut.Given[1].Input != "this" || ut.Given[1].Format != "sql" {
		t.Errorf("manifest unit test = %+v", ut)
	}
	if !contains(manifest.ChildMap["model.p.ledger"], "unit_test.p.ledger.ledger_full") {
		t.Errorf("child_map of ledger = %v", manifest.ChildMap["model.p.ledger"])
	}
	var rr struct {
		Results []struct {
			UniqueID string `json:"unique_id"`
			Status   string `json:"status"`
		} `json:"results"`
	}
	readJSON(t, filepath.Join(dir, "target", "run_results.json"), &rr)
	raw, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateRunResults(raw); err != nil {
		t.Errorf("run_results.json: %v", err)
	}
	if len(rr.Results) != 2 || rr.Results[0].Status != "pass" || !strings.HasPrefix(rr.Results[0].UniqueID, "unit_test.p.customer_totals.") {
		t.Errorf("run_results = %+v", rr.Results)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestUnitTestFailureDiffAndBuildSkips(t *testing.T) {
	dir := unitProject(t, `version: 2
unit_tests:
  - name: wrong_total
    model: customer_totals
    given:
      - input: ref('stg_orders')
        rows:
          - {id: 1, customer_id: 10, amount: 2.5, status: PLACED}
          - {id: 2, customer_id: 11, amount: 4, status: PLACED}
          - {id: 3, customer_id: 12, status: PLACED}
      - input: source('crm', 'customers')
        rows: [{id: 10, name: Ada}, {id: 11, name: Bob}]
    expect:
      rows:
        - {customer_id: 10, name: Ada, total: 2.5}
        - {customer_id: 11, name: Bob, total: 5}
        - {customer_id: 13, total: null}
`)
	writeFile(t, dir, "models/downstream.sql", "select * from {{ ref('customer_totals') }}")
	res := elt(t, dir, "build")
	if res.code != 1 {
		t.Fatalf("build: exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
	}
	// Only the differing rows and columns, expected beside actual; the
	// omitted amount of order 3 is NULL, so customer 12's total is NULL.
	wantAll(t, res.stdout,
		"actual differs from expected:",
		"row | customer_id (expected) | customer_id (actual) | total (expected) | total (actual)\n",
		"2   | 11                     | 11                   | 5                | 4\n",
		"3   | 13                     | 12                   | null             | null\n",
	)
	wantAll(t, res.stdout,
		// dbt's failures of a unit test: 1, whatever the rows.
		"FAIL 1 customer_totals::wrong_total",
		"SKIP relation main.customer_totals",
		"SKIP relation main.downstream",
		"OK created sql view model main.stg_orders",
		"OK created sql incremental model main.ledger",
		"Done. PASS=3 WARN=0 ERROR=1 SKIP=2 NO-OP=0 TOTAL=6",
	)
	var rr struct {
		Results []struct {
			UniqueID string `json:"unique_id"`
			Failures *int64 `json:"failures"`
		} `json:"results"`
	}
	readJSON(t, filepath.Join(dir, "target", "run_results.json"), &rr)
	for _, r := range rr.Results {
		if r.UniqueID == "unit_test.p.customer_totals.wrong_total" && (r.Failures == nil || *r.Failures != 1) {
			t.Errorf("wrong_total's failures = %s, want 1", fmtPtr(r.Failures))
		}
	}
	// The unit test ran before the model, which was never built.
	db := openDB(t, filepath.Join(dir, "p.duckdb"))
	if got := queryRows(t, db, "select count(*) from information_schema.tables where table_name in ('customer_totals', 'downstream')"); got != "0" {
		t.Errorf("customer_totals or downstream was built: %s", got)
	}
	db.Close()
	// elt test fails the same way, exit 1, with the diff.
	res = elt(t, dir, "test", "-s", "test_type:unit")
	if res.code != 1 || !strings.Contains(res.stdout, "| 5                | 4\n") {
		t.Errorf("test: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

func TestUnitTestProjectErrors(t *testing.T) {
	head := "version: 2\nunit_tests:\n  - name: t\n"
	cases := []struct {
		name, yml string
		args      []string
		code      int
		want      []string
	}{
		{"unknown model", head + "    model: nope\n    expect: {rows: []}\n", []string{"ls"}, 2,
			[]string{"models/unit.yml:3:5", "Unable to find model 'p.nope' for unit test 't'"}},
		{"incremental without override", head + "    model: ledger\n    given: [{input: ref('stg_orders'), rows: []}]\n    expect: {rows: []}\n", []string{"ls"}, 2,
			[]string{"models/unit.yml:3:5", "Boolean override for 'is_incremental' must be provided for unit test 't' in model 'ledger'"}},
		{"incremental without this", head + "    model: ledger\n    overrides: {macros: {is_incremental: true}}\n    given: [{input: ref('stg_orders'), rows: []}]\n    expect: {rows: []}\n", []string{"ls"}, 2,
			[]string{"models/unit.yml:3:5", "must have a 'this' input"}},
		// As dbt (TestUnitTestInvalidInputConfiguration): an input that
		// names no node fails the unit test when it runs; the project
		// loads, and seed and run work.
		{"unknown input", head + "    model: customer_totals\n    given: [{input: ref('stg_ordrs'), rows: []}]\n    expect: {rows: []}\n", []string{"test"}, 1,
			[]string{"models/unit.yml:5: Unit test 't' had an input (ref('stg_ordrs')) which was not found in the manifest", "did you mean 'stg_orders'", "ERROR=1"}},
		{"input not a call", head + "    model: customer_totals\n    given: [{input: stg_orders, rows: []}]\n    expect: {rows: []}\n", []string{"test"}, 1,
			[]string{"models/unit.yml:5: Unit test given inputs must be either a 'ref', 'source' or 'this' call. Got: 'stg_orders'."}},
		{"unknown source input", head + "    model: customer_totals\n    given: [{input: \"source('crm', 'custs')\", rows: []}]\n    expect: {rows: []}\n", []string{"test"}, 1,
			[]string{"Unit test 't' had an input (source('crm', 'custs')) which was not found in the manifest"}},
		{"ref not given", head + "    model: customer_totals\n    given: [{input: ref('stg_orders'), rows: []}]\n    expect: {rows: []}\n", []string{"test"}, 1,
			[]string{"unit test t (models/unit.yml:3): models/customer_totals.sql:5:20", "reads source('crm', 'customers'), which is not among the given inputs", "add `- input: source('crm', 'customers')`"}},
		{"column not in relation", head + "    model: customer_totals\n    given:\n      - {input: ref('stg_orders'), rows: [{idd: 1}]}\n      - input: source('crm', 'customers')\n        rows: []\n    expect: {rows: []}\n", []string{"test"}, 1,
			[]string{"Invalid column name: 'idd' in unit test fixture for 'stg_orders'.\n", "Accepted columns for 'stg_orders' are: ['id', 'customer_id', 'amount', 'status']"}},
		{"expected column not in output", head + "    model: customer_totals\n    given:\n      - {input: ref('stg_orders'), rows: []}\n      - input: source('crm', 'customers')\n        rows: []\n    expect: {rows: [{totl: 1}]}\n", []string{"test"}, 1,
			[]string{"An error occurred during execution of unit test 't'. There may be an error in the unit test definition: check the data types.", "Invalid column name: 'totl' in unit test fixture for expected output"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := unitProject(t, c.yml)
			if c.code == 1 {
				mustElt(t, dir, "seed")
				mustElt(t, dir, "run")
			}
			res := elt(t, dir, c.args...)
			if res.code != c.code {
				t.Errorf("exit %d, want %d", res.code, c.code)
			}
			for _, w := range c.want {
				if !strings.Contains(res.stdout+res.stderr, w) {
					t.Errorf("output lacks %q:\n%s%s", w, res.stdout, res.stderr)
				}
			}
		})
	}
}

// TestUnitTestCSVFixturesAsDBT: an empty CSV fixture file is no rows (dbt
// reads it with csv.DictReader), and two fixture files of one name in
// different folders stop the load (dbt's DuplicateResourceNameError).
func TestUnitTestCSVFixturesAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	writeFile(t, dir, "models/m.sql", "select id from {{ ref('a') }}\n")
	writeFile(t, dir, "tests/fixtures/empty_fixture.csv", "\n")
	writeFile(t, dir, "models/ut.yml", `unit_tests:
  - name: t
    model: m
    given:
      - input: ref('a')
        format: csv
        fixture: empty_fixture
    expect:
      format: csv
      fixture: empty_fixture
`)
	res := mustElt(t, dir, "build")
	if !strings.Contains(res.stdout, "PASS m::t") && !strings.Contains(res.stdout, "PASS t") {
		t.Errorf("the unit test did not pass:\n%s", res.stdout)
	}
	writeFile(t, dir, "tests/fixtures/more/empty_fixture.csv", "id\n1\n")
	res = elt(t, dir, "parse")
	if want := `found two fixtures named "empty_fixture": tests/fixtures/empty_fixture.csv and tests/fixtures/more/empty_fixture.csv`; res.code != 2 || !strings.Contains(res.stdout+res.stderr, want) {
		t.Errorf("exit %d, want %q:\n%s%s", res.code, want, res.stdout, res.stderr)
	}
}

// TestDisabledUnitTestsListedAsDBT: a unit test its config disables is
// listed under the manifest's disabled, as dbt's UnitTestParser
// add_disabled()s its UnitTestDefinition: config.enabled false, the model
// it names in depends_on with that model's schema when the model is
// enabled, none and a null schema when it is not; nowhere else.
func TestDisabledUnitTestsListedAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/m.yml", `unit_tests:
  - name: ut_on
    model: m
    given: []
    expect: {rows: [{id: 1}]}
  - name: ut_off
    model: m
    config: {enabled: false, tags: [a]}
    given: []
    expect: {rows: [{id: 1}]}
  - name: ut_gone
    model: nope
    config: {enabled: false}
    given: []
    expect: {rows: [{id: 1}]}
`)
	mustElt(t, dir, "parse")
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Disabled  map[string][]map[string]any `json:"disabled"`
		UnitTests map[string]any              `json:"unit_tests"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		nodes  string
		schema any
		tags   string
	}{
		"unit_test.p.m.ut_off":     {"[model.p.m]", "main", "[a]"},
		"unit_test.p.nope.ut_gone": {"[]", nil, "[]"},
	}
	for id, w := range want {
		list := m.Disabled[id]
		if len(list) != 1 {
			t.Errorf("disabled[%s]: %d entries, want 1", id, len(list))
			continue
		}
		e := list[0]
		cfg, _ := e["config"].(map[string]any)
		deps, _ := e["depends_on"].(map[string]any)
		if e["unique_id"] != id || e["resource_type"] != "unit_test" || cfg["enabled"] != false || fmt.Sprint(cfg["tags"]) != w.tags ||
			fmt.Sprint(deps["nodes"]) != w.nodes || e["schema"] != w.schema || e["original_file_path"] != "models/m.yml" {
			t.Errorf("disabled[%s]: %v", id, e)
		}
		if _, ok := m.UnitTests[id]; ok {
			t.Errorf("%s is among the unit_tests", id)
		}
	}
	if _, ok := m.UnitTests["unit_test.p.m.ut_on"]; !ok || len(m.UnitTests) != 1 {
		t.Errorf("unit_tests: want only ut_on, got %v", m.UnitTests)
	}
}

// TestUnitTestPathAsDBT: a unit test's path is its YAML file's path below
// the folder it was found in (dbt's yaml.path.relative_path), its
// original_file_path the file's path in its project.
func TestUnitTestPathAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/marts/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/marts/m.yml", "unit_tests:\n  - name: ut\n    model: m\n    given: []\n    expect: {rows: [{id: 1}]}\n")
	mustElt(t, dir, "parse")
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		UnitTests map[string]map[string]any `json:"unit_tests"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	ut := m.UnitTests["unit_test.p.m.ut"]
	if ut["path"] != "marts/m.yml" || ut["original_file_path"] != "models/marts/m.yml" {
		t.Errorf("path %v, original_file_path %v; want marts/m.yml, models/marts/m.yml", ut["path"], ut["original_file_path"])
	}
}

// As dbt's TestUnitTestSubfolderPath: a failed unit test's summary names
// the SQL it ran (dbt's SQLCompiledPath under print_run_result_error),
// and the fixture does not overwrite its input model's compiled file.
func TestUnitTestFailureNamesCompiledPath(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/subfolder/model_a.sql", "select 1 as id, 'blue' as color")
	writeFile(t, dir, "models/subfolder/model_b.sql", "select id, color from {{ ref('model_a') }}")
	writeFile(t, dir, "models/subfolder/my_model.yml", `unit_tests:
  - name: my_unit_test
    model: model_b
    given:
      - input: ref('model_a')
        rows:
          - {id: 1, color: 'blue'}
    expect:
      rows:
        - {id: 1, color: 'red'}
`)
	res := elt(t, dir, "build")
	if res.code != 1 {
		t.Fatalf("build: exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
	}
	const path = "target/compiled/p/models/subfolder/my_model.yml/models/subfolder/my_unit_test.sql"
	wantAll(t, res.stdout, "Failure in unit_test my_unit_test (models/subfolder/my_model.yml)", "  compiled code at "+path+"\n")
	if _, err := os.Stat(filepath.Join(dir, path)); err != nil {
		t.Errorf("the unit test's SQL was not written: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "target/compiled/p/models/subfolder/model_a.sql"))
	if err != nil || strings.TrimSpace(string(b)) != "select 1 as id, 'blue' as color" {
		t.Errorf("model_a's compiled SQL = %q (%v), want its own SQL", b, err)
	}
}

// A dict input with no rows reads its seed's file as dbt's
// _load_rows_from_seed does: csv.DictReader rows, an empty field an empty
// string (not NULL), in a dict fixture; a ref that is no seed fails with
// dbt's message.
func TestUnitTestSeedInputAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/people.csv", "id,name\n1,Ada\n2,\n")
	writeFile(t, dir, "models/names.sql", "select id, coalesce(name, 'was null') as name from {{ ref('people') }}")
	writeFile(t, dir, "models/unit.yml", `unit_tests:
  - name: reads_seed
    model: names
    given:
      - input: ref('people')
    expect:
      rows:
        - {id: 1, name: Ada}
        - {id: 2, name: ""}
`)
	mustElt(t, dir, "seed")
	res := elt(t, dir, "test")
	if res.code != 0 {
		t.Fatalf("test: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	g := unitTestGiven(t, dir, "unit_test.p.names.reads_seed")
	if len(g) != 1 || g[0]["format"] != "dict" || fmt.Sprint(g[0]["rows"]) != "[map[id:1 name:Ada] map[id:2 name:]]" {
		t.Errorf("given = %v, want a dict fixture of the seed's rows as strings", g)
	}

	// rows: null (or rows: with nothing after it) is a seed input too, as
	// dbt's `ut_fixture.rows is None and ut_fixture.fixture is None`.
	writeFile(t, dir, "models/unit.yml", "unit_tests:\n  - name: reads_seed\n    model: names\n    given:\n      - input: ref('people')\n        rows:\n    expect:\n      rows: [{id: 1, name: Ada}, {id: 2, name: ''}]\n")
	if res := elt(t, dir, "test"); res.code != 0 {
		t.Fatalf("test with rows: null: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	writeFile(t, dir, "models/unit.yml", "unit_tests:\n  - name: t\n    model: names\n    given: [{input: ref('names')}]\n    expect: {rows: []}\n")
	res = elt(t, dir, "parse")
	want := "Unable to find seed 'p.names' for unit tests in directories: ['seeds']"
	if res.code != exitUsage || !strings.Contains(res.stderr, want) {
		t.Errorf("parse: exit %d, want %d and %q:\n%s", res.code, exitUsage, want, res.stderr)
	}
}

// As dbt's _promote_first_non_none_row: the manifest holds a dict or csv
// fixture's rows with the first row free of nulls moved to the top (it
// swaps places with the first row).
func TestUnitTestManifestPromotesFullRow(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id, 1 as a")
	writeFile(t, dir, "models/m.sql", "select id, a is null as a_is_null from {{ ref('a') }}")
	writeFile(t, dir, "models/unit.yml", `unit_tests:
  - name: nulls
    model: m
    given:
      - input: ref('a')
        format: csv
        rows: |
          id,a
          1,
          2,
          3,3
    expect:
      rows:
        - {id: 1, a_is_null: null}
        - {id: 2, a_is_null: true}
        - {id: 3, a_is_null: false}
`)
	mustElt(t, dir, "parse")
	var m struct {
		UnitTests map[string]struct {
			Given  []map[string]any `json:"given"`
			Expect map[string]any   `json:"expect"`
		} `json:"unit_tests"`
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
	ut := m.UnitTests["unit_test.p.m.nulls"]
	if len(ut.Given) != 1 {
		t.Fatalf("given: %v", ut.Given)
	}
	if got, want := fmt.Sprint(ut.Given[0]["rows"]), "[map[a:3 id:3] map[a:<nil> id:2] map[a:<nil> id:1]]"; got != want {
		t.Errorf("given rows %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(ut.Expect["rows"]), "[map[a_is_null:true id:2] map[a_is_null:<nil> id:1] map[a_is_null:false id:3]]"; got != want {
		t.Errorf("expect rows %s, want %s", got, want)
	}
}

func fmtPtr(p *int64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// A seed input of another package, ref('dep', 'seed') with no rows, reads
// that package's seed, and names it when it has none, as dbt's
// _load_rows_from_seed (package_name from the ref).
func TestUnitTestPackageSeedInput(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "packages.yml", "packages:\n  - local: dep\n")
	writeFile(t, dir, "dep/dbt_project.yml", "name: dep\nversion: '1.0'\nconfig-version: 2\n")
	writeFile(t, dir, "dep/seeds/codes.csv", "code\nA\nB\n")
	writeFile(t, dir, "models/m.sql", "select code from {{ ref('dep', 'codes') }}")
	writeFile(t, dir, "models/unit.yml", "unit_tests:\n  - name: t\n    model: m\n    given:\n      - input: ref('dep', 'codes')\n    expect:\n      rows: [{code: A}, {code: B}]\n")
	mustElt(t, dir, "deps")
	mustElt(t, dir, "seed")
	if res := elt(t, dir, "test"); res.code != 0 {
		t.Fatalf("test: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	writeFile(t, dir, "models/unit.yml", "unit_tests:\n  - name: t\n    model: m\n    given:\n      - input: ref('dep', 'nope')\n    expect:\n      rows: []\n")
	res := elt(t, dir, "parse")
	if want := "Unable to find seed 'dep.nope' for unit tests in 'dep' package"; res.code != exitUsage || !strings.Contains(res.stderr, want) {
		t.Errorf("parse: exit %d, want %d and %q:\n%s", res.code, exitUsage, want, res.stderr)
	}
}

// A sql fixture file is read stripped, as dbt's load_source_file reads
// every file, so its rows in manifest.json have no surrounding blanks.
func TestUnitTestSQLFixtureFileStripped(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id")
	writeFile(t, dir, "models/m.sql", "select id from {{ ref('a') }}")
	writeFile(t, dir, "tests/fixtures/a_rows.sql", "\n    select 2 as id\n\n")
	writeFile(t, dir, "models/unit.yml", "unit_tests:\n  - name: t\n    model: m\n    given:\n      - input: ref('a')\n        format: sql\n        fixture: a_rows\n    expect:\n      rows: [{id: 2}]\n")
	mustElt(t, dir, "run")
	if res := elt(t, dir, "test"); res.code != 0 {
		t.Fatalf("test: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	g := unitTestGiven(t, dir, "unit_test.p.m.t")
	if len(g) != 1 || g[0]["rows"] != "select 2 as id" {
		t.Errorf("given = %#v, want rows \"select 2 as id\"", g)
	}
}

// unitTestGiven is the given list of unit test id in target/manifest.json.
func unitTestGiven(t *testing.T, dir, id string) []map[string]any {
	t.Helper()
	var m struct {
		UnitTests map[string]struct {
			Given []map[string]any `json:"given"`
		} `json:"unit_tests"`
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
	return m.UnitTests[id].Given
}

// A unit test compares list and struct columns as dbt does: dbt-common's
// table_from_data_flat keeps a list or dict the driver returns as its
// json.dumps text, so ['a b', 'c'] differs from ['a', 'b c'], and the diff
// shows the JSON text, a struct's fields in their declared order.
func TestUnitTestContainerValuesAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select ['a b', 'c'] as l, {'k': 1, 'j': 'x'} as s")
	writeFile(t, dir, "models/u.yml", `unit_tests:
  - name: same
    model: m
    given: []
    expect:
      format: sql
      rows: "select ['a b', 'c'] as l, {'k': 1, 'j': 'x'} as s"
  - name: regrouped
    model: m
    given: []
    expect:
      format: sql
      rows: "select ['a', 'b c'] as l, {'k': 1, 'j': 'y'} as s"
`)
	res := elt(t, dir, "test")
	if res.code != 1 {
		t.Fatalf("test: exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout,
		"PASS m::same",
		"FAIL 1 m::regrouped",
		`| ["a", "b c"] | -            | {"k": 1, "j": "y"} | -`,
		`| -            | ["a b", "c"] | -                  | {"k": 1, "j": "x"}`,
	)
}
