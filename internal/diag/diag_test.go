package diag

import (
	"errors"
	"fmt"
	"testing"
)

func TestDiagnosticError(t *testing.T) {
	cases := []struct {
		d    Diagnostic
		want string
	}{
		{Errorf("models/a.sql", Pos{3, 7}, "fix it", "bad %s", "ref"), "models/a.sql:3:7: bad ref\n  hint: fix it"},
		{Errorf("models/a.sql", Pos{Line: 3}, "", "bad"), "models/a.sql:3: bad"},
		{Errorf("models/a.sql", Pos{}, "", "bad"), "models/a.sql: bad"},
		{Errorf("", Pos{}, "", "bad"), "bad"},
		{Warnf("x.yml", Pos{1, 1}, "", "odd"), "x.yml:1:1: warning: odd"},
	}
	for _, c := range cases {
		if got := c.d.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestListErr(t *testing.T) {
	var l List
	l.Add(Warnf("a", Pos{}, "", "w"))
	if l.Err() != nil {
		t.Fatal("warnings alone are not an error")
	}
	l.Add(Errorf("b", Pos{2, 1}, "", "e1"))
	l.Add(Errorf("c", Pos{}, "", "e2"))
	err := fmt.Errorf("load: %w", l.Err())
	got, ok := AsList(err)
	if !ok || len(got) != 2 || got[0].File != "b" || got[1].File != "c" {
		t.Fatalf("AsList = %v, %v", got, ok)
	}
	if len(l.Warnings()) != 1 || len(l.Errors()) != 2 {
		t.Errorf("split: %d warnings %d errors", len(l.Warnings()), len(l.Errors()))
	}
	single, ok := AsList(fmt.Errorf("wrap: %w", Errorf("d", Pos{}, "", "x")))
	if !ok || len(single) != 1 || single[0].File != "d" {
		t.Errorf("single diagnostic: %v %v", single, ok)
	}
	if _, ok := AsList(errors.New("plain")); ok {
		t.Error("a plain error is not a diagnostic")
	}
}

func TestLineCol(t *testing.T) {
	src := "ab\ncd\nef"
	for _, c := range []struct {
		off  int
		want Pos
	}{{0, Pos{1, 1}}, {1, Pos{1, 2}}, {3, Pos{2, 1}}, {7, Pos{3, 2}}, {99, Pos{3, 3}}, {-1, Pos{}}} {
		if got := LineCol(src, c.off); got != c.want {
			t.Errorf("LineCol(%d) = %v, want %v", c.off, got, c.want)
		}
	}
}
