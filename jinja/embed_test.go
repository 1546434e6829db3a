package jinja

import (
	"context"
	"strings"
	"testing"
)

// TestFormatMapAndPercent: Python's str.format_map and % on a mapping, as an
// embedder calls them; the expected values are CPython's.
func TestFormatMapAndPercent(t *testing.T) {
	env := New(Options{})
	m := map[string]any{"name": "orders", "n": 3, "tags": []any{"a", "b"}, "db": nil, "meta": map[string]any{"k": "v"}}
	for _, c := range []struct{ format, want string }{
		{"data/{name}.csv", "data/orders.csv"},
		{"{n:03d}|{tags}|{tags[1]}|{db}|{meta[k]}", "003|['a', 'b']|b|None|v"},
		{"{{literal}} {name!r:>10}", "{literal}   'orders'"},
	} {
		got, err := env.FormatMap(c.format, m)
		if err != nil || got != c.want {
			t.Errorf("%q.format_map: got %q, %v; want %q", c.format, got, err, c.want)
		}
	}
	if _, err := env.FormatMap("{missing}", m); err == nil || !strings.Contains(err.Error(), "'missing'") {
		t.Errorf("missing key: %v", err)
	}
	got, err := env.PercentFormat("read_csv('%(name)s.csv', types={'a': 'DATE'}) %(n)05.1f %%", m)
	if want := "read_csv('orders.csv', types={'a': 'DATE'}) 003.0 %"; err != nil || got != want {
		t.Errorf("%% format: got %q, %v; want %q", got, err, want)
	}
}

// TestSubStr: a host's str subclass (dbt's NativeMarker) is a string to
// every operation, as in Python, and an output of the value alone keeps it.
func TestSubStr(t *testing.T) {
	env := New(Options{})
	env.AddFilter("mark", func(_ *State, v any, _ []any, _ Kwargs) (any, error) {
		s, err := Str(v)
		return SubStr{S: s, Tag: "m"}, err
	})
	for _, c := range []struct{ src, want string }{
		{`{{ 'a' == 'a' | mark }}`, `True`},
		{`{{ 'pg' in ['redshift', 'pg'] | mark }}`, `True`},
		{`{{ 'x' in ['redshift', 'pg'] | mark }}`, `False`},
		{`{{ ('ab' | mark)[1] }}{{ ('ab' | mark).upper() }}{{ 'ab' | mark | length }}{{ ('ab' | mark) ~ 'c' }}`, `bAB2abc`},
		{`{% for c in 'ab' | mark %}{{ c }}.{% endfor %}{{ 'y' if ('' | mark) else 'n' }}{{ ('a' | mark) + 'b' }}`, `a.b.nab`},
		{`{{ {'k': 1}['k' | mark] }}{{ 'a' | mark < 'b' }}`, `1True`},
	} {
		tpl, err := env.Parse("t", c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		got, err := tpl.Render(nil)
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.src, got, err, c.want)
		}
	}
	for _, src := range []string{`{{ 'x' | mark }}`, `{% set v = 'x' | mark %}{{ v }}`} {
		tpl, err := env.Parse("t", src)
		if err != nil {
			t.Fatal(err)
		}
		parts, err := tpl.RenderParts(context.Background(), nil)
		if err != nil || len(parts) != 1 {
			t.Fatalf("%s: %v, %v", src, parts, err)
		}
		if m, ok := parts[0].(SubStr); !ok || m.S != "x" || m.Tag != "m" {
			t.Errorf("%s: got %#v, want the SubStr", src, parts[0])
		}
	}
}
