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
		b.parseKey(n)
		if got, want := e.parseKey(n), b.sum(); got != want {
			t.Errorf("%s: parseKey %x, want %x", n.UniqueID, got, want)
		}
	}
}

// TestParseKeyCoversProperties: what properties YAML gives a node and a
// render can read (config, description, meta, columns, versions,
// relation) is in its parse key, since the YAML files are not in the
// render cache's own key.
func TestParseKeyCoversProperties(t *testing.T) {
	e := &engine{}
	base := func() *Node {
		return &Node{Node: project.Node{ResourceType: project.Model, UniqueID: "model.p.a", OriginalFilePath: "models/a.sql", RawCode: "select 1",
			Config: project.Config{"materialized": "view"}, Description: "d", Meta: map[string]any{"tier": "gold"},
			Columns: []*project.Column{{Name: "id", Description: "key", DataType: "int"}}, Version: 1, LatestVersion: 1}}
	}
	want := e.parseKey(base())
	for name, change := range map[string]func(n *Node){
		"config":             func(n *Node) { n.Config = project.Config{"materialized": "table"} },
		"description":        func(n *Node) { n.Description = "e" },
		"meta":               func(n *Node) { n.Meta = map[string]any{"tier": "silver"} },
		"column name":        func(n *Node) { n.Columns[0].Name = "key" },
		"column description": func(n *Node) { n.Columns[0].Description = "primary key" },
		"column data type":   func(n *Node) { n.Columns[0].DataType = "bigint" },
		"another column":     func(n *Node) { n.Columns = append(n.Columns, &project.Column{Name: "x"}) },
		"version":            func(n *Node) { n.Version = 2 },
		"latest version":     func(n *Node) { n.LatestVersion = 2 },
		"deprecation date":   func(n *Node) { n.DeprecationDate = "2027-01-01" },
		"relation":           func(n *Node) { n.Relation.Identifier = "a_tbl" },
	} {
		n := base()
		change(n)
		if e.parseKey(n) == want {
			t.Errorf("%s changed, the parse key did not", name)
		}
	}
	if e.parseKey(base()) != want {
		t.Errorf("the same node has another parse key")
	}
}
