package compiler

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elt-dev/elt/internal/fuzzguard"
	"github.com/elt-dev/elt/project"
)

// fuzzCacheProject renders every kind of thing the render cache keeps:
// refs, a config() call, macro calls, an env_var() read, a warning, and
// compiled SQL.
func fuzzCacheProject() *project.Project {
	p := benchProject(4)
	q := newProject(map[string]string{
		"models/env.sql":  "{{ config(tags=['a', 'b'], meta={'k': 1}) }}\nselect '{{ env_var(\"ELT_TEST_ENV\") }}' as e, * from {{ ref('m3') }}\n",
		"models/warn.sql": "{{ exceptions.warn('a warning') }}select 1 as x\n",
	})
	for id, n := range q.Nodes {
		p.Nodes[id] = n
	}
	return p
}

// fuzzRun is what a Parse and Compile made, and the warnings sent.
type fuzzRun struct {
	m     *Manifest
	warns []string
}

// renderDump is what a Parse and Compile made of a project that the render
// cache can change: every node's refs, sources, macros, configs and
// compiled SQL, and the warnings.
func renderDump(r *fuzzRun) string {
	var b strings.Builder
	m := r.m
	for _, id := range slices.Sorted(maps.Keys(m.Nodes)) {
		n := m.Nodes[id]
		fmt.Fprintf(&b, "%s\n refs %v\n sources %v\n depends %v %v\n config %v\n unrendered %v\n compiled %t %q\n",
			id, n.Refs, n.SourceRefs, n.DependsOn.Nodes, n.DependsOn.Macros, n.Config, n.UnrenderedConfig, n.Compiled, n.CompiledCode)
	}
	for _, w := range m.Warnings {
		fmt.Fprintf(&b, "warning %s\n", w.Error())
	}
	for _, w := range r.warns {
		fmt.Fprintf(&b, "warn() %s\n", w)
	}
	return b.String()
}

func fuzzCompile(p *project.Project, cache *RenderCache) (*fuzzRun, error) {
	ctx := context.Background()
	opts := testOptions()
	opts.Cache = cache
	r := &fuzzRun{}
	var mu sync.Mutex
	opts.Warn = func(msg string) error {
		mu.Lock()
		defer mu.Unlock()
		r.warns = append(r.warns, msg)
		return nil
	}
	m, err := Parse(ctx, p, opts)
	r.m = m
	if err != nil {
		return r, err
	}
	return r, m.Compile(ctx, nil)
}

// FuzzRenderCache parses and compiles a small project (fuzzCacheProject)
// with the fuzzed input as its stored render cache. The input's first byte
// says how it is stored:
//   - even: the rest as it is. A file damaged after it was written (its
//     trailer does not match) is not believed: what Parse and Compile make
//     of the project must be what they make without a cache.
//   - odd: the rest sealed with a matching trailer, as if elt had written
//     it. Such a cache is believed (an entry's key stands for its render),
//     so the result may differ, but Parse, Compile and Save must not
//     panic, and must allocate in proportion.
func FuzzRenderCache(f *testing.F) {
	p := fuzzCacheProject()
	first, err := fuzzCompile(p, NewRenderCache("k", nil))
	if err != nil {
		f.Fatal(err)
	}
	want := renderDump(first)
	cache := NewRenderCache("k", nil)
	if _, err := fuzzCompile(p, cache); err != nil {
		f.Fatal(err)
	}
	var saved bytes.Buffer
	if err := cache.Save(&saved); err != nil {
		f.Fatal(err)
	}
	stored := saved.Bytes()
	// The cache as saved serves the renders (warn.sql's warning is not
	// kept, so it is rendered again) and changes nothing.
	reused := NewRenderCache("k", bytes.NewReader(stored))
	again, err := fuzzCompile(p, reused)
	if err != nil {
		f.Fatal(err)
	}
	if st := reused.Stats(); st.ParseHits < len(first.m.Nodes)-1 || st.CompileHits < len(first.m.Nodes)-1 {
		f.Fatalf("the saved cache served %+v of %d nodes", st, len(first.m.Nodes))
	}
	if d := renderDump(again); d != want {
		f.Fatalf("the saved cache changed the compile:\n got %s\nwant %s", d, want)
	}
	if !strings.Contains(want, "from-env") || !strings.Contains(want, "a warning") || !strings.Contains(want, "tags:[a b]") {
		f.Fatalf("the project does not render what the cache keeps:\n%s", want)
	}
	fuzzguard.AddCacheSeeds(f, stored)
	guard := fuzzguard.New(f, 10*time.Second)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, sealed, ok := fuzzguard.CacheFile(data)
		if !ok || len(data) > 64<<10 {
			return
		}
		var got *fuzzRun
		var err error
		guard.Run(t, 64<<20, func() {
			c := NewRenderCache("k", bytes.NewReader(file))
			got, err = fuzzCompile(p, c)
			if err == nil {
				err = c.Save(io.Discard)
			}
		})
		if sealed {
			return
		}
		if err != nil {
			t.Fatalf("a damaged cache made the compile fail: %v", err)
		}
		if d := renderDump(got); d != want {
			t.Fatalf("a damaged cache changed the compile:\n got %s\nwant %s", d, want)
		}
	})
}

// TestRenderCacheDamagedContents: a stored cache whose bytes changed in
// place, its length kept (what a crash can leave of a file written without
// a sync), is not believed: a changed byte of a model's compiled SQL would
// otherwise be served as that model's SQL, its key being intact.
func TestRenderCacheDamagedContents(t *testing.T) {
	p := fuzzCacheProject()
	cache := NewRenderCache("k", nil)
	first, err := fuzzCompile(p, cache)
	if err != nil {
		t.Fatal(err)
	}
	var saved bytes.Buffer
	if err := cache.Save(&saved); err != nil {
		t.Fatal(err)
	}
	damaged := saved.Bytes()
	at := bytes.Index(damaged, []byte("from-env"))
	if at < 0 {
		t.Fatal("the cache does not hold env.sql's compiled SQL")
	}
	damaged[at] = 'F'
	c := NewRenderCache("k", bytes.NewReader(damaged))
	got, err := fuzzCompile(p, c)
	if err != nil {
		t.Fatal(err)
	}
	if d, want := renderDump(got), renderDump(first); d != want {
		t.Fatalf("a damaged cache changed the compile:\n got %s\nwant %s", d, want)
	}
	if st := c.Stats(); st.ParseHits != 0 || st.CompileHits != 0 {
		t.Errorf("a damaged cache served renders: %+v", st)
	}
}
