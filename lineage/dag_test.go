package lineage

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

func shopNodes() []*Node {
	return []*Node{
		{Name: "raw_orders", Relation: `"w"."main"."raw_orders"`, Columns: []string{"order_id", "customer_id", "amount_cents", "status"}},
		{Name: "src.customers", Relation: `"w"."raw"."customers"`, Columns: []string{"id", "name"}},
		{Name: "stg_orders", Relation: `"w"."main"."stg_orders"`, Dialect: "duckdb", DependsOn: []string{"raw_orders"},
			SQL: `select order_id, customer_id, amount_cents / 100.0 as amount, lower(status) as status from "w"."main"."raw_orders"`},
		{Name: "eph_paid", Ephemeral: true, Dialect: "duckdb", DependsOn: []string{"stg_orders"},
			SQL: `select * from "w"."main"."stg_orders" where status = 'paid'`},
		{Name: "customer_revenue", Relation: `"w"."main"."customer_revenue"`, Dialect: "duckdb", DependsOn: []string{"eph_paid", "src.customers"},
			SQL: `with __dbt__cte__eph_paid as (select * from "w"."main"."stg_orders" where status = 'paid')
select c.id as customer_id, c.name, sum(p.amount) as revenue
from __dbt__cte__eph_paid p join "w"."raw"."customers" c on c.id = p.customer_id
group by 1, 2`},
	}
}

func TestLineageDAG(t *testing.T) {
	p, err := Build(context.Background(), testParsers(t), shopNodes())
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range p.Models {
		if len(m.Warnings) > 0 {
			t.Errorf("%s: unexpected warnings %v", name, m.Warnings)
		}
	}
	if got, want := p.Columns("eph_paid"), []string{"order_id", "customer_id", "amount", "status"}; !reflect.DeepEqual(got, want) {
		t.Errorf("eph_paid columns: want %v, got %v", want, got)
	}
	cases := []struct {
		name string
		got  []Reached
		want string
	}{
		{"upstream revenue", p.Upstream("customer_revenue", "revenue", 0),
			"eph_paid.amount:aggregation@1 src.customers.id:indirect@1 eph_paid.customer_id:indirect@1 src.customers.name:indirect@1 " +
				"stg_orders.amount:aggregation@2 stg_orders.status:indirect@2 stg_orders.customer_id:indirect@2 " +
				"raw_orders.amount_cents:aggregation@3 raw_orders.status:indirect@3 raw_orders.customer_id:indirect@3"},
		{"upstream depth 1", p.Upstream("customer_revenue", "revenue", 1),
			"eph_paid.amount:aggregation@1 src.customers.id:indirect@1 eph_paid.customer_id:indirect@1 src.customers.name:indirect@1"},
		{"upstream identity chain", p.Upstream("customer_revenue", "customer_id", 0),
			"src.customers.id:identity@1 eph_paid.customer_id:indirect@1 src.customers.name:indirect@1 stg_orders.customer_id:indirect@2 " +
				"stg_orders.status:indirect@2 raw_orders.customer_id:indirect@3 raw_orders.status:indirect@3"},
		{"downstream seed column", p.Downstream("raw_orders", "amount_cents", 0),
			"stg_orders.amount:transformation@1 eph_paid.amount:transformation@2 customer_revenue.revenue:aggregation@3"},
		{"downstream filter column", p.Downstream("raw_orders", "status", 2),
			"stg_orders.status:transformation@1 eph_paid.order_id:indirect@2 eph_paid.customer_id:indirect@2 eph_paid.amount:indirect@2 eph_paid.status:transformation@2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ""
			for i, r := range c.got {
				if i > 0 {
					got += " "
				}
				got += fmt.Sprintf("%s.%s:%s@%d", r.Node, r.Column, r.Type, r.Depth)
			}
			if got != c.want {
				t.Errorf("\nwant %s\ngot  %s", c.want, got)
			}
		})
	}
}

func TestLineageDAGErrors(t *testing.T) {
	_, err := Build(context.Background(), Parsers{}, []*Node{{Name: "a", DependsOn: []string{"b"}}, {Name: "b", DependsOn: []string{"a"}}})
	if err == nil || err.Error() != "lineage: dependency cycle: a -> b -> a" {
		t.Errorf("cycle: got %v", err)
	}
	_, err = Build(context.Background(), Parsers{}, []*Node{{Name: "a", DependsOn: []string{"nope"}}})
	if err == nil || err.Error() != "lineage: a depends on unknown node nope" {
		t.Errorf("unknown dependency: got %v", err)
	}
}

