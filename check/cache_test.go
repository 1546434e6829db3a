package check

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/elt-dev/elt/internal/trailer"
	"github.com/elt-dev/elt/lineage"
)

// cachedRun runs a check with the cache stored by the previous one (none
// when stored is nil) and returns its findings, its stats, the cache it
// stores for the next one and how many times it asked for parsers.
func cachedRun(t testing.TB, p lineage.Parsers, in Input, stored []byte) ([]Finding, CacheStats, []byte, int) {
	t.Helper()
	c := NewCache("test")
	if stored != nil {
		c = ReadCache("test", bytes.NewReader(stored))
	}
	asked := 0
	got, err := RunCached(context.Background(), func() lineage.Parsers { asked++; return p }, in, c)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Changed() {
		return got, c.Stats(), stored, asked
	}
	var b bytes.Buffer
	if err := c.Save(&b); err != nil {
		t.Fatal(err)
	}
	return got, c.Stats(), b.Bytes(), asked
}

func findingsJSON(t testing.TB, f []Finding) string {
	t.Helper()
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// clone copies the input's nodes, so a test can change one.
func clone(in Input) Input {
	out := Input{KnownRelations: in.KnownRelations}
	for _, n := range in.Nodes {
		c := *n
		out.Nodes = append(out.Nodes, &c)
	}
	return out
}

func node(in Input, name string) *Node {
	for _, n := range in.Nodes {
		if n.Name == name {
			return n
		}
	}
	panic(name)
}

// findingsProject has errors and warnings of every kind: a model with a
// misspelt column, an unknown alias and a source's declared columns, and
// a second model reading it and an unknown relation.
func findingsProject() Input {
	in := project("duckdb",
		"select\n    id,\n    custmer_id, c.email\nfrom {{ ref('raw_orders') }} join {{ source('shop', 'customers') }} c on c.id = customer_id\nwhere status = 1 and o.x = 1",
		"select\n    id,\n    custmer_id, c.email\nfrom \"db\".\"main\".\"raw_orders\" join \"db\".\"raw\".\"customers\" c on c.id = customer_id\nwhere status = 1 and o.x = 1")
	in.Nodes = append(in.Nodes, &Node{Kind: "model", File: "models/n.sql", Check: true,
		RawSQL: "select id, nope from {{ ref('m') }} join main.raw_order using (id)",
		Node: lineage.Node{Name: "n", Relation: `"db"."main"."n"`, Dialect: "duckdb",
			SQL: `select id, nope from "db"."main"."m" join main.raw_order using (id)`, DependsOn: []string{"m"}}})
	return in
}

// TestCachedFindingsSameAsCold: a check answered from the cache, whole or
// model by model, finds exactly what a check without a cache finds, on a
// project with errors and warnings of every kind.
func TestCachedFindingsSameAsCold(t *testing.T) {
	p := parsers(t)
	in := findingsProject()
	cold, err := Run(context.Background(), p, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(cold) < 4 {
		t.Fatalf("the project should have several findings, got %s", findingsJSON(t, cold))
	}
	want := findingsJSON(t, cold)

	// A source's declared columns make two lineage builds: each model is
	// parsed once all the same.
	first, st, stored, _ := cachedRun(t, p, in, nil)
	if got := findingsJSON(t, first); got != want || st.Unchanged || st.Reused != 0 || st.Parsed != 3 {
		t.Fatalf("first cached check (%+v; want 3 models parsed):\n%s\nwant\n%s", st, got, want)
	}
	// Nothing changed: the findings come from the cache, nothing is parsed.
	again, st, stored2, asked := cachedRun(t, p, in, stored)
	if got := findingsJSON(t, again); got != want || !st.Unchanged || asked != 0 || !bytes.Equal(stored, stored2) {
		t.Errorf("unchanged project (%+v, parsers asked %d times):\n%s\nwant\n%s", st, asked, got, want)
	}
	// Another selection: every model's result comes from the cache, the
	// findings are the selected models'.
	sel := clone(in)
	node(sel, "m").Check = false
	selCold, err := Run(context.Background(), p, sel)
	if err != nil {
		t.Fatal(err)
	}
	selCached, st, _, asked := cachedRun(t, p, sel, stored)
	if g, w := findingsJSON(t, selCached), findingsJSON(t, selCold); g != w || st.Unchanged || st.Resolved != 0 || asked != 0 {
		t.Errorf("another selection (%+v, parsers asked %d times):\n%s\nwant\n%s", st, asked, g, w)
	}
	// A cache of another key is not used.
	c := ReadCache("other", bytes.NewReader(stored))
	got, err := RunCached(context.Background(), func() lineage.Parsers { return p }, in, c)
	if err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Unchanged || st.Reused != 0 || findingsJSON(t, got) != want {
		t.Errorf("cache of another key: %+v", st)
	}
	// A damaged cache is an empty one: cut in its header, the whole
	// check runs; cut in the models' results, none is reused.
	if got, st, _, _ := cachedRun(t, p, in, stored[:10]); findingsJSON(t, got) != want || st.Unchanged || st.Reused != 0 {
		t.Errorf("cache cut in its header: %+v", st)
	}
	for _, cut := range []int{len(stored) / 2, len(stored) - 1} {
		got, st, _, _ := cachedRun(t, p, sel, stored[:cut])
		if findingsJSON(t, got) != findingsJSON(t, selCold) || st.Unchanged || st.Reused != 0 {
			t.Errorf("cache cut at %d of %d bytes: %+v", cut, len(stored), st)
		}
	}
}

// TestCacheRechecksReaders: when a model's columns or types change, the
// models reading it are checked again (a stale cache never hides a
// finding), and models whose inputs did not change are reused.
func TestCacheRechecksReaders(t *testing.T) {
	p := parsers(t)
	seed := &Node{Kind: "seed", File: "seeds/s.csv", Node: lineage.Node{Name: "s", Relation: `"db"."main"."s"`,
		Columns: []string{"id", "name", "amount"}, Types: map[string]string{"id": "integer", "name": "text", "amount": "integer"}}}
	model := func(name, sql string, deps ...string) *Node {
		return &Node{Kind: "model", File: "models/" + name + ".sql", Check: true, RawSQL: sql,
			Node: lineage.Node{Name: name, Relation: `"db"."main"."` + name + `"`, Dialect: "duckdb", SQL: sql, DependsOn: deps}}
	}
	base := Input{Nodes: []*Node{seed,
		model("a", `select id, name, amount from "db"."main"."s"`, "s"),
		model("b", `select name from "db"."main"."a" where amount = 1`, "a"),
		model("c", `select b.name from "db"."main"."b" as b`, "b"),
		model("other", `select id from "db"."main"."s"`, "s"),
	}}
	_, st, stored, _ := cachedRun(t, p, base, nil)
	if st.Resolved != 4 {
		t.Fatalf("first check: %+v", st)
	}
	cases := []struct {
		name     string
		change   func(in Input)
		resolved int // models resolved again
		want     string
	}{{
		name:     "a column removed upstream",
		change:   func(in Input) { node(in, "a").SQL = `select id, amount from "db"."main"."s"` },
		resolved: 3, // a, b, and c: b's name no longer has a's type
		want:     "unknown_column models/b.sql:1:8 column name is not a column of a",
	}, {
		name: "a column's type changed upstream",
		change: func(in Input) {
			node(in, "s").Types = map[string]string{"id": "integer", "name": "text", "amount": "text"}
		},
		resolved: 3, // a, b, other read s; c reads b, whose types did not change
		want:     "type_mismatch models/b.sql:1:40 amount (text) is compared with the number 1, which is not a text value",
	}, {
		name:     "a seed column renamed",
		change:   func(in Input) { node(in, "s").Columns = []string{"id", "full_name", "amount"} },
		resolved: 4, // a no longer has name, so b has a finding; c reads b, unchanged
		want:     "unknown_column models/a.sql:1:12 column name is not a column of s",
	}, {
		name:     "the middle model's SQL changed, its columns not",
		change:   func(in Input) { node(in, "b").SQL = `select name from "db"."main"."a" where amount = 2` },
		resolved: 1,
	}, {
		name:     "a model made ephemeral: its readers name it otherwise",
		change:   func(in Input) { node(in, "b").Ephemeral = true },
		resolved: 1, // c, whose SQL now names no input (its relation is known, so no finding)
	}, {
		name:     "a model's relation renamed",
		change:   func(in Input) { node(in, "b").Relation = `"db"."other"."b"` },
		resolved: 1, // c: its SQL names a relation no node has
		want:     "unknown_relation models/c.sql:1:20 relation db.main.b is not a ref, a source or a CTE",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := clone(base)
			c.change(in)
			cold, err := Run(context.Background(), p, in)
			if err != nil {
				t.Fatal(err)
			}
			got, st, _, _ := cachedRun(t, p, in, stored)
			if g, w := findingsJSON(t, got), findingsJSON(t, cold); g != w {
				t.Fatalf("cached check:\n%s\ncold check:\n%s", g, w)
			}
			var lines []string
			for _, f := range got {
				lines = append(lines, fmt.Sprintf("%s %s %s", f.Kind, f.Diagnostic().Location(), f.Message))
			}
			if g := strings.Join(lines, "\n"); g != c.want {
				t.Errorf("findings:\n%s\nwant\n%s", g, c.want)
			}
			if st.Resolved != c.resolved || st.Reused != 4-c.resolved {
				t.Errorf("stats %+v; want %d models resolved again, the others reused", st, c.resolved)
			}
		})
	}
}

// TestCacheKeepsUnreadResults: when no stored result can serve (every
// model with SQL changed, the others not compiled: compile -s of one
// model), the results are not read and the cache keeps them byte for
// byte, with the new result apart; a later check of that model reuses
// the new result, and one of the whole project every stored one.
func TestCacheKeepsUnreadResults(t *testing.T) {
	p := parsers(t)
	in := project("duckdb",
		"select id, customer_id from {{ ref('raw_orders') }}",
		`select id, customer_id from "db"."main"."raw_orders"`)
	in.Nodes = append(in.Nodes, &Node{Kind: "model", File: "models/n.sql", Check: true,
		RawSQL: "select id, nope from {{ ref('m') }}",
		Node: lineage.Node{Name: "n", Relation: `"db"."main"."n"`, Dialect: "duckdb",
			SQL: `select id, nope from "db"."main"."m"`, DependsOn: []string{"m"}}})
	_, st, stored, _ := cachedRun(t, p, in, nil)
	if st.Resolved == 0 {
		t.Fatalf("first check resolved nothing: %+v", st)
	}

	// n edited and compiled alone: the other models have no SQL this time.
	one := clone(in)
	for _, name := range []string{"stg_orders", "m"} {
		node(one, name).SQL, node(one, name).Check = "", false
	}
	node(one, "n").SQL = `select id, nope, 1 as x from "db"."main"."m"`
	cold, err := Run(context.Background(), p, one)
	if err != nil {
		t.Fatal(err)
	}
	got, st, kept, _ := cachedRun(t, p, one, stored)
	if g, w := findingsJSON(t, got), findingsJSON(t, cold); g != w {
		t.Errorf("findings with the cache:\n%s\nwant\n%s", g, w)
	}
	if st.ResultsRead || st.Reused != 0 || st.Resolved == 0 {
		t.Errorf("one model changed, nothing reusable: %+v, want its result resolved and the stored ones not read", st)
	}
	if a, b := results(t, stored), results(t, kept); !bytes.Equal(a, b) {
		t.Errorf("stored results changed: %d bytes, were %d", len(b), len(a))
	}
	if a, b := kept, stored; bytes.Equal(a, b) {
		t.Error("the header was not written anew")
	}

	// The same models again, the check's input otherwise changed: n's
	// result comes from the recent ones, the others are still not read.
	other := clone(one)
	other.KnownRelations = []string{"main.elsewhere"}
	if _, st, _, asked := cachedRun(t, p, other, kept); st.ResultsRead || st.Resolved != 0 || st.Reused == 0 || asked != 0 {
		t.Errorf("compile -s again, nothing changed in its model: %+v, parsers asked %d times; want its recent result reused", st, asked)
	}

	// The whole project again: every model comes from the kept results.
	again, err := Run(context.Background(), p, in)
	if err != nil {
		t.Fatal(err)
	}
	got, st, _, asked := cachedRun(t, p, in, kept)
	if g, w := findingsJSON(t, got), findingsJSON(t, again); g != w {
		t.Errorf("findings after the kept cache:\n%s\nwant\n%s", g, w)
	}
	if !st.ResultsRead || st.Resolved != 0 || st.Reused == 0 || asked != 0 {
		t.Errorf("whole project after compile -s: %+v, parsers asked %d times; want every model reused", st, asked)
	}
}

// results is what follows a stored cache's header, index and recent
// results.
func results(t *testing.T, stored []byte) []byte {
	t.Helper()
	b := stored[len(cacheMagic):]
	for range 3 { // header, index, recent results
		n, k := binary.Uvarint(b)
		if k <= 0 || int(n) > len(b)-k {
			t.Fatalf("cache of %d bytes without a header and index", len(stored))
		}
		b = b[k+int(n):]
	}
	return b
}

// TestCacheRewritesManyNewResults: a check whose models all changed, more
// of them than keepUnread, reads the stored results and writes every new
// one with the others: the next check reuses them all.
func TestCacheRewritesManyNewResults(t *testing.T) {
	p := parsers(t)
	in := project("duckdb", "select id from {{ ref('raw_orders') }}", `select id from "db"."main"."raw_orders"`)
	for i := range keepUnread + 1 {
		name := fmt.Sprintf("w%03d", i)
		in.Nodes = append(in.Nodes, &Node{Kind: "model", File: "models/" + name + ".sql", Check: true,
			RawSQL: "select id from {{ ref('raw_orders') }}",
			Node: lineage.Node{Name: name, Relation: `"db"."main"."` + name + `"`, Dialect: "duckdb",
				SQL: `select id from "db"."main"."raw_orders"`, DependsOn: []string{"raw_orders"}}})
	}
	_, _, stored, _ := cachedRun(t, p, in, nil)
	changed := clone(in)
	for _, n := range changed.Nodes {
		if n.SQL != "" {
			n.SQL += " where id > 0"
		}
	}
	_, st, kept, _ := cachedRun(t, p, changed, stored)
	if !st.ResultsRead || st.Reused != 0 {
		t.Errorf("every model changed: %+v; want the stored results read and none reused", st)
	}
	changed.KnownRelations = []string{"main.elsewhere"}
	if _, st, _, asked := cachedRun(t, p, changed, kept); st.Resolved != 0 || asked != 0 {
		t.Errorf("after the rewrite: %+v, parsers asked %d times; want every model reused", st, asked)
	}
}

// TestCacheDamagedIndex: a cache whose index does not match its results
// (a name changed in the index, its count cut) is a cache without
// results: the check finds what a cold one finds and reuses nothing.
func TestCacheDamagedIndex(t *testing.T) {
	p := parsers(t)
	in := project("duckdb", "select id, custmer_id from {{ ref('raw_orders') }}", `select id, custmer_id from "db"."main"."raw_orders"`)
	cold, err := Run(context.Background(), p, in)
	if err != nil {
		t.Fatal(err)
	}
	_, _, stored, _ := cachedRun(t, p, in, nil)
	// The index follows the magic and the header, each ending with its
	// trailer.
	h, k := binary.Uvarint(stored[len(cacheMagic):])
	at := len(cacheMagic) + k + int(h)
	n, k2 := binary.Uvarint(stored[at:])
	from, to := at+k2, at+k2+int(n)-trailer.Size
	other := clone(in)
	other.KnownRelations = []string{"main.elsewhere"} // not answered by the header
	for what, damage := range map[string]func([]byte){
		"a name changed": func(b []byte) { i := bytes.Index(b, []byte("stg_orders")); b[i] = 'x' },
		"count cut":      func(b []byte) { b[0]-- },
	} {
		bad := bytes.Clone(stored)
		damage(bad[from:to])
		// Sealed again, as if written so: the damage reaches the index's
		// own checks instead of stopping at its trailer.
		sum := trailer.Of(bad[from:to])
		copy(bad[to:], sum[:])
		got, st, _, _ := cachedRun(t, p, other, bad)
		if st.Reused != 0 || findingsJSON(t, got) != findingsJSON(t, cold) {
			t.Errorf("index with %s: %+v", what, st)
		}
	}
}

// TestCacheDamagedLength: a section length that claims far more than the
// file holds is a cache without results, read without allocating what
// it claims.
func TestCacheDamagedLength(t *testing.T) {
	bad := binary.AppendUvarint([]byte(cacheMagic), maxSection)
	bad = append(bad, "short"...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c := ReadCache("test", bytes.NewReader(bad))
	runtime.ReadMemStats(&after)
	if c.stored != nil {
		t.Error("a cache whose header is cut was read")
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("reading a cut cache allocated %d bytes", grew)
	}
}
