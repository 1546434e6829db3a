package ghactions

import (
	"bytes"
	"testing"

	"github.com/elt-dev/elt/internal/diag"
)

func TestEscape(t *testing.T) {
	cases := []struct{ in, data, prop string }{
		{"plain", "plain", "plain"},
		{"100% done", "100%25 done", "100%25 done"},
		{"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"k: v, w", "k: v, w", "k%3A v%2C w"},
		{"%0A literal", "%250A literal", "%250A literal"},
	}
	for _, c := range cases {
		if got := EscapeData(c.in); got != c.data {
			t.Errorf("EscapeData(%q) = %q, want %q", c.in, got, c.data)
		}
		if got := EscapeProperty(c.in); got != c.prop {
			t.Errorf("EscapeProperty(%q) = %q, want %q", c.in, got, c.prop)
		}
	}
}

func TestAnnotation(t *testing.T) {
	cases := []struct {
		a    Annotation
		want string
	}{
		{Annotation{Level: Error, File: "models/a,b.sql", Line: 3, Col: 5, Title: "elt: unknown_column", Message: "column x: 50% gone\nhint: y"},
			"::error file=models/a%2Cb.sql,line=3,col=5,title=elt%3A unknown_column::column x: 50%25 gone%0Ahint: y"},
		{Annotation{Level: Warning, File: "models/a.sql", Title: "t", Message: "m"}, "::warning file=models/a.sql,title=t::m"},
		{Annotation{Level: Error, Message: "no file"}, "::error::no file"},
		{Annotation{Level: Error, File: "f.sql", Col: 4, Message: "col without line is left out"}, "::error file=f.sql::col without line is left out"},
	}
	for _, c := range cases {
		if got := c.a.String(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

func TestPrinter(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	var buf bytes.Buffer
	if p := NewPrinter(&buf, "/repo/proj", env(map[string]string{"GITHUB_ACTIONS": "false"})); p != nil {
		t.Fatal("a printer outside GitHub Actions")
	}
	var none *Printer
	none.Print(Annotation{Level: Error, Message: "x"}) // a nil printer prints nothing
	p := NewPrinter(&buf, "/repo/proj", env(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": "/repo"}))
	p.Diagnostic("elt check", diag.Diagnostic{Severity: diag.Warning, File: "models/m.sql", Pos: diag.Pos{Line: 2, Column: 7}, Summary: "s", Hint: "h"})
	p.Print(Annotation{Level: Error, File: "/elsewhere/x.sql", Message: "m"})
	want := "::warning file=proj/models/m.sql,line=2,col=7,title=elt check::s%0Ahint: h\n::error file=/elsewhere/x.sql::m\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}
