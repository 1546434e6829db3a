package compiler

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/digest"
	"github.com/elt-dev/elt/internal/targetfs"
)

// TestRenderCacheCodec: every field of an entry, and every value a
// config() call can hold, reads back as written; a damaged entry is a
// miss, not a wrong entry.
func TestRenderCacheCodec(t *testing.T) {
	entry := &cacheEntry{
		ID:       "model.shop.orders",
		ParseKey: digest.Key{1, 2, 3},
		Refs:     []Ref{{Name: "customers"}, {Package: "pkg", Name: "items", Version: "2"}},
		Sources:  [][2]string{{"raw", "payments"}},
		Macros:   []string{"macro.shop.cents"},
		InFile: map[string]any{
			"materialized": "table", "enabled": true, "full": false, "n": 3, "big": int64(-1 << 40),
			"ratio": 0.25, "none": nil, "tags": []string{"a", "b"}, "empty": []string{},
			"list": []any{"x", 1, []any{}, map[string]any{"k": "v"}}, "meta": map[string]any{"owner": "ann"},
		},
		Warnings:     diag.List{diag.Warnf("models/orders.sql", diag.Pos{Line: 3, Column: 7}, "do this", "something %d", 1)},
		Env:          []envRead{{Name: "A", Value: "1", Set: true}, {Name: "B"}},
		HasExec:      true,
		ExecKey:      digest.Key{9},
		Compiled:     "select 1\n",
		ExecWarnings: diag.List{{Severity: diag.Error, Summary: "s"}},
		ExecEnv:      []envRead{{Name: "C", Value: "", Set: true}},
	}
	c := NewRenderCache("k", nil)
	c.next[entry.ID] = entry
	c.files["compiled/a.sql"] = writtenFile{Sum: digest.Key{7}, Stamp: targetfs.Stamp{Size: 10, ModTime: 12345}}
	var saved bytes.Buffer
	if err := c.Save(&saved); err != nil {
		t.Fatal(err)
	}

	back := NewRenderCache("k", bytes.NewReader(saved.Bytes()))
	if !reflect.DeepEqual(back.oldFiles, c.files) {
		t.Errorf("files %+v, want %+v", back.oldFiles, c.files)
	}
	got := back.oldEntry(entry.ID)
	if got == nil {
		t.Fatal("entry not read back")
	}
	if got.execRaw == "" || got.Compiled != "" {
		t.Error("the compiled SQL should be decoded only when asked for")
	}
	if err := got.decodeExec(); err != nil {
		t.Fatal(err)
	}
	inFile, err := got.inFile()
	if err != nil {
		t.Fatal(err)
	}
	if other, _ := got.inFile(); reflect.ValueOf(other).Pointer() == reflect.ValueOf(inFile).Pointer() {
		t.Error("two uses of the in-file config share one map")
	}
	got.raw, got.InFile, got.inFileRaw = "", inFile, ""
	if !reflect.DeepEqual(got, entry) {
		t.Errorf("entry read back:\n got %#v\nwant %#v", got, entry)
	}

	// Saved again unchanged, it is written as it was read.
	var again bytes.Buffer
	reread := NewRenderCache("k", bytes.NewReader(saved.Bytes()))
	reread.next[entry.ID] = reread.oldEntry(entry.ID)
	reread.files = c.files
	if err := reread.Save(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), saved.Bytes()) {
		t.Error("an unchanged cache was not written back byte for byte")
	}

	// Every cut of the file is an empty cache or a miss, never a panic.
	data := saved.Bytes()
	for n := range len(data) {
		cut := NewRenderCache("k", bytes.NewReader(data[:n]))
		if e := cut.oldEntry(entry.ID); e != nil {
			t.Fatalf("cut at %d: entry read from a damaged file", n)
		}
	}
	// A flipped byte inside the entry: a miss or the same entry's keys.
	if e, err := decodeEntry(string(data[len(data)-5:])); err == nil && e.ID == entry.ID {
		t.Error("a fragment decoded as the entry")
	}
}

// BenchmarkRenderCacheOpen reads a saved cache of 5,000 nodes and takes
// every node's parse render from it, as elt ls does, and separately
// saves it back unchanged, as a compile that changed one file does.
func BenchmarkRenderCacheOpen(b *testing.B) {
	p := benchProject(5000)
	ctx := context.Background()
	opts := testOptions()
	cache := NewRenderCache("k", nil)
	opts.Cache = cache
	m, err := Parse(ctx, p, opts)
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Compile(ctx, nil); err != nil {
		b.Fatal(err)
	}
	var saved bytes.Buffer
	if err := cache.Save(&saved); err != nil {
		b.Fatal(err)
	}
	stored := saved.String()
	ids := make([]string, 0, len(p.Nodes))
	for id := range p.Nodes {
		ids = append(ids, id)
	}
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(stored)))
		for b.Loop() {
			c := NewRenderCacheFrom("k", stored)
			for _, id := range ids {
				if e := c.oldEntry(id); e == nil {
					b.Fatalf("%s not in the cache", id)
				}
			}
		}
	})
	b.Run("save", func(b *testing.B) {
		b.SetBytes(int64(len(stored)))
		for b.Loop() {
			c := NewRenderCacheFrom("k", stored)
			for _, id := range ids {
				c.next[id] = c.oldEntry(id)
			}
			var out bytes.Buffer
			if err := c.Save(&out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
