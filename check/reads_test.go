package check

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/elt-dev/elt/lineage"
)

// randomProject is a typed seed, a source with declared columns and n
// models, each reading one to three earlier nodes. Some models have no
// SQL (not compiled); some read a column their input lacks, a relation
// that is another model's without a ref, a relation no node has (named
// almost like a model), or compare a text column with a number.
func randomProject(r *rand.Rand, n int) Input {
	rel := func(name string) string { return fmt.Sprintf(`"db"."main"."%s"`, name) }
	in := Input{Nodes: []*Node{
		{Kind: "seed", File: "seeds/raw.csv", Node: lineage.Node{Name: "raw", Relation: rel("raw"),
			Columns: []string{"id", "amount", "status"}, Types: map[string]string{"id": "integer", "amount": "integer", "status": "text"}}},
		{Kind: "source", File: "models/sources.yml", DeclaredColumns: true, Node: lineage.Node{Name: "shop.customers",
			Relation: `"db"."raw"."customers"`, Columns: []string{"id", "status"}, Types: map[string]string{"id": "integer"}}},
	}}
	names := []string{"raw", "shop.customers"}
	relOf := map[string]string{"raw": rel("raw"), "shop.customers": `"db"."raw"."customers"`}
	for i := range n {
		name := fmt.Sprintf("model_%03d", i)
		m := &Node{Kind: "model", File: "models/" + name + ".sql", Node: lineage.Node{Name: name, Relation: rel(name), Dialect: "duckdb"}}
		if r.IntN(5) == 0 {
			m.Kind, m.File = "snapshot", "snapshots/"+name+".sql"
		}
		picked := map[string]bool{}
		for range 1 + r.IntN(3) {
			d := names[r.IntN(len(names))]
			if !picked[d] {
				picked[d] = true
				m.DependsOn = append(m.DependsOn, d)
			}
		}
		if r.IntN(4) > 0 { // compiled
			var sql strings.Builder
			col := "status"
			switch r.IntN(8) {
			case 0:
				col = "statuz"
			case 1:
				col = "amount + 0 as amount, t0.status"
			}
			fmt.Fprintf(&sql, "select t0.id, t0.%s", col)
			if r.IntN(6) == 0 {
				sql.WriteString(", t0.status = 1 as flag")
			}
			fmt.Fprintf(&sql, "\nfrom %s as t0", relOf[m.DependsOn[0]])
			for j, d := range m.DependsOn[1:] {
				fmt.Fprintf(&sql, "\nleft join %s as t%d on t%d.id = t0.id", relOf[d], j+1, j+1)
			}
			switch r.IntN(8) {
			case 0: // another node's relation, not a ref
				other := names[r.IntN(len(names))]
				fmt.Fprintf(&sql, "\nwhere t0.id in (select id from %s)", relOf[other])
			case 1: // no node's relation: a hint names the closest model
				fmt.Fprintf(&sql, "\nwhere t0.id in (select id from main.%s)", strings.Replace(names[r.IntN(len(names))], "model_", "modl_", 1))
			}
			m.SQL, m.RawSQL = sql.String(), sql.String()
			m.Check = r.IntN(3) > 0
		}
		in.Nodes = append(in.Nodes, m)
		names = append(names, name)
		relOf[name] = m.Relation
	}
	return in
}

// split moves what a check of in's nodes marked Check does not read to
// Others, as a caller does with Reads.
func split(in Input) Input {
	byName := map[string]*Node{}
	var roots []string
	for _, n := range in.Nodes {
		byName[n.Name] = n
		if n.Check {
			roots = append(roots, n.Name)
		}
	}
	reads := Reads(roots, func(id string) []string { return byName[id].DependsOn },
		func(id string) bool { return byName[id].SQL != "" })
	out := Input{KnownRelations: in.KnownRelations}
	for _, n := range in.Nodes {
		switch {
		case n.Kind == "seed" || n.Kind == "source" || reads[n.Name]:
			c := *n
			if c.SQL == "" {
				c.DependsOn = nil // what it reads may be in Others
			}
			out.Nodes = append(out.Nodes, &c)
		default:
			out.Others = append(out.Others, Other{Name: n.Name, Kind: n.Kind, Relation: n.Relation})
		}
	}
	return out
}

// TestOthersKeepFindings checks random projects with every node in Nodes,
// then with what Reads leaves out of the check in Others: the findings
// are the same, hints and known relations included.
func TestOthersKeepFindings(t *testing.T) {
	ctx := context.Background()
	p := parsers(t)
	kinds := map[lineage.ProblemKind]int{}
	hints, moved := 0, 0
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 14))
		in := randomProject(r, 10+r.IntN(60))
		if seed%4 == 0 {
			// A check of a few models, as compile -s asks for.
			for _, n := range in.Nodes {
				n.Check = n.Check && r.IntN(8) == 0
			}
		}
		want, err := Run(ctx, p, in)
		if err != nil {
			t.Fatal(err)
		}
		pruned := split(in)
		got, err := Run(ctx, p, pruned)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: with Others:\n%+v\nwith every node:\n%+v", seed, got, want)
		}
		for _, f := range want {
			kinds[f.Kind]++
			if strings.Contains(f.Hint, "did you mean {{ ref(") {
				hints++
			}
		}
		moved += len(pruned.Others)
	}
	// The projects must have had findings of each kind to compare, hints
	// that name a node, and nodes to leave out.
	for _, k := range []lineage.ProblemKind{lineage.UnknownColumn, lineage.UnknownRelation, lineage.TypeMismatch} {
		if kinds[k] == 0 {
			t.Errorf("no %s finding in any project: %v", k, kinds)
		}
	}
	if hints == 0 || moved == 0 {
		t.Errorf("%d hints naming a model, %d nodes in Others", hints, moved)
	}
	t.Logf("findings %v, %d hints naming a model, %d nodes in Others", kinds, hints, moved)
}
