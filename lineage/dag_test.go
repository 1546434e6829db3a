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
