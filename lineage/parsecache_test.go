package lineage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// TestParseCacheSameLineage resolves every golden case three ways: parsed
// directly, through an empty cache, and from the cache the second way
// saved (no parser behind it at all). The lineage must be the same.
func TestParseCacheSameLineage(t *testing.T) {
	ctx := context.Background()
	parsers := testParsers(t)
	files, err := filepath.Glob("testdata/cases/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	type tc struct {
		name string
		in   Input
	}
	var cases []tc
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		_, secs := sections(b)
		rels := secs["upstream"]
		if rels == "" {
			rels = defaultRelations
		}
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		cases = append(cases, tc{name, Input{Node: name, Dialect: strings.TrimSpace(secs["dialect"]), SQL: secs["sql"], Relations: parseRelations(t, rels)}})
	}
	resolveAll := func(p Parsers) map[string]string {
		out := map[string]string{}
		for _, c := range cases {
			b, err := json.Marshal(Resolve(ctx, p, c.in))
			if err != nil {
				t.Fatal(err)
			}
			out[c.name] = string(b)
		}
		return out
	}
	want := resolveAll(parsers)

	cold := NewParseCache("k", nil, 0)
	gotCold := resolveAll(cold.Parsers(parsers))
	if st := cold.Stats(); st.Misses == 0 || !cold.Changed(false) {
		t.Fatalf("cold cache: stats %+v, changed %v; want misses and a change", st, cold.Changed(false))
	}
	var saved bytes.Buffer
	if err := cold.Save(&saved, false); err != nil {
		t.Fatal(err)
	}

	// No parser behind the warm cache: every parse must come from it.
	warm := NewParseCache("k", bytes.NewReader(saved.Bytes()), len(cases))
	failing := Parsers{DuckDB: failParser{t}, Postgres: failParser{t}}
	gotWarm := resolveAll(warm.Parsers(failing))
	if st := warm.Stats(); st.Misses != 0 || st.Hits != len(cases) || warm.Changed(false) {
		t.Errorf("warm cache: stats %+v, changed %v; want %d hits, no change", st, warm.Changed(false), len(cases))
	}
	for _, c := range cases {
		if gotCold[c.name] != want[c.name] {
			t.Errorf("%s through an empty cache:\nwant %s\ngot  %s", c.name, want[c.name], gotCold[c.name])
		}
		if gotWarm[c.name] != want[c.name] {
			t.Errorf("%s from the saved cache:\nwant %s\ngot  %s", c.name, want[c.name], gotWarm[c.name])
		}
	}

	// Another key (another elt version) or a damaged file: an empty cache.
	for name, r := range map[string]*bytes.Reader{
		"other key": bytes.NewReader(saved.Bytes()),
		"truncated": bytes.NewReader(saved.Bytes()[:saved.Len()/2]),
	} {
		key := "k"
		if name == "other key" {
			key = "k2"
		}
		c := NewParseCache(key, r, 1000)
		c.Parsers(parsers).DuckDB.Parse(ctx, "select 1 as x")
		if st := c.Stats(); st.Hits != 0 || st.Misses != 1 {
			t.Errorf("%s: stats %+v, want one miss", name, st)
		}
	}
}

// TestParseCacheKeepUnused: a save after a partial check keeps the parses
// it did not use only when asked to.
func TestParseCacheKeepUnused(t *testing.T) {
	ctx := context.Background()
	parsers := testParsers(t)
	first := NewParseCache("k", nil, 0)
	p := first.Parsers(parsers)
	for _, sql := range []string{"select 1 as a", "select 2 as b", "select from where"} {
		p.DuckDB.Parse(ctx, sql)
	}
	var saved bytes.Buffer
	if err := first.Save(&saved, false); err != nil {
		t.Fatal(err)
	}
	for _, keep := range []bool{true, false} {
		c := NewParseCache("k", bytes.NewReader(saved.Bytes()), 1)
		q, err := c.Parsers(Parsers{DuckDB: failParser{t}}).DuckDB.Parse(ctx, "select from where")
		if q != nil || err == nil || !strings.Contains(err.Error(), "syntax error") {
			t.Fatalf("cached parse error: got %v, %v; want DuckDB's syntax error", q, err)
		}
		if c.Changed(keep) == keep {
			t.Errorf("keepUnused %v: Changed = %v", keep, c.Changed(keep))
		}
		var out bytes.Buffer
		if err := c.Save(&out, keep); err != nil {
			t.Fatal(err)
		}
		want := 1
		if keep {
			want = 3
		}
		if got := len(NewParseCache("k", &out, 3).old); got != want {
			t.Errorf("keepUnused %v: saved %d entries, want %d", keep, got, want)
		}
	}
}

// TestParseCacheLeftUnread: a cache far larger than the parses asked for
// is not read, and not to be written.
func TestParseCacheLeftUnread(t *testing.T) {
	ctx := context.Background()
	parsers := testParsers(t)
	first := NewParseCache("k", nil, 0)
	p := first.Parsers(parsers)
	for i := range 20 {
		p.DuckDB.Parse(ctx, fmt.Sprintf("select %d as a", i))
	}
	var saved bytes.Buffer
	if err := first.Save(&saved, false); err != nil {
		t.Fatal(err)
	}
	c := NewParseCache("k", bytes.NewReader(saved.Bytes()), 1)
	if _, err := c.Parsers(parsers).DuckDB.Parse(ctx, "select 0 as a"); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st != (ParseCacheStats{Misses: 1}) || c.Changed(true) || c.Changed(false) {
		t.Errorf("unread cache: stats %+v, changed %v/%v; want one miss and no change", st, c.Changed(true), c.Changed(false))
	}
	if c := NewParseCache("k", bytes.NewReader(saved.Bytes()), 2); len(c.old) != 20 {
		t.Errorf("a cache ten times the parses: %d entries read, want 20", len(c.old))
	}
}

type failParser struct{ t *testing.T }

func (p failParser) Parse(_ context.Context, sql string) (q sqlmodel.Query, err error) {
	p.t.Errorf("parsed %q although it was cached", sql)
	return nil, context.Canceled
}
