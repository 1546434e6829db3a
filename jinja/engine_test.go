package jinja

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// pyCase is one template rendered by Python's Jinja2 (see pycases_test.go).
type pyCase struct {
	src, want, kind string
	line            int
}

const pyVarsJSON = `{"x": 1, "s": "Hello World", "items": [3, 1, 2], "d": {"b": 2, "a": 1},
"users": [{"name": "ann", "age": 30}, {"name": "Bob", "age": 25}], "n": null, "f": 2.5,
"nested": {"a": {"b": [1, {"c": "deep"}]}}}`

var pyTemplates = map[string]string{
	"m.sql":    "{% macro hi(n) %}hi {{ n }}{% endmacro %}{% set secret = 42 %}",
	"base.sql": "<{% block a %}A{% endblock %}|{% block b %}B{% endblock %}>",
	"inc.sql":  "[{{ x }}]",
}

func pyVars(t testing.TB) map[string]any {
	v, err := DecodeJSON([]byte(pyVarsJSON))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{}
	d := v.(*Dict)
	for i, k := range d.keys {
		vars[k.(string)] = d.vals[i]
	}
	return vars
}

func testEnv() *Env {
	return New(Options{Loader: func(name string) (string, error) {
		if src, ok := pyTemplates[name]; ok {
			return src, nil
		}
		return "", fmt.Errorf("no template %q", name)
	}})
}

func TestAgainstPython(t *testing.T) {
	env := testEnv()
	for i, c := range pyCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			tpl, err := env.Parse("<template>", c.src)
			var out string
			if err == nil {
				out, err = tpl.Render(pyVars(t))
			}
			if c.kind == "" {
				if err != nil {
					t.Fatalf("template %q\nwant %q\ngot error %v", c.src, c.want, err)
				}
				if out != c.want {
					t.Fatalf("template %q\nwant %q\ngot  %q", c.src, c.want, out)
				}
				return
			}
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("template %q\nwant error %s, got %q, %v", c.src, c.kind, out, err)
			}
			if je.Kind != c.kind {
				t.Fatalf("template %q\nwant error %s\ngot %s: %v", c.src, c.kind, je.Kind, err)
			}
			if c.line > 0 && je.Line != c.line {
				t.Errorf("template %q: want error on line %d, got %v", c.src, c.line, err)
			}
			if je.Line == 0 || je.Col == 0 || je.Name == "" {
				t.Errorf("error without a position: %#v", je)
			}
		})
	}
}

func TestErrorPositions(t *testing.T) {
	env := New(Options{})
	cases := []struct {
		src        string
		line, col  int
		kind       string
		stackDepth int
	}{
		{"a\n  {{ 1 / 0 }}", 2, 6, "ZeroDivisionError", 0},
		{"{% for i in [1] %}\n\n  {{ i + 'a' }}\n{% endfor %}", 3, 6, "TypeError", 0},
		{"{% macro m() %}\n{{ nope.x }}{% endmacro %}\n{% macro n() %}{{ m() }}{% endmacro %}{{ n() }}", 2, 8, "UndefinedError", 2},
		{"{% if x %}\n{% endfor %}", 2, 4, "TemplateSyntaxError", 0},
	}
	for _, c := range cases {
		tpl, err := env.Parse("t.sql", c.src)
		if err == nil {
			_, err = tpl.Render(nil)
		}
		var je *Error
		if !errors.As(err, &je) {
			t.Fatalf("%q: want *Error, got %v", c.src, err)
		}
		if je.Line != c.line || je.Col != c.col || je.Kind != c.kind || je.Name != "t.sql" || len(je.Stack) != c.stackDepth {
			t.Errorf("%q: want %s at %d:%d with %d frames, got %s at %d:%d %v (%s)", c.src, c.kind, c.line, c.col, c.stackDepth, je.Kind, je.Line, je.Col, je.Stack, err)
		}
	}
}

func TestMacrosFromGo(t *testing.T) {
	env := New(Options{})
	lib, err := env.Parse("macros/m.sql", "{% macro cents(col, scale=2) -%}\n({{ col }} / 100)::numeric(16, {{ scale }}){{ suffix }}\n{%- endmacro %}\n{% macro ret() %}{{ return_value([1, 2]) }}{% endmacro %}")
	if err != nil {
		t.Fatal(err)
	}
	ms := lib.Macros()
	if len(ms) != 2 || ms[0].Name != "cents" || ms[0].Line != 1 || len(ms[0].Params) != 2 || ms[1].Name != "ret" {
		t.Fatalf("macros: %+v", ms)
	}
	byName := map[string]*Macro{}
	for _, m := range ms {
		byName[m.Name] = m
	}
	globals := func(name string) (any, bool) {
		switch name {
		case "suffix":
			return "!", true
		case "return_value":
			return Func(func(s *State, args []any, kw Kwargs) (any, error) { return nil, ReturnValue(args[0]) }), true
		}
		if m, ok := byName[name]; ok {
			return Func(func(s *State, args []any, kw Kwargs) (any, error) {
				return m.Call(s, s.Lookup, args, kw)
			}), true
		}
		return nil, false
	}
	v, err := ms[0].Call(nil, globals, []any{"amount"}, nil)
	if err != nil || v != "(amount / 100)::numeric(16, 2)!" {
		t.Fatalf("got %v, %v", v, err)
	}
	v, err = ms[1].Call(nil, globals, nil, nil)
	if err != nil || repr(v) != "[1, 2]" {
		t.Fatalf("return: got %v, %v", repr(v), err)
	}
	env.AddGlobal("cents", mustGlobal(globals, "cents"))
	model, err := env.Parse("models/a.sql", "select {{ cents('x', scale=4) }} as y\n")
	if err != nil {
		t.Fatal(err)
	}
	out, err := model.Render(map[string]any{"suffix": ""})
	if err != nil || out != "select (x / 100)::numeric(16, 4) as y" {
		t.Fatalf("got %q, %v", out, err)
	}
}

