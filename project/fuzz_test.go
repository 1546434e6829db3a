package project

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/fuzzguard"
)

// The fuzz targets here load a real project from disk with Load, with one
// of its three YAML files replaced by the fuzzed input: the properties YAML
// (models/schema.yml), dbt_project.yml or profiles.yml, in a minimal
// project (fuzzBaseProject) where realistic seeds reach deep into the
// loader (patching models, columns, tests, sources, YAML snapshots).
//
// Each execution checks that:
//   - a failed load is a list of diagnostics, each naming a file, and a line
//     within that file, and a line at all when the file has more than one;
//   - a successful load gives every declaration read from YAML a position;
//   - loading again gives the same result (or the same errors);
//   - it allocates at most fuzzMaxAlloc bytes.
//
// scripts/fuzz.sh runs them; `go test` runs their seed corpora.

const (
	// fuzzMaxInput skips larger inputs: the loader's cost is linear in a
	// file's size, and big inputs only slow the fuzzer down.
	fuzzMaxInput = 64 << 10
	// fuzzMaxAlloc is the most one execution (two loads) may allocate. A
	// real project file of 64 KiB needs a few MiB; more means that some
	// input expands (YAML aliases, Jinja) out of proportion to its size.
	fuzzMaxAlloc = 256 << 20
	// fuzzMaxTime is the longest one execution may run. A hang panics, from
	// another goroutine, so that the fuzzing engine records the input.
	fuzzMaxTime = 10 * time.Second
)

// fuzzUnpositioned lists errors known to come without a line although their
// file has several: fuzz targets accept them instead of failing, and each
// names where the position should come from. Remove an entry once fixed.
var fuzzUnpositioned = []struct{ summary, where string }{}

func FuzzProperties(f *testing.F) {
	for _, p := range []string{
		"../examples/shop/models/staging/schema.yml",
		"../examples/shop/models/marts/schema.yml",
		"../testdata/dbtcore/models/schema.yml",
	} {
		f.Add(mustReadSeed(f, p))
	}
	f.Add([]byte("version: 2\nsources:\n  - name: raw\n    schema: \"{{ target.schema }}_raw\"\n    tables:\n      - name: orders\n        identifier: \"{{ env_var('ELT_FUZZ', 'orders') }}\"\n"))
	f.Add([]byte("snapshots:\n  - name: orders_snap\n    relation: ref('stg_orders')\n    config: {strategy: timestamp, unique_key: id, updated_at: updated_at}\n"))
	fuzzLoad(f, "models/schema.yml")
}

func FuzzDbtProject(f *testing.F) {
	f.Add(mustReadSeed(f, "../examples/shop/dbt_project.yml"))
	f.Add(mustReadSeed(f, "../testdata/dbtcore/dbt_project.yml"))
	f.Add([]byte(baseProject))
	f.Add([]byte(baseProject + "model-paths: [\"../outside\"]\n"))
	f.Add([]byte(baseProject + "vars: {x: \"{{ 1 + 2 }}\"}\non-run-start: [\"select {{ var('x') }}\"]\ndispatch:\n  - macro_namespace: dbt\n    search_order: [shop, dbt]\n"))
	fuzzLoad(f, projectFile)
}

func FuzzProfiles(f *testing.F) {
	f.Add(mustReadSeed(f, "../examples/shop/profiles.yml"))
	f.Add(mustReadSeed(f, "../testdata/dbtcore/profiles.yml"))
	f.Add([]byte(baseProfiles))
	f.Add([]byte("config: {send_anonymous_usage_stats: false}\nshop:\n  target: \"{{ env_var('ELT_TARGET', 'pg') }}\"\n  outputs:\n    pg: {type: postgres, host: localhost, threads: \"2\", dbname: shop}\n"))
	fuzzLoad(f, profilesFile)
}

