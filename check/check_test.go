package check

import (
	"context"
	"strings"
	"testing"

	"github.com/elt-dev/elt/lineage"
	"github.com/elt-dev/elt/lineage/duckdbparse"
	"github.com/elt-dev/elt/lineage/pgparse"
)

func parsers(t testing.TB) lineage.Parsers {
	t.Helper()
	duck, err := duckdbparse.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { duck.Close() })
	return lineage.Parsers{DuckDB: duck, Postgres: pgparse.Parser{}}
}

// project is a seed raw_orders, a source shop.customers with declared
// columns, a model stg_orders over the seed, and the model under test.
func project(dialect, raw, compiled string) Input {
	seed := &Node{Kind: "seed", File: "seeds/raw_orders.csv", Node: lineage.Node{
		Name: "raw_orders", Relation: `"db"."main"."raw_orders"`,
		Columns: []string{"id", "customer_id", "amount", "status", "ordered_at"},
		Types:   map[string]string{"id": "integer", "customer_id": "integer", "amount": "numeric", "status": "text", "ordered_at": "date"},
	}}
	src := &Node{Kind: "source", File: "models/sources.yml", DeclaredColumns: true, Node: lineage.Node{
		Name: "shop.customers", Relation: `"db"."raw"."customers"`,
		Columns: []string{"id", "name"},
		Types:   map[string]string{"id": "integer", "name": "varchar"},
	}}
	stg := &Node{Kind: "model", File: "models/stg_orders.sql", Check: true,
		RawSQL: "select id as order_id, customer_id, amount from {{ ref('raw_orders') }}",
		Node: lineage.Node{Name: "stg_orders", Relation: `"db"."main"."stg_orders"`, Dialect: dialect,
			SQL: `select id as order_id, customer_id, amount from "db"."main"."raw_orders"`, DependsOn: []string{"raw_orders"}}}
	m := &Node{Kind: "model", File: "models/m.sql", Check: true, RawSQL: raw,
		Node: lineage.Node{Name: "m", Relation: `"db"."main"."m"`, Dialect: dialect, SQL: compiled,
			DependsOn: []string{"raw_orders", "shop.customers", "stg_orders"}}}
	return Input{Nodes: []*Node{seed, src, stg, m}}
}

