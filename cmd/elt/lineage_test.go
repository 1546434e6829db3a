package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLineageShop follows fct_orders.order_total through the example
// project, down to the seed columns: through the ephemeral
// int_order_totals, its CTEs and aggregates, and the staging views.
func TestLineageShop(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "../../examples/shop", dir)
	os.Remove(filepath.Join(dir, "shop.duckdb"))

	r := elt(t, dir, "lineage", "fct_orders.order_total", "--output", "json")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	var got struct {
		Column               string
		Upstream, Downstream []struct{ Node, Column, Type string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	flat := func(l []struct{ Node, Column, Type string }) string {
		var s []string
		for _, e := range l {
			s = append(s, e.Node+"."+e.Column+" "+e.Type)
		}
		return strings.Join(s, "\n")
	}
	wantUp := strings.Join([]string{
		// Depth 1: the ephemeral model's column, and the join keys of fct_orders.
		"int_order_totals.items_total_cents transformation",
		"int_order_totals.order_id indirect",
		"stg_orders.order_id indirect",
		"stg_payments.order_id indirect",
		// Depth 2: int_order_totals sums stg_order_items.line_total_cents by order.
		"stg_order_items.line_total_cents aggregation",
		"stg_order_items.order_id indirect",
		"raw_orders.order_id indirect",
		"raw_payments.order_id indirect",
		// Depth 3: the seed columns line_total_cents multiplies.
		"raw_order_items.quantity aggregation",
		"raw_order_items.unit_price_cents aggregation",
		"raw_order_items.order_id indirect",
	}, "\n")
	if got.Column != "fct_orders.order_total" {
		t.Errorf("column: %q", got.Column)
	}
	if f := flat(got.Upstream); f != wantUp {
		t.Errorf("upstream:\n--- want\n%s\n--- got\n%s", wantUp, f)
	}
	if f, want := flat(got.Downstream), "daily_revenue.revenue aggregation"; f != want {
		t.Errorf("downstream:\n--- want\n%s\n--- got\n%s", want, f)
	}
	if _, err := os.Stat(filepath.Join(dir, "shop.duckdb")); err == nil {
		t.Error("elt lineage created the warehouse file")
	}

	t.Run("the same on Postgres", func(t *testing.T) {
		// The pg target is compiled, not connected to: pg_query parses its SQL.
		pg := elt(t, dir, "lineage", "fct_orders.order_total", "--output", "json", "--target", "pg")
		if pg.code != 0 || pg.stderr != "" || pg.stdout != r.stdout {
			t.Errorf("exit %d, stderr %s\n--- want (as on DuckDB)\n%s\n--- got\n%s", pg.code, pg.stderr, r.stdout, pg.stdout)
		}
	})
	t.Run("identity chain to a seed", func(t *testing.T) {
		r := elt(t, dir, "lineage", "dim_customers.email", "--upstream", "--output", "json")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		got = struct {
			Column               string
			Upstream, Downstream []struct{ Node, Column, Type string }
		}{}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		want := "stg_customers.email identity\nfct_orders.customer_id indirect\nstg_customers.customer_id indirect\n" +
			"raw_customers.email transformation"
		if f := flat(got.Upstream); !strings.HasPrefix(f, want) {
			t.Errorf("upstream:\n--- want prefix\n%s\n--- got\n%s", want, f)
		}
		if got.Downstream != nil {
			t.Errorf("--upstream printed downstream too: %v", got.Downstream)
		}
	})
	t.Run("an empty direction is []", func(t *testing.T) {
		r := elt(t, dir, "lineage", "daily_revenue.revenue", "--downstream", "--output", "json")
		if want := "{\n  \"column\": \"daily_revenue.revenue\",\n  \"downstream\": []\n}\n"; r.code != 0 || r.stdout != want {
			t.Errorf("exit %d\n--- want\n%s--- got\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	})
	t.Run("downstream depth", func(t *testing.T) {
		r := elt(t, dir, "lineage", "raw_orders.status", "--downstream", "--depth", "1")
		want := "raw_orders.status\ndownstream:\n  1  stg_orders.status                        transformation\n"
		if r.code != 0 || r.stdout != want {
			t.Errorf("exit %d\n--- want\n%s--- got\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	})
	t.Run("model columns", func(t *testing.T) {
		r := elt(t, dir, "lineage", "stg_orders")
		wantAll(t, r.stdout, "stg_orders\n", "order_date               <- raw_orders.ordered_at (transformation)", "status                   <- raw_orders.status (transformation)")
	})
	t.Run("ls keeps its own --output default", func(t *testing.T) {
		// Both commands define --output; lineage's default must not become ls's.
		r := elt(t, dir, "ls", "--resource-type", "seed")
		if r.code != 0 || !strings.Contains(r.stdout, "shop.raw_orders\n") {
			t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = elt(t, dir, "lineage", "stg_orders.status", "--output", "yaml")
		if r.code != exitUsage || !strings.Contains(r.stderr, `--output must be text or json, not "yaml"`) {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("unknown column", func(t *testing.T) {
		r := elt(t, dir, "lineage", "stg_orders.nope")
		if r.code != exitUsage || !strings.Contains(r.stderr, `stg_orders has no column "nope" (it has: order_id, customer_id, ordered_at, order_date, status)`) {
			t.Errorf("exit %d, stderr %s", r.code, r.stderr)
		}
	})
}

// TestLineageDegraded: a model DuckDB cannot parse keeps table-level
// lineage, with a warning naming the model, the line and the construct;
// a model reading it with * degrades in turn, and nothing crashes.
func TestLineageDegraded(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: deg\nprofile: deg\n")
	writeFile(t, dir, "profiles.yml", "deg:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: deg.duckdb\n")
	writeFile(t, dir, "seeds/raw.csv", "id,amount\n1,2\n")
	writeFile(t, dir, "models/bad.sql", "select id,\n  amount +\nfrom {{ ref('raw') }}\n")
	writeFile(t, dir, "models/reader.sql", "select * from {{ ref('bad') }}\n")
	writeFile(t, dir, "models/good.sql", "select id, amount * 2 as double_amount from {{ ref('raw') }}\n")

	r := elt(t, dir, "lineage", "raw.amount", "--downstream", "--output", "json")
	want := `{
  "column": "raw.amount",
  "downstream": [
    {
      "node": "good",
      "column": "double_amount",
      "type": "transformation"
    },
    {
      "node": "bad",
      "type": "table"
    },
    {
      "node": "reader",
      "type": "table"
    }
  ]
}
`
	if r.code != 0 || r.stdout != want {
		t.Errorf("exit %d\n--- want\n%s--- got\n%s\n%s", r.code, want, r.stdout, r.stderr)
	}
	wantAll(t, r.stderr,
		"lineage: bad line 3: parse error: syntax error at or near \"from\"; table-level lineage only",
		"lineage: reader line 1: *: the columns of bad are unknown, so the output columns are too",
	)
	r = elt(t, dir, "lineage", "bad")
	if r.code != 0 || !strings.Contains(r.stdout, "(the column list is incomplete; reads: raw)") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = elt(t, dir, "lineage", "reader.id")
	if r.code != exitUsage || !strings.Contains(r.stderr, "the columns of reader are unknown") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestLineageSourceColumns: a source's columns come from its properties
// YAML, else from the warehouse when it exists; else * over it degrades.
func TestLineageSourceColumns(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: src\nprofile: src\n")
	writeFile(t, dir, "profiles.yml", "src:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: src.duckdb\n")
	writeFile(t, dir, "models/sources.yml", "version: 2\nsources:\n  - name: raw\n    schema: main\n    tables:\n"+
		"      - name: declared\n        columns:\n          - name: id\n          - name: label\n"+
		"      - name: undeclared\n")
	writeFile(t, dir, "models/a.sql", "select * from {{ source('raw', 'declared') }}\n")
	writeFile(t, dir, "models/b.sql", "select * from {{ source('raw', 'undeclared') }}\n")

	// No warehouse yet: the undeclared source's columns are unknown, and
	// asking must not create the DuckDB file.
	r := elt(t, dir, "lineage", "a.label", "--upstream", "--output", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"node": "raw.declared",
      "column": "label",
      "type": "identity"`) {
		t.Errorf("declared: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "source raw.undeclared declares no columns and the warehouse does not exist yet") {
		t.Errorf("want the undeclared source's warning, got:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "src.duckdb")); err == nil {
		t.Fatal("elt lineage created the warehouse file")
	}

	execDuckDB(t, filepath.Join(dir, "src.duckdb"), "create table main.undeclared (code varchar, amount integer)")
	r = elt(t, dir, "lineage", "b.amount", "--upstream", "--output", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"node": "raw.undeclared",
      "column": "amount",
      "type": "identity"`) || r.stderr != "" {
		t.Errorf("from the catalog: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestLineageSameNameInTwoPackages: nodes that share a name go by their
// unique ids, and lineage still runs.
func TestLineageSameNameInTwoPackages(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: root\nprofile: root\n")
	writeFile(t, dir, "profiles.yml", "root:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: r.duckdb\n")
	writeFile(t, dir, "dbt_packages/pkg/dbt_project.yml", "name: pkg\n")
	// Another relation than the root's orders: dbt refuses two nodes that
	// build the same one.
	writeFile(t, dir, "dbt_packages/pkg/models/orders.sql", "{{ config(alias='pkg_orders') }}\nselect 1 as id\n")
	writeFile(t, dir, "models/orders.sql", "select 2 as id, 3 as v\n")
	writeFile(t, dir, "models/report.sql", "select id, v from {{ ref('orders') }}\n")
	r := elt(t, dir, "lineage", "report.v", "--upstream")
	want := "report.v\nupstream:\n  1  model.root.orders.v                      identity\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("exit %d\n--- want\n%s--- got\n%s%s", r.code, want, r.stdout, r.stderr)
	}
}

// TestLineageIntrospectingModel: a model whose render asks the warehouse
// (adapter.get_columns_in_relation, as dbt_utils.star does) is answered
// from a connection opened on demand, as docs generate compiles; with no
// warehouse to ask, that model alone degrades, with a warning naming it,
// and every other model's lineage is still given.
func TestLineageIntrospectingModel(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/base.sql", "select 1 as id, 10 as amount\n")
	writeFile(t, dir, "models/total.sql", "select id, amount * 2 as doubled from {{ ref('base') }}\n")
	writeFile(t, dir, "models/starred.sql", "select\n{%- for c in adapter.get_columns_in_relation(ref('base')) %} {{ c.name }}{% if not loop.last %},{% endif %}{% endfor %}\nfrom {{ ref('base') }}\n")
	mustElt(t, dir, "build")
	for target, want := range map[string]string{"total.doubled": "transformation", "starred.amount": "identity"} {
		res := mustElt(t, dir, "lineage", target, "--output", "json")
		var got struct {
			Upstream []struct{ Node, Column, Type string }
		}
		if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
			t.Fatalf("lineage %s: %v\n%s", target, err, res.stdout)
		}
		if len(got.Upstream) != 1 || got.Upstream[0].Node != "base" || got.Upstream[0].Column != "amount" || got.Upstream[0].Type != want {
			t.Errorf("lineage %s: want base.amount (%s), got %+v", target, want, got.Upstream)
		}
	}
	if err := os.Remove(filepath.Join(dir, "p.duckdb")); err != nil {
		t.Fatal(err)
	}
	res := mustElt(t, dir, "lineage", "total.doubled")
	if !strings.Contains(res.stdout, "base.amount") || !strings.Contains(res.stderr+res.stdout, "model.p.starred not compiled") {
		t.Errorf("without the warehouse: want total's lineage and a warning naming starred\n%s%s", res.stdout, res.stderr)
	}
}
