package project

import (
	"fmt"
	"strings"
	"testing"

	"github.com/elt-dev/elt/internal/benchgen"
)

// BenchmarkLoadYAML10k loads 10,000 one-line models described by 100
// properties files (five documented columns each, with data tests), so
// that reading and checking YAML dominates.
func BenchmarkLoadYAML10k(b *testing.B) {
	files := map[string]string{}
	for f := range 100 {
		var y strings.Builder
		y.WriteString("version: 2\nmodels:\n")
		for i := f * 100; i < (f+1)*100; i++ {
			files[fmt.Sprintf("models/f%02d/m%05d.sql", f, i)] = "select 1 as id\n"
			fmt.Fprintf(&y, "  - name: m%05d\n    description: \"Model %d.\"\n    config:\n      tags: [\"t%d\"]\n    columns:\n", i, i, i%7)
			for c := range 5 {
				fmt.Fprintf(&y, "      - name: c%d\n        description: \"Column %d of model %d.\"\n", c, c, i)
				if c == 0 {
					y.WriteString("        data_tests:\n          - not_null\n          - unique\n")
				}
			}
		}
		files[fmt.Sprintf("models/f%02d/_props.yml", f)] = y.String()
	}
	dir := newProject(b, files)
	b.ResetTimer()
	for b.Loop() {
		p, err := loadDir(b, dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if n := p.Nodes["model.shop.m09999"]; n == nil || n.Description != "Model 9999." {
			b.Fatalf("m09999 not loaded with its description: %+v", n)
		}
	}
}

// BenchmarkLoadBenchgen10k loads the 10,000-model project elt-bench
// measures: config blocks, Jinja loops, macros, a properties file per
// 100 models, seeds.
func BenchmarkLoadBenchgen10k(b *testing.B) {
	dir := b.TempDir()
	if err := benchgen.Write(dir, benchgen.Options{Models: 10000}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		p, err := loadDir(b, dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if p.Nodes["model.bench.m_009999"] == nil {
			b.Fatal("m_009999 not loaded")
		}
	}
}
