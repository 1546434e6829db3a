package jsontree

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// stdDecode is what Decode must match: encoding/json with UseNumber.
func stdDecode(b []byte) (Obj, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var root Obj
	err := dec.Decode(&root)
	return root, err
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		`{}`,
		`{"a":1,"b":-2.5e+10,"c":0,"d":1E3,"e":-0.0}`,
		`{"s":"plain","t":"tab\tand \"quote\" and \\ and \u00e9 and \ud83d\ude00","u":"\u0000"}`,
		`{"nested":{"list":[1,"two",true,false,null,{"x":[]},[]],"empty":{}}}`,
		"  {\n \"ws\" : [ 1 , 2 ] ,\r\n\t\"k\":null }  trailing",
		`{"dup":1,"dup":2}`,
		"{\"bad utf8\":\"a\xffb\"}",
		`{"statements":[{"node":{"type":"SELECT_NODE","query_location":18446744073709551615}}]}`,
		`null`,
		// Strings that share intern's slot (length, first and last byte).
		`{"abc":"axc","axc":["abc","ayc","abc",{"ayc":"axc"}],"":""}`,
		"{\"raw utf8\":\"caf\u00e9 \xc3\xa9t\xc3\xa9\",\"long\":\"" + strings.Repeat("x", 100) + "\",\"long2\":\"" + strings.Repeat("x", 99) + "y\"}",
		// Errors: encoding/json's own messages.
		`[1,2]`,
		`{"a":01}`,
		`{"a":1,}`,
		`{"a":"unterminated}`,
		"{\"ctl\":\"a\x01b\"}",
		`{"a":tru}`,
		`{"a":1`,
		``,
		`{"a":-}`,
		`{"a":1.}`,
		`{"a":1e}`,
		`{"bad escape":"\x"}`,
	}
	for _, c := range cases {
		want, wantErr := stdDecode([]byte(c))
		got, gotErr := Decode([]byte(c))
		if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
			t.Errorf("%q: error %v, want %v", c, gotErr, wantErr)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\ngot  %#v\nwant %#v", c, got, want)
		}
		// DecodeMembers reads the same values, objects as Members.
		m, mErr := DecodeMembers([]byte(c))
		if (wantErr == nil) != (mErr == nil) || (wantErr != nil && wantErr.Error() != mErr.Error()) {
			t.Errorf("%q: DecodeMembers error %v, want %v", c, mErr, wantErr)
			continue
		}
		var asMap Obj
		if m != nil {
			asMap = toMaps(m).(map[string]any)
		}
		if !reflect.DeepEqual(asMap, want) {
			t.Errorf("%q: DecodeMembers:\ngot  %#v\nwant %#v", c, asMap, want)
		}
	}
}

// toMaps turns Members back into maps, the last of a repeated key winning.
func toMaps(v any) any {
	switch x := v.(type) {
	case Members:
		m := map[string]any{}
		for _, kv := range x {
			m[kv.Key] = toMaps(kv.Value)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toMaps(e)
		}
		return out
	}
	return v
}

func TestMembersGet(t *testing.T) {
	m, err := DecodeMembers([]byte(`{"a":"x","n":12,"o":{"b":true},"l":[1],"a":"last"}`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Str("a") != "last" || m.Str("n") != "12" || !m.Obj("o").Bool("b") || len(m.List("l")) != 1 || m.Get("missing") != nil || m.Obj("a") != nil {
		t.Errorf("members read wrong: %#v", m)
	}
}

// benchTree is shaped like a parse tree: nested objects of short strings,
// numbers and lists.
func benchTree() []byte {
	node := func(i int) map[string]any {
		return map[string]any{"class": "COLUMN_REF", "type": "COLUMN_REF", "alias": "", "query_location": i,
			"column_names": []any{"src_1", "amount"}}
	}
	var items []any
	for i := range 40 {
		items = append(items, map[string]any{"class": "FUNCTION", "function_name": "coalesce", "children": []any{node(i), node(i + 1)}, "distinct": false, "filter": nil})
	}
	b, _ := json.Marshal(map[string]any{"error": false, "statements": []any{map[string]any{"node": map[string]any{"type": "SELECT_NODE", "select_list": items}}}})
	return b
}

func BenchmarkDecode(b *testing.B) {
	tree := benchTree()
	b.SetBytes(int64(len(tree)))
	for b.Loop() {
		if _, err := Decode(tree); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeMembers(b *testing.B) {
	tree := benchTree()
	b.SetBytes(int64(len(tree)))
	for b.Loop() {
		if _, err := DecodeMembers(tree); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeEncodingJSON(b *testing.B) {
	tree := benchTree()
	b.SetBytes(int64(len(tree)))
	for b.Loop() {
		if _, err := stdDecode(tree); err != nil {
			b.Fatal(err)
		}
	}
}

// TestArenaDecodesAsDecodeMembers: trees decoded one after another in one
// Arena are each what DecodeMembers reads, whether the arena's chunks are
// fresh, reused, too small for an object or array (one larger than a
// chunk), and a reused chunk keeps nothing of the tree before past what
// the new one uses.
func TestArenaDecodesAsDecodeMembers(t *testing.T) {
	var big, wide strings.Builder
	big.WriteString(`{"l":[`)
	for i := range 3 * chunkSize {
		if i > 0 {
			big.WriteByte(',')
		}
		fmt.Fprintf(&big, `{"i":%d,"s":"v%d","o":{"a":[1,2,{}],"b":[]}}`, i, i)
	}
	big.WriteString(`]}`)
	wide.WriteByte('{')
	for i := range chunkSize + 10 {
		if i > 0 {
			wide.WriteByte(',')
		}
		fmt.Fprintf(&wide, `"k%d":[%d,"x"]`, i, i)
	}
	wide.WriteByte('}')
	docs := []string{
		`{"a":1}`,
		big.String(),
		`{"error":false,"statements":[{"node":{"type":"SELECT_NODE","select_list":[{"class":"COLUMN_REF","column_names":["a","b"]}]}}]}`,
		wide.String(),
		`{"e":{},"l":[],"n":null,"t":true,"s":"esc\"aped \u00e9"}`,
		`{"a":1}`,
	}
	var a Arena
	for round := range 2 {
		for i, doc := range docs {
			want, err := DecodeMembers([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			got, err := a.DecodeMembers([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, document %d: the arena's tree differs from DecodeMembers'", round, i)
			}
		}
	}
	// The last tree is small: the rest of its chunk is empty.
	for _, m := range a.members.all[0][a.members.used:] {
		if m != (Member{}) {
			t.Fatalf("a reused chunk still holds %v", m)
		}
	}
	for _, v := range a.elems.all[0][a.elems.used:] {
		if v != nil {
			t.Fatalf("a reused chunk still holds %v", v)
		}
	}
	if len(a.members.all) < 2 {
		t.Fatalf("the large tree took %d chunks: not the case this test is for", len(a.members.all))
	}
}
