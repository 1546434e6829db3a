package compiler

import (
	"context"
	"strings"
	"testing"
)

// TestMacroErrorChain: an error inside a macro is reported where the node
// calls it, naming every call on the way down to the failing line.
func TestMacroErrorChain(t *testing.T) {
	p := newProject(map[string]string{
		"macros/money.sql":  "{% macro money(col) %}\n  {{ cents(col) }}\n{% endmacro %}\n",
		"macros/cents.sql":  "{% macro cents(col) %}\n\n{{ exceptions.raise_compiler_error('bad column ' ~ col) }}\n{% endmacro %}\n",
		"models/orders.sql": "select\n  {{ money('amount') }} as amount\nfrom t\n",
	})
	_, err := Parse(context.Background(), p, testOptions())
	l := diagList(err)
	if len(l) != 1 {
		t.Fatalf("want one error, got %v", err)
	}
	d := l[0]
	want := "bad column amount (models/orders.sql:2 → macros/money.sql:2 → macros/cents.sql:3)"
	if d.File != "models/orders.sql" || d.Pos.Line != 2 || d.Summary != want {
		t.Errorf("want models/orders.sql:2: %s\ngot  %s", want, d.Error())
	}
}

// TestDbtFunctions: dbt's additions to Jinja's globals, as dbt prints them.
func TestDbtFunctions(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`{{ tojson({'b': 1, 'a': [True, none, 'é']}) }}`, `{"b": 1, "a": [true, null, "\u00e9"]}`},
		{`{{ tojson({'b': 1, 'a': 2}, sort_keys=True) }}`, `{"a": 2, "b": 1}`},
		{`{{ fromjson('{"x": [1, 2.5]}').x }} {{ fromjson('nope', 'dflt') }}`, `[1, 2.5] dflt`},
		{`{{ fromyaml('a: 1\nb: [x, y]\n') }}`, `{'a': 1, 'b': ['x', 'y']}`},
		// PyYAML's YAML 1.1, keys too; a date is the text written.
		{`{{ fromyaml('a: yes\nc: 1e3\nd: 0o17\ne: 017\nf: off\ng: 1:30\nh: "no"\non: 2024-01-31\n') }}`, `{'a': True, 'c': '1e3', 'd': '0o17', 'e': 15, 'f': False, 'g': 90, 'h': 'no', True: '2024-01-31'}`},
		// toyaml is PyYAML's safe_dump (the answers are its own): a
		// mapping's sequence is not indented, scalars are plain unless
		// PyYAML would read them back as something else, non-ASCII is
		// escaped, long lines fold at 80 columns, an empty key is a
		// complex key, a plain scalar document ends with "...".
		{`{{ toyaml({'a': 1, 'b': ['x']}) }}`, "a: 1\nb:\n- x\n"},
		{`{{ toyaml({'models': [{'name': 'users', 'columns': [{'name': 'id', 'tests': ['unique', {'not_null': {'tags': ['t']}}]}]}]}) }}`,
			"models:\n- name: users\n  columns:\n  - name: id\n    tests:\n    - unique\n    - not_null:\n        tags:\n        - t\n"},
		{`{{ toyaml(['abc', 'yes', '', none, 1.0, 1e20, true, '- a', 'a: b', '123', 'café', 'a\nb', "it's", 'x #y', '2024-01-01']) }}`,
			"- abc\n- 'yes'\n- ''\n- null\n- 1.0\n- 1.0e+20\n- true\n- '- a'\n- 'a: b'\n- '123'\n- \"caf\\xE9\"\n- 'a\n\n  b'\n- it's\n- 'x #y'\n- '2024-01-01'\n"},
		{`{{ toyaml({'d': ' '.join(['word'] * 30), '': [[1, [2, 3]], {}, []]}) }}`,
			"d: word word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word\n? ''\n: - - 1\n    - - 2\n      - 3\n  - {}\n  - []\n"},
		{`{{ toyaml('abc') }}|{{ toyaml({'b': 1, 'a': 2}, sort_keys=True) }}`, "abc\n...\n|a: 2\nb: 1\n"},
		{`{{ set([1, 2, 1, 3]) | length }} {{ set(1) }}`, `3 None`},
		{`{{ zip([1, 2], 'ab') }}`, `[(1, 'a'), (2, 'b')]`},
		{`{{ zip(['a', 'b'] | map('upper'), [1, 2] | select('odd')) }} {{ set(['x', 'X'] | map('lower')) | length }}`, `[('A', 1)] 1`},
		{`{{ modules.itertools.chain([1], [2, 3]) }} {{ modules.itertools.combinations([1, 2, 3], 2) | length }}`, `[1, 2, 3] 3`},
		// dbt's TEXT_FILTERS: in SQL the native filters give their input
		// unchanged (a list stays a list for `in`).
		{`{{ '42' | as_number ~ 1 }} {{ 'TRUE' | as_bool }} {{ 7 | as_text + 1 }} {{ 'b' in ['a', 'b'] | as_bool() }}`, `421 TRUE 8 True`},
		{`{{ [1] | is_list }} {{ (1,) | is_list }} {{ 'ab' | is_list }} {{ range(2) | is_list }}`, `True False False False`},
		{`{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}`, `3`},
		{`{{ modules.datetime.datetime(2024, 1, 31).replace(month=2, day=1) }}`, `2024-02-01 00:00:00`},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			m, err := Parse(context.Background(), newProject(map[string]string{"models/m.sql": tc.expr}), testOptions())
			if err == nil {
				err = m.Compile(context.Background(), nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Nodes["model.shop.m"].CompiledCode; got != tc.want {
				t.Errorf("want %q, got %q", tc.want, got)
			}
		})
	}
}

