package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/elt-dev/elt/adapters"
)

// tallCSV is a header and n rows, row(i) giving each row: files taller
// than the sniffer's sample, whose last rows may change a column's type.
func tallCSV(header string, n int, row func(i int) string) string {
	var b strings.Builder
	b.WriteString(header + "\n")
	for i := range n {
		b.WriteString(row(i) + "\n")
	}
	return b.String()
}

// TestSeedTypesSameAsFullDetection loads tricky CSVs with the sampled load
// and with type detection over every row (how seeds loaded before), and
// wants the same column types and the same rows.
func TestSeedTypesSameAsFullDetection(t *testing.T) {
	const n = seedSampleRows + 5000
	late := n - 10 // a row past the sample
	cases := map[string]struct {
		csv         string
		columnTypes map[string]string
		want        string // the types, as "name TYPE, ..."
	}{
		"int then decimal after the sample": {csv: tallCSV("id,v", n, func(i int) string {
			if i == late {
				return fmt.Sprintf("%d,1.5", i)
			}
			return fmt.Sprintf("%d,%d", i, i%7)
		}), want: "id BIGINT, v DOUBLE"},
		"int then text after the sample": {csv: tallCSV("id,v", n, func(i int) string {
			if i == late {
				return fmt.Sprintf("%d,abc", i)
			}
			return fmt.Sprintf("%d,%d", i, i)
		}), want: "id BIGINT, v VARCHAR"},
		"empty until after the sample, then ints": {csv: tallCSV("id,v", n, func(i int) string {
			if i >= late {
				return fmt.Sprintf("%d,%d", i, i)
			}
			return fmt.Sprintf("%d,", i)
		}), want: "id BIGINT, v BIGINT"},
		"empty in the first rows, then text": {csv: tallCSV("id,v", n, func(i int) string {
			if i >= 3000 {
				return fmt.Sprintf("%d,t%d", i, i)
			}
			return fmt.Sprintf("%d,", i)
		}), want: "id BIGINT, v VARCHAR"},
		"always empty": {csv: tallCSV("id,v,w", n, func(i int) string {
			return fmt.Sprintf("%d,,x", i)
		}), want: "id BIGINT, v INTEGER, w VARCHAR"},
		"date then timestamp after the sample": {csv: tallCSV("id,d", n, func(i int) string {
			if i == late {
				return fmt.Sprintf("%d,2024-03-01 10:11:12", i)
			}
			return fmt.Sprintf("%d,2024-%02d-%02d", i, i%12+1, i%28+1)
		}), want: "id BIGINT, d TIMESTAMP"},
		"boolean then text after the sample": {csv: tallCSV("id,b", n, func(i int) string {
			if i == late {
				return fmt.Sprintf("%d,maybe", i)
			}
			return fmt.Sprintf("%d,%t", i, i%2 == 0)
		}), want: "id BIGINT, b VARCHAR"},
		"int then one too big for BIGINT": {csv: tallCSV("id,v", n, func(i int) string {
			if i == late {
				return fmt.Sprintf("%d,123456789012345678901234567890", i)
			}
			return fmt.Sprintf("%d,%d", i, i)
		})},
		"day-first dates that look month-first in the sample": {csv: tallCSV("id,d", n, func(i int) string {
			if i == late {
				return fmt.Sprintf("%d,25/02/2020", i)
			}
			return fmt.Sprintf("%d,%02d/%02d/2020", i, i%12+1, i%12+1)
		})},
		"text from the start": {csv: tallCSV("id,name", n, func(i int) string {
			return fmt.Sprintf("%d,name %d", i, i)
		}), want: "id BIGINT, name VARCHAR"},
		"column_types kept": {csv: tallCSV("id,code", n, func(i int) string {
			return fmt.Sprintf("%d,%03d", i, i%1000)
		}), columnTypes: map[string]string{"code": "varchar"}, want: "id BIGINT, code VARCHAR"},
		"header only": {csv: "id,name\n", want: "id INTEGER, name INTEGER"},
		"short file":  {csv: "id,amount,day\n1,2.50,2024-01-01\n2,,2024-01-02\n", want: "id BIGINT, amount DOUBLE, day DATE"},
	}
	ctx := context.Background()
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "s.csv")
			writeFile(t, path, c.csv)
			var got [2]string
			var rows [2]string
			for i, full := range []bool{false, true} {
				a := openTemp(t)
				a.fullSeedSniff = full
				seed := adapters.Seed{Relation: adapters.Relation{Identifier: "s"}, Path: path, ColumnTypes: c.columnTypes}
				if _, err := a.LoadSeed(ctx, seed); err != nil {
					t.Fatalf("full=%v: %v", full, err)
				}
				res, err := a.Query(ctx, "select column_name || ' ' || column_type from (describe s)")
				if err != nil {
					t.Fatal(err)
				}
				var types []string
				for _, r := range res.Rows {
					types = append(types, fmt.Sprint(r[0]))
				}
				got[i] = strings.Join(types, ", ")
				res, err = a.Query(ctx, "select count(*) || ' ' || coalesce(md5(string_agg(s::varchar, '|' order by s::varchar)), '') from s")
				if err != nil {
					t.Fatal(err)
				}
				rows[i] = fmt.Sprint(res.Rows[0][0])
			}
			if got[0] != got[1] {
				t.Errorf("types differ:\n sampled: %s\n    full: %s", got[0], got[1])
			}
			if c.want != "" && got[1] != c.want {
				t.Errorf("full detection: want %s, got %s", c.want, got[1])
			}
			if rows[0] != rows[1] {
				t.Errorf("rows differ: sampled %s, full %s", rows[0], rows[1])
			}
		})
	}
}

// TestSeedSniffOnce: a plain file is sniffed once and read once.
func TestSeedSniffOnce(t *testing.T) {
	var full, reads atomic.Int64
	a, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "shop.duckdb"), Trace: func(sql string) {
		if strings.Contains(sql, "sample_size = -1") && !strings.Contains(sql, "sniff_csv(") {
			full.Add(1)
		}
		if strings.Contains(sql, "read_csv(") || strings.Contains(sql, "sniff_csv(") {
			reads.Add(1)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	path := filepath.Join(t.TempDir(), "s.csv")
	writeFile(t, path, tallCSV("id,name,amount", seedSampleRows+100, func(i int) string { return fmt.Sprintf("%d,n%d,%d.5", i, i, i) }))
	res, err := a.LoadSeed(context.Background(), adapters.Seed{Relation: adapters.Relation{Identifier: "s"}, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAffected != seedSampleRows+100 {
		t.Errorf("rows: want %d, got %d", seedSampleRows+100, res.RowsAffected)
	}
	if full.Load() != 0 || reads.Load() != 2 {
		t.Errorf("want one sniff and one read, got %d reads, %d read_csv over every row", reads.Load(), full.Load())
	}
}
