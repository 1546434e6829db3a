package tests

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

var (
	testBlockStart = regexp.MustCompile(`\{%(-?)\s*test\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(`)
	testBlockEnd   = regexp.MustCompile(`\{%(-?)\s*endtest\s*(-?)%\}`)
)

// testBlocksToMacros does what the compiler does with {% test %} blocks:
// {% test x(...) %} ... {% endtest %} becomes macro test_x.
func testBlocksToMacros(src string) string {
	src = testBlockStart.ReplaceAllString(src, "{%${1} macro test_${2}(")
	return testBlockEnd.ReplaceAllString(src, "{%${1} endmacro ${2}%}")
}

// renderBuiltin renders the body of the built-in generic test `name` with package jinja,
// the way the compiler will: macros defined, then called with keyword arguments.
func renderBuiltin(t *testing.T, name string, args map[string]any) string {
	t.Helper()
	var src strings.Builder
	for _, f := range BuiltinMacros() {
		src.WriteString(testBlocksToMacros(f.Contents))
		src.WriteString("\n")
	}
	keys := make([]string, 0, len(args))
	for k := range args {
		if k != "store_failures" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	kw := make([]string, len(keys))
	for i, k := range keys {
		kw[i] = k + "=" + k
	}
	// The test dispatches to default__test_<name> (through the adapter,
	// which plain jinja has not): the body is what is rendered here.
	fmt.Fprintf(&src, "{{ default__test_%s(%s) }}", name, strings.Join(kw, ", "))

	env := jinja.New(jinja.Options{Undefined: jinja.Strict})
	tpl, err := env.Parse("builtin_test", src.String())
	if err != nil {
		t.Fatalf("parse built-in tests: %v\n--- source ---\n%s", err, src.String())
	}
	// dbt's should_store_failures, as the compiler gives it: the test's
	// store_failures config (here an argument of the case, default false).
	ctx := map[string]any{"should_store_failures": jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) {
		return args["store_failures"] == true, nil
	})}
	for k, v := range args {
		if k != "store_failures" {
			ctx[k] = v
		}
	}
	out, err := tpl.Render(ctx)
	if err != nil {
		t.Fatalf("render test_%s: %v", name, err)
	}
	return out
}

func TestBuiltinMacrosFiles(t *testing.T) {
	var got []string
	for _, f := range BuiltinMacros() {
		got = append(got, f.Path)
		if !strings.Contains(f.Contents, "endtest %}") || !strings.Contains(f.Contents, "{% macro default__test_") {
			t.Errorf("%s: no {%% endtest %%} or no default__test_ macro", f.Path)
		}
	}
	want := []string{
		"elt_builtin/tests/accepted_values.sql",
		"elt_builtin/tests/not_null.sql",
		"elt_builtin/tests/relationships.sql",
		"elt_builtin/tests/unique.sql",
	}
	if d := diff(want, got); d != "" {
		t.Error(d)
	}
	// Callers may modify what they get without affecting later calls.
	BuiltinMacros()[0].Contents = ""
	if BuiltinMacros()[0].Contents == "" {
		t.Error("BuiltinMacros returned shared values")
	}
	var _ []*project.File = BuiltinMacros()
}

// builtinFixture creates the tables the built-in tests run against.
//
//	orders: id has a duplicate (2), a triplicate (4) and two nulls;
//	        status has values outside the accepted list and a null;
//	        customer_id points at a missing customer (99) and has nulls.
const builtinFixture = `
create table customers (id integer, name varchar);
insert into customers values (10, 'ann'), (20, 'bob'), (30, 'cy'), (null, 'ghost');
create table orders (id integer, code varchar, status varchar, customer_id integer);
insert into orders values
    (1,    'a', 'placed',   10),
    (2,    'b', 'shipped',  10),
    (2,    'c', 'returned', 20),
    (3,    'd', null,       99),
    (null, null, 'placed',  null),
    (null, null, 'lost''s', 30),
    (4,    'e', 'shipped',  20),
    (4,    'f', 'placed',   30),
    (4,    'g', 'placed',   null);
`