// TestUndefinedCallPositioned: calling a name nothing defines fails at
// the line of the call, when the node compiles: as dbt's parse-time
// undefined, the parse goes on.
func TestUndefinedCallPositioned(t *testing.T) {
	p := newProject(map[string]string{
		"models/a.sql": "select 1\n\n{{ not_a_macro() }}\n",
	})
	m, err := Parse(context.Background(), p, testOptions())
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	err = m.Compile(context.Background(), nil)
	l := diagList(err)
	if len(l) != 1 || l[0].Pos.Line != 3 || !strings.Contains(l[0].Summary, "'not_a_macro' is undefined") {
		t.Errorf("got %v", err)
	}
}

// TestAdapterMacroRefused: adapter_macro, removed in dbt 0.18, fails
// with dbt's message naming its replacement (context/providers.py
// adapter_macro; macros/test_macros.py TestAdapterMacroDeprecated).
func TestAdapterMacroRefused(t *testing.T) {
	p := newProject(map[string]string{
		"macros/m.sql": "{% macro some_macro(a, b) -%}{{ adapter_macro('some_macro', a, b) }}{%- endmacro %}",
		"models/a.sql": "{% if some_macro('foo', 'bar') != 'foobar' %}{% do exceptions.raise_compiler_error('invalid foobar') %}{% endif %}\nselect 1 as id\n",
	})
	m, err := Parse(context.Background(), p, testOptions())
	if err == nil {
		err = m.Compile(context.Background(), nil)
	}
	if err == nil || !strings.Contains(err.Error(), `The "adapter_macro" macro has been deprecated`) || !strings.Contains(err.Error(), "adapter_macro was called for: some_macro") {
		t.Errorf("got %v", err)
	}
}

// TestShiftedNodeLines: a node whose code starts inside its file (a
// snapshot block) reports errors at the file's line, in the call chain too.
func TestShiftedNodeLines(t *testing.T) {
	p := newProject(map[string]string{
		"macros/boom.sql":        "{% macro boom() %}{{ exceptions.raise_compiler_error('boom') }}{% endmacro %}\n",
		"snapshots/orders.sql":   "\nselect {{ boom() }}\n",
		"snapshots/payments.sql": "select 1\n{{ 1 + }}\n",
	})
	p.Nodes["snapshot.shop.orders"].RawCodeLine = 10
	p.Nodes["snapshot.shop.payments"].RawCodeLine = 20
	_, err := Parse(context.Background(), p, testOptions())
	got := map[string]string{}
	for _, d := range diagList(err) {
		got[d.Location()] = d.Summary
	}
	want := map[string]string{
		"snapshots/orders.sql:12:15":  "boom (snapshots/orders.sql:12 → macros/boom.sql:1)",
		"snapshots/payments.sql:22:8": "Jinja syntax error: unexpected 'end of print statement'",
	}
	for loc, msg := range want {
		if got[loc] != msg {
			t.Errorf("%s: want %q, got %q (all: %v)", loc, msg, got[loc], got)
		}
	}
}

// TestToJSONDefaultOnlyForValueError: dbt's tojson gives its default only
// where json.dumps raises ValueError (a list that holds itself); a value
// JSON has no form for (a relation, a datetime) is json.dumps' TypeError,
// which dbt does not catch: the node fails to compile, at its line.
func TestToJSONDefaultOnlyForValueError(t *testing.T) {
	p := newProject(map[string]string{
		"models/circ.sql": "{% set l = [1] %}{% do l.append(l) %}{{ tojson(l, 'dflt') }}",
		"models/rel.sql":  "select 1\n{{ tojson({'r': api.Relation.create(schema='s', identifier='t')}, 'dflt') }}",
		"models/day.sql":  "select 1\n\n{{ tojson([modules.datetime.date(2024, 1, 31)], 'dflt') }}",
	})
	_, err := Parse(context.Background(), p, testOptions())
	lines := map[string]int{}
	for _, d := range diagList(err) {
		if strings.Contains(d.Summary, "is not JSON serializable") {
			lines[d.File+" "+d.Summary] = d.Pos.Line
		}
	}
	if len(lines) != 2 || lines["models/rel.sql TypeError: Object of type DuckDBRelation is not JSON serializable"] != 2 ||
		lines["models/day.sql TypeError: Object of type date is not JSON serializable"] != 3 {
		t.Errorf("want TypeErrors at models/rel.sql:2 and models/day.sql:3, got %v from %v", lines, err)
	}
	p = newProject(map[string]string{
		"models/circ.sql": "{% set l = [1] %}{% do l.append(l) %}{{ tojson(l, 'dflt') }}",
	})
	m, err := Parse(context.Background(), p, testOptions())
	if err == nil {
		err = m.Compile(context.Background(), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Nodes["model.shop.circ"].CompiledCode; got != "dflt" {
		t.Errorf("circular list: %q, want the default", got)
	}
}
