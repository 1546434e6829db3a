package docs

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/fuzzguard"
)

// FuzzManifestIndex writes a manifest of 40 models with the cache, after
// replacing the index the previous write left with the fuzzed input. The
// input's first byte says how it is stored:
//   - even: the rest as it is. An index damaged after it was written (its
//     trailer does not match) is not believed: the manifest must be byte
//     for byte a fresh encode's, but for the created_at of nodes copied.
//   - odd: the rest sealed with a matching trailer, as if elt had written
//     it. Such an index is believed (positions within a node's earlier
//     JSON are not checked again), so the manifest may differ, but the
//     write must not panic, and must allocate in proportion.
func FuzzManifestIndex(f *testing.F) {
	m := cacheTestManifest(40)
	meta := testMeta()
	c := ManifestCache{Build: "b", Index: "idx.bin"}
	dir := openTarget(f, f.TempDir())
	if _, err := WriteManifestCached(dir, "manifest.json", m, meta, c); err != nil {
		f.Fatal(err)
	}
	old, err := dir.ReadFile("manifest.json")
	if err != nil {
		f.Fatal(err)
	}
	// Each execution puts back this manifest with its modification time,
	// so that an index of it is believed.
	path := filepath.Join(dir.Path(), "manifest.json")
	fi, err := os.Stat(path)
	if err != nil {
		f.Fatal(err)
	}
	idx, err := dir.ReadFile("idx.bin")
	if err != nil {
		f.Fatal(err)
	}
	meta.GeneratedAt = genTime.Add(time.Second)
	want := blankCreatedAt(freshManifest(f, m, meta))
	if st, err := WriteManifestCached(dir, "manifest.json", m, meta, c); err != nil || st.Reused != len(m.Nodes) {
		f.Fatalf("the index as written served %d of %d nodes (%v)", st.Reused, len(m.Nodes), err)
	}
	fuzzguard.AddCacheSeeds(f, idx)
	// An index that keeps compiled JSON in the spare (written after a
	// compile -s left the nodes uncompiled): its layout is a seed too.
	type compiled struct {
		code string
		ctes []compiler.CTE
	}
	saved := map[string]compiled{}
	for id, n := range m.Nodes {
		if n.Compiled {
			saved[id] = compiled{n.CompiledCode, n.ExtraCTEs}
			n.Compiled, n.CompiledCode, n.ExtraCTEs = false, "", nil
		}
	}
	if st, err := WriteManifestCached(dir, "manifest.json", m, meta, c); err != nil || st.Reused != len(m.Nodes) {
		f.Fatalf("compile -s after compile served %d of %d nodes (%v)", st.Reused, len(m.Nodes), err)
	}
	keptIdx, err := dir.ReadFile("idx.bin")
	if err != nil {
		f.Fatal(err)
	}
	for id, was := range saved {
		n := m.Nodes[id]
		n.Compiled, n.CompiledCode, n.ExtraCTEs = true, was.code, was.ctes
	}
	if st, err := WriteManifestCached(dir, "manifest.json", m, meta, c); err != nil || st.Kept != len(saved) {
		f.Fatalf("compile after compile -s copied %d of %d nodes from the kept spare (%v)", st.Kept, len(saved), err)
	}
	fuzzguard.AddCacheSeeds(f, keptIdx)
	guard := fuzzguard.New(f, 10*time.Second)
	f.Fuzz(func(t *testing.T, data []byte) {
		index, sealed, ok := fuzzguard.CacheFile(data)
		if !ok || len(data) > 64<<10 {
			return
		}
		// Each execution starts from the manifest the index was written with.
		if err := dir.WriteFile("manifest.json", old); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
			t.Fatal(err)
		}
		if err := dir.WriteFile("idx.bin", index); err != nil {
			t.Fatal(err)
		}
		var err error
		guard.Run(t, 64<<20, func() {
			_, err = WriteManifestCached(dir, "manifest.json", m, meta, c)
		})
		if err != nil {
			t.Fatalf("a damaged index made the write fail: %v", err)
		}
		if sealed {
			return
		}
		got, err := dir.ReadFile("manifest.json")
		if err != nil {
			t.Fatal(err)
		}
		if got = blankCreatedAt(got); !bytes.Equal(got, want) {
			sameBytes(t, "damaged index", got, want)
		}
	})
}
