package jinja_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/elt-dev/elt/jinja"
)

// The public dbt packages in ../shared/dbt-packages (release tarballs, see
// its README) are the largest body of real dbt Jinja there is: every .sql
// file in them must parse.

// dbtPackagesDir finds ../shared/dbt-packages beside the repository (the
// module root is the directory holding go.mod), or skips the test.
func dbtPackagesDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the test directory; cannot locate ../shared/dbt-packages")
		}
		dir = parent
	}
	pk := filepath.Join(dir, "..", "shared", "dbt-packages")
	if _, err := os.Stat(pk); err != nil {
		t.Skipf("dbt package tarballs not found at %s (they live in ../shared beside the repository clone): %v", pk, err)
	}
	return pk
}

// unpackDbtPackages unpacks every tarball into a temporary directory and
// returns the package directories by tarball name.
func unpackDbtPackages(t *testing.T) map[string]string {
	t.Helper()
	src := dbtPackagesDir(t)
	tarballs, err := filepath.Glob(filepath.Join(src, "*.tar.gz"))
	if err != nil || len(tarballs) == 0 {
		t.Skipf("no *.tar.gz in %s", src)
	}
	dst := t.TempDir()
	out := map[string]string{}
	for _, tb := range tarballs {
		name := strings.TrimSuffix(filepath.Base(tb), ".tar.gz")
		if err := untar(tb, dst); err != nil {
			t.Fatalf("%s: %v", tb, err)
		}
		out[name] = filepath.Join(dst, name)
	}
	return out
}

func untar(path, dst string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(h.Name)
		if filepath.IsAbs(name) || strings.HasPrefix(name, "..") {
			continue
		}
		target := filepath.Join(dst, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			w, err := os.Create(target)
			if err != nil {
				return err
			}
			if _, err := io.Copy(w, io.LimitReader(tr, 64<<20)); err != nil {
				w.Close()
				return err
			}
			if err := w.Close(); err != nil {
				return err
			}
		}
	}
}

// dbtEnv is an Env with dbt's {% test %} blocks, which define macros
// named test_<name> (dbt's TestExtension).
func dbtEnv() *jinja.Env {
	return jinja.New(jinja.Options{MacroTags: map[string]string{"test": "test_"}})
}

// sqlFiles lists the .sql files of a package (macros, tests, models,
// analyses, integration tests: all of them), sorted.
func sqlFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".sql") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

func TestDbtPackagesParse(t *testing.T) {
	pkgs := unpackDbtPackages(t)
	names := make([]string, 0, len(pkgs))
	for n := range pkgs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		root := pkgs[name]
		t.Run(name, func(t *testing.T) {
			env := dbtEnv()
			files := sqlFiles(t, root)
			macros := 0
			for _, f := range files {
				src, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				rel, _ := filepath.Rel(root, f)
				tpl, err := env.Parse(rel, string(src))
				if err != nil {
					t.Errorf("%s: %v", rel, err)
					continue
				}
				macros += len(tpl.Macros())
			}
			if len(files) == 0 {
				t.Fatalf("no .sql files under %s", root)
			}
			t.Logf("%s: %d .sql files parsed, %d macros", name, len(files), macros)
		})
	}
}

// ---- comparing package macros with Jinja2 ----

