package project

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/elt-dev/elt/internal/fuzzguard"
	"github.com/elt-dev/elt/internal/sharedtest"
)

// FuzzLoadCache loads a project (cacheProject, its files older than the
// racy margin, so that their stats vouch for them) with the fuzzed input
// as its stored load cache. The input's first byte says how it is stored:
//   - even: the rest as it is. A file damaged after it was written (its
//     trailer does not match) is not believed: the project must be the
//     one a Load without a cache finds, warnings and all.
//   - odd: the rest sealed with a matching trailer, as if elt had written
//     it. Such a cache is believed, so the project may differ (a stored
//     file's text stands for the file's), but the Load must return a
//     project or an error, never panic, and allocate in proportion.
func FuzzLoadCache(f *testing.F) {
	dir := cacheProject(f)
	sharedtest.AgeFiles(f, dir, time.Hour)
	env := envOf("ORDERS_OWNER", "ann")
	want := plainLoad(f, dir, env)
	cachedLoad(f, dir, env) // writes the cache
	path := filepath.Join(dir, "target", FileCacheName)
	stored, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	fuzzguard.AddCacheSeeds(f, stored)
	guard := fuzzguard.New(f, fuzzMaxTime)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, sealed, ok := fuzzguard.CacheFile(data)
		if !ok || len(data) > fuzzMaxInput {
			return
		}
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
		var got *Project
		var err error
		guard.Run(t, fuzzMaxAlloc, func() {
			got, err = loadDir(t, dir, Options{Env: env, FileCache: NewFileCache("test")})
		})
		if sealed {
			if err == nil && got == nil {
				t.Fatal("Load returned neither a project nor an error")
			}
			return
		}
		if err != nil {
			t.Fatalf("a damaged cache made the load fail: %v", err)
		}
		sameProject(t, "damaged cache", want, got)
	})
}
