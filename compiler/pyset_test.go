package compiler

import (
	"context"
	"strings"
	"testing"
)

// TestPySet: dbt's set() is Python's set (answers as Python gives them).
func TestPySet(t *testing.T) {
	cases := []struct{ tmpl, want string }{
		{"{{ set(['a','b']) == set(['b','a']) }}", "True"},
		{"{{ set(['a','b']) != set(['b','a']) }}", "False"},
		{"{{ set([1, 1, 2]) | length }}", "2"},
		{"{{ 'a' in set(['a']) }} {{ 'z' in set(['a']) }}", "True False"},
		{"{{ set(['a']) }}", "{'a'}"},
		{"{{ set([]) }}", "set()"},
		{"{{ (set([1, 2, 3]) - set([2])) | sort | list }}", "[1, 3]"},
		{"{% set s = set([1]) %}{% do s.add(2) %}{% do s.update([3, 1]) %}{{ s | sort | list }}", "[1, 2, 3]"},
		{"{{ set([1, 2]).issubset([1, 2, 3]) }} {{ set([1, 2]).issuperset([1]) }} {{ set([1]).isdisjoint([2]) }}", "True True True"},
		{"{{ set([1, 2]).union([3]) | sort | list }} {{ set([1, 2]).intersection([2, 3]) | list }}", "[1, 2, 3] [2]"},
		{"{{ set([1, 2]) < set([1, 2, 3]) }} {{ set([1, 2]) <= set([1, 2]) }} {{ set([1, 2]) > set([1]) }}", "True True True"},
		{"{{ set(['a']) == ['a'] }}", "False"},
		{"{{ set(5) }} {{ set([[1]]) }} {{ set(5, default='d') }}", "None None d"},
		{"{{ set([1, True, 1.0]) | length }}", "1"},
		{"{% set s = set(['x', 'y']) %}{% do s.discard('x') %}{% do s.discard('q') %}{{ s }}", "{'y'}"},
	}
	for _, c := range cases {
		p := newProject(map[string]string{"models/a.sql": c.tmpl})
		m, err := Parse(context.Background(), p, testOptions())
		if err == nil {
			err = m.Compile(context.Background(), nil)
		}
		if err != nil {
			t.Errorf("%s: %v", c.tmpl, err)
			continue
		}
		if got := strings.TrimSpace(m.Nodes["model.shop.a"].CompiledCode); got != c.want {
			t.Errorf("%s: want %q, got %q", c.tmpl, c.want, got)
		}
	}
	// Python's TypeError names the type as Python does ('int', not
	// Go's int64): context_methods/test_builtin_functions.py.
	for _, tmpl := range []string{"{{ set_strict(5) }}", "{{ modules.itertools.chain(5) }}"} {
		p := newProject(map[string]string{"models/a.sql": tmpl})
		m, err := Parse(context.Background(), p, testOptions())
		if err == nil {
			err = m.Compile(context.Background(), nil)
		}
		if err == nil || !strings.Contains(err.Error(), "'int' object is not iterable") {
			t.Errorf("%s: want 'int' object is not iterable, got %v", tmpl, err)
		}
	}
}

// TestAPIColumn: api.Column as dbt's base Column class.
func TestAPIColumn(t *testing.T) {
	tmpl := "{% set c = api.Column.create('a', 'string') %}{{ c.name }} {{ c.dtype }} {{ c.is_string() }} {{ api.Column.translate_type('string') }}" +
		" {{ api.Column('x', 'varchar(10)').string_size() }} {{ api.Column('x', 'numeric(10,2)').numeric_precision }},{{ api.Column('x', 'numeric(10,2)').numeric_scale }}" +
		" {{ api.Column('x', 'varchar(5)').can_expand_to(api.Column('y', 'varchar(10)')) }} {{ api.Column.string_type(12) }} {{ api.Column('n', 'integer').is_number() }}" +
		" {{ api.Column('n', 'integer').literal(5) }} {{ api.Column.numeric_type('numeric', 5, 1) }}"
	p := newProject(map[string]string{"models/a.sql": tmpl})
	m, err := Parse(context.Background(), p, testOptions())
	if err == nil {
		err = m.Compile(context.Background(), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	want := "a TEXT True TEXT 10 10,2 True character varying(12) True 5::integer numeric(5,1)"
	if got := strings.TrimSpace(m.Nodes["model.shop.a"].CompiledCode); got != want {
		t.Errorf("want %q\ngot  %q", want, got)
	}
}
