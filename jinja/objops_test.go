package jinja

import (
	"fmt"
	"testing"
)

// meters is a Go value with Python-style operator overloading.
type meters int64

func (m meters) String() string { return fmt.Sprintf("%dm", int64(m)) }

func (m meters) BinaryOp(op string, other any, right bool) (any, bool, error) {
	o, ok := other.(meters)
	if n, isInt := other.(int64); isInt && op == "*" {
		return m * meters(n), true, nil
	}
	if !ok {
		return nil, false, nil
	}
	switch op {
	case "+":
		return m + o, true, nil
	case "-":
		if right {
			return o - m, true, nil
		}
		return m - o, true, nil
	}
	return nil, false, nil
}

func (m meters) Compare(other any) (int, bool) {
	o, ok := other.(meters)
	if !ok {
		return 0, false
	}
	switch {
	case m < o:
		return -1, true
	case m > o:
		return 1, true
	}
	return 0, true
}

func TestObjectOperators(t *testing.T) {
	vars := map[string]any{"a": meters(5), "b": meters(3)}
	for _, tc := range []struct{ src, want string }{
		{`{{ a + b }} {{ a - b }} {{ b - a }} {{ a * 2 }} {{ 2 * a }}`, `8m 2m -2m 10m 10m`},
		{`{{ a > b }} {{ a <= b }} {{ a == b }} {{ a == a }} {{ a != 5 }} {{ [b, a] | max }}`, `True False False True True 5m`},
	} {
		tpl, err := New(Options{}).Parse("t", tc.src)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tpl.Render(vars)
		if err != nil || got != tc.want {
			t.Errorf("%s: want %q, got %q (%v)", tc.src, tc.want, got, err)
		}
	}
	tpl, _ := New(Options{}).Parse("t", `{{ a + 1 }}`)
	if _, err := tpl.Render(vars); err == nil || err.Error() == "" {
		t.Errorf("want TypeError for meters + int, got %v", err)
	}
	tpl, _ = New(Options{}).Parse("t", `{{ a < 1 }}`)
	if _, err := tpl.Render(vars); err == nil {
		t.Error("want TypeError for meters < int")
	}
}

// fakeMapping is a Go object that says it is a Python Mapping.
type fakeMapping struct{ mapping bool }

func (f fakeMapping) GetAttr(string) (any, bool) { return nil, false }
func (f fakeMapping) IsMapping() bool            { return f.mapping }

func TestMappingObject(t *testing.T) {
	tpl, err := New(Options{}).Parse("t", `{{ a is mapping }} {{ b is mapping }} {{ 1 is mapping }}`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.Render(map[string]any{"a": fakeMapping{true}, "b": fakeMapping{false}})
	if want := "True False False"; err != nil || got != want {
		t.Errorf("want %q, got %q (%v)", want, got, err)
	}
}