func TestBuiltinTestsOnDuckDB(t *testing.T) {
	db := openDuckDB(t)
	mustExec(t, db, builtinFixture)

	tests := []struct {
		name string
		test string
		args map[string]any
		// select list applied to the test's failing rows, to compare columns by name
		columns string
		want    [][]string
	}{
		{
			name: "not_null fails on each null row, selecting the column alone", test: "not_null",
			args:    map[string]any{"model": "orders", "column_name": "id"},
			columns: "*",
			want:    [][]string{{"NULL"}, {"NULL"}},
		},
		{
			name: "not_null keeps every column of the failing rows when failures are stored", test: "not_null",
			args:    map[string]any{"model": "orders", "column_name": "id", "store_failures": true},
			columns: "id, status",
			want:    [][]string{{"NULL", "lost's"}, {"NULL", "placed"}},
		},
		{
			name: "not_null takes an expression as column_name", test: "not_null",
			args:    map[string]any{"model": "orders", "column_name": "status || ''", "store_failures": true},
			columns: "*",
			want:    [][]string{{"3", "d", "NULL", "99"}},
		},
		{
			name: "not_null passes on a complete column", test: "not_null",
			args:    map[string]any{"model": "customers", "column_name": "name"},
			columns: "*",
			want:    [][]string{},
		},
		{
			name: "unique reports each repeated value and its count, ignoring nulls", test: "unique",
			args:    map[string]any{"model": "orders", "column_name": "id"},
			columns: "unique_field, n_records",
			want:    [][]string{{"2", "2"}, {"4", "3"}},
		},
		{
			name: "unique passes on distinct values with several nulls", test: "unique",
			args:    map[string]any{"model": "orders", "column_name": "code"},
			columns: "*",
			want:    [][]string{},
		},
		{
			name: "accepted_values quoted: values outside the list fail, null does not", test: "accepted_values",
			args:    map[string]any{"model": "orders", "column_name": "status", "values": []any{"placed", "shipped"}},
			columns: "value_field, n_records",
			want:    [][]string{{"lost's", "1"}, {"returned", "1"}},
		},
		{
			// As dbt's: the value goes between quotes as it is, so a quote in
			// it is doubled where it is declared.
			name: "accepted_values quoted: a value with a doubled quote is accepted", test: "accepted_values",
			args:    map[string]any{"model": "orders", "column_name": "status", "values": []any{"placed", "shipped", "returned", "lost''s"}},
			columns: "*",
			want:    [][]string{},
		},
		{
			name: "accepted_values quote=true is the default", test: "accepted_values",
			args:    map[string]any{"model": "orders", "column_name": "status", "values": []any{"placed", "shipped", "returned"}, "quote": true},
			columns: "value_field, n_records",
			want:    [][]string{{"lost's", "1"}},
		},
		{
			name: "accepted_values quote=false on numbers", test: "accepted_values",
			args:    map[string]any{"model": "orders", "column_name": "customer_id", "values": []any{10, 20}, "quote": false},
			columns: "value_field, n_records",
			want:    [][]string{{"30", "2"}, {"99", "1"}},
		},
		{
			name: "accepted_values quote=false writes values as SQL", test: "accepted_values",
			args:    map[string]any{"model": "orders", "column_name": "status", "values": []any{"'placed'", "'shipped'", "upper('returned')", "'lost''s'"}, "quote": false},
			columns: "value_field, n_records",
			want:    [][]string{{"returned", "1"}},
		},
		{
			name: "accepted_values with an empty list fails every non-null value", test: "accepted_values",
			args:    map[string]any{"model": "customers", "column_name": "id", "values": []any{}},
			columns: "value_field, n_records",
			want:    [][]string{{"10", "1"}, {"20", "1"}, {"30", "1"}},
		},
		{
			name: "relationships reports children missing from the parent, not null children", test: "relationships",
			args:    map[string]any{"model": "orders", "column_name": "customer_id", "to": "customers", "field": "id"},
			columns: "from_field",
			want:    [][]string{{"99"}},
		},
		{
			name: "relationships passes when every child has a parent", test: "relationships",
			args:    map[string]any{"model": "(select * from orders where customer_id <> 99) o", "column_name": "customer_id", "to": "customers", "field": "id"},
			columns: "*",
			want:    [][]string{},
		},
		{
			name: "relationships lists each orphan row", test: "relationships",
			args:    map[string]any{"model": "orders", "column_name": "customer_id", "to": "(select * from customers where id <> 30) c", "field": "id"},
			columns: "from_field",
			want:    [][]string{{"30"}, {"30"}, {"99"}},
		},
		{
			// What the compiler's get_where_subquery passes as model under a `where` config.
			name: "where config narrows the tested model", test: "not_null",
			args:    map[string]any{"model": "(select * from orders where status = 'placed') dbt_subquery", "column_name": "id", "store_failures": true},
			columns: "id, status",
			want:    [][]string{{"NULL", "placed"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			failing := renderBuiltin(t, tc.test, tc.args)
			got := queryStrings(t, db, "select "+tc.columns+" from (\n"+failing+"\n) t")
			if d := diff(tc.want, got); d != "" {
				t.Errorf("failing rows differ:%s\n--- rendered ---\n%s", d, failing)
			}
		})
	}
}
