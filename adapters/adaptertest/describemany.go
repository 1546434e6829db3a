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
	seen := map[*adapters.RelationInfo]bool{}
	for i, rel := range rels {
		want, err := adapters.Describe(ctx, a, rel)
		if err != nil {
			t.Fatalf("Describe %v: %v", rel, err)
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("%v:\n DescribeMany %+v\n     Describe %+v", rel, got[i], want)
		}
		if got[i] != nil {
			if seen[got[i]] {
				t.Errorf("%v: its entry is another relation's too; each caller may change its own", rel)
			}
			seen[got[i]] = true
		}
	}
	return got
}