// TestReturnInCallBlock: return() in a call block's body ends the macro
// the block called, not the body alone (dbt's MacroReturn is caught by
// macros, and the body is none); a Go callable that calls the body sees
// the return with Returned.
func TestReturnInCallBlock(t *testing.T) {
	env := New(Options{})
	env.AddGlobal("return_value", Func(func(s *State, args []any, kw Kwargs) (any, error) { return nil, ReturnValue(args[0]) }))
	env.AddGlobal("run_body", Func(func(s *State, args []any, kw Kwargs) (any, error) {
		caller, _ := kw.Get("caller")
		body, err := s.Call(caller, nil, nil)
		if v, ok := Returned(err); ok {
			return "returned:" + repr(v), nil
		}
		return "ran:" + repr(body), err
	}))
	cases := []struct{ src, want string }{
		{"{% macro inner() %}[{{ caller() }}]never{% endmacro %}" +
			"{% macro outer() %}{% call inner() %}body{{ return_value('from-body') }}{% endcall %}-after{% endmacro %}{{ outer() }}",
			"from-body-after"},
		{"{% call run_body() %}{{ return_value([1]) }}{% endcall %}|{% call run_body() %}sql{% endcall %}", "returned:[1]|ran:'sql'"},
		{"{% macro m() %}{{ return_value(2) }}{% endmacro %}{% macro k() %}[{{ caller() }}]{% endmacro %}{% call k() %}{{ m() }}{% endcall %}", "[2]"},
	}
	for _, c := range cases {
		tpl, err := env.Parse("t.sql", c.src)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := tpl.Render(nil); err != nil || got != c.want {
			t.Errorf("%s\ngot %q, %v; want %q", c.src, got, err, c.want)
		}
	}
}

func mustGlobal(g func(string) (any, bool), name string) any {
	v, _ := g(name)
	return v
}

func TestRenderNative(t *testing.T) {
	env := New(Options{})
	cases := []struct {
		src  string
		want string
	}{
		{"{{ 1 }}", "1"},
		{"{{ [1, 'a'] }}", "[1, 'a']"},
		{"{{ 1 }}{{ 2 }}", "12"},
		{"[{{ 1 }}, {{ 2 }}]", "[1, 2]"},
		{"hello {{ 'x' }}", "'hello x'"},
		{"{{ 'True' }}", "True"},
		{"", "None"},
		// A leading sign is Python's, not whitespace control.
		{"-{{ 10 }}", "-10"},
		{"{{ '-10' }}", "-10"},
		{"{{ '- 1' }}", "-1"},
		{"{{ '-1.5e3' }}", "-1500.0"},
		{"{{ '-0.0' }}", "-0.0"},
		{"{{ '-(1)' }}", "-1"},
		{"{{ '[-1, +2]' }}", "[-1, 2]"},
		{"{{ '-9223372036854775809' }}", "-9223372036854775809"},
		// literal_eval takes a sign on a number only.
		{"{{ '--1' }}", "'--1'"},
		{"{{ '-(-1)' }}", "'-(-1)'"},
		{"{{ '-True' }}", "'-True'"},
		{"{{ ' 1' }}", "' 1'"},
		{"{{ [1, 2] }}{{ 3 }}", "'[1, 2]3'"},
		{"{{ '(1,)' }}", "(1,)"},
		{"{{ '1, 2,' }}", "(1, 2)"},
	}
	for _, c := range cases {
		tpl, err := env.Parse("n", c.src)
		if err != nil {
			t.Fatal(err)
		}
		v, err := tpl.RenderNative(nil)
		if err != nil {
			t.Fatal(err)
		}
		if repr(v) != c.want {
			t.Errorf("%q: want %s, got %s", c.src, c.want, repr(v))
		}
	}
}

