package sortedids

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKeysMatchesSort: the keys listed from an order are the sorted keys
// of the map, whether the map holds all of the order's ids, some of them,
// or others too; and an order that is not sorted, repeats an id, or whose
// has claims ids it lacks still gives the sorted keys.
func TestKeysMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		var order []string
		for i := range r.IntN(60) {
			order = append(order, fmt.Sprintf("model.p.m_%03d", i*2))
		}
		set := map[string]bool{}
		for _, id := range order {
			set[id] = true
		}
		m := map[string]int{}
		for _, id := range order {
			if r.IntN(4) > 0 {
				m[id] = 1
			}
		}
		for range r.IntN(5) {
			// Keys outside the order: between and around its ids.
			m[fmt.Sprintf("model.p.m_%03d", r.IntN(130)*2+1)] = 2
			m[fmt.Sprintf("%c.x", 'a'+r.IntN(26))] = 2
		}
		switch round % 5 {
		case 1:
			// has claims an id the order lacks.
			set["model.p.m_001"] = true
			m["model.p.m_001"] = 3
		case 2:
			if len(order) > 2 {
				order[0], order[len(order)-1] = order[len(order)-1], order[0]
			}
		case 3:
			if len(order) > 0 {
				order = append(order, order[len(order)-1])
			}
		}
		got := Keys(m, order, func(id string) bool { return set[id] })
		if want := slices.Sorted(maps.Keys(m)); !slices.Equal(got, want) {
			t.Fatalf("round %d: got %q, want %q", round, got, want)
		}
	}
}

func TestMerge(t *testing.T) {
	for _, c := range []struct{ a, b, want []string }{
		{[]string{"a", "c", "e"}, []string{"b", "d", "f"}, []string{"a", "b", "c", "d", "e", "f"}},
		{[]string{"a", "b"}, []string{"b", "c"}, []string{"a", "b", "c"}},
		{nil, []string{"x"}, []string{"x"}},
		{[]string{"x"}, nil, []string{"x"}},
	} {
		if got := Merge(c.a, c.b); !slices.Equal(got, c.want) {
			t.Errorf("Merge(%q, %q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}
