package compiler

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkRefResolution resolves a ref to each of 10,000 models, from
// the model after it (what rendering does for every ref call).
func BenchmarkRefResolution(b *testing.B) {
	m, err := Parse(context.Background(), benchProject(10000), testOptions())
	if err != nil {
		b.Fatal(err)
	}
	refs := make([]Ref, 10000)
	froms := make([]*Node, 10000)
	for i := range refs {
		refs[i] = Ref{Name: fmt.Sprintf("m%d", i)}
		froms[i] = m.Nodes[fmt.Sprintf("model.shop.m%d", min(i+1, 9999))]
	}
	b.ResetTimer()
	for b.Loop() {
		for i, r := range refs {
			n, lerr := m.lookupRef(r, froms[i])
			if lerr != nil || n.Name != r.Name {
				b.Fatalf("ref %s: %v %v", r.Name, n, lerr)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/ref")
}
