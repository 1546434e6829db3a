// Package sortedids lists the keys of large maps of unique ids in sorted
// order without sorting them anew, from an order already known (the
// compiler's sorted nodes, a cache file written sorted): sorting tens of
// thousands of ids with long common prefixes costs tens of milliseconds
// at every write of an artifact or cache.
package sortedids

import "slices"

// Keys returns the keys of m, sorted. order is a list of ids in ascending
// order without duplicates and has tells whether an id is in it; the keys
// of m found in order come in its order, and only the others are sorted
// and merged in. An order that is not sorted, or a has that does not tell
// order's ids truly, costs a full sort, never a wrong list.
func Keys[V any](m map[string]V, order []string, has func(string) bool) []string {
	keys := make([]string, 0, len(m))
	for _, id := range order {
		if _, ok := m[id]; ok {
			keys = append(keys, id)
		}
	}
	ascending := strictlyAscending(keys)
	if len(keys) == len(m) && ascending {
		return keys
	}
	var rest []string
	for k := range m {
		if !has(k) {
			rest = append(rest, k)
		}
	}
	if len(keys)+len(rest) != len(m) || !ascending {
		keys = keys[:0]
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return keys
	}
	slices.Sort(rest)
	return Merge(keys, rest)
}

// strictlyAscending reports whether l is sorted and holds each id once.
func strictlyAscending(l []string) bool {
	for i := 1; i < len(l); i++ {
		if l[i] <= l[i-1] {
			return false
		}
	}
	return true
}

// Merge merges two ascending lists into one, an id in both once.
func Merge(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}