// dbtStubMacros stand in for dbt's own cross-database macros (dbt.*).
// Both engines load this same source: the stubs exist to give the
// package macros something to call, not to imitate dbt.
const dbtStubMacros = `
{% macro type_string() %}varchar{% endmacro %}
{% macro type_timestamp() %}timestamp{% endmacro %}
{% macro type_int() %}integer{% endmacro %}
{% macro type_bigint() %}bigint{% endmacro %}
{% macro type_numeric() %}numeric(28,6){% endmacro %}
{% macro type_float() %}float{% endmacro %}
{% macro type_boolean() %}boolean{% endmacro %}
{% macro current_timestamp() %}now(){% endmacro %}
{% macro string_literal(value) %}'{{ value }}'{% endmacro %}
{% macro escape_single_quotes(value) %}{{ value | replace("'", "''") }}{% endmacro %}
{% macro dateadd(datepart, interval, from_date_or_timestamp) %}dateadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }}){% endmacro %}
{% macro datediff(first_date, second_date, datepart) %}datediff({{ datepart }}, {{ first_date }}, {{ second_date }}){% endmacro %}
{% macro date_trunc(datepart, date) %}date_trunc('{{ datepart }}', {{ date }}){% endmacro %}
{% macro last_day(date, datepart) %}last_day({{ date }}, {{ datepart }}){% endmacro %}
{% macro split_part(string_text, delimiter_text, part_number) %}split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }}){% endmacro %}
{% macro replace(field, old_chars, new_chars) %}replace({{ field }}, {{ old_chars }}, {{ new_chars }}){% endmacro %}
{% macro position(substring_text, string_text) %}position({{ substring_text }} in {{ string_text }}){% endmacro %}
{% macro length(expression) %}length({{ expression }}){% endmacro %}
{% macro right(string_text, length_expression) %}right({{ string_text }}, {{ length_expression }}){% endmacro %}
{% macro hash(field) %}md5(cast({{ field }} as varchar)){% endmacro %}
{% macro concat(fields) %}{{ fields | join(' || ') }}{% endmacro %}
{% macro safe_cast(field, type) %}cast({{ field }} as {{ type }}){% endmacro %}
{% macro cast(field, type) %}cast({{ field }} as {{ type }}){% endmacro %}
{% macro cast_bool_to_text(field) %}cast({{ field }} as varchar){% endmacro %}
{% macro bool_or(expression) %}bool_or({{ expression }}){% endmacro %}
{% macro any_value(expression) %}any_value({{ expression }}){% endmacro %}
{% macro listagg(measure, delimiter_text="','", order_by_clause=none, limit_num=none) %}string_agg({{ measure }}, {{ delimiter_text }}{% if order_by_clause %} {{ order_by_clause }}{% endif %}){% endmacro %}
{% macro except() %}except{% endmacro %}
{% macro intersect() %}intersect{% endmacro %}
`

// macroCall is one package macro called with arguments (JSON values).
type macroCall struct {
	Namespace string         `json:"namespace"`
	Macro     string         `json:"macro"`
	Args      []any          `json:"args,omitempty"`
	Kwargs    map[string]any `json:"kwargs,omitempty"`
}

// dbtPackage is a tarball's macros/ folder under the namespace dbt gives it.
type dbtPackage struct {
	tarball, namespace string
	deps               []string // namespaces it calls into
}

var comparedPackages = []dbtPackage{
	{"dbt-utils-1.4.1", "dbt_utils", nil},
	{"dbt-date-0.21.0", "dbt_date", nil},
	{"dbt-expectations-0.10.9", "dbt_expectations", []string{"dbt_date"}},
	{"dbt-audit-helper-0.12.2", "audit_helper", []string{"dbt_utils"}},
	{"dbt-codegen-0.14.1", "codegen", []string{"dbt_utils"}},
	{"dbt-utils-1.3.3", "dbt_utils", nil},
}

var (
	pkgVars   = map[string]any{"dbt_date:time_zone": "America/New_York"}
	pkgTarget = map[string]any{"name": "dev", "type": "postgres", "schema": "analytics", "database": "warehouse"}
)

func call(ns, macro string, args ...any) macroCall {
	return macroCall{Namespace: ns, Macro: macro, Args: args}
}

func callKw(ns, macro string, kw map[string]any, args ...any) macroCall {
	return macroCall{Namespace: ns, Macro: macro, Args: args, Kwargs: kw}
}

