package jinja_test

import (
	"strings"
	"testing"

	"github.com/elt-dev/elt/jinja"
)

// layeredModel is a model of elt-bench's synthetic project
// (internal/benchgen): refs in a Jinja loop, macro calls and a config
// block. A 10,000-model project parses ten thousand of these.
const layeredModel = `{{ config(materialized='view', tags=['layer_3']) }}
{%- set parents = ['m_000297', 'm_000245', 'm_000276'] %}
with
{%- for p in parents %}
src_{{ loop.index }} as (select id, amount from {{ ref(p) }}){{ "," if not loop.last }}
{%- endfor %}
select src_1.id, {{ bench_mod(bench_sum('amount', parents | length)) }} as amount
from src_1
{%- for p in parents[1:] %}
left join src_{{ loop.index + 1 }} using (id)
{%- endfor %}
`

const layeredMacros = `{% macro bench_sum(col, n) -%}
{%- for k in range(1, n + 1) -%}
coalesce(src_{{ k }}.{{ col }}, 0){{ " + " if not loop.last }}
{%- endfor -%}
{%- endmacro %}

{% macro bench_mod(expr) -%}
({{ expr }}) % {{ var('bench_modulus') }}
{%- endmacro %}
`

func layeredEnv(b *testing.B) *jinja.Env {
	env := jinja.New(jinja.Options{})
	env.AddGlobal("config", jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) { return "", nil }))
	env.AddGlobal("ref", jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		name, _ := args[0].(string)
		return `"warehouse"."main"."` + name + `"`, nil
	}))
	env.AddGlobal("var", jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) { return int64(1000003), nil }))
	macros, err := env.Parse("macros/bench.sql", layeredMacros)
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range macros.Macros() {
		env.AddGlobal(m.Name, jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			return m.CallWith(s, nil, args, kw)
		}))
	}
	return env
}

// BenchmarkLayeredModelParse is the parse (lexer, parser and compile to
// closures) of one model of elt-bench's project.
func BenchmarkLayeredModelParse(b *testing.B) {
	env := layeredEnv(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := env.Parse("models/m_000305.sql", layeredModel); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLayeredModelRender renders the parsed model.
func BenchmarkLayeredModelRender(b *testing.B) {
	env := layeredEnv(b)
	tpl, err := env.Parse("models/m_000305.sql", layeredModel)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		out, err := tpl.Render(nil)
		if err != nil || !strings.Contains(out, `left join src_3 using (id)`) {
			b.Fatalf("%v\n%s", err, out)
		}
	}
}
