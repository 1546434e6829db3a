package jinja

import (
	"reflect"
	"testing"
)

// TestCallSites checks the order of Jinja2's find_all(nodes.Call) (as
// Python's Jinja2 3.1 lists them for the same source) and how callees and
// constant arguments are read.
func TestCallSites(t *testing.T) {
	src := `{% macro m(a=d()) %}
{{ outer(inner(1), k=kw()) }}
{% for x in it() if t() %}{{ body() }}{% else %}{{ els() }}{% endfor %}
{{ adapter.dispatch('name', macro_namespace='pkg')(arg()) }}
{% call statement('main') %}{{ caller() }}{% endcall %}
{% filter upper %}{{ fb() }}{% endfilter %}
{{ a.b.c() }}{{ "s".join(x) }}{{ y if cond() else z() }}
{% endmacro %}`
	got, err := New(Options{}).CallSites("m.sql", src)
	if err != nil {
		t.Fatal(err)
	}
	var callees []string
	for _, c := range got {
		callees = append(callees, c.Callee)
	}
	want := []string{"d", "outer", "inner", "kw", "it", "body", "els", "t", "", "adapter.dispatch", "arg",
		"statement", "caller", "fb", "", "", "cond", "z"}
	if !reflect.DeepEqual(callees, want) {
		t.Errorf("callees\nwant %q\n got %q", want, callees)
	}
	d := got[9]
	if len(d.Args) != 1 || !d.Args[0].Const || d.Args[0].Value != "name" ||
		len(d.Kwargs) != 1 || d.Kwargs[0].Name != "macro_namespace" || d.Kwargs[0].Value != "pkg" {
		t.Errorf("adapter.dispatch call site: %+v", d)
	}
	if a := got[1].Args; len(a) != 1 || a[0].Const {
		t.Errorf("outer(inner(1)): the argument is not a constant: %+v", a)
	}
}