// packageCalls are the macros compared, per namespace: the ones that
// build SQL from their arguments (and from other macros) without a
// database.
var packageCalls = map[string][]macroCall{
	"dbt_utils": {
		call("dbt_utils", "generate_surrogate_key", []any{"a", "b", "c"}),
		call("dbt_utils", "surrogate_key", []any{"a"}),
		call("dbt_utils", "safe_add", []any{"a", "b"}),
		call("dbt_utils", "safe_subtract", []any{"a", "b", "c"}),
		call("dbt_utils", "safe_divide", "num", "den"),
		call("dbt_utils", "group_by", 3),
		call("dbt_utils", "haversine_distance", "lat1", "lon1", "lat2", "lon2"),
		callKw("dbt_utils", "haversine_distance", map[string]any{"unit": "km"}, "a", "b", "c", "d"),
		call("dbt_utils", "degrees_to_radians", "x"),
		call("dbt_utils", "width_bucket", "amount", 0, 100, 10),
		call("dbt_utils", "get_powers_of_two", 100),
		call("dbt_utils", "generate_series", 20),
		call("dbt_utils", "date_spine", "day", "'2020-01-01'", "'2020-03-01'"),
		call("dbt_utils", "get_intervals_between", "'2020-01-01'", "'2020-03-01'", "day"),
		call("dbt_utils", "get_url_host", "page_url"),
		call("dbt_utils", "get_url_path", "page_url"),
		call("dbt_utils", "get_url_parameter", "page_url", "utm_source"),
		call("dbt_utils", "deduplicate", "my_table", "id", "updated_at desc"),
		call("dbt_utils", "pretty_log_format", "hello"),
		call("dbt_utils", "test_not_constant", "my_model", "col"),
		callKw("dbt_utils", "test_not_constant", map[string]any{"group_by_columns": []any{"g1", "g2"}}, "my_model", "col"),
		call("dbt_utils", "test_at_least_one", "my_model", "col"),
		call("dbt_utils", "test_expression_is_true", "my_model", "a > b"),
		callKw("dbt_utils", "test_accepted_range", map[string]any{"min_value": 0, "max_value": 10, "inclusive": false}, "my_model", "col"),
		call("dbt_utils", "test_not_empty_string", "my_model", "col"),
		call("dbt_utils", "test_not_accepted_values", "my_model", "col", []any{"a", "b"}),
		callKw("dbt_utils", "test_not_accepted_values", map[string]any{"quote": false}, "my_model", "col", []any{1, 2}),
		call("dbt_utils", "test_relationships_where", "my_model", "col", "other", "id"),
		call("dbt_utils", "test_recency", "my_model", "updated_at", "day", 1),
		call("dbt_utils", "test_cardinality_equality", "my_model", "col", "other", "id"),
		call("dbt_utils", "test_sequential_values", "my_model", "col"),
		callKw("dbt_utils", "test_sequential_values", map[string]any{"interval": 2, "datepart": "day"}, "my_model", "col"),
		call("dbt_utils", "test_mutually_exclusive_ranges", "my_model", "lo", "hi"),
		callKw("dbt_utils", "test_mutually_exclusive_ranges", map[string]any{"partition_by": "pid", "gaps": "not_allowed"}, "my_model", "lo", "hi"),
		call("dbt_utils", "test_unique_combination_of_columns", "my_model", []any{"a", "b"}),
		call("dbt_utils", "test_equal_rowcount", "my_model", "other"),
		call("dbt_utils", "test_fewer_rows_than", "my_model", "other"),
		call("dbt_utils", "nullcheck", []any{}),
	},
	"dbt_date": {
		call("dbt_date", "day_of_week", "d"),
		callKw("dbt_date", "day_of_week", map[string]any{"isoweek": false}, "d"),
		call("dbt_date", "day_name", "d"),
		callKw("dbt_date", "day_name", map[string]any{"short": false}, "d"),
		call("dbt_date", "day_of_month", "d"),
		call("dbt_date", "day_of_year", "d"),
		call("dbt_date", "month_name", "d"),
		call("dbt_date", "date_part", "year", "d"),
		call("dbt_date", "week_start", "d"),
		call("dbt_date", "week_end", "d"),
		call("dbt_date", "week_of_year", "d"),
		call("dbt_date", "iso_week_start", "d"),
		call("dbt_date", "iso_week_end", "d"),
		call("dbt_date", "iso_week_of_year", "d"),
		call("dbt_date", "iso_year_week", "d"),
		call("dbt_date", "convert_timezone", "created_at"),
		callKw("dbt_date", "convert_timezone", map[string]any{"target_tz": "UTC", "source_tz": "Europe/Paris"}, "c"),
		call("dbt_date", "n_days_ago", 7),
		call("dbt_date", "n_days_away", 3, "d"),
		call("dbt_date", "n_weeks_ago", 2),
		call("dbt_date", "n_months_ago", 2),
		call("dbt_date", "yesterday"),
		call("dbt_date", "tomorrow"),
		call("dbt_date", "today"),
		call("dbt_date", "now"),
		call("dbt_date", "last_week"),
		call("dbt_date", "last_month"),
		call("dbt_date", "next_month_number"),
		call("dbt_date", "last_month_name"),
		call("dbt_date", "from_unixtimestamp", "epoch"),
		callKw("dbt_date", "from_unixtimestamp", map[string]any{"format": "milliseconds"}, "epoch"),
		call("dbt_date", "to_unixtimestamp", "ts"),
		call("dbt_date", "periods_since", "d"),
		call("dbt_date", "round_timestamp", "ts"),
		call("dbt_date", "date", 2024, 2, 29),
		call("dbt_date", "date_spine", "day", "'2020-01-01'", "'2020-02-01'"),
		call("dbt_date", "get_date_dimension", "2020-01-01", "2020-12-31"),
		call("dbt_date", "get_fiscal_periods", "dates", 6, 1),
	},
	"dbt_expectations": {
		call("dbt_expectations", "median", "x"),
		call("dbt_expectations", "percentile_cont", "x", 0.9),
		call("dbt_expectations", "log_natural", "x"),
		call("dbt_expectations", "rand"),
		call("dbt_expectations", "md5", "'a'"),
		call("dbt_expectations", "regexp_instr", "col", "[a-z]+"),
		callKw("dbt_expectations", "regexp_instr", map[string]any{"is_raw": true, "flags": "i"}, "col", "x"),
		call("dbt_expectations", "truth_expression", "a > 1"),
		call("dbt_expectations", "ignore_row_if_expression", "all_values_are_missing", []any{"a", "b"}),
		call("dbt_expectations", "test_expect_column_values_to_not_be_null", "my_model", "col"),
		call("dbt_expectations", "test_expect_column_values_to_be_null", "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_values_to_be_unique", map[string]any{"row_condition": "id is not null"}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_values_to_be_between", map[string]any{"min_value": 0, "max_value": 10}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_values_to_be_in_set", map[string]any{"value_set": []any{"a", "b"}}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_values_to_not_be_in_set", map[string]any{"value_set": []any{1, 2}, "quote_values": false}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_value_lengths_to_be_between", map[string]any{"min_value": 1, "max_value": 5}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_value_lengths_to_equal", map[string]any{"value": 3}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_values_to_match_regex", map[string]any{"regex": "^a"}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_values_to_match_like_pattern", map[string]any{"like_pattern": "a%"}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_values_to_match_like_pattern_list", map[string]any{"like_pattern_list": []any{"a%", "b%"}}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_mean_to_be_between", map[string]any{"min_value": 0, "max_value": 1}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_sum_to_be_between", map[string]any{"min_value": 0}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_max_to_be_between", map[string]any{"max_value": 9, "group_by": []any{"g"}}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_distinct_count_to_equal", map[string]any{"value": 3}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_proportion_of_unique_values_to_be_between", map[string]any{"min_value": 0.5}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_table_row_count_to_be_between", map[string]any{"min_value": 1, "max_value": 5}, "my_model"),
		callKw("dbt_expectations", "test_expect_table_row_count_to_equal", map[string]any{"value": 4}, "my_model"),
		callKw("dbt_expectations", "test_expect_column_values_to_be_increasing", map[string]any{"sort_column": "id"}, "my_model", "col"),
		callKw("dbt_expectations", "test_expect_column_pair_values_A_to_be_greater_than_B", map[string]any{"column_A": "a", "column_B": "b", "or_equal": true}, "my_model"),
		callKw("dbt_expectations", "test_expect_compound_columns_to_be_unique", map[string]any{"column_list": []any{"a", "b"}}, "my_model"),
		callKw("dbt_expectations", "test_expect_multicolumn_sum_to_equal", map[string]any{"column_list": []any{"a", "b"}, "sum_total": 10}, "my_model"),
		callKw("dbt_expectations", "test_expect_row_values_to_have_recent_data", map[string]any{"column_name": "ts", "datepart": "day", "interval": 1}, "my_model"),
	},
	"audit_helper": {
		callKw("audit_helper", "compare_queries", map[string]any{"primary_key": "id"}, "select 1", "select 2"),
		call("audit_helper", "compare_queries", "select 1", "select 2"),
		call("audit_helper", "compare_column_values", "select 1", "select 2", "id", "amount"),
		call("audit_helper", "compare_column_values_verbose", "select 1", "select 2", "id", "amount"),
		callKw("audit_helper", "quick_are_queries_identical", map[string]any{"columns": []any{"a", "b"}}, "select 1", "select 2"),
		callKw("audit_helper", "compare_and_classify_query_results", map[string]any{"primary_key_columns": []any{"id"}, "columns": []any{"id", "a"}}, "select 1", "select 2"),
		callKw("audit_helper", "compare_which_query_columns_differ", map[string]any{"primary_key_columns": []any{"id"}, "columns": []any{"id", "a", "b"}}, "select 1", "select 2"),
		call("audit_helper", "_generate_null_safe_surrogate_key", []any{"a", "b"}),
		call("audit_helper", "_classify_audit_row_status"),
		call("audit_helper", "_count_num_rows_in_status"),
	},
	"codegen": {
		call("codegen", "format_column", map[string]any{"name": "Id", "data_type": "INTEGER", "quoted": `"Id"`}),
		call("codegen", "data_type_format_source", map[string]any{"name": "id", "data_type": "character varying(255)", "dtype": "varchar"}),
	},
}

