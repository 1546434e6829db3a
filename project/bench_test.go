package project

import (
	"fmt"
	"testing"
)

func BenchmarkLoad10k(b *testing.B) {
	dir := newProject(b, nil)
	files := map[string]string{}
	for i := range 10000 {
		files[fmt.Sprintf("models/f%02d/m%05d.sql", i%50, i)] = fmt.Sprintf("select %d as id from {{ ref('m%05d') }}", i, max(i-1, 0))
	}
	writeFiles(b, dir, files)
	b.ResetTimer()
	for range b.N {
		if _, err := loadDir(b, dir, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
