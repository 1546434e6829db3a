package main

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestSourceStatusFresherBuild: `elt source freshness` twice, the first
// run's target/sources.json kept as state; after one source gets newer
// rows, `elt build --select source_status:fresher+` builds only what is
// downstream of that source. Without sources.json in the state folder the
// selector is refused with what to do.
func TestSourceStatusFresherBuild(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/sources.yml", `version: 2
sources:
  - name: raw
    freshness:
      warn_after: {count: 1, period: day}
    loaded_at_field: loaded_at
    tables:
      - name: orders
      - name: customers
`)
	writeFile(t, dir, "models/stg_orders.sql", "select id, loaded_at from {{ source('raw', 'orders') }}\n")
	writeFile(t, dir, "models/stg_customers.sql", "select id from {{ source('raw', 'customers') }}\n")
	writeFile(t, dir, "models/order_count.sql", "select count(*) as n from {{ ref('stg_orders') }}\n")
	writeFile(t, dir, "models/customer_count.sql", "select count(*) as n from {{ ref('stg_customers') }}\n")
	db := filepath.Join(dir, "p.duckdb")
	execDuckDB(t, db,
		"create schema raw",
		"create table raw.orders (id int, loaded_at timestamptz)",
		"insert into raw.orders values (1, now() - interval 2 hour)",
		"create table raw.customers (id int, loaded_at timestamptz)",
		"insert into raw.customers values (1, now() - interval 2 hour)",
	)
	mustElt(t, dir, "build")
	mustElt(t, dir, "source", "freshness")
	prev := filepath.Join(dir, "prev")
	if err := os.MkdirAll(prev, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"manifest.json", "sources.json"} {
		b, err := os.ReadFile(filepath.Join(dir, "target", name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, filepath.Join("prev", name), string(b))
	}

	// Only raw.orders gets newer rows.
	execDuckDB(t, db, "insert into raw.orders values (2, now() - interval 1 minute)")
	mustElt(t, dir, "source", "freshness")

	ls := mustElt(t, dir, "ls", "--select", "source_status:fresher+", "--state", "prev", "--output", "name")
	if got, want := lines(ls.stdout), []string{"order_count", "raw.orders", "stg_orders"}; !reflect.DeepEqual(sorted(got), want) {
		t.Errorf("ls source_status:fresher+: want %v, got %v", want, got)
	}
	mustElt(t, dir, "build", "--select", "source_status:fresher+", "--state", "prev")
	var built []string
	for id, st := range runStatuses(t, dir) {
		if st != "success" {
			t.Errorf("%s: %s", id, st)
		}
		built = append(built, id)
	}
	if want := []string{"model.p.order_count", "model.p.stg_orders"}; !reflect.DeepEqual(sorted(built), want) {
		t.Errorf("build source_status:fresher+: want %v, got %v", want, sorted(built))
	}
	if got := rowsOf(t, dir, "main.order_count"); got != "2" {
		t.Errorf("order_count after the fresher build: want 2, got %q", got)
	}

	// A state folder without sources.json.
	if err := os.Remove(filepath.Join(prev, "sources.json")); err != nil {
		t.Fatal(err)
	}
	res := elt(t, dir, "build", "--select", "source_status:fresher+", "--state", "prev")
	if res.code != 2 || !strings.Contains(res.stderr, "source_status:fresher needs sources.json in the --state folder") ||
		!strings.Contains(res.stderr, "elt source freshness") {
		t.Errorf("no sources.json in the state: want exit 2 saying what to do, got %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// And a current run without target/sources.json.
	writeFile(t, dir, "prev/sources.json", mustRead(t, filepath.Join(dir, "target", "sources.json")))
	if err := os.Remove(filepath.Join(dir, "target", "sources.json")); err != nil {
		t.Fatal(err)
	}
	res = elt(t, dir, "ls", "--select", "source_status:fresher", "--state", "prev")
	if res.code != 2 || !strings.Contains(res.stderr, "needs this run's target/sources.json") {
		t.Errorf("no current sources.json: want exit 2, got %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