// fuzzLoad writes the base project into a temporary folder and fuzzes the
// file rel of it.
func fuzzLoad(f *testing.F, rel string) {
	dir := f.TempDir()
	writeFiles(f, dir, fuzzBaseProject(f))
	target := filepath.Join(dir, filepath.FromSlash(rel))
	guard := fuzzguard.New(f, fuzzMaxTime)
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > fuzzMaxInput {
			t.Skipf("input of %d bytes is above the %d-byte cap", len(src), fuzzMaxInput)
		}
		if err := os.WriteFile(target, src, 0o644); err != nil {
			t.Fatal(err)
		}
		var p1, p2 *Project
		var err1, err2 error
		guard.Run(t, fuzzMaxAlloc, func() {
			p1, err1 = fuzzLoadOnce(dir)
			p2, err2 = fuzzLoadOnce(dir)
		})
		checkLoadResult(t, dir, p1, err1)
		if errString(err1) != errString(err2) {
			t.Fatalf("loading twice gave different errors:\nfirst:  %v\nsecond: %v", err1, err2)
		}
		if d1, d2 := dumpValue(p1), dumpValue(p2); d1 != d2 {
			t.Fatalf("loading twice gave different projects:\nfirst:  %s\nsecond: %s", d1, d2)
		}
	})
}

func fuzzLoadOnce(dir string) (*Project, error) {
	return Load(context.Background(), Options{
		ProjectDir: dir,
		WorkDir:    dir,
		Env:        envOf("ELT_FUZZ", "fuzz", "DBTCORE_DB_PATH", "dbtcore.duckdb"),
		Vars:       map[string]any{"cli_var": "x"},
	})
}

// checkLoadResult checks what Load promises about its result.
func checkLoadResult(t *testing.T, dir string, p *Project, err error) {
	t.Helper()
	if err != nil {
		if p != nil {
			t.Errorf("Load returned a project and an error")
		}
		list, ok := diag.AsList(err)
		if !ok {
			t.Fatalf("Load error is not a list of diagnostics: %T %v", err, err)
		}
		if len(list) == 0 {
			t.Fatalf("Load error holds no diagnostics: %v", err)
		}
		for _, d := range list {
			if d.Severity != diag.Error {
				t.Errorf("a warning in the error list: %v", d)
			}
			if d.Summary == "" {
				t.Errorf("diagnostic without a summary: %#v", d)
			}
			checkDiagPos(t, dir, d)
		}
		return
	}
	if p == nil {
		t.Fatal("Load returned neither a project nor an error")
	}
	for _, d := range p.Warnings {
		if d.Severity != diag.Warning {
			t.Errorf("an error among the warnings: %v", d)
		}
		checkDiagPos(t, dir, d)
	}
	for _, td := range p.GenericTests {
		if td.File == "" || td.Pos.Line <= 0 {
			t.Errorf("test %q on %s has no position: %q %v", td.TestName, td.AttachedName, td.File, td.Pos)
		}
	}
	for id, s := range p.Sources {
		if s.OriginalFilePath == "" || s.Pos.Line <= 0 {
			t.Errorf("source %s has no position: %q %v", id, s.OriginalFilePath, s.Pos)
		}
	}
	for id, n := range p.Nodes {
		if n.PatchPath != "" && n.PatchPos.Line <= 0 {
			t.Errorf("node %s was described at %s without a line", id, n.PatchPath)
		}
	}
}

// checkDiagPos checks that d names a file of the project and a line within
// it, and some line when the file has more than one.
func checkDiagPos(t *testing.T, dir string, d diag.Diagnostic) {
	t.Helper()
	if d.File == "" {
		t.Errorf("diagnostic without a file: %v", d)
		return
	}
	if d.Pos.Line < 0 || d.Pos.Column < 0 {
		t.Errorf("negative position: %v", d)
	}
	src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(d.File)))
	if err != nil {
		t.Errorf("diagnostic names %q, which is not a file of the project (%v): %v", d.File, err, d)
		return
	}
	if lines := countLines(d.File, src); d.Pos.Line > lines {
		t.Errorf("line %d is past the end of %s (%d lines): %v", d.Pos.Line, d.File, lines, d)
	}
	multiLine := countLines(d.File, bytes.TrimRight(src, "\r\n")) > 1
	if d.Severity != diag.Error || d.Pos.Line > 0 || !multiLine {
		return
	}
	for _, known := range fuzzUnpositioned {
		if strings.Contains(d.Summary, known.summary) {
			t.Logf("known gap (%s): error without a line: %v", known.where, d)
			return
		}
	}
	t.Errorf("error without a line in a file of several lines: %v", d)
}

