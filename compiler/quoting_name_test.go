package compiler

import "testing"

func TestUnquotedName(t *testing.T) {
	for in, want := range map[string]string{
		`"Order"`:   "Order",
		`"a""b"`:    `a"b`,
		"`col`":     "col",
		"plain":     "plain",
		`"`:         `"`,
		`"half`:     `"half`,
		`lower(id)`: `lower(id)`,
	} {
		if got := UnquotedName(in); got != want {
			t.Errorf("UnquotedName(%q) = %q, want %q", in, got, want)
		}
	}
}