// TestLineageDAGTableLevel: where a column cannot be resolved the walk goes
// on at table level, upstream and downstream, and says so with type "table".
func TestLineageDAGTableLevel(t *testing.T) {
	nodes := []*Node{
		{Name: "seed", Relation: `"w"."main"."seed"`, Columns: []string{"id", "v"}},
		{Name: "mid", Relation: `"w"."main"."mid"`, Dialect: "duckdb", DependsOn: []string{"seed"}, SQL: `select id, v from "w"."main"."seed"`},
		{Name: "other", Relation: `"w"."main"."other"`, Dialect: "duckdb", SQL: `select 1 as v`},
		{Name: "odd", Relation: `"w"."main"."odd"`, Dialect: "duckdb", DependsOn: []string{"mid", "other"},
			SQL: `select v from "w"."main"."mid" join "w"."main"."other" using (id)`},
		{Name: "last", Relation: `"w"."main"."last"`, Dialect: "duckdb", DependsOn: []string{"odd"}, SQL: `select v + 1 as w from "w"."main"."odd"`},
	}
	p, err := Build(context.Background(), testParsers(t), nodes)
	if err != nil {
		t.Fatal(err)
	}
	flat := func(rs []Reached) string {
		s := ""
		for _, r := range rs {
			s += fmt.Sprintf(" %s.%s:%s@%d", r.Node, r.Column, r.Type, r.Depth)
		}
		return s
	}
	// odd.v is ambiguous (mid and other both have v); `using (id)` fails on other.
	if got, want := flat(p.Upstream("last", "w", 0)),
		" odd.v:transformation@1 mid.id:indirect@2 mid.:table@2 other.:table@2 seed.id:indirect@3 seed.:table@3"; got != want {
		t.Errorf("upstream\nwant%s\ngot %s", want, got)
	}
	if got, want := flat(p.Downstream("seed", "v", 0)), " mid.v:identity@1 odd.:table@2 last.:table@3"; got != want {
		t.Errorf("downstream\nwant%s\ngot %s", want, got)
	}
}

// TestLineageDAGSelfRead: an incremental model compiled for an existing
// table reads its own relation ({{ this }}) for the rows it has. That read
// is no upstream and gives no warning, qualified or not, by full name or
// by its last parts; another relation of the same name in another schema
// is still unknown.
func TestLineageDAGSelfRead(t *testing.T) {
	stg := &Node{Name: "stg", Relation: `"w"."main"."stg"`, Columns: []string{"id", "paid_at", "amount"}}
	for _, c := range []struct {
		name, sql string
		warned    bool
	}{
		{"full name", `select id, amount, paid_at from "w"."main"."stg" where paid_at >= (select max(paid_at) from "w"."main"."ledger")`, false},
		{"schema and name, qualified", `select s.id, s.amount, s.paid_at from "w"."main"."stg" s where s.paid_at > (select max(t.paid_at) from main.ledger t)`, false},
		{"name alone", `select id, amount, paid_at from "w"."main"."stg" where id not in (select id from ledger)`, false},
		{"another schema", `select id, amount, paid_at from "w"."main"."stg" where paid_at >= (select max(paid_at) from "w"."other"."ledger")`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ledger := &Node{Name: "ledger", Relation: `"w"."main"."ledger"`, Dialect: "duckdb", DependsOn: []string{"stg"}, SQL: c.sql}
			p, err := Build(context.Background(), testParsers(t), []*Node{stg, ledger})
			if err != nil {
				t.Fatal(err)
			}
			m := p.Models["ledger"]
			if got := len(m.Warnings) > 0; got != c.warned {
				t.Errorf("warnings %v; want some: %v", m.Warnings, c.warned)
			}
			if got, want := m.Upstream, []string{"stg"}; !c.warned && !reflect.DeepEqual(got, want) {
				t.Errorf("upstream %v; want %v", got, want)
			}
			if c.warned {
				return
			}
			for _, col := range m.Columns {
				for _, e := range col.Edges {
					if e.Node != "stg" {
						t.Errorf("%s reads %s.%s; want only stg", col.Name, e.Node, e.Column)
					}
				}
				if col.Degraded || len(col.Edges) == 0 {
					t.Errorf("%s: degraded %v, edges %v", col.Name, col.Degraded, col.Edges)
				}
			}
		})
	}
}