// namespace is a package's macros as attributes (dbt_utils.star).
type namespace map[string]any

func (n namespace) GetAttr(name string) (any, bool) { v, ok := n[name]; return v, ok }

// stub is an object of the stub dbt context (adapter, config, exceptions).
type stub map[string]any

func (s stub) GetAttr(name string) (any, bool) { v, ok := s[name]; return v, ok }

type macroAnswer struct {
	Output  *string `json:"output,omitempty"`
	Error   string  `json:"error,omitempty"`
	Message string  `json:"message,omitempty"`
}

func (a macroAnswer) String() string {
	if a.Error != "" {
		return a.Error + ": " + a.Message
	}
	return fmt.Sprintf("%q", *a.Output)
}

// packageFiles reads the .sql files under a package's macros/ folder.
func packageFiles(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, f := range sqlFiles(t, filepath.Join(root, "macros")) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		files[filepath.ToSlash(rel)] = string(src)
	}
	return files
}

type loadedPackage struct {
	Namespace string            `json:"namespace"`
	Files     map[string]string `json:"files"`
}

// goMacroCalls is the Go side of scripts/jinja-oracle.py --macro-calls:
// the same loading, the same stubs, the same calls.
func goMacroCalls(t *testing.T, pkgs []loadedPackage, calls []macroCall) []macroAnswer {
	t.Helper()
	env := dbtEnv()
	var order []string
	spaces := map[string]namespace{}
	ctx := map[string]any{}
	var globals func(name string) (any, bool)
	globals = func(name string) (any, bool) { v, ok := ctx[name]; return v, ok }
	load := func(ns string, files map[string]string) {
		macros, ok := spaces[ns]
		if !ok {
			macros = namespace{}
			spaces[ns] = macros
			order = append(order, ns)
		}
		paths := make([]string, 0, len(files))
		for p := range files {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			tpl, err := env.Parse(p, files[p])
			if err != nil {
				t.Fatalf("%s/%s: %v", ns, p, err)
			}
			for _, m := range tpl.Macros() {
				m := m
				macros[m.Name] = jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
					return m.Call(s, globals, args, kw)
				})
			}
		}
	}
	dispatch := jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		name, _ := args[0].(string)
		var ns any
		if len(args) > 1 {
			ns = args[1]
		} else if v, ok := kw.Get("macro_namespace"); ok {
			ns = v
		}
		search := order
		if n, ok := ns.(string); ok && n != "" {
			search = []string{n}
		}
		search = append(append([]string{}, search...), "dbt")
		for _, prefix := range []string{"postgres__", "default__", ""} {
			for _, sp := range search {
				if m, ok := spaces[sp][prefix+name]; ok {
					return m, nil
				}
			}
		}
		return nil, &jinja.Error{Kind: "CompilationError", Msg: fmt.Sprintf("No macro named %q found", name)}
	})
	ctx["adapter"] = stub{
		"dispatch": dispatch,
		"quote": jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			return fmt.Sprintf(`"%v"`, args[0]), nil
		}),
	}
	ctx["var"] = jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		if v, ok := pkgVars[args[0].(string)]; ok {
			return v, nil
		}
		if len(args) > 1 {
			return args[1], nil
		}
		if v, ok := kw.Get("default"); ok {
			return v, nil
		}
		return nil, nil
	})
	target := jinja.NewDict()
	for _, k := range []string{"name", "type", "schema", "database"} {
		target.Set(k, pkgTarget[k])
	}
	ctx["target"] = target
	ctx["config"] = stub{"get": jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		if len(args) > 1 {
			return args[1], nil
		}
		if v, ok := kw.Get("default"); ok {
			return v, nil
		}
		return nil, nil
	})}
	empty := jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) { return "", nil })
	ctx["log"] = empty
	ctx["exceptions"] = stub{
		"raise_compiler_error": jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			return nil, &jinja.Error{Kind: "CompilationError", Msg: fmt.Sprint(args[0])}
		}),
		"warn": empty,
	}
	ctx["return"] = jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		var v any
		if len(args) > 0 {
			v = args[0]
		}
		return nil, jinja.ReturnValue(v)
	})
	ctx["execute"] = true
	ctx["this"] = "this_model"
	load("dbt", map[string]string{"stubs.sql": dbtStubMacros})
	ctx["dbt"] = spaces["dbt"]
	for _, p := range pkgs {
		load(p.Namespace, p.Files)
		ctx[p.Namespace] = spaces[p.Namespace]
	}
	for _, p := range pkgs {
		names := make([]string, 0, len(spaces[p.Namespace]))
		for n := range spaces[p.Namespace] {
			names = append(names, n)
		}
		for _, n := range names {
			if _, ok := ctx[n]; !ok {
				ctx[n] = spaces[p.Namespace][n]
			}
		}
	}
	str, err := env.Parse("str", "{{ v }}")
	if err != nil {
		t.Fatal(err)
	}
	answers := make([]macroAnswer, len(calls))
	for i, c := range calls {
		f, ok := spaces[c.Namespace][c.Macro].(jinja.Func)
		if !ok {
			answers[i] = macroAnswer{Error: "KeyError", Message: c.Macro}
			continue
		}
		args := make([]any, len(c.Args))
		for j, a := range c.Args {
			args[j] = fromJSON(a)
		}
		var kw *jinja.Dict
		if len(c.Kwargs) > 0 {
			kw = jinja.NewDict()
			keys := make([]string, 0, len(c.Kwargs))
			for k := range c.Kwargs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				kw.Set(k, fromJSON(c.Kwargs[k]))
			}
		}
		v, err := f(nil, args, kw)
		if err == nil {
			out, ok := v.(string)
			if !ok {
				out, err = str.Render(map[string]any{"v": v})
			}
			if err == nil {
				answers[i] = macroAnswer{Output: &out}
				continue
			}
		}
		var je *jinja.Error
		if errors.As(err, &je) {
			answers[i] = macroAnswer{Error: je.Kind, Message: je.Msg}
		} else {
			answers[i] = macroAnswer{Error: "(not a *jinja.Error)", Message: err.Error()}
		}
	}
	return answers
}

