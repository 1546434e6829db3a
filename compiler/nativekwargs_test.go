package compiler

import (
	"context"
	"testing"

	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// TestQuotedNativeConcat: a generic test's argument renders as dbt's
// native environment and quoted_native_concat render it (answers
// recorded with dbt-common's code on Jinja2 3.1.6): one str stays the
// str, sign and all; several items are their text joined; only a marker
// is read as a literal.
func TestQuotedNativeConcat(t *testing.T) {
	env := jinja.New(jinja.Options{Undefined: jinja.Lenient})
	for name, fn := range dbtFilters() {
		env.AddFilter(name, fn)
	}
	native := env.Derive(dbtNativeFilters())
	vars := map[string]any{"x": 5, "s": "-10", "l": []any{1, 2}}
	cases := []struct{ src, want string }{
		{"-{{ 10 }}", "'-10'"},
		{"{{ '-10' }}", "'-10'"},
		{"{{ s }}", "'-10'"},
		{"{{ 10 }}", "'10'"},
		{"{{ 1 }}{{ 2 }}", "'12'"},
		{"{{ x }}", "5"},
		{"{{ x }}{{ x }}", "'55'"},
		{"-{{ x }}", "'-5'"},
		{"", "''"},
		{"{{ l }}", "[1, 2]"},
		{"{{ [1, 2] }}", "'[1, 2]'"},
		{"[1, 2]", "'[1, 2]'"},
		{"{{ '1_000' }}", "'1_000'"},
		{"{{ 'None' }}", "'None'"},
		{"{{ none }}", "'None'"},
		{"{% if true %}{{ x }}{% endif %}", "5"},
		{"{% for i in l %}{{ i }}{% endfor %}", "'12'"},
		{"{{ '-10' | as_number }}", "-10"},
		{"{{ s | as_number }}", "-10"},
		{"a{{ s | as_number }}", "'a-10'"},
		{"{{ 'True' | as_bool }}", "True"},
		{"{{ '[1, 2]' | as_native }}", "[1, 2]"},
		{"{{ ' 1' | as_native }}", "1"},
		{"{{ 'abc' | as_native }}", "'abc'"},
		{"{{ 5 | as_text }}", "'5'"},
		{"{{ 'true' | as_bool }}", "error: Could not convert value 'true' into type 'bool'"},
		{"{{ 'x' | as_number }}", "error: Could not convert value 'x' into type 'number'"},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			tpl, err := native.Parse("<string>", c.src)
			if err != nil {
				t.Fatal(err)
			}
			parts, err := tpl.RenderParts(context.Background(), vars)
			if err != nil {
				t.Fatal(err)
			}
			v, err := project.QuotedNativeConcat(parts)
			got := ""
			if err != nil {
				got = "error: " + err.Error()
			} else {
				got = jinja.Repr(v)
			}
			if got != c.want {
				t.Errorf("want %s, got %s", c.want, got)
			}
		})
	}
}
