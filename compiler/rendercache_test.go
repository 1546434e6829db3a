package compiler

import (
	"bytes"
	"context"
	"testing"
)

// TestRenderCacheRoundTrip: a second Parse and Compile over the same
// project with the first one's saved cache renders nothing and compiles
// the same SQL (run with -race: the cache is used from every worker).
func TestRenderCacheRoundTrip(t *testing.T) {
	p := benchProject(300)
	ctx := context.Background()
	compile := func(saved []byte) (*Manifest, *RenderCache) {
		t.Helper()
		var r *bytes.Reader
		cache := NewRenderCache("k", nil)
		if saved != nil {
			r = bytes.NewReader(saved)
			cache = NewRenderCache("k", r)
		}
		opts := testOptions()
		opts.Cache = cache
		m, err := Parse(ctx, p, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Compile(ctx, nil); err != nil {
			t.Fatal(err)
		}
		return m, cache
	}
	first, cache := compile(nil)
	var saved bytes.Buffer
	if err := cache.Save(&saved); err != nil {
		t.Fatal(err)
	}
	second, cache2 := compile(saved.Bytes())
	if st := cache2.Stats(); st.ParseMisses != 0 || st.CompileMisses != 0 || st.ParseHits != 300 || st.CompileHits != 300 {
		t.Errorf("stats %+v; want every render from the cache", st)
	}
	for id, n := range first.Nodes {
		if got := second.Nodes[id].CompiledCode; got != n.CompiledCode {
			t.Errorf("%s: %q from the cache, %q rendered", id, got, n.CompiledCode)
		}
		if a, b := first.Nodes[id].DependsOn.Macros, second.Nodes[id].DependsOn.Macros; len(a) != len(b) {
			t.Errorf("%s: macros %v, want %v", id, b, a)
		}
	}
	// Another key: nothing is reused.
	other := NewRenderCache("other", bytes.NewReader(saved.Bytes()))
	opts := testOptions()
	opts.Cache = other
	if _, err := Parse(ctx, p, opts); err != nil {
		t.Fatal(err)
	}
	if st := other.Stats(); st.ParseHits != 0 {
		t.Errorf("cache of another key used: %+v", st)
	}
	// A damaged file is an empty cache, not an error.
	broken := NewRenderCache("k", bytes.NewReader(saved.Bytes()[:saved.Len()/2]))
	opts.Cache = broken
	if _, err := Parse(ctx, p, opts); err != nil {
		t.Fatal(err)
	}
}
