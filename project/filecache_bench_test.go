package project

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/elt-dev/elt/internal/benchgen"
)

// BenchmarkLoadBenchgen10kCached is BenchmarkLoadBenchgen10k with a warm
// FileCache: every file's stat vouches for it, nothing is read or parsed.
func BenchmarkLoadBenchgen10kCached(b *testing.B) {
	dir := b.TempDir()
	if err := benchgen.Write(dir, benchgen.Options{Models: 10000}); err != nil {
		b.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			return os.Chtimes(p, old, old)
		}
		return err
	})
	if _, err := loadDir(b, dir, Options{FileCache: NewFileCache("bench")}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		c := NewFileCache("bench")
		p, err := loadDir(b, dir, Options{FileCache: c})
		if err != nil {
			b.Fatal(err)
		}
		if st := c.Stats(); st.Read != 0 || st.TreesParsed != 0 {
			b.Fatalf("files read with a warm cache: %+v", st)
		}
		if p.Nodes["model.bench.m_009999"] == nil {
			b.Fatal("m_009999 not loaded")
		}
	}
}

// BenchmarkYAMLTree compares parsing a benchgen properties file (100
// models) with decoding its tree from the cache.
func BenchmarkYAMLTree(b *testing.B) {
	dir := b.TempDir()
	if err := benchgen.Write(dir, benchgen.Options{Models: 100}); err != nil {
		b.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "models", "*", "*.yml"))
	if len(matches) == 0 {
		b.Fatal("no properties file")
	}
	src, err := os.ReadFile(matches[0])
	if err != nil {
		b.Fatal(err)
	}
	root, d := parseYAML("p.yml", src)
	if d != nil {
		b.Fatal(d)
	}
	tree, ok := encodeYAML(root)
	if !ok {
		b.Fatal("not encoded")
	}
	str := string(tree)
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			if _, d := parseYAML("p.yml", src); d != nil {
				b.Fatal(d)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			if _, err := decodeYAML(str); err != nil {
				b.Fatal(err)
			}
		}
	})
}
