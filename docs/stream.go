package docs

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
)

// jsonStream writes one JSON document piece by piece. A manifest of 10,000
// nodes is tens of megabytes; encoding it entry by entry keeps memory flat
// instead of growing one buffer for the whole file. The output is the same
// compact JSON encoding/json would produce, keys sorted.
type jsonStream struct {
	w   io.Writer
	buf bytes.Buffer
	enc *json.Encoder
	err error
}

func newJSONStream(w io.Writer) *jsonStream {
	s := &jsonStream{w: w}
	s.enc = json.NewEncoder(&s.buf)
	// SQL is full of <, > and &; dbt writes them as they are.
	s.enc.SetEscapeHTML(false)
	return s
}

func (s *jsonStream) raw(p string) {
	if s.err == nil {
		_, s.err = io.WriteString(s.w, p)
	}
}

func (s *jsonStream) value(v any) {
	if s.err != nil {
		return
	}
	s.buf.Reset()
	if s.err = s.enc.Encode(v); s.err != nil {
		return
	}
	_, s.err = s.w.Write(bytes.TrimSuffix(s.buf.Bytes(), []byte("\n")))
}

// key writes `"name":`, preceded by a comma unless first.
func (s *jsonStream) key(name string, first bool) {
	if !first {
		s.raw(",")
	}
	s.value(name)
	s.raw(":")
}

func streamMap[V any](s *jsonStream, m map[string]V) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s.raw("{")
	for i, k := range keys {
		s.key(k, i == 0)
		s.value(m[k])
	}
	s.raw("}")
}

// writeTo streams the manifest with the same keys as its json tags.
func (m *Manifest) writeTo(w io.Writer) error {
	s := newJSONStream(w)
	s.raw("{")
	s.key("metadata", true)
	s.value(m.Metadata)
	s.key("nodes", false)
	streamMap(s, m.Nodes)
	s.key("sources", false)
	streamMap(s, m.Sources)
	s.key("macros", false)
	streamMap(s, m.Macros)
	s.key("docs", false)
	streamMap(s, m.Docs)
	for _, kv := range []struct {
		name string
		v    map[string]any
	}{
		{"exposures", m.Exposures}, {"metrics", m.Metrics}, {"groups", m.Groups}, {"selectors", m.Selectors},
	} {
		s.key(kv.name, false)
		streamMap(s, kv.v)
	}
	s.key("disabled", false)
	streamMap(s, m.Disabled)
	s.key("parent_map", false)
	streamMap(s, m.ParentMap)
	s.key("child_map", false)
	streamMap(s, m.ChildMap)
	s.key("group_map", false)
	streamMap(s, m.GroupMap)
	for _, kv := range []struct {
		name string
		v    map[string]any
	}{
		{"saved_queries", m.SavedQueries}, {"semantic_models", m.SemanticModels}, {"unit_tests", m.UnitTests},
	} {
		s.key(kv.name, false)
		streamMap(s, kv.v)
	}
	s.raw("}\n")
	return s.err
}
