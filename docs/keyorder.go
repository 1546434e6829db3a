package docs

import (
	"maps"
	"slices"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/sortedids"
)

// keyOrder lists the keys of a manifest's largest maps (nodes, parent_map,
// child_map) in order without sorting them anew: their tens of thousands
// of keys are nearly all the unique ids of the compiler's nodes and
// sources, which the compiler keeps sorted.
type keyOrder struct {
	ids []string             // ascending, without duplicates
	has func(id string) bool // whether id is one of ids
}

// newKeyOrder is the order of m's nodes and sources; nodeIDs are the ids
// of m.SortedNodes().
func newKeyOrder(m *compiler.Manifest, nodeIDs []string) *keyOrder {
	return &keyOrder{
		ids: sortedids.Merge(nodeIDs, slices.Sorted(maps.Keys(m.Sources))),
		has: func(id string) bool {
			if _, ok := m.Nodes[id]; ok {
				return true
			}
			_, ok := m.Sources[id]
			return ok
		},
	}
}

// sortedKeysBy is keysSorted(m), taking the keys that are o's ids in o's
// order (nil: sorting them all).
func sortedKeysBy[V any](o *keyOrder, m map[string]V) []string {
	if o == nil {
		return keysSorted(m)
	}
	return sortedids.Keys(m, o.ids, o.has)
}
