package lineage

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// The edge set keeps the first-seen order and the best type of each
// column whether it is searched in place (few edges) or through its index
// (many): compared with a plain map and order list over random adds and
// merges of up to 40 columns.
func TestLineageEdgesSmallAndIndexed(t *testing.T) {
	types := []EdgeType{Identity, Transformation, Aggregation, Indirect}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		n := 1 + rng.IntN(40)
		var l, other lineage
		want := map[colKey]EdgeType{}
		var order []colKey
		add := func(k colKey, typ EdgeType) {
			old, ok := want[k]
			if !ok {
				order = append(order, k)
				want[k] = typ
			} else if better(typ, old) {
				want[k] = typ
			}
		}
		for range 2 * n {
			k := colKey{node: fmt.Sprint("model.p.m", rng.IntN(3)), column: fmt.Sprint("c", rng.IntN(n))}
			typ := types[rng.IntN(len(types))]
			if rng.IntN(4) == 0 {
				other.add(k, typ)
				continue
			}
			l.add(k, typ)
			add(k, typ)
		}
		kind := types[rng.IntN(len(types))]
		l.merge(&other, kind)
		for _, e := range other.list {
			add(e.k, compose(kind, e.t))
		}
		var got []colKey
		for _, e := range l.list {
			got = append(got, e.k)
			if e.t != want[e.k] {
				t.Fatalf("round %d: %v is %s, want %s", round, e.k, e.t, want[e.k])
			}
			if typ, ok := l.typeOf(e.k); !ok || typ != e.t {
				t.Fatalf("round %d: typeOf(%v) = %s, %t", round, e.k, typ, ok)
			}
		}
		if !reflect.DeepEqual(got, order) {
			t.Fatalf("round %d: order %v, want %v", round, got, order)
		}
		if _, ok := l.typeOf(colKey{"model.p.none", "x"}); ok {
			t.Fatalf("round %d: an absent column is found", round)
		}
		if indexed := l.index != nil; indexed != (len(l.list) > linearEdges) {
			t.Fatalf("round %d: %d edges, indexed %t", round, len(l.list), indexed)
		}
	}
}
