package lineage

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestLineageTruncatedSQL feeds every golden case's SQL, cut short at many
// points, to both parsers: whatever the parse tree, the resolver must not
// panic (which Resolve would report as an "internal error" warning), and a
// model without a column list must say why.
func TestLineageTruncatedSQL(t *testing.T) {
	parsers := testParsers(t)
	files, _ := filepath.Glob("testdata/cases/*.txt")
	ctx := context.Background()
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		_, secs := sections(b)
		sql := secs["sql"]
		rels := parseRelations(t, defaultRelations)
		for cut := len(sql); cut > 0; cut -= 11 {
			for _, dialect := range []string{"duckdb", "postgres"} {
				m := Resolve(ctx, parsers, Input{Node: "m", Dialect: dialect, SQL: sql[:cut], Relations: rels})
				for _, w := range m.Warnings {
					if w.Construct == "internal error" {
						t.Errorf("%s, %s, cut at %d: %s\n%s", filepath.Base(file), dialect, cut, w.Message, sql[:cut])
					}
				}
				if !m.ColumnsKnown && len(m.Warnings) == 0 {
					t.Errorf("%s, %s, cut at %d: columns unknown without a warning\n%s", filepath.Base(file), dialect, cut, sql[:cut])
				}
			}
		}
	}
}
