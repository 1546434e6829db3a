package compiler

import (
	"strings"
	"testing"
)

const benchFromTable = `(?ix)
            (from|join)\s+
            ([\[` + "`" + `\"\']?)
            (\w+)
            ([\]` + "`" + `\"\']?)
            (\.)
            ([\[` + "`" + `\"\']?)
            (\w+)
            ([\]` + "`" + `\"\']?)(?=\s|$)
            `

func BenchmarkPyreCompile(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := compilePyPattern(benchFromTable, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPyreFindall(b *testing.B) {
	p, err := compilePyPattern(benchFromTable, 0)
	if err != nil {
		b.Fatal(err)
	}
	pv := &rePatternValue{p: p}
	sql := strings.Repeat("select a, b from raw.orders o join raw.items i on i.id = o.id where x > 1\n", 50)
	b.SetBytes(int64(len(sql)))
	for i := 0; i < b.N; i++ {
		if _, err := pv.findall(sql, reNoArg, reNoArg); err != nil {
			b.Fatal(err)
		}
	}
}
