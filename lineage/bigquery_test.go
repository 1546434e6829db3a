package lineage

import "testing"

func TestDuckDBReadable(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"select `a b` from `p`.`d`.`t`", `select "a b" from "p"."d"."t"`},
		{`select "x", 'y' from t # note`, `select 'x', 'y' from t --note`},
		{"select 1 #\nfrom t", "select 1  \nfrom t"},
		// A "string" holding a ' stays a string (an identifier would be
		// an unknown column); its ' is read as ".
		{`select "it's", 'a "b"', '#' from t -- "c"`, `select 'it"s', 'a "b"', '#' from t -- "c"`},
		{"select `a\"b` from t /* `x` */", "select `a\"b` from t /* `x` */"},
		{`select "a\"b"`, `select "a\"b"`},
	} {
		got := duckDBReadable(c.in)
		if got != c.want {
			t.Errorf("%q:\nwant %q\ngot  %q", c.in, c.want, got)
		}
		if len(got) != len(c.in) {
			t.Errorf("%q: length changed", c.in)
		}
	}
}
