package sqlgen

import "testing"

func TestStringSize(t *testing.T) {
	cases := []struct {
		typ  string
		size int
		ok   bool
	}{
		{"character varying(10)", 10, true},
		{"character varying", defaultStringSize, true},
		{"text", defaultStringSize, true},
		{"character(3)", 3, true},
		{"bpchar", defaultStringSize, true},
		{"VARCHAR", defaultStringSize, true},
		{"character varying(10)[]", 0, false},
		{"text[]", 0, false},
		{"numeric(10,2)", 0, false},
		{"integer", 0, false},
		{`"char"`, 0, false},
	}
	for _, c := range cases {
		size, ok := stringSize(c.typ)
		if size != c.size || ok != c.ok {
			t.Errorf("stringSize(%q) = %d, %v; want %d, %v", c.typ, size, ok, c.size, c.ok)
		}
	}
}
