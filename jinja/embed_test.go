package jinja

import (
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
