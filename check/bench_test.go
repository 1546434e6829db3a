package check

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/elt-dev/elt/lineage"
	"github.com/elt-dev/elt/lineage/duckdbparse"
)

// benchInput is a seed and n models, each reading one or two models
// before it, with a finding in every 100th.
func benchInput(n int) Input {
	rel := func(name string) string { return fmt.Sprintf(`"db"."main"."%s"`, name) }
	in := Input{Nodes: []*Node{{Kind: "seed", File: "seeds/seed.csv", Node: lineage.Node{Name: "seed", Relation: rel("seed"),
		Columns: []string{"id", "amount", "status"}, Types: map[string]string{"id": "integer", "amount": "integer", "status": "text"}}}}}
	for i := range n {
		name := fmt.Sprintf("m%d", i)
		a, b := "seed", "seed"
		if i > 0 {
			a = fmt.Sprintf("m%d", i-1)
			b = fmt.Sprintf("m%d", i/2)
		}
		col := "status"
		if i%100 == 99 {
			col = "statuz"
		}
		sql := fmt.Sprintf("with base as (select * from %s where status <> 'void')\nselect base.id, cast(base.amount / 100 as numeric(16, 2)) * 100 as amount, base.%s as status\nfrom base join %s as o on o.id = base.id", rel(a), col, rel(b))
		deps := []string{a}
		if b != a {
			deps = append(deps, b)
		}
		in.Nodes = append(in.Nodes, &Node{Kind: "model", File: "models/" + name + ".sql", Check: true, RawSQL: sql,
			Node: lineage.Node{Name: name, Relation: rel(name), Dialect: "duckdb", SQL: sql, DependsOn: deps}})
	}
	return in
}

// BenchmarkCheck checks 2,000 models: without a cache, with a cache of
// the same project, and with a cache after one model's SQL changed.
func BenchmarkCheck(b *testing.B) {
	duck, err := duckdbparse.New()
	if err != nil {
		b.Fatal(err)
	}
	defer duck.Close()
	parsers := func() lineage.Parsers { return lineage.Parsers{DuckDB: duck} }
	ctx := context.Background()
	in := benchInput(2000)
	c := NewCache("bench")
	cold, err := RunCached(ctx, parsers, in, c)
	if err != nil || len(cold) != 20 {
		b.Fatalf("findings %d, %v", len(cold), err)
	}
	var stored bytes.Buffer
	if err := c.Save(&stored); err != nil {
		b.Fatal(err)
	}
	changed := clone(in)
	node(changed, "m1000").SQL += " where base.id > 0"
	for _, bc := range []struct {
		name  string
		in    Input
		cache bool
	}{{"cold", in, false}, {"unchanged", in, true}, {"one_changed", changed, true}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				c := NewCache("bench")
				if bc.cache {
					c = ReadCache("bench", bytes.NewReader(stored.Bytes()))
				}
				got, err := RunCached(ctx, parsers, bc.in, c)
				if err != nil || len(got) != 20 {
					b.Fatalf("findings %d, %v", len(got), err)
				}
			}
		})
	}
}
