package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The write floor writes exactly the compiled files and the manifest of a
// target folder, and nothing else (not elt's caches).
func TestWriteFloorWritesTheSameFiles(t *testing.T) {
	target := t.TempDir()
	want := map[string]string{
		"compiled/shop/models/a.sql":               "select 1",
		"compiled/shop/models/deep/b.sql":          "select 2\n",
		"compiled/shop/models/_p.yml/not_null.sql": strings.Repeat("x", 70000),
		"compiled/shop/models/empty.sql":           "",
		"manifest.json":                            `{"nodes": {}}`,
	}
	for rel, data := range want {
		p := filepath.Join(target, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(target, "elt_render_cache.bin"), []byte("cache"), 0o644); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(t.TempDir(), "bundle.bin")
	files, size, err := packWriteFloor(target, bundle)
	if err != nil {
		t.Fatal(err)
	}
	var wantSize int64
	for _, d := range want {
		wantSize += int64(len(d))
	}
	if files != len(want) || size != wantSize {
		t.Errorf("packed %d files of %d bytes, want %d of %d", files, size, len(want), wantSize)
	}
	out := filepath.Join(t.TempDir(), "new")
	if err := floorWrite(context.Background(), bundle, out); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err = filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(out, p)
		got[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("wrote %d files, want %d: %v", len(got), len(want), keys(got))
	}
	for rel, data := range want {
		if got[rel] != data {
			t.Errorf("%s: got %d bytes, want %d", rel, len(got[rel]), len(data))
		}
	}
	// The folder must be new: the floor measures creating files.
	if err := floorWrite(context.Background(), bundle, out); err == nil {
		t.Error("writing into a folder that already holds the files succeeded")
	}
	// A damaged bundle is an error, not fewer files.
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.bin")
	if err := os.WriteFile(cut, data[:len(data)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readWriteFloor(cut); err == nil || !bytes.Contains([]byte(err.Error()), []byte("truncated")) {
		t.Errorf("truncated bundle: %v", err)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
