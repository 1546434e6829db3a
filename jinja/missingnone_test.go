package jinja

import "testing"

// TestDictMissingIsNone: a dict made MissingIsNone reads a name it does
// not hold as None, by attribute and by item; get, `in` and iteration
// are a dict's.
func TestDictMissingIsNone(t *testing.T) {
	d := NewDict()
	d.Set("a", int64(1))
	d.MissingIsNone()
	env := New(Options{})
	tpl, err := env.Parse("t", "{{ d.a }} {{ d.b is none }} {{ d['c'] is none }} {{ d.get('b', 'dflt') }} {{ 'b' in d }} {{ d | length }} {{ d.items() | list }}")
	if err != nil {
		t.Fatal(err)
	}
	out, err := tpl.Render(map[string]any{"d": d})
	if err != nil {
		t.Fatal(err)
	}
	if want := "1 True True dflt False 1 [('a', 1)]"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
	plain := NewDict()
	tpl2, _ := env.Parse("t2", "{{ d.b is defined }}")
	if out, _ := tpl2.Render(map[string]any{"d": plain}); out != "False" {
		t.Errorf("a plain dict: %q", out)
	}
}
