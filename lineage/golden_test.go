package lineage

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/elt-dev/elt/lineage/duckdbparse"
	"github.com/elt-dev/elt/lineage/pgparse"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/cases/*.txt")

// defaultRelations are the upstream nodes every case may read, unless the
// case lists its own in an upstream section.
const defaultRelations = `
"db"."main"."orders" orders: order_id, customer_id, amount, status, ordered_at
"db"."main"."customers" customers: customer_id, name, email
"db"."main"."payments" payments: payment_id, order_id, method, amount
"db"."main"."events" events: ?
`

// parseRelations reads lines `relation node: col, col` (`?` for unknown columns).
func parseRelations(t *testing.T, s string) map[string]Relation {
	out := map[string]Relation{}
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		head, cols, ok := strings.Cut(line, ":")
		f := strings.Fields(head)
		if !ok || len(f) != 2 {
			t.Fatalf("bad upstream line %q", line)
		}
		rel := Relation{Node: f[1]}
		if strings.TrimSpace(cols) != "?" {
			rel.Columns = []string{}
			for _, c := range strings.Split(cols, ",") {
				rel.Columns = append(rel.Columns, strings.TrimSpace(c))
			}
		}
		out[f[0]] = rel
	}
	return out
}

// sections splits a case file into its `-- name --` sections.
func sections(b []byte) (order []string, secs map[string]string) {
	secs = map[string]string{}
	cur := ""
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --") && len(l) > 6 {
			cur = strings.TrimSuffix(strings.TrimPrefix(l, "-- "), " --")
			order = append(order, cur)
			continue
		}
		if cur != "" {
			secs[cur] += line
		}
	}
	return order, secs
}

func testParsers(t testing.TB) Parsers {
	d, err := duckdbparse.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return Parsers{DuckDB: d, Postgres: pgparse.Parser{}}
}

func TestLineageGolden(t *testing.T) {
	parsers := testParsers(t)
	files, err := filepath.Glob("testdata/cases/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 60 {
		t.Errorf("want at least 60 golden cases, have %d", len(files))
	}
	sort.Strings(files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			order, secs := sections(b)
			dialect := strings.TrimSpace(secs["dialect"])
			if dialect == "" {
				t.Fatal("no dialect section")
			}
			rels := secs["upstream"]
			if rels == "" {
				rels = defaultRelations
			}
			m := Resolve(context.Background(), parsers, Input{Node: name, Dialect: dialect, SQL: secs["sql"], Relations: parseRelations(t, rels)})
			got, err := json.MarshalIndent(m, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			if *update {
				var out bytes.Buffer
				wrote := false
				for _, s := range order {
					if s == "want" {
						continue
					}
					out.WriteString("-- " + s + " --\n" + secs[s])
				}
				out.WriteString("-- want --\n")
				out.Write(got)
				wrote = true
				_ = wrote
				if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := secs["want"]; want != string(got) {
				t.Errorf("lineage of %s:\n--- want\n%s\n--- got\n%s", file, want, got)
			}
		})
	}
}