func TestLimitsAndCancel(t *testing.T) {
	env := New(Options{MaxRecursion: 20, MaxIterations: 1000})
	tpl, _ := env.Parse("r", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")
	if _, err := tpl.Render(nil); !isKind(err, "RecursionError") {
		t.Errorf("want RecursionError, got %v", err)
	}
	tpl, _ = env.Parse("l", "{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}")
	if _, err := tpl.Render(nil); err == nil {
		t.Errorf("want iteration limit error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env = New(Options{})
	tpl, _ = env.Parse("c", "{% for i in range(1000) %}{{ i }}{% endfor %}")
	if _, err := tpl.RenderContext(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("want context.Canceled, got %v", err)
	}
}

func isKind(err error, kind string) bool {
	var je *Error
	return errors.As(err, &je) && je.Kind == kind
}

func TestConcurrentRender(t *testing.T) {
	env := New(Options{})
	tpl, err := env.Parse("c", "{% set l = [] %}{% for i in range(n) %}{% do l.append(i) %}{% endfor %}{{ l|sum }}")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				out, err := tpl.Render(map[string]any{"n": g + 10})
				want := fmt.Sprint((g + 10) * (g + 9) / 2)
				if err != nil || out != want {
					t.Errorf("got %q %v want %q", out, err, want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

const benchModel = `{{ config(materialized='incremental', unique_key='id') }}
with source as (
    select * from {{ ref('stg_orders') }}
    {% if is_incremental() %}
    where updated_at > (select max(updated_at) from {{ this }})
    {% endif %}
),
{%- set cols = ['id', 'customer_id', 'amount', 'status'] %}
renamed as (
    select
    {%- for c in cols %}
        {{ c }} as {{ c | upper }}{{ "," if not loop.last }}
    {%- endfor %},
        {{ cents('amount') }} as dollars
    from source
)
select * from renamed
`

const benchMacros = `{% macro cents(col, scale=2) -%}
({{ col }} / 100)::numeric(16, {{ scale }})
{%- endmacro %}`

func benchSetup(b *testing.B) (*Env, map[string]any) {
	env := New(Options{})
	lib, err := env.Parse("macros/m.sql", benchMacros)
	if err != nil {
		b.Fatal(err)
	}
	cents := lib.Macros()[0]
	env.AddGlobal("cents", Func(func(s *State, args []any, kw Kwargs) (any, error) {
		return cents.Call(s, s.Lookup, args, kw)
	}))
	vars := map[string]any{
		"config": Func(func(s *State, args []any, kw Kwargs) (any, error) { return "", nil }),
		"ref": Func(func(s *State, args []any, kw Kwargs) (any, error) {
			return `"db"."main"."` + args[0].(string) + `"`, nil
		}),
		"is_incremental": Func(func(s *State, args []any, kw Kwargs) (any, error) { return true, nil }),
		"this":           `"db"."main"."orders"`,
	}
	return env, vars
}

// BenchmarkParseRender parses and renders a typical dbt-like model.
func BenchmarkParseRender(b *testing.B) {
	env, vars := benchSetup(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tpl, err := env.Parse("models/orders.sql", benchModel)
		if err != nil {
			b.Fatal(err)
		}
		out, err := tpl.Render(vars)
		if err != nil || !strings.Contains(out, "(amount / 100)::numeric(16, 2)") {
			b.Fatal(out, err)
		}
	}
}

// BenchmarkRender renders an already parsed model.
func BenchmarkRender(b *testing.B) {
	env, vars := benchSetup(b)
	tpl, err := env.Parse("models/orders.sql", benchModel)
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

// TestErrorStackFromHost: a macro the host calls (no template holds the
// call) is named in the error's call chain without a call site.
func TestErrorStackFromHost(t *testing.T) {
	e := &Error{Name: "m.sql", Line: 2, Col: 3, Msg: "boom", Stack: []Frame{{Macro: "outer"}, {Name: "m.sql", Line: 1, Col: 5, Macro: "inner"}}}
	want := "m.sql:2:3: boom (in macro inner called from m.sql:1:5 → in macro outer)"
	if got := e.Error(); got != want {
		t.Errorf("want %q, got %q", want, got)
	}
}

// TestMacroCalledByGoCallableCallSite: a macro a Go callable calls
// without the render's State (as elt's adapter methods run dbt's macros)
// fails with the template line that called the callable as its call
// site, so the error points into the template that was rendered rather
// than only into the macro.
func TestMacroCalledByGoCallableCallSite(t *testing.T) {
	env := New(Options{})
	lib, err := env.Parse("lib.sql", "{% macro boom() %}\n{{ 1 / 0 }}\n{% endmacro %}")
	if err != nil {
		t.Fatal(err)
	}
	boom := lib.Macros()[0]
	callit := Func(func(*State, []any, Kwargs) (any, error) { return boom.Call(nil, nil, nil, nil) })
	tpl, err := env.Parse("t.sql", "select 1\n  {{ callit() }}")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Render(map[string]any{"callit": callit})
	var je *Error
	if !errors.As(err, &je) {
		t.Fatalf("want *Error, got %v", err)
	}
	if je.Name != "lib.sql" || je.Line != 2 || len(je.Stack) != 1 || je.Stack[0].Name != "t.sql" || je.Stack[0].Line != 2 || je.Stack[0].Macro != "boom" {
		t.Errorf("want lib.sql:2 called from t.sql:2, got %s:%d %+v", je.Name, je.Line, je.Stack)
	}
}
