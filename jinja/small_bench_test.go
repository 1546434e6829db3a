package jinja_test

import (
	"testing"

	"github.com/elt-dev/elt/jinja"
)

// The compiler's 10,000-model benchmark in miniature: one small model
// (config, a macro call, a ref) parsed, and rendered calling the macro
// from Go the way dbt's context does.
const smallModel = "{{ config(materialized='view') }}\nselect id, {{ cents('amount') }} as dollars\nfrom {{ ref('m0') }}\n"

const smallMacro = "{% macro cents(col) -%}({{ col }} / 100)::numeric(16, 2){%- endmacro %}\n"

func BenchmarkSmallModelParse(b *testing.B) {
	env, _ := benchEnv()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := env.Parse("models/m1.sql", smallModel); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSmallModelRender(b *testing.B) {
	env, _ := benchEnv()
	mt, err := env.Parse("macros/m.sql", smallMacro)
	if err != nil {
		b.Fatal(err)
	}
	cents := mt.Macros()[0]
	tpl, err := env.Parse("models/m1.sql", smallModel)
	if err != nil {
		b.Fatal(err)
	}
	var globals func(string) (any, bool)
	globals = func(name string) (any, bool) {
		if name == "cents" {
			return jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
				return cents.Call(s, globals, args, kw)
			}), true
		}
		return nil, false
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		out, err := tpl.RenderGlobals(b.Context(), globals)
		if err != nil || out != "\nselect id, (amount / 100)::numeric(16, 2) as dollars\nfrom \"warehouse\".\"analytics\".\"m0\"" {
			b.Fatalf("%v %q", err, out)
		}
	}
}
