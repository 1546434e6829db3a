package adaptertest

import (
	"context"
	"reflect"
	"testing"

	"github.com/elt-dev/elt/adapters"
)

// CompareDescribeMany describes rels through a's ManyDescriber and checks
// that each entry is what adapters.Describe reads for that relation alone,
// and that no two entries are one value. It returns the entries.
func CompareDescribeMany(t *testing.T, ctx context.Context, a adapters.Adapter, rels []adapters.Relation) []*adapters.RelationInfo {
	t.Helper()
	m, ok := a.(adapters.ManyDescriber)
	if !ok {
		t.Fatalf("%T does not implement adapters.ManyDescriber", a)
	}
	got, err := m.DescribeMany(ctx, rels)
	if err != nil {
		t.Fatalf("DescribeMany: %v", err)
	}
	if len(got) != len(rels) {
		t.Fatalf("DescribeMany: %d entries for %d relations", len(got), len(rels))
	}
	want := make([]*adapters.RelationInfo, len(rels))
	for i, rel := range rels {
		var err error
		if want[i], err = adapters.Describe(ctx, a, rel); err != nil {
			t.Fatalf("Describe %v: %v", rel, err)
		}
	}
	CheckDescribed(t, rels, got, want)
	return got
}

// CheckDescribed checks that each of got, the entries a ManyDescriber
// gave for rels, is want's, and that no two entries are one value (each
// caller may change its own).
func CheckDescribed(t *testing.T, rels []adapters.Relation, got, want []*adapters.RelationInfo) {
	t.Helper()
	seen := map[*adapters.RelationInfo]bool{}
	for i, rel := range rels {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%v:\n got %+v\nwant %+v", rel, got[i], want[i])
		}
		if got[i] != nil {
			if seen[got[i]] {
				t.Errorf("%v: its entry is another relation's too; each caller may change its own", rel)
			}
			seen[got[i]] = true
		}
	}
}
