package compiler

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
	"strings"
	"testing"

	"github.com/elt-dev/elt/jinja"
)

// reprTestHash is testHash as get_hashable_md builds it: a dict of jinja
// values printed by jinja.Str. testHash writes the same text directly.
func reprTestHash(name, namespace, test string, kwargs map[string]any) string {
	var hashable func(v any) any
	hashable = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			d := jinja.NewDict()
			for _, k := range sortedKeys(x) {
				d.Set(k, hashable(x[k]))
			}
			return d
		case []any:
			out := make([]any, len(x))
			for i, it := range x {
				out[i] = hashable(it)
			}
			return jinja.NewList(out...)
		}
		return pyStr(v)
	}
	var ns any
	if namespace != "" {
		ns = namespace
	}
	repr, err := jinja.Str(hashable(map[string]any{"kwargs": kwargs, "name": test, "namespace": ns}))
	if err != nil {
		panic(err)
	}
	sum := md5.Sum([]byte(name + repr))
	h := hex.EncodeToString(sum[:])
	return h[len(h)-10:]
}

func TestTestHashMatchesRepr(t *testing.T) {
	cases := []struct {
		name, namespace, test string
		kwargs                map[string]any
	}{
		{"not_null_orders_id", "", "not_null", map[string]any{"column_name": "id", "model": "{{ get_where_subquery(ref('orders')) }}"}},
		{"accepted_values_x", "dbt_utils", "accepted_values", map[string]any{
			"column_name": "status", "values": []any{"placed", "it's", `back\slash`, int64(3), 1.5, true, nil},
			"quote": false, "model": "{{ get_where_subquery(source('raw', 'orders')) }}"}},
		{"nested", "pkg", "expression_is_true", map[string]any{
			"config": map[string]any{"where": "a = 'b'", "severity": "warn", "z": []any{}}, "empty": map[string]any{},
			"unicode": "é\n\"x\"", "list": []any{[]any{"a"}, map[string]any{"k": int64(1)}}}},
		{"no_kwargs", "", "t", map[string]any{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := reprTestHash(c.name, c.namespace, c.test, c.kwargs)
			if got := testHash(c.name, c.namespace, c.test, c.kwargs); got != want {
				t.Errorf("testHash = %s, want %s", got, want)
			}
		})
	}
}

