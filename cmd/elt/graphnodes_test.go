package main

import (
	"fmt"
	"sort"
	"testing"

	"github.com/elt-dev/elt/graph"
)

func TestSortByID(t *testing.T) {
	for _, ids := range [][]string{nil, {"a"}, {"b", "a"}, {"c", "a", "b", "e", "d"}, {"b", "a", "b", "a", "c"}, {"a", "b", "c"}} {
		nodes := make([]graph.Node, len(ids))
		for i, id := range ids {
			nodes[i] = graph.Node{ID: id, Name: fmt.Sprint(i)}
		}
		want := append([]graph.Node(nil), nodes...)
		sort.SliceStable(want, func(i, j int) bool { return want[i].ID < want[j].ID })
		sortByID(nodes)
		for i := range want {
			if nodes[i].ID != want[i].ID || nodes[i].Name != want[i].Name {
				t.Errorf("%v: got %v, want %v", ids, nodes, want)
				break
			}
		}
	}
}