// fromJSON turns a decoded JSON value into the engine's values.
func fromJSON(v any) any {
	b, _ := json.Marshal(v)
	out, err := jinja.DecodeJSON(b)
	if err != nil {
		panic(err)
	}
	return out
}

// TestDbtPackageMacrosAgainstOracle calls dozens of macros of the public
// packages with the same arguments and the same stub dbt context in the
// engine and in Python's Jinja2, and compares what they return.
func TestDbtPackageMacrosAgainstOracle(t *testing.T) {
	py, _, why := findPython()
	if py == "" {
		t.Skip(why)
	}
	unpacked := unpackDbtPackages(t)
	script, err := filepath.Abs(filepath.Join("..", "scripts", "jinja-oracle.py"))
	if err != nil {
		t.Fatal(err)
	}
	roots := map[string]string{}
	for _, p := range comparedPackages {
		if _, ok := roots[p.namespace]; !ok {
			roots[p.namespace] = unpacked[p.tarball]
		}
	}
	total, seen := 0, map[string]bool{}
	for _, p := range comparedPackages {
		p := p
		t.Run(p.tarball, func(t *testing.T) {
			root, ok := unpacked[p.tarball]
			if !ok {
				t.Skipf("%s.tar.gz not found", p.tarball)
			}
			var pkgs []loadedPackage
			for _, d := range p.deps {
				pkgs = append(pkgs, loadedPackage{d, packageFiles(t, roots[d])})
			}
			pkgs = append(pkgs, loadedPackage{p.namespace, packageFiles(t, root)})
			calls := packageCalls[p.namespace]
			doc, err := json.Marshal(map[string]any{
				"packages": pkgs, "stubs": dbtStubMacros, "vars": pkgVars, "target": pkgTarget, "calls": calls,
			})
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, script, "--macro-calls")
			cmd.Stdin = bytes.NewReader(doc)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("oracle: %v", err)
			}
			var want []macroAnswer
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatalf("oracle answer: %v", err)
			}
			got := goMacroCalls(t, pkgs, calls)
			var compared []string
			for i, c := range calls {
				w, g := want[i], got[i]
				label := c.Macro + fmt.Sprint(c.Args)
				if w.Error == "KeyError" {
					t.Errorf("%s: no such macro in %s", c.Macro, p.tarball)
					continue
				}
				if (w.Error != "") != (g.Error != "") || w.Error != g.Error || w.Error == "" && *w.Output != *g.Output {
					t.Errorf("%s.%s:\nJinja2: %s\nengine: %s", c.Namespace, label, w, g)
					continue
				}
				compared = append(compared, c.Macro)
				if !seen[p.namespace+"."+c.Macro] {
					seen[p.namespace+"."+c.Macro] = true
					total++
				}
			}
			t.Logf("%s: %d calls agree: %s", p.tarball, len(compared), strings.Join(compared, ", "))
		})
	}
	t.Logf("%d distinct macros compared", total)
}
