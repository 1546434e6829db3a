package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elt-dev/elt/internal/sharedtest"
)

// sharedPackages is ../shared/dbt-packages beside the repository root;
// tests skip without it.
func sharedPackages(t *testing.T) string { return sharedtest.DBTPackages(t) }

// installTarball unpacks a package release (one top folder) into
// <project>/dbt_packages/<name>, as elt deps installs it.
func installTarball(t *testing.T, tarball, projectDir, name string) {
	t.Helper()
	unpackTarball(t, tarball, filepath.Join(projectDir, "dbt_packages", name))
}

// unpackTarball unpacks a release tarball's one top folder into dest.
func unpackTarball(t *testing.T, tarball, dest string) {
	t.Helper()
	f, err := os.Open(tarball)
	if err != nil {
		t.Skipf("%s is absent: %v", tarball, err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(path.Clean(h.Name), "/")
		if rest == "" || strings.HasPrefix(rest, "../") {
			continue
		}
		out := filepath.Join(dest, filepath.FromSlash(rest))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(out, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

const utilsModels = `
models:
  - name: raw
    data_tests:
      - dbt_utils.expression_is_true:
          arguments:
            expression: "c > 0"
      - dbt_utils.unique_combination_of_columns:
          arguments:
            combination_of_columns: [a, b]
      # compare_model reaches the macro as a relation (it is introspected)
      - dbt_utils.equality:
          arguments:
            compare_model: ref('raw')
    columns:
      - name: c
        data_tests:
          - dbt_utils.accepted_range:
              arguments:
                min_value: 0
                inclusive: true
      - name: b
        data_tests:
          - dbt_utils.not_null_proportion:
              arguments:
                at_least: 0.5
`

// TestDbtUtilsOnDuckDB builds models and tests that call the real
// dbt_utils macros, installed in dbt_packages/ from a public release.
func TestDbtUtilsOnDuckDB(t *testing.T) {
	shared := sharedPackages(t)
	for _, release := range []string{"dbt-utils-1.4.1", "dbt-utils-1.3.3"} {
		t.Run(release, func(t *testing.T) {
			dir := miniProject(t, "")
			installTarball(t, filepath.Join(shared, release+".tar.gz"), dir, "dbt_utils")
			writeFile(t, dir, "models/raw.sql", "{{ config(materialized='table') }}\nselect * from (values (1, 'x', 10), (2, 'y', 20), (3, null, -5)) as t(a, b, c)\n")
			writeFile(t, dir, "models/starred.sql", "{{ config(materialized='table') }}\nselect {{ dbt_utils.star(ref('raw'), except=['b']) }} from {{ ref('raw') }}\n")
			writeFile(t, dir, "models/keyed.sql", "{{ config(materialized='table') }}\nselect a, {{ dbt_utils.generate_surrogate_key(['a', 'b']) }} as sk from {{ ref('raw') }}\n")
			writeFile(t, dir, "models/pivoted.sql", "{{ config(materialized='table') }}\nselect a, {{ dbt_utils.pivot('b', ['x', 'y']) }} from {{ ref('raw') }} group by a\n")
			writeFile(t, dir, "models/spine.sql", "{{ config(materialized='table') }}\n{{ dbt_utils.date_spine(datepart='day', start_date=\"cast('2024-01-01' as date)\", end_date=\"cast('2024-01-05' as date)\") }}\n")
			writeFile(t, dir, "models/raw2.sql", "{{ config(materialized='table') }}\nselect 4 as a, 'z' as b\n")
			writeFile(t, dir, "models/unioned.sql", "{{ config(materialized='table') }}\n{{ dbt_utils.union_relations(relations=[ref('raw'), ref('raw2')], include=['a', 'b']) }}\n")
			writeFile(t, dir, "models/vals.sql", "{{ config(materialized='table') }}\nselect '{{ dbt_utils.get_column_values(ref('raw'), 'b', order_by='b', where='b is not null') | join(',') }}' as v\n")
			writeFile(t, dir, "models/schema.yml", utilsModels)

			// elt build would skip the models downstream of raw's failing
			// tests, as dbt does: run, then test.
			res := mustElt(t, dir, "run")
			if got, want := rowsOf(t, dir, "starred"), "1|10\n2|20\n3|-5"; got != want {
				t.Errorf("starred: want\n%s\ngot\n%s\n%s%s", want, got, res.stdout, res.stderr)
			}
			// dbt_utils: md5 of the fields cast to text, nulls as
			// '_dbt_utils_surrogate_key_null_', joined with '-'.
			key := func(a, b string) string {
				s := md5.Sum([]byte(a + "-" + b))
				return hex.EncodeToString(s[:])
			}
			want := strings.Join([]string{"1|" + key("1", "x"), "2|" + key("2", "y"), "3|" + key("3", "_dbt_utils_surrogate_key_null_")}, "\n")
			if got := rowsOf(t, dir, "keyed"); got != want {
				t.Errorf("keyed: want\n%s\ngot\n%s", want, got)
			}
			if got, want := rowsOf(t, dir, "pivoted"), "1|1|0\n2|0|1\n3|0|0"; got != want {
				t.Errorf("pivoted: want\n%s\ngot\n%s", want, got)
			}
			if got, want := rowsOf(t, dir, "spine"), "2024-01-01 00:00:00\n2024-01-02 00:00:00\n2024-01-03 00:00:00\n2024-01-04 00:00:00"; got != want {
				t.Errorf("spine: want\n%s\ngot\n%s", want, got)
			}
			if got, want := rowsOf(t, dir, "unioned"), `"p"."main"."raw"|1|x
"p"."main"."raw"|2|y
"p"."main"."raw"|3|
"p"."main"."raw2"|4|z`; got != want {
				t.Errorf("unioned: want\n%s\ngot\n%s", want, got)
			}
			if got, want := rowsOf(t, dir, "vals"), "x,y"; got != want {
				t.Errorf("vals: want %s, got %s", want, got)
			}
			res = elt(t, dir, "test")
			if res.code == 0 {
				t.Errorf("two tests fail on purpose, yet exit 0:\n%s", res.stdout)
			}
			rr := readRunResults(t, filepath.Join(dir, "target", "run_results.json"))
			for name, want := range map[string]string{
				"dbt_utils_expression_is_true_raw_c_0":             "fail 1",
				"dbt_utils_unique_combination_of_columns_raw_a__b": "pass 0",
				"dbt_utils_accepted_range_raw_c__True__0":          "fail 1",
				"dbt_utils_not_null_proportion_raw_0_5__b":         "pass 0",
				"dbt_utils_equality_raw_ref_raw_":                  "pass 0",
			} {
				r, ok := rr[name]
				if !ok {
					t.Errorf("test %s: missing from run_results.json (have %v)", name, keys(rr))
					continue
				}
				if got := fmt.Sprintf("%s %d", r.Status, r.Failures); got != want {
					t.Errorf("test %s: want %s, got %s", name, want, got)
				}
			}
			if t.Failed() {
				t.Logf("%s\n%s", res.stdout, res.stderr)
			}
		})
	}
}

// TestDbtUtilsDispatch: a root-project implementation overrides what a
// dbt_utils macro renders through adapter.dispatch, unless the project's
// dispatch: config leaves the root project out of the search order.
func TestDbtUtilsDispatch(t *testing.T) {
	shared := sharedPackages(t)
	cases := []struct {
		name, dispatch, want string
	}{
		{name: "root project first", want: "root-key"},
		{name: "search_order without the root project",
			dispatch: "dispatch:\n  - macro_namespace: dbt_utils\n    search_order: [dbt_utils]\n", want: "md5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := miniProject(t, c.dispatch)
			installTarball(t, filepath.Join(shared, "dbt-utils-1.4.1.tar.gz"), dir, "dbt_utils")
			writeFile(t, dir, "macros/keys.sql", "{% macro duckdb__generate_surrogate_key(field_list) %}'root-key'{% endmacro %}\n")
			writeFile(t, dir, "models/keyed.sql", "{{ config(materialized='table') }}\nselect {{ dbt_utils.generate_surrogate_key(['a']) }} as sk from (select 1 as a)\n")
			mustElt(t, dir, "run")
			got := rowsOf(t, dir, "keyed")
			if c.want == "md5" {
				s := md5.Sum([]byte("1"))
				c.want = hex.EncodeToString(s[:])
			}
			if got != c.want {
				t.Errorf("want %s, got %s", c.want, got)
			}
		})
	}
}

// TestRunOperationPackageMacro: run-operation finds an installed
// package's macro unqualified (after the root project's) or qualified.
func TestRunOperationPackageMacro(t *testing.T) {
	shared := sharedPackages(t)
	dir := miniProject(t, "")
	installTarball(t, filepath.Join(shared, "dbt-utils-1.4.1.tar.gz"), dir, "dbt_utils")
	// dbt_utils.log_info logs its message; run-operation prints nothing
	// else, as dbt.
	for _, name := range []string{"log_info", "dbt_utils.log_info"} {
		res := mustElt(t, dir, "run-operation", name, "--args", "{message: 'Hello World'}")
		if !strings.Contains(res.stdout, "Hello World") {
			t.Errorf("%s: no Hello World in\n%s", name, res.stdout)
		}
	}
	writeFile(t, dir, "macros/log_info.sql", "{% macro log_info(message) %}{% do log('root-' ~ message, info=True) %}{% endmacro %}")
	if res := mustElt(t, dir, "run-operation", "log_info", "--args", "{message: x}"); !strings.Contains(res.stdout, "root-x") {
		t.Errorf("the root project's macro wins:\n%s", res.stdout)
	}
}

// TestDbtExpectationsAndDateOnDuckDB: dbt_expectations' generic tests
// (one introspects the model's columns) and dbt_date's date dimension,
// with dbt_utils, from their public releases.
func TestDbtExpectationsAndDateOnDuckDB(t *testing.T) {
	shared := sharedPackages(t)
	dir := miniProject(t, "vars:\n  'dbt_date:time_zone': UTC\n")
	installTarball(t, filepath.Join(shared, "dbt-utils-1.4.1.tar.gz"), dir, "dbt_utils")
	installTarball(t, filepath.Join(shared, "dbt-date-0.21.0.tar.gz"), dir, "dbt_date")
	installTarball(t, filepath.Join(shared, "dbt-expectations-0.10.9.tar.gz"), dir, "dbt_expectations")
	writeFile(t, dir, "models/raw.sql", "{{ config(materialized='table') }}\nselect * from (values (1, 10, date '2024-01-03'), (2, -5, date '2024-01-07')) as t(a, c, d)\n")
	writeFile(t, dir, "models/dim.sql", "{{ config(materialized='table') }}\n{{ dbt_date.get_date_dimension('2024-01-01', '2024-01-11') }}\n")
	writeFile(t, dir, "models/schema.yml", `
models:
  - name: raw
    data_tests:
      - dbt_expectations.expect_table_row_count_to_equal:
          value: 2
    columns:
      - name: c
        data_tests:
          - dbt_expectations.expect_column_values_to_be_between:
              min_value: 0
      - name: d
        data_tests:
          - dbt_expectations.expect_column_values_to_be_of_type:
              column_type: date
`)
	mustElt(t, dir, "run")
	db := openDB(t, filepath.Join(dir, "p.duckdb"))
	var days int
	var first string
	if err := db.QueryRow("select count(*), min(date_day)::varchar from dim").Scan(&days, &first); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if days != 10 || first != "2024-01-01" {
		t.Errorf("dim: want 10 days from 2024-01-01, got %d from %s", days, first)
	}
	res := elt(t, dir, "test")
	rr := readRunResults(t, filepath.Join(dir, "target", "run_results.json"))
	for name, want := range map[string]string{
		"dbt_expectations_expect_table_row_count_to_equal_raw_2":          "pass 0",
		"dbt_expectations_expect_column_values_to_be_between_raw_c__0":    "fail 1",
		"dbt_expectations_expect_column_values_to_be_of_type_raw_d__date": "pass 0",
	} {
		r, ok := rr[name]
		if !ok {
			t.Errorf("test %s: missing from run_results.json (have %v)\n%s", name, keys(rr), res.stdout)
			continue
		}
		if got := fmt.Sprintf("%s %d", r.Status, r.Failures); got != want {
			t.Errorf("test %s: want %s, got %s\n%s", name, want, got, res.stdout)
		}
	}
}

// utilsHub serves dbt's hub API with dbt-labs/dbt_utils 1.4.1, its tarball
// the public release kept in ../shared/dbt-packages (the test skips
// without it), so elt deps runs as against hub.getdbt.com, offline.
func utilsHub(t *testing.T) *httptest.Server {
	t.Helper()
	archive, err := os.ReadFile(filepath.Join(sharedPackages(t), "dbt-utils-1.4.1.tar.gz"))
	if err != nil {
		t.Skipf("the dbt_utils release is absent: %v", err)
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/index.json":
			json.NewEncoder(w).Encode([]string{"dbt-labs/dbt_utils"})
		case "/api/v1/dbt-labs/dbt_utils.json":
			json.NewEncoder(w).Encode(map[string]any{"name": "dbt_utils", "namespace": "dbt-labs", "versions": map[string]any{
				"1.4.1": map[string]any{"name": "dbt_utils", "packages": []any{}, "require_dbt_version": []any{">=1.3.0", "<3.0.0"},
					"downloads": map[string]any{"tarball": srv.URL + "/dbt-labs/dbt-utils/1.4.1.tar.gz"}},
			}})
		case "/dbt-labs/dbt-utils/1.4.1.tar.gz":
			w.Write(archive)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestExampleJaffleUtils runs the README's commands for examples/jaffle_utils,
// elt deps then elt build, on a copy of it, with the hub served locally,
// and checks what dbt_utils' macros built and that every test passed.
func TestExampleJaffleUtils(t *testing.T) {
	hub := utilsHub(t)
	t.Setenv("DBT_PACKAGE_HUB_URL", hub.URL+"/")
	t.Setenv("ELT_JAFFLE_UTILS_DB", "")
	os.Unsetenv("ELT_JAFFLE_UTILS_DB") // the profile's default: target/jaffle_utils.duckdb
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "jaffle_utils"), dir)

	res := mustElt(t, dir, "deps")
	wantAll(t, res.stdout, "Installing dbt-labs/dbt_utils", "Installed from version 1.4.1")
	// No false positive from the static checks on a project using dbt_utils.
	if res := elt(t, dir, "check", "--output", "json"); res.code != 0 || strings.TrimSpace(res.stdout) != "[]" {
		t.Errorf("elt check: exit %d, findings:\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	res = mustElt(t, dir, "build")
	if !strings.Contains(res.stdout, "WARN=0 ERROR=0 SKIP=0") {
		t.Errorf("elt build: want everything to pass:\n%s", res.stdout)
	}
	rr := readRunResults(t, filepath.Join(dir, "target", "run_results.json"))
	tests, utilsTests := 0, 0
	for name, r := range rr {
		if !strings.HasPrefix(r.UniqueID, "test.") {
			continue
		}
		tests++
		if strings.HasPrefix(name, "dbt_utils_") {
			utilsTests++
		}
		if r.Status != "pass" {
			t.Errorf("test %s: %s", name, r.Status)
		}
	}
	if tests != 23 || utilsTests != 7 {
		t.Errorf("want 23 tests, 7 of them dbt_utils', in run_results.json; found %d and %d: %v", tests, utilsTests, keys(rr))
	}

	db := openDB(t, filepath.Join(dir, "target", "jaffle_utils.duckdb"))
	query := func(q string) string {
		t.Helper()
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out []string
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fields := make([]string, len(cols))
			for i, v := range vals {
				fields[i] = v.String
			}
			out = append(out, strings.Join(fields, "|"))
		}
		return strings.Join(out, "\n")
	}
	// union_relations: both stores' orders, each named by its source.
	if got, want := query("select store, count(*), min(order_id), max(order_id) from main.stg_orders group by store order by store"), "city|8|1|8\nharbour|5|101|105"; got != want {
		t.Errorf("stg_orders by store:\n got %s\nwant %s", got, want)
	}
	// pivot: order 3 was paid by card and coupon.
	if got, want := query("select cast(credit_card_amount as varchar), cast(coupon_amount as varchar), cast(bank_transfer_amount as varchar), cast(gift_card_amount as varchar), cast(total_amount as varchar) from main.order_payments where order_id = 3"), "7.00|1.00|0.00|0.00|8.00"; got != want {
		t.Errorf("order_payments of order 3: got %s, want %s", got, want)
	}
	// generate_surrogate_key: md5 of the fields as text, joined with '-';
	// star: every column of stg_orders, then the payment columns.
	sum := md5.Sum([]byte("harbour-104"))
	if got, want := query("select order_key, order_id, customer_id, cast(order_date as varchar), status, store, cast(amount as varchar), cast(coupon_amount as varchar), cast(bank_transfer_amount as varchar) from main.orders where order_id = 104"),
		hex.EncodeToString(sum[:])+"|104|3|2024-01-08|shipped|harbour|15.00|3.00|12.00"; got != want {
		t.Errorf("order 104:\n got %s\nwant %s", got, want)
	}
	if got, want := query("select first_name, email, cast(first_order as varchar), cast(most_recent_order as varchar), number_of_orders, cast(lifetime_value as varchar) from main.customers where customer_id in (1, 3) order by customer_id"),
		"Ada|ada@example.com|2024-01-01|2024-01-06|3|48.00\nGrace||2024-01-04|2024-01-08|2|40.00"; got != want {
		t.Errorf("customers 1 and 3:\n got %s\nwant %s", got, want)
	}
	// date_spine: ten days, the quiet ones included.
	want := strings.Join([]string{
		"2024-01-01|2|30.00", "2024-01-02|1|15.00", "2024-01-03|2|17.00", "2024-01-04|1|25.00", "2024-01-05|0|0.00",
		"2024-01-06|3|53.00", "2024-01-07|0|0.00", "2024-01-08|1|15.00", "2024-01-09|1|16.00", "2024-01-10|2|31.00",
	}, "\n")
	if got := query("select cast(order_date as varchar), orders, cast(revenue as varchar) from main.daily_orders order by order_date"); got != want {
		t.Errorf("daily_orders:\n got %s\nwant %s", got, want)
	}
}

// TestPrint: {{ print() }} writes its message on standard output as dbt
// does, without the time in front, also under --quiet (alone then), and
// nothing with --no-print; codegen's generate_base_model prints the model
// it generates that way.
func TestPrint(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/hello.sql", "{% macro hello(x) %}{{ print('hello ' ~ x) }}{% do log('logged ' ~ x, info=True) %}{% endmacro %}\n")
	res := mustElt(t, dir, "run-operation", "hello", "--args", "{x: world}")
	if !strings.Contains(res.stdout, "\nhello world\n") || !strings.Contains(res.stdout, "  logged world\n") {
		t.Errorf("run-operation hello printed\n%s\nwant the line hello world alone and the logged line after its time", res.stdout)
	}
	if res := mustElt(t, dir, "run-operation", "hello", "--args", "{x: world}", "--quiet"); res.stdout != "hello world\n" {
		t.Errorf("--quiet: printed %q, want the print alone", res.stdout)
	}
	if res := mustElt(t, dir, "run-operation", "hello", "--args", "{x: world}", "--no-print"); strings.Contains(res.stdout, "hello world") {
		t.Errorf("--no-print: printed %q", res.stdout)
	}
	for _, env := range []map[string]string{{"DBT_PRINT": "false"}, {"DBT_NO_PRINT": "true"}} {
		if res := eltWith(t, dir, env, "run-operation", "hello", "--args", "{x: world}"); res.code != 0 || strings.Contains(res.stdout, "hello world") {
			t.Errorf("%v: exit %d, printed %q", env, res.code, res.stdout)
		}
	}
	if res := eltWith(t, dir, map[string]string{"DBT_PRINT": "false"}, "run-operation", "hello", "--args", "{x: world}", "--print"); !strings.Contains(res.stdout, "hello world") {
		t.Errorf("--print over DBT_PRINT=false: printed %q", res.stdout)
	}

	shared := sharedPackages(t)
	installTarball(t, filepath.Join(shared, "dbt-utils-1.4.1.tar.gz"), dir, "dbt_utils")
	installTarball(t, filepath.Join(shared, "dbt-codegen-0.14.1.tar.gz"), dir, "codegen")
	writeFile(t, dir, "seeds/people.csv", "id,name\n1,ann\n")
	writeFile(t, dir, "models/src.yml", "sources:\n  - name: raw\n    schema: main\n    tables:\n      - name: people\n")
	mustElt(t, dir, "seed")
	res = mustElt(t, dir, "run-operation", "codegen.generate_base_model", "--args", "{source_name: raw, table_name: people}", "-q")
	wantAll(t, res.stdout, "select * from {{ source('raw', 'people') }}", "        id,\n        name\n", "select * from renamed")
	if strings.Contains(res.stdout, "Running with") {
		t.Errorf("-q printed log lines:\n%s", res.stdout)
	}
}
