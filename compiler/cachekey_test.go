package compiler

import (
	"testing"

	"github.com/elt-dev/elt/internal/digest"
	"github.com/elt-dev/elt/project"
)

// TestKeyBufDistinct: values that differ write different keys, whatever
// their types, and a map's key does not depend on its iteration order.
func TestKeyBufDistinct(t *testing.T) {
	values := []any{
		nil, "", "a", "1", "true", true, false, 1, int64(1), 1.0, 1.5, int64(-1),
		[]string{}, []any{}, []string{"a"}, []any{"a"}, []any{"a", "b"}, []any{"ab"}, []any{[]any{"a"}, "b"},
		map[string]any{}, map[string]any{"a": "b"}, map[string]any{"a": "b", "c": "d"}, map[string]any{"a": "bc"},
		map[string]any{"ab": "c"}, project.Config{"a": "b"}, struct{ A string }{"x"}, struct{ A string }{"y"},
	}
	seen := map[digest.Key]int{}
	for i, v := range values {
		var b keyBuf
		b.value(v)
		k := b.sum()
		if j, ok := seen[k]; ok {
			t.Errorf("%#v and %#v write the same key %q", values[j], v, b)
		}
		seen[k] = i
	}
	// Two strings never read as one.
	var x, y keyBuf
	x.str("ab", "c")
	y.str("a", "bc")
	if x.sum() == y.sum() {
		t.Errorf("%q and %q: the same key", x, y)
	}
	big := map[string]any{}
	for _, k := range []string{"materialized", "tags", "schema", "alias", "enabled", "meta", "grants", "docs", "z", "a"} {
		big[k] = []any{k, map[string]any{k: 1}}
	}
	var first digest.Key
	for i := 0; i < 20; i++ {
		var b keyBuf
		b.value(big)
		if i == 0 {
			first = b.sum()
		} else if b.sum() != first {
			t.Fatalf("map key changed between writes")
		}
	}
}

// TestParseKeyHashesKeyBuf checks that parseKey, which reuses its buffers,
// hashes the text keyBuf writes.
func TestParseKeyHashesKeyBuf(t *testing.T) {
	e := &engine{}
	for _, n := range []*Node{
		{Node: project.Node{ResourceType: project.Model, UniqueID: "model.p.a", OriginalFilePath: "models/a.sql", RawCode: "select 1"}},
		{Node: project.Node{ResourceType: project.Model, UniqueID: "model.p.e", OriginalFilePath: "models/e.sql"}},
		{Node: project.Node{ResourceType: project.Test, UniqueID: "test.p.t.1", OriginalFilePath: "models/s.yml", RawCode: "{{ test_unique(**_dbt_generic_test_kwargs) }}"},
			TestMetadata: &TestMetadata{Name: "unique", Namespace: "", Kwargs: map[string]any{"column_name": "id", "model": "{{ ref('a') }}"}}},
	} {
		var b keyBuf
		b.str(string(n.ResourceType), n.UniqueID, n.OriginalFilePath, n.RawCode)
		if md := n.TestMetadata; md != nil {
			b.str(md.Name, md.Namespace)
			b.value(md.Kwargs)
		}
		if got, want := e.parseKey(n), b.sum(); got != want {
			t.Errorf("%s: parseKey %x, want %x", n.UniqueID, got, want)
		}
	}
}
