package compiler

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/project"
)

// benchProject is n models in a chain, each with a ref and a macro call.
func benchProject(n int) *project.Project {
	files := map[string]string{
		"macros/m.sql": "{% macro cents(col) -%}({{ col }} / 100)::numeric(16, 2){%- endmacro %}\n",
	}
	files["models/m0.sql"] = "select 1 as id, 100 as amount\n"
	for i := 1; i < n; i++ {
		files[fmt.Sprintf("models/m%d.sql", i)] = fmt.Sprintf("{{ config(materialized='view') }}\nselect id, {{ cents('amount') }} as dollars\nfrom {{ ref('m%d') }}\n", i-1)
	}
	return newProject(files)
}

func BenchmarkParseCompile10k(b *testing.B) {
	p := benchProject(10000)
	ctx := context.Background()
	var parse, compile time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		m, err := Parse(ctx, p, testOptions())
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := m.Compile(ctx, nil); err != nil {
			b.Fatal(err)
		}
		parse += t1.Sub(t0)
		compile += time.Since(t1)
		if !strings.Contains(m.Nodes["model.shop.m9999"].CompiledCode, `"warehouse"."main"."m9998"`) {
			b.Fatal(m.Nodes["model.shop.m9999"].CompiledCode)
		}
	}
	b.ReportMetric(float64(parse.Milliseconds())/float64(b.N), "parse-ms/op")
	b.ReportMetric(float64(compile.Milliseconds())/float64(b.N), "compile-ms/op")
}

// TestRenderParsesAgain: a node's template is not kept between renders,
// so a second compile gives the same SQL, and one after its source
// changed renders the new source.
func TestRenderParsesAgain(t *testing.T) {
	p := benchProject(3)
	ctx := context.Background()
	m, err := Parse(ctx, p, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(ctx, nil); err != nil {
		t.Fatal(err)
	}
	n := m.Nodes["model.shop.m2"]
	want := n.CompiledCode
	if err := m.Compile(ctx, []string{"model.shop.m2"}); err != nil {
		t.Fatal(err)
	}
	if got := n.CompiledCode; got != want || !strings.Contains(got, `"m1"`) {
		t.Errorf("compiled again: %q, want %q", got, want)
	}
	n.RawCode = "select 2 as changed from {{ ref('m1') }}"
	if err := m.Compile(ctx, []string{"model.shop.m2"}); err != nil {
		t.Fatal(err)
	}
	if got := n.CompiledCode; !strings.Contains(got, "select 2 as changed from") || !strings.Contains(got, `"m1"`) {
		t.Errorf("after the source changed: %q", got)
	}
}
