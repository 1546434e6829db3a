package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/graph"
	"github.com/elt-dev/elt/internal/benchgen"
)

// BenchmarkLsBenchgen10k is `elt ls` on elt-bench's 10,000-model project
// in-process, with the load and render caches a compile left: what the
// ls figure measures, minus process start-up.
func BenchmarkLsBenchgen10k(b *testing.B) {
	dir := b.TempDir()
	if err := benchgen.Write(dir, benchgen.Options{Models: 10000}); err != nil {
		b.Fatal(err)
	}
	// Old enough that every file's stat vouches for it.
	old := time.Now().Add(-time.Hour)
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			return os.Chtimes(p, old, old)
		}
		return err
	})
	env := environment{lookupEnv: os.LookupEnv, workDir: dir, homeDir: b.TempDir()}
	ctx := context.Background()
	var out, errb bytes.Buffer
	if code := runWith(ctx, []string{"compile", "--no-check"}, &out, &errb, env); code != 0 {
		b.Fatalf("compile: exit %d\n%s", code, errb.String())
	}
	b.ResetTimer()
	for b.Loop() {
		out.Reset()
		errb.Reset()
		if code := runWith(ctx, []string{"ls"}, &out, &errb, env); code != 0 {
			b.Fatalf("ls: exit %d\n%s", code, errb.String())
		}
		if n := strings.Count(out.String(), "\n"); n < 20000 {
			b.Fatalf("ls listed %d lines", n)
		}
	}
}

func TestSortByID(t *testing.T) {
	for _, ids := range [][]string{nil, {"a"}, {"b", "a"}, {"c", "a", "b", "e", "d"}, {"b", "a", "b", "a", "c"}, {"a", "b", "c"}} {
		nodes := make([]graph.Node, len(ids))
		for i, id := range ids {
			nodes[i] = graph.Node{ID: id, Name: fmt.Sprint(i)}
		}
		want := append([]graph.Node(nil), nodes...)
		sort.SliceStable(want, func(i, j int) bool { return want[i].ID < want[j].ID })
		sortByID(nodes)
		for i := range want {
			if nodes[i].ID != want[i].ID || nodes[i].Name != want[i].Name {
				t.Errorf("%v: got %v, want %v", ids, nodes, want)
				break
			}
		}
	}
}
