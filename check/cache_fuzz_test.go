package check

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/elt-dev/elt/internal/fuzzguard"
	"github.com/elt-dev/elt/lineage"
)

// FuzzCheckCache checks a project with errors and warnings of every kind
// (findingsProject) with the fuzzed input as its stored cache: whatever
// the input holds, the findings are those of a check without a cache, the
// check and the cache's Save never panic, and they allocate in proportion.
// A stored cache's sections and results each end with a trailer, so a
// file damaged after it was written is not believed.
func FuzzCheckCache(f *testing.F) {
	p := parsers(f)
	in := findingsProject()
	ctx := context.Background()
	cold, err := Run(ctx, p, in)
	if err != nil {
		f.Fatal(err)
	}
	want := findingsJSON(f, cold)
	_, _, stored, _ := cachedRun(f, p, in, nil)
	// The cache as saved serves the check.
	if got, st, _, _ := cachedRun(f, p, in, stored); findingsJSON(f, got) != want || !st.Unchanged {
		f.Fatalf("the saved cache was not used (%+v) or changed the findings", st)
	}
	f.Add(stored)
	f.Add(stored[:len(stored)/2])
	f.Add(stored[:len(stored)-1])
	guard := fuzzguard.New(f, 10*time.Second)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		var got []Finding
		var err error
		guard.Run(t, 64<<20, func() {
			c := ReadCache("test", bytes.NewReader(data))
			got, err = RunCached(ctx, func() lineage.Parsers { return p }, in, c)
			if err == nil && c.Changed() {
				err = c.Save(io.Discard)
			}
		})
		if err != nil {
			t.Fatalf("a damaged cache made the check fail: %v", err)
		}
		if g := findingsJSON(t, got); g != want {
			t.Fatalf("a damaged cache changed the findings:\n%s\nwant\n%s", g, want)
		}
	})
}