// countLines counts the lines of src as its parser does: YAML breaks lines
// at CR, LF, CRLF, NEL, LS and PS (so does yaml.v3, and so line numbers in
// YAML diagnostics do); other files at LF.
func countLines(file string, src []byte) int {
	if !isYAMLExt(strings.ToLower(filepath.Ext(file))) {
		return bytes.Count(src, []byte("\n")) + 1
	}
	s := strings.ReplaceAll(string(src), "\r\n", "\n")
	return 1 + strings.Count(s, "\n") + strings.Count(s, "\r") +
		strings.Count(s, "\u0085") + strings.Count(s, "\u2028") + strings.Count(s, "\u2029")
}

// fuzzBaseProject is a minimal project for the fuzzed file to sit in:
// examples/shop's dbt_project.yml, profiles for both example projects, its
// docs, a seed, a snapshot, a generic test and a macro, and an empty model
// for every model the example properties YAML describe (so that seeds built
// from them reach columns and tests rather than stop at "no such model").
// Fewer files than the whole example keep executions fast.
func fuzzBaseProject(tb testing.TB) map[string]string {
	tb.Helper()
	files := map[string]string{
		projectFile:                        mustRead(tb, "../examples/shop/dbt_project.yml"),
		profilesFile:                       mustRead(tb, "../examples/shop/profiles.yml") + mustRead(tb, "../testdata/dbtcore/profiles.yml"),
		"models/docs.md":                   mustRead(tb, "../examples/shop/models/docs.md"),
		"snapshots/customers_snapshot.sql": mustRead(tb, "../examples/shop/snapshots/customers_snapshot.sql"),
		"tests/generic/is_positive.sql":    mustRead(tb, "../examples/shop/tests/generic/is_positive.sql"),
		"macros/cents_to_dollars.sql":      mustRead(tb, "../examples/shop/macros/cents_to_dollars.sql"),
		"seeds/raw_orders.csv":             "id,customer_id,status\n1,1,placed\n",
	}
	for _, m := range []string{
		"staging/stg_customers", "staging/stg_products", "staging/stg_orders", "staging/stg_order_items", "staging/stg_payments",
		"marts/fct_orders", "marts/dim_customers", "marts/daily_revenue", "marts/payments_ledger",
		"dbtcore/stg_members", "dbtcore/stg_books", "dbtcore/stg_loans", "dbtcore/member_activity", "dbtcore/genre_summary", "dbtcore/late_loans",
	} {
		files["models/"+m+".sql"] = "select 1 as id"
	}
	return files
}

func mustRead(tb testing.TB, p string) string {
	tb.Helper()
	data, err := os.ReadFile(filepath.FromSlash(p))
	if err != nil {
		tb.Fatal(err)
	}
	return string(data)
}

func mustReadSeed(tb testing.TB, p string) []byte { return []byte(mustRead(tb, p)) }

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// dumpValue prints v with map keys sorted and pointers followed, so that
// two equal results print the same. It is reflect.DeepEqual made printable,
// except that NaN equals NaN (a YAML .nan is a legitimate value).
func dumpValue(v any) string {
	var b strings.Builder
	dumpTo(&b, reflect.ValueOf(v))
	return b.String()
}

func dumpTo(b *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Invalid:
		b.WriteString("nil")
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		dumpTo(b, v.Elem())
	case reflect.Map:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		b.WriteString("{")
		for _, k := range keys {
			dumpTo(b, k)
			b.WriteString(": ")
			dumpTo(b, v.MapIndex(k))
			b.WriteString(", ")
		}
		b.WriteString("}")
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			b.WriteString("nil")
			return
		}
		b.WriteString("[")
		for i := range v.Len() {
			dumpTo(b, v.Index(i))
			b.WriteString(", ")
		}
		b.WriteString("]")
	case reflect.Struct:
		b.WriteString(v.Type().Name() + "{")
		for i := range v.NumField() {
			b.WriteString(v.Type().Field(i).Name + ": ")
			dumpTo(b, v.Field(i))
			b.WriteString(", ")
		}
		b.WriteString("}")
	case reflect.String:
		b.WriteString(strconv.Quote(v.String()))
	case reflect.Float32, reflect.Float64:
		b.WriteString(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		fmt.Fprintf(b, "<%s>", v.Kind())
	default:
		fmt.Fprint(b, v)
	}
}
