package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestSeedShowAsDBT: dbt's seed --show (task/seed.py show_tables) prints,
// after the stat line and before the end messages, a random sample of
// each seed it loaded: "Random sample of table: <schema>.<alias>", a rule
// as long, and the table as agate's print_table(max_rows=10,
// max_columns=None) gives it, with a "..." row when the seed holds more.
func TestSeedShowAsDBT(t *testing.T) {
	onBothWarehouses(t, "seed_show", func(t *testing.T, dir, warehouse string) {
		var big strings.Builder
		big.WriteString("id,name\n")
		for i := 1; i <= 12; i++ {
			fmt.Fprintf(&big, "%d,n%02d\n", i, i)
		}
		writeFile(t, dir, "seeds/big.csv", big.String())
		writeFile(t, dir, "seeds/small.csv", "id,flag,a,b,c,d,e,f\n1,true,1,2,3,4,5,6\n")
		schema := "main"
		if warehouse == "postgres" {
			schema = "seed_show"
		}
		res := mustElt(t, dir, "seed", "--show")
		out := res.stdout
		bigHeader := "Random sample of table: " + schema + ".big"
		smallHeader := "Random sample of table: " + schema + ".small"
		wantAll(t, out, bigHeader+"\n", strings.Repeat("-", len(bigHeader))+"\n", smallHeader+"\n",
			"| id | name |\n| -- | ---- |\n",
			"| ... | ...  |\n",
			// Every column, however many (max_columns=None).
			"| id | flag | a | b | c | d | e | f |\n",
			"|  1 | True | 1 | 2 | 3 | 4 | 5 | 6 |\n")
		// Ten rows of the twelve, then agate's "..." row.
		bigTable, _, _ := strings.Cut(out[strings.Index(out, "| id | name |"):], "| ... |")
		if rows := strings.Count(bigTable, "| n0") + strings.Count(bigTable, "| n1"); rows != 10 {
			t.Errorf("big: %d rows shown, want 10\n%s", rows, bigTable)
		}
		finished, shown, done := strings.Index(out, "Finished running"), strings.Index(out, bigHeader), strings.Index(out, "Completed successfully")
		if finished < 0 || shown < finished || done < shown {
			t.Errorf("the samples belong between the stat line and the end messages:\n%s", out)
		}
		// Without --show, nothing of it.
		wantNone(t, mustElt(t, dir, "seed").stdout, "Random sample")
	})
}