func TestFindings(t *testing.T) {
	p := parsers(t)
	cases := []struct {
		name, raw, compiled string
		want                []string // "kind file:line:col message | hint"
	}{{
		name:     "unknown column with a did-you-mean",
		raw:      "select\n    id,\n    custmer_id\nfrom {{ ref('raw_orders') }}\n",
		compiled: "select\n    id,\n    custmer_id\nfrom \"db\".\"main\".\"raw_orders\"\n",
		want:     []string{"error unknown_column models/m.sql:3:5 column custmer_id is not a column of raw_orders | did you mean customer_id? (seed raw_orders does not output custmer_id)"},
	}, {
		name:     "a column the upstream model no longer outputs",
		raw:      "select s.order_id, s.status\nfrom {{ ref('stg_orders') }} as s\n",
		compiled: "select s.order_id, s.status\nfrom \"db\".\"main\".\"stg_orders\" as s\n",
		want:     []string{"error unknown_column models/m.sql:1:20 column s.status is not a column of stg_orders | model stg_orders does not output status; was it removed or renamed there? Read a column it has, or add it back upstream"},
	}, {
		name:     "a CTE that leaves out a column its model has: the CTE is at fault, not the model",
		raw:      "with s as (select order_id from {{ ref('stg_orders') }})\nselect s.order_id, s.amount from s",
		compiled: "with s as (select order_id from \"db\".\"main\".\"stg_orders\")\nselect s.order_id, s.amount from s",
		want:     []string{"error unknown_column models/m.sql:2:20 column s.amount: s has no column amount | columns in scope: order_id"},
	}, {
		name:     "the same column unqualified",
		raw:      "with s as (select order_id from {{ ref('stg_orders') }})\nselect order_id, amount from s",
		compiled: "with s as (select order_id from \"db\".\"main\".\"stg_orders\")\nselect order_id, amount from s",
		want:     []string{"error unknown_column models/m.sql:2:18 column amount is not in any relation in scope | columns in scope: order_id"},
	}, {
		name:     "a CTE that passes its model's columns through: the model lacks the column",
		raw:      "with s as (select * from {{ ref('stg_orders') }})\nselect s.order_id, s.status from s",
		compiled: "with s as (select * from \"db\".\"main\".\"stg_orders\")\nselect s.order_id, s.status from s",
		want:     []string{"error unknown_column models/m.sql:2:20 column s.status: s has no column status | model stg_orders does not output status; was it removed or renamed there? Read a column it has, or add it back upstream"},
	}, {
		name:     "a source column not declared",
		raw:      "select c.id, c.email from {{ source('shop', 'customers') }} c",
		compiled: `select c.id, c.email from "db"."raw"."customers" c`,
		want:     []string{"warning unknown_column models/m.sql:1:14 column c.email is not a column of shop.customers | source shop.customers does not output email; if the table has it, declare it under the source's columns in models/sources.yml"},
	}, {
		name: "ambiguous column",
		raw: "select o.order_id, customer_id\nfrom {{ ref('stg_orders') }} o\njoin {{ source('shop', 'customers') }} c on c.id = o.customer_id\n" +
			"join {{ ref('raw_orders') }} r on r.id = o.order_id",
		compiled: "select o.order_id, customer_id\nfrom \"db\".\"main\".\"stg_orders\" o\njoin \"db\".\"raw\".\"customers\" c on c.id = o.customer_id\n" +
			"join \"db\".\"main\".\"raw_orders\" r on r.id = o.order_id",
		want: []string{"error ambiguous_column models/m.sql:1:20 column customer_id is ambiguous: o and r each have it | qualify it with the relation it comes from, e.g. o.customer_id"},
	}, {
		name:     "unknown relation, with the ref it likely means",
		raw:      "with o as (select * from main.raw_order)\nselect id from o",
		compiled: "with o as (select * from main.raw_order)\nselect id from o",
		want:     []string{"warning unknown_relation models/m.sql:1:26 relation main.raw_order is not a ref, a source or a CTE | did you mean {{ ref('raw_orders') }}?"},
	}, {
		name:     "integer compared with a string that is no number",
		raw:      "select id\nfrom {{ ref('raw_orders') }}\nwhere customer_id = 'abc' and amount > '10.5' and ordered_at >= '2024-01-01'",
		compiled: "select id\nfrom \"db\".\"main\".\"raw_orders\"\nwhere customer_id = 'abc' and amount > '10.5' and ordered_at >= '2024-01-01'",
		want:     []string{"error type_mismatch models/m.sql:3:7 customer_id (integer) is compared with the string 'abc', which is not a number value | cast one side, e.g. cast(... as varchar), or compare with a value of the column's type"},
	}, {
		name:     "text compared with a number, through an upstream model's copied column",
		raw:      "select r.id\nfrom {{ ref('raw_orders') }} r join {{ ref('stg_orders') }} s on s.order_id = r.id\nwhere r.status = 1 and s.customer_id = r.status",
		compiled: "select r.id\nfrom \"db\".\"main\".\"raw_orders\" r join \"db\".\"main\".\"stg_orders\" s on s.order_id = r.id\nwhere r.status = 1 and s.customer_id = r.status",
		want: []string{
			"error type_mismatch models/m.sql:3:7 r.status (text) is compared with the number 1, which is not a text value | cast one side, e.g. cast(... as varchar), or compare with a value of the column's type",
			"error type_mismatch models/m.sql:3:24 s.customer_id (integer) is compared with r.status (text); cast one side so both have one type | cast one side, e.g. cast(... as varchar), or compare with a value of the column's type",
		},
	}, {
		name:     "clean model: no findings",
		raw:      "select s.order_id, c.name, rowid\nfrom {{ ref('stg_orders') }} s\nleft join {{ source('shop', 'customers') }} c on c.id = s.customer_id\nwhere s.amount > '5' and c.name = 'x' and s.customer_id in (select id from information_schema.tables)",
		compiled: "select s.order_id, c.name, rowid\nfrom \"db\".\"main\".\"stg_orders\" s\nleft join \"db\".\"raw\".\"customers\" c on c.id = s.customer_id\nwhere s.amount > '5' and c.name = 'x' and s.customer_id in (select id from information_schema.tables)",
	}}
	for _, dialect := range []string{"duckdb", "postgres"} {
		for _, c := range cases {
			t.Run(dialect+"/"+c.name, func(t *testing.T) {
				if dialect == "postgres" && strings.Contains(c.raw, "rowid") {
					c.raw = strings.ReplaceAll(c.raw, "rowid", "ctid")
					c.compiled = strings.ReplaceAll(c.compiled, "rowid", "ctid")
				}
				got, err := Run(context.Background(), p, project(dialect, c.raw, c.compiled))
				if err != nil {
					t.Fatal(err)
				}
				var lines []string
				for _, f := range got {
					lines = append(lines, f.Severity+" "+string(f.Kind)+" "+f.Diagnostic().Location()+" "+f.Message+" | "+f.Hint)
				}
				if g, w := strings.Join(lines, "\n"), strings.Join(c.want, "\n"); g != w {
					t.Errorf("--- want\n%s\n--- got\n%s", w, g)
				}
			})
		}
	}
}

