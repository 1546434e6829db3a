package jsontree

import (
	"bytes"
	"encoding/json"
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
