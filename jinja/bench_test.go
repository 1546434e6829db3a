package jinja_test

import (
	"strings"
	"testing"

	"github.com/elt-dev/elt/jinja"
)

// The benchmark workload: a dbt model in the style of a project's marts
// (config, ref, is_incremental, set, loops with loop.*, macro calls with
// keyword arguments, whitespace control) and the macro file it uses. Both
// are parsed and rendered as one template, so that gonja (which has no
// Macro.Call) runs exactly the same work in gonja_compare_test.go.
const benchMacros = `{% macro cents_to_dollars(col, scale=2) -%}
    ({{ col }} / 100)::numeric(16, {{ scale }})
{%- endmacro %}
{% macro status_case(col, statuses) -%}
case {{ col }}
{%- for s in statuses %}
    when '{{ s }}' then {{ loop.index }}
{%- endfor %}
    else 0
end
{%- endmacro %}
{% macro surrogate_key(fields) -%}
md5({% for f in fields %}coalesce(cast({{ f }} as varchar), '_null_'){% if not loop.last %} || '-' || {% endif %}{% endfor %})
{%- endmacro %}
`

const benchModelSQL = `{{ config(materialized='incremental', unique_key='order_id') }}
{% set payment_methods = ['credit_card', 'coupon', 'bank_transfer', 'gift_card'] %}
with orders as (
    select * from {{ ref('stg_orders') }}
), payments as (
    select * from {{ ref('stg_payments') }}
), final as (
    select
        orders.order_id,
        orders.customer_id,
        {{ surrogate_key(['orders.order_id', 'orders.customer_id']) }} as order_key,
        {{ status_case('orders.status', ['placed', 'shipped', 'completed', 'returned']) }} as status_code,
        {% for method in payment_methods -%}
        sum(case when payments.payment_method = '{{ method }}' then {{ cents_to_dollars('payments.amount') }} else 0 end) as {{ method }}_amount,
        {% endfor -%}
        {{ cents_to_dollars('sum(payments.amount)', scale=4) }} as total_amount
    from orders
    left join payments using (order_id)
    {% if is_incremental() %}
    where orders.updated_at > (select max(updated_at) from {{ this }})
    {% endif %}
    group by 1, 2, 3, 4
)
select * from final
`

// benchSource is what both engines parse: the macro file, then the model.
const benchSource = benchMacros + benchModelSQL

// benchWant is a line the rendered model must contain.
const benchWant = "sum(case when payments.payment_method = 'coupon' then (payments.amount / 100)::numeric(16, 2) else 0 end) as coupon_amount,"

func benchEnv() (*jinja.Env, map[string]any) {
	env := jinja.New(jinja.Options{})
	env.AddGlobal("config", jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) { return "", nil }))
	env.AddGlobal("ref", jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		name, _ := args[0].(string)
		return `"warehouse"."analytics"."` + name + `"`, nil
	}))
	env.AddGlobal("is_incremental", jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) { return true, nil }))
	return env, map[string]any{"this": `"warehouse"."analytics"."orders"`}
}

func benchParseRender(b *testing.B, env *jinja.Env, vars map[string]any) {
	tpl, err := env.Parse("models/orders.sql", benchSource)
	if err != nil {
		b.Fatal(err)
	}
	out, err := tpl.Render(vars)
	if err != nil || !strings.Contains(out, benchWant) {
		b.Fatalf("%v\n%s", err, out)
	}
}

// BenchmarkModelParseRender is what compiling a model costs: parse the
// macro file and the model, render it.
func BenchmarkModelParseRender(b *testing.B) {
	env, vars := benchEnv()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		benchParseRender(b, env, vars)
	}
}

// BenchmarkModelParse is the parse (and compile) half.
func BenchmarkModelParse(b *testing.B) {
	env, _ := benchEnv()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := env.Parse("models/orders.sql", benchSource); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkModelRender renders an already parsed model.
func BenchmarkModelRender(b *testing.B) {
	env, vars := benchEnv()
	tpl, err := env.Parse("models/orders.sql", benchSource)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := tpl.Render(vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForLoop: for loops over a list, plain, with loop.* and with
// a filter, the hot statement of macros that walk columns.
func BenchmarkForLoop(b *testing.B) {
	env := jinja.New(jinja.Options{})
	items := make([]any, 200)
	for i := range items {
		items[i] = i
	}
	for _, c := range []struct{ name, src string }{
		{"plain", "{% for x in xs %}{{ x }},{% endfor %}"},
		{"loopvar", "{% for x in xs %}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}"},
		{"filtered", "{% for x in xs if x is odd %}{{ loop.index }}{% endfor %}"},
		{"range", "{% for x in range(200) %}{{ x }}{% endfor %}"},
	} {
		tpl, err := env.Parse("b", c.src)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			vars := map[string]any{"xs": items}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := tpl.Render(vars); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
