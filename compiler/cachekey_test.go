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
		b.parseKey(n, nil)
		if got, want := e.parseKey(n, nil), b.sum(); got != want {
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
	want := e.parseKey(base(), nil)
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
		if e.parseKey(n, nil) == want {
			t.Errorf("%s changed, the parse key did not", name)
		}
	}
	if e.parseKey(base(), nil) != want {
		t.Errorf("the same node has another parse key")
	}
}

// TestParseKeySharedConfigs: the bytes remembered for a config nodes
// share (sharedKeys) are what the config writes: a node's key is the same
// with and without them, and nodes sharing two different configs keep
// different keys, however often each is met.
func TestParseKeySharedConfigs(t *testing.T) {
	e := &engine{}
	cfgA := project.Config{"materialized": "view", "tags": []any{"a"}, "schema": "x", "enabled": true, "meta": map[string]any{"k": 1}}
	cfgB := project.Config{"materialized": "table", "tags": []any{"a"}, "schema": "x", "enabled": true, "meta": map[string]any{"k": 1}}
	small := project.Config{"materialized": "view"}
	node := func(id string, cfg project.Config) *Node {
		return &Node{Node: project.Node{ResourceType: project.Model, UniqueID: id, OriginalFilePath: "models/" + id + ".sql",
			RawCode: "select 1", Config: cfg}, sharedConfig: true}
	}
	var shared sharedKeys
	keys := map[digest.Key]string{}
	for round := range 3 {
		for _, c := range []struct {
			id  string
			cfg project.Config
		}{{"a", cfgA}, {"b", cfgB}, {"c", cfgA}, {"d", cfgB}, {"e", small}} {
			n := node(c.id, c.cfg)
			got, want := e.parseKey(n, &shared), e.parseKey(n, nil)
			if got != want {
				t.Fatalf("round %d, %s: key %x with the shared configs, %x without", round, c.id, got, want)
			}
			if other, ok := keys[got]; ok && other != c.id {
				t.Fatalf("%s and %s have one key", c.id, other)
			}
			keys[got] = c.id
		}
	}
	// The same node with the other config has another key.
	if e.parseKey(node("a", cfgA), &shared) == e.parseKey(node("a", cfgB), &shared) {
		t.Error("two configs, one key")
	}
}
