package compiler

import (
	"slices"
	"testing"

	"github.com/elt-dev/elt/project"
)

func TestHasWord(t *testing.T) {
	for _, c := range []struct {
		s, w string
		want bool
	}{
		{"{{ cents('x') }}", "cents", true},
		{"{{ cents_v2('x') }}", "cents", false},
		{"{{ my_cents('x') }}", "cents", false},
		{"select 1 -- cents", "cents", true},
		{"cents", "cents", true},
		{"centscents cents", "cents", true},
		{"x", "", false},
		{"dbt_utils.star(from=ref('a'))", "star", true},
	} {
		if got := hasWord(c.s, c.w); got != c.want {
			t.Errorf("hasWord(%q, %q) = %v; want %v", c.s, c.w, got, c.want)
		}
	}
}

func TestDispatchKeys(t *testing.T) {
	for name, want := range map[string][]string{
		"shout":         {"shout"},
		"duckdb__shout": {"duckdb__shout", "shout"},
		"default__a__b": {"default__a__b", "a__b", "b"},
		"odd__":         {"odd__"},
		"__private":     {"__private", "private"},
	} {
		if got := dispatchKeys(name); !slices.Equal(got, want) {
			t.Errorf("dispatchKeys(%q) = %q; want %q", name, got, want)
		}
	}
}

func TestMentions(t *testing.T) {
	keys := []string{"guard"}
	for _, c := range []struct {
		v    any
		want bool
	}{
		{project.Config{"post_hook": []any{"{{ guard() }}"}}, true},
		{map[string]any{"guard": 1}, true},
		{map[string]any{"where": "id > 0", "tags": []string{"a", "guarded"}}, false},
		{map[string]any{"nested": map[string]any{"x": []any{"call guard"}}}, true},
		{[]string{"a", "guard"}, true},
		{42, false},
		{nil, false},
	} {
		if got := mentions(c.v, keys); got != c.want {
			t.Errorf("mentions(%v) = %v; want %v", c.v, got, c.want)
		}
	}
}
