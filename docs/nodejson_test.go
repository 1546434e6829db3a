package docs

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/project"
)

// encodingJSON is n as encoding/json writes it (HTML not escaped).
func encodingJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func nodeJSON(t *testing.T, n Node) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := encodeNode(enc, &b, n); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// oddValues are config values encoding/json writes in its own ways.
var oddValues = []any{
	nil, "", "plain", `quote " and back\slash`, "tab\tnew\nline\rcr\bbs\fff\x00nul\x1fus\x7fdel",
	"<b>&amp;</b>", "café ☕ 𝄞", "line\u2028para\u2029end", "bad \xff\xfe utf-8 \xe2\x82", "\xed\xa0\x80 surrogate",
	true, false, 0, -1, 1 << 53, int64(math.MaxInt64), int64(math.MinInt64), uint64(math.MaxUint64), int32(7), float32(1.5),
	0.0, math.Copysign(0, -1), 1.5, -2.25, 1e-6, 9.99e-7, 1e-7, 123456789.123456, 1e20, 1e21, 1.5e300, -1e-300, 5e-324, math.MaxFloat64,
	1796286736.869546, 1714557600.123456,
	[]any{}, []any(nil), []any{1, "a", nil, []any{map[string]any{"k": 2.5}}},
	[]string{}, []string(nil), []string{"a", `"b"`},
	map[string]any{}, map[string]any(nil), map[string]any{"b": 1, "a": map[string]any{"z": nil, "é": "x", "A": []any{}}},
	[]Hook{}, []Hook{{SQL: "select 1", Transaction: true}, {SQL: "vacuum", Index: new(int)}},
	Hook{SQL: "x"}, project.Config{"k": "v"}, map[string]string{"b": "2", "a": "1"},
	time.Date(2024, 5, 1, 10, 0, 0, 5, time.FixedZone("x", 3600)), json.Number("12.50"), json.RawMessage(`{"raw": true}`),
	map[string]int{"n": 1}, struct{ A int }{A: 1}, new(string), (*string)(nil),
}

// TestNodeJSONMatchesEncodingJSON: encodeNode writes every node of the
// test manifests, nodes with every field set, and configs holding every
// odd value, byte for byte as encoding/json does.
func TestNodeJSONMatchesEncodingJSON(t *testing.T) {
	var nodes []Node
	for _, n := range BuildManifest(cacheTestManifest(3), testMeta()).Nodes {
		nodes = append(nodes, n)
	}
	// Every field set, by reflection: a field added to a node struct and
	// not to encodeNode is caught here.
	for _, n := range []Node{&CompiledNode{}, &SeedNode{}} {
		full := reflect.New(reflect.TypeOf(n).Elem())
		full.Elem().Set(nonZero(full.Elem().Type()))
		nodes = append(nodes, n, full.Interface().(Node))
	}
	for i, v := range oddValues {
		created := []float64{0, 1.5, 1796286736.869546, 1e-7, 1e21}[i%5]
		nodes = append(nodes, &CompiledNode{
			NodeBase: NodeBase{
				Name: "n", Config: map[string]any{"v": v, "list": []any{v}, "map": map[string]any{"v": v}},
				Meta: map[string]any{"v": v}, CreatedAt: created, RawCode: "select '" + strings.Repeat("é\n", i) + "'",
				Columns: map[string]*ColumnInfo{"c\"d": {Name: "c\"d", Constraints: []any{v}}, "nil": nil},
			},
			Refs:        []RefArgs{{Name: "r", Version: v}},
			ModelFields: &ModelFields{Version: v, LatestVersion: v, Constraints: []any{v}},
			GenericTestFields: &GenericTestFields{
				TestMetadata: TestMetadata{Name: "t", Kwargs: map[string]any{"arg": v}},
			},
		})
	}
	for i, n := range nodes {
		if got, want := nodeJSON(t, n), encodingJSON(t, n); !bytes.Equal(got, want) {
			j := 0
			for j < len(got) && j < len(want) && got[j] == want[j] {
				j++
			}
			from := max(0, j-80)
			t.Errorf("node %d: differs from encoding/json at byte %d\n got …%s\nwant …%s", i, j,
				got[from:min(len(got), j+80)], want[from:min(len(want), j+80)])
		}
	}
	// A value encoding/json cannot write is its error, not a short node.
	bad := &CompiledNode{NodeBase: NodeBase{Config: map[string]any{"c": make(chan int)}}}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if err := encodeNode(enc, &b, bad); err == nil {
		t.Error("no error for a channel in a config")
	}
	if err := encodeNode(enc, &b, &CompiledNode{NodeBase: NodeBase{CreatedAt: math.NaN()}}); err == nil {
		t.Error("no error for a NaN created_at")
	}
}