// TestCTEOverUnknownColumnsBlamesNoModel: a CTE that lists columns of a
// model whose columns are unknown (not compiled in this invocation, as in
// compile -s) lacks a column by its own list: the model may have it, so
// the finding does not say the model lost it.
func TestCTEOverUnknownColumnsBlamesNoModel(t *testing.T) {
	sql := "with s as (select id, amont from \"db\".\"main\".\"up\")\nselect s.id, s.amount from s"
	in := Input{Nodes: []*Node{
		{Kind: "model", File: "models/up.sql", Node: lineage.Node{Name: "up", Relation: `"db"."main"."up"`, Dialect: "duckdb"}},
		{Kind: "model", File: "models/m.sql", Check: true, RawSQL: sql,
			Node: lineage.Node{Name: "m", Relation: `"db"."main"."m"`, Dialect: "duckdb", SQL: sql, DependsOn: []string{"up"}}},
	}}
	got, err := Run(context.Background(), parsers(t), in)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, f := range got {
		lines = append(lines, f.Diagnostic().Location()+" "+f.Message+" | "+f.Hint)
	}
	want := "models/m.sql:2:14 column s.amount: s has no column amount | did you mean amont?"
	if g := strings.Join(lines, "\n"); g != want {
		t.Errorf("findings:\n%s\nwant\n%s", g, want)
	}
}

func TestMapPosition(t *testing.T) {
	raw := "{{ config(materialized='table') }}\nselect\n  {{ cents('amount') }} as dollars,\n  stauts\nfrom {{ ref('x') }}"
	compiled := "\nselect\n  amount / 100 as dollars,\n  stauts\nfrom \"db\".\"main\".\"x\""
	cases := []struct {
		off       int
		line, col int
		what      string
	}{
		{strings.Index(compiled, "stauts"), 4, 3, "a line kept verbatim"},
		{strings.Index(compiled, "amount"), 3, 13, "text from a macro: where the same word is written"},
		{strings.Index(compiled, "dollars"), 3, 28, "a token on a line Jinja changed"},
		{strings.Index(compiled, "100"), 5, 9, "text only the macro has: the first ref"},
		{-1, 5, 9, "no position: the first ref"},
	}
	for _, c := range cases {
		got := mapPosition(raw, compiled, c.off)
		if got.Line != c.line || got.Column != c.col {
			t.Errorf("%s: got %d:%d, want %d:%d", c.what, got.Line, got.Column, c.line, c.col)
		}
	}
}

// TestOtherDialects: Snowflake SQL is read with DuckDB's parser; its
// findings are warnings that say why, and SQL DuckDB cannot read gets an
// Unchecked warning where the parser stopped.
func TestOtherDialects(t *testing.T) {
	in := project("snowflake", "select nope from {{ ref('raw_orders') }}", `select nope from "db"."main"."raw_orders"`)
	got, err := Run(context.Background(), parsers(t), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Severity != "warning" || got[0].Kind != lineage.UnknownColumn || got[0].Column != 8 ||
		!strings.Contains(got[0].Hint, "snowflake SQL is read with DuckDB's parser") {
		t.Errorf("findings on snowflake: %+v", got)
	}
	in = project("snowflake", "select f.value:name from {{ ref('raw_orders') }}", `select f.value:name from "db"."main"."raw_orders"`)
	got, _ = Run(context.Background(), parsers(t), in)
	if len(got) != 1 || got[0].Kind != Unchecked || got[0].Severity != "warning" || got[0].Line != 1 || got[0].Column < 15 {
		t.Errorf("unreadable snowflake SQL: want one unchecked warning on line 1 where DuckDB's parser stopped, got %+v", got)
	}
	in = project("duckdb", "select nope from {{ ref('raw_orders') }}", `select nope from "db"."main"."raw_orders"`)
	if got, _ := Run(context.Background(), parsers(t), in); len(got) != 1 {
		t.Errorf("the same model on duckdb: %+v", got)
	}
}
