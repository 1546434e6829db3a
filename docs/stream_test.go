package docs

import (
	"bytes"
	"fmt"
	"testing"
)

// TestStreamMapMatchesEncodingJSON: the streamed map, encoded in parallel
// chunks once it is large, is byte for byte what encoding/json writes.
func TestStreamMapMatchesEncodingJSON(t *testing.T) {
	for _, n := range []int{0, 1, 3, 2*streamChunk - 1, 2 * streamChunk, 5*streamChunk + 17} {
		m := map[string]any{}
		for i := 0; i < n; i++ {
			m[fmt.Sprintf("model.shop.m%05d", i)] = map[string]any{"sql": fmt.Sprintf("select %d where a < b & c > d", i), "n": i, "tags": []string{"x"}}
		}
		var got bytes.Buffer
		s := newJSONStream(&got)
		streamMap(s, m)
		if s.err != nil {
			t.Fatal(s.err)
		}
		if w := encodingJSON(t, m); !bytes.Equal(got.Bytes(), w) {
			t.Errorf("%d entries: streamed JSON differs from encoding/json\n got %.200s\nwant %.200s", n, got.Bytes(), w)
		}
	}
}

// TestStreamMapError: an entry that cannot be encoded is an error, not
// a truncated file that looks whole.
func TestStreamMapError(t *testing.T) {
	m := map[string]any{}
	for i := 0; i < 3*streamChunk; i++ {
		m[fmt.Sprintf("k%05d", i)] = i
	}
	m["k00600"] = make(chan int)
	var out bytes.Buffer
	s := newJSONStream(&out)
	streamMap(s, m)
	if s.err == nil {
		t.Fatal("no error for an entry encoding/json cannot encode")
	}
}

// TestStreamStringListsMatchesEncodingJSON: parent_map and child_map,
// written without reflection, are what encoding/json writes, odd ids too.
func TestStreamStringListsMatchesEncodingJSON(t *testing.T) {
	odd := []string{`model.a."quoted"`, `back\slash`, "tab\there", "caf\u00e9", "line\u2028sep", "bad\xffutf8", "<html> & more", "del\x7f"}
	for _, n := range []int{0, 1, 3, 2 * streamChunk, 3*streamChunk + 5} {
		m := map[string][]string{}
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("model.shop.m%05d", i)
			switch i % 4 {
			case 0:
				m[id] = []string{}
			case 1:
				m[id] = []string{"model.shop.a", "test.shop.b"}
			case 2:
				m[odd[i%len(odd)]+id] = []string{odd[(i+1)%len(odd)], id}
			default:
				m[id] = nil
			}
		}
		var got bytes.Buffer
		s := newJSONStream(&got)
		streamStringLists(s, m, nil)
		if s.err != nil {
			t.Fatal(s.err)
		}
		if w := encodingJSON(t, m); !bytes.Equal(got.Bytes(), w) {
			t.Errorf("%d entries: differs from encoding/json\n got %.300s\nwant %.300s", n, got.Bytes(), w)
		}
	}
}