// TestModelExprShapes: a generic test's model expression evaluated through
// the template shared by its shape gives what the expression as written
// gives, and expressions of no shape are evaluated as written.
func TestModelExprShapes(t *testing.T) {
	p := versionedProject("select 1 as id")
	addSource(p, "raw", "orders")
	m, err := Parse(context.Background(), p, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, execute := range []bool{false, true} {
		for _, c := range []struct {
			expr  string
			shape int // -1: none
			want  string
		}{
			{"get_where_subquery(ref('uses'))", 0, `"warehouse"."main"."uses"`},
			{"get_where_subquery(ref('m', version='1'))", 1, `"warehouse"."main"."m_v1"`},
			{"get_where_subquery(source('raw', 'orders'))", 2, `"warehouse"."raw"."orders"`},
			{"get_where_subquery(ref('m', version=\"1\"))", -1, `"warehouse"."main"."m_v1"`},
			{"get_where_subquery(ref('us\\x65s'))", -1, `"warehouse"."main"."uses"`},
		} {
			sh, _, ok := modelExprShape(c.expr)
			if ok {
				if sh != c.shape {
					t.Errorf("%s: shape %d, want %d", c.expr, sh, c.shape)
				}
			} else if c.shape != -1 {
				t.Errorf("%s: no shape, want %d", c.expr, c.shape)
			}
			shared, err := m.engine.newState(m, m.Nodes["model.shop.uses"], execute).evalExpr(c.expr)
			if err != nil {
				t.Fatalf("%s: %v", c.expr, err)
			}
			written, err := m.engine.newState(m, m.Nodes["model.shop.uses"], execute).evalTemplate("{% macro __elt_value() %}{{ return("+c.expr+") }}{% endmacro %}", nil)
			if err != nil {
				t.Fatalf("%s as written: %v", c.expr, err)
			}
			a, _ := jinja.Str(shared)
			b, _ := jinja.Str(written)
			if a != b || execute && !strings.Contains(a, c.want) {
				t.Errorf("%s (execute %v): %q through its shape, %q as written; want %s", c.expr, execute, a, b, c.want)
			}
		}
	}
	// An error inside reads the same either way, as the test reports it.
	st := m.engine.newState(m, m.Nodes["model.shop.uses"], true)
	_, e1 := st.evalExpr("get_where_subquery(ref('nope'))")
	_, e2 := st.evalTemplate("{% macro __elt_value() %}{{ return(get_where_subquery(ref('nope'))) }}{% endmacro %}", nil)
	if e1 == nil || e2 == nil || st.testArgError(e1).Error() != st.testArgError(e2).Error() || !strings.Contains(st.testArgError(e1).Error(), "nope") {
		t.Errorf("errors differ: %v / %v", e1, e2)
	}
}

// TestGenericTestsInOrder: tests built concurrently are added in their
// declarations' order: of two duplicates the later is reported, at its
// own line, naming the earlier; problems are all reported.
func TestGenericTestsInOrder(t *testing.T) {
	p := newProject(map[string]string{
		"models/orders.sql":          "select 1 as id",
		"tests/generic/not_null.sql": "{% test not_null(model, column_name) %}select * from {{ model }} where {{ column_name }} is null{% endtest %}",
	})
	decl := func(line int, attached string) *project.TestDecl {
		return &project.TestDecl{TestName: "not_null", AttachedKind: project.Model, AttachedName: attached,
			ColumnName: "id", File: "models/orders.yml", Pos: diag.Pos{Line: line}, Package: "shop"}
	}
	for i := 0; i < 200; i++ {
		p.GenericTests = append(p.GenericTests, decl(100+i, "orders"))
	}
	p.GenericTests = append(p.GenericTests, decl(7, "nope"))
	_, err := Parse(context.Background(), p, testOptions())
	var errs *diag.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err %v, want diagnostics", err)
	}
	dups, unknown := 0, 0
	for _, d := range errs.List {
		switch {
		case strings.Contains(d.Summary, `dbt found two data_tests with the name "not_null_orders_id": models/orders.yml:100 and`):
			if d.Pos.Line <= 100 {
				t.Errorf("duplicate reported at line %d", d.Pos.Line)
			}
			dups++
		case strings.Contains(d.Summary, `attached to unknown model "nope"`) && d.Pos.Line == 7:
			unknown++
		default:
			t.Errorf("unexpected: %v", d)
		}
	}
	if dups != 199 || unknown != 1 {
		t.Errorf("%d duplicates and %d unknown reported, want 199 and 1", dups, unknown)
	}
}

// TestAppendStrRepr checks the fast paths of Python's repr() of a string
// against jinja.Repr, for strings on both sides of them.
func TestAppendStrRepr(t *testing.T) {
	for _, s := range []string{"", "id", "not_null", "a b", "it's", `say "hi"`, `both ' and "`, `back\slash`,
		"tab\there", "new\nline", "del\x7f", "é", "\u2028", "~!@#$%^&*()", "0.5", "{{ ref('x') }}",
		"'", `"`, `'"`, `it's \ here`, "{{ get_where_subquery(ref('m_1', version='2')) }}", "quote's\x00"} {
		if got, want := string(appendStrRepr([]byte("x"), s)), "x"+jinja.Repr(s); got != want {
			t.Errorf("appendStrRepr(%q) = %s, want %s", s, got, want)
		}
	}
	for _, s := range []string{"", "abc_09", "a-b", "a b", "é"} {
		if got, want := isIdentChars(s), nonIdent().ReplaceAllString(s, "_") == s; got != want {
			t.Errorf("isIdentChars(%q) = %v, want %v", s, got, want)
		}
	}
}
