package jinja_test

import (
	"regexp"
	"testing"

	"github.com/elt-dev/elt/jinja"
)

// Python's repr of a method, a function or a helper object carries a
// memory address, so the corpus cannot record it; these check its shape
// (what Jinja2 3.1.6 prints, with the address left open).
func TestAddressReprs(t *testing.T) {
	cases := []struct{ src, want string }{
		{"{{ 'a'.upper }}", `^<built-in method upper of str object at 0x[0-9a-f]+>$`},
		{"{{ [1].append }}", `^<built-in method append of list object at 0x[0-9a-f]+>$`},
		{"{{ {}.get }}", `^<built-in method get of dict object at 0x[0-9a-f]+>$`},
		{"{{ range(3).index }}", `^<built-in method index of range object at 0x[0-9a-f]+>$`},
		{"{{ cycler(1).next }}", `^<bound method Cycler.next of <jinja2.utils.Cycler object at 0x[0-9a-f]+>>$`},
		{"{{ cycler(1, 2) }}", `^<jinja2.utils.Cycler object at 0x[0-9a-f]+>$`},
		{"{{ [joiner()] }}", `^\[<jinja2.utils.Joiner object at 0x[0-9a-f]+>\]$`},
		{"{{ range }}", `^<function safe_range at 0x[0-9a-f]+>$`},
		{"{{ lipsum }}", `^<function generate_lorem_ipsum at 0x[0-9a-f]+>$`},
	}
	env := jinja.New(jinja.Options{})
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			tpl, err := env.Parse("t", c.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tpl.Render(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(c.want).MatchString(got) {
				t.Errorf("want %s\ngot  %q", c.want, got)
			}
		})
	}
}
