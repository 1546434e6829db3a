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

// Which way a seed was loaded, as TestSeedTypesSameAsFullDetection wants it.
const (
	anyPath  = 0
	oneRead  = 1  // the sampled load, nothing read twice
	fellBack = -1 // detection over every row
)

// TestSeedTypesSameAsFullDetection loads tricky CSVs the way LoadSeed
// chooses and with type detection over every row (how seeds loaded
// before), and wants the same column types and the same rows; where a
// value past the sample changes a type, the sampled load must have given
// way to detection over every row.
func TestSeedTypesSameAsFullDetection(t *testing.T) {
	const n = seedSampleRows + 5000
	late := n - 10 // a row past the sample
	// lateValue is a column of base(i) with v in row late.
	lateValue := func(header string, base func(i int) string, v string) string {
		return tallCSV(header, n, func(i int) string {
			if i == late {
				return fmt.Sprintf("%d,%s", i, v)
			}
			return fmt.Sprintf("%d,%s", i, base(i))
		})
	}
	ints := func(i int) string { return fmt.Sprint(i % 1000) }
	doubles := func(i int) string { return fmt.Sprintf("%d.%d", i%1000, i%10) }
	bools := func(i int) string { return fmt.Sprint(i%2 == 0) }
	dates := func(i int) string { return fmt.Sprintf("2024-%02d-%02d", i%12+1, i%28+1) }
	stamps := func(i int) string { return fmt.Sprintf("2024-%02d-%02d 10:%02d:%02d", i%12+1, i%28+1, i%60, i%60) }
	cases := map[string]struct {
		csv         string
		delim       string
		columnTypes map[string]string
		want        string // the types, as "name TYPE, ..."
		path        int
	}{
		"int then decimal after the sample":    {csv: lateValue("id,v", ints, "1.5"), want: "id INTEGER, v DOUBLE", path: fellBack},
		"int then text after the sample":       {csv: lateValue("id,v", ints, "abc"), want: "id INTEGER, v VARCHAR", path: fellBack},
		"int then leading zero":                {csv: lateValue("id,v", ints, "007"), path: fellBack},
		"int then plus sign":                   {csv: lateValue("id,v", ints, "+5"), path: fellBack},
		"int then exponent":                    {csv: lateValue("id,v", ints, "1e3"), path: fellBack},
		"int then underscore":                  {csv: lateValue("id,v", ints, "1_000"), path: fellBack},
		"int then trailing space":              {csv: lateValue("id,v", ints, `"5 "`), path: fellBack},
		"int then one too big for BIGINT":      {csv: lateValue("id,v", ints, "123456789012345678901234567890"), path: fellBack},
		"double then leading zero":             {csv: lateValue("id,v", doubles, "07.5"), path: fellBack},
		"double then plus sign":                {csv: lateValue("id,v", doubles, "+1.5"), path: fellBack},
		"double then trailing space":           {csv: lateValue("id,v", doubles, `"1.5 "`), path: fellBack},
		"double then leading space":            {csv: lateValue("id,v", doubles, `" 07.5"`), path: fellBack},
		"double then underscore":               {csv: lateValue("id,v", doubles, "1_0.5"), path: fellBack},
		"double then text":                     {csv: lateValue("id,v", doubles, "n/a"), want: "id INTEGER, v VARCHAR", path: fellBack},
		"doubles with exponents and zeros":     {csv: lateValue("id,v", doubles, "-0.5e-3"), want: "id INTEGER, v DOUBLE", path: oneRead},
		"boolean then 1":                       {csv: lateValue("id,b", bools, "1"), path: fellBack},
		"boolean then y":                       {csv: lateValue("id,b", bools, "y"), path: fellBack},
		"boolean then text after the sample":   {csv: lateValue("id,b", bools, "maybe"), want: "id INTEGER, b VARCHAR", path: fellBack},
		"boolean then T":                       {csv: lateValue("id,b", bools, "T"), want: "id INTEGER, b BOOLEAN", path: oneRead},
		"date then timestamp after the sample": {csv: lateValue("id,d", dates, "2024-03-01 10:11:12"), want: "id INTEGER, d TIMESTAMP", path: fellBack},
		"date with one bad value at the end":   {csv: lateValue("id,d", dates, "2024-13-45"), want: "id INTEGER, d VARCHAR", path: fellBack},
		"date then quoted empty":               {csv: lateValue("id,d", dates, `""`), want: "id INTEGER, d DATE"},
		"timestamp then date":                  {csv: lateValue("id,d", stamps, "2024-03-01"), want: "id INTEGER, d TIMESTAMP"},
		"timestamp then offset":                {csv: lateValue("id,d", stamps, "2024-03-01 10:11:12+00")},
		"timestamp then text":                  {csv: lateValue("id,d", stamps, "soon"), want: "id INTEGER, d VARCHAR", path: fellBack},
		"times":                                {csv: lateValue("id,t", func(i int) string { return fmt.Sprintf("10:%02d:00", i%60) }, "25:00:00")},
		"empty until after the sample, then ints": {csv: tallCSV("id,v", n, func(i int) string {
			if i >= late {
				return fmt.Sprintf("%d,%d", i, i)
			}
			return fmt.Sprintf("%d,", i)
		}), want: "id INTEGER, v INTEGER", path: fellBack},
		"empty in the first rows, then text": {csv: tallCSV("id,v", n, func(i int) string {
			if i >= 3000 {
				return fmt.Sprintf("%d,t%d", i, i)
			}
			return fmt.Sprintf("%d,", i)
		}), want: "id INTEGER, v VARCHAR"},
		"int beyond INTEGER after the sample": {csv: lateValue("id,v", ints, "3000000000"), want: "id INTEGER, v BIGINT", path: fellBack},
		"ints beyond INTEGER from the start": {csv: tallCSV("id,v", n, func(i int) string {
			return fmt.Sprintf("%d,%d", i, -5000000000-i)
		}), want: "id INTEGER, v BIGINT", path: fellBack},
		"INTEGER's bounds": {csv: tallCSV("id,v", n, func(i int) string {
			return fmt.Sprintf("%d,%d", i, []int64{-2147483648, 2147483647, 0}[i%3])
		}), want: "id INTEGER, v INTEGER", path: oneRead},
		"always empty": {csv: tallCSV("id,v,w", n, func(i int) string {
			return fmt.Sprintf("%d,,x", i)
		}), want: "id INTEGER, v INTEGER, w VARCHAR", path: oneRead},
		"day-first dates that look month-first in the sample": {csv: lateValue("id,d", func(i int) string {
			return fmt.Sprintf("%02d/%02d/2020", i%12+1, i%12+1)
		}, "25/02/2020"), want: "id INTEGER, d DATE", path: oneRead}, // DuckDB prefers day first
		"ambiguous dates, then month first": {csv: lateValue("id,d", func(i int) string {
			return fmt.Sprintf("%02d/%02d/2020", i%12+1, i%12+1)
		}, "02/25/2020"), want: "id INTEGER, d VARCHAR", path: fellBack},
		"text from the start": {csv: tallCSV("id,name", n, func(i int) string {
			return fmt.Sprintf("%d,name %d", i, i)
		}), want: "id INTEGER, name VARCHAR", path: oneRead},
		"quoted numbers": {csv: tallCSV("id,v,w", n, func(i int) string {
			return fmt.Sprintf(`"%d","%d.5","%t"`, i, i, i%3 == 0)
		}), want: "id INTEGER, v DOUBLE, w BOOLEAN", path: oneRead},
		"every type, as the benchmark's file": {csv: tallCSV("id,amount,day,updated_at,active,label", n, func(i int) string {
			return fmt.Sprintf("%d,%d.%02d,%s,%s,%t,label_%x", i, i*7%100000, i%100, dates(i), stamps(i), i%3 == 0, i)
		}), want: "id INTEGER, amount DOUBLE, day DATE, updated_at TIMESTAMP, active BOOLEAN, label VARCHAR", path: oneRead},
		"semicolons, int then decimal": {csv: strings.ReplaceAll(lateValue("id,v", ints, "1.5"), ",", ";"), delim: ";",
			want: "id INTEGER, v DOUBLE", path: fellBack},
		"pipes": {csv: strings.ReplaceAll(tallCSV("id,v,d", n, func(i int) string { return fmt.Sprintf("%d,%d.5,%s", i, i, dates(i)) }), ",", "|"), delim: "|",
			want: "id INTEGER, v DOUBLE, d DATE", path: oneRead},
		"column_types kept": {csv: tallCSV("id,code", n, func(i int) string {
			return fmt.Sprintf("%d,%03d", i, i%1000)
		}), columnTypes: map[string]string{"code": "varchar"}, want: "id INTEGER, code VARCHAR", path: oneRead},
		"column_types over a late decimal": {csv: lateValue("id,v", ints, "1.5"), columnTypes: map[string]string{"V": "double"},
			want: "id INTEGER, v DOUBLE", path: oneRead},
		"columns named like the load's own": {csv: lateValue("s0,v0", func(i int) string { return fmt.Sprint(i % 7) }, "1.5"),
			want: "s0 INTEGER, v0 DOUBLE", path: fellBack},
		"columns named like the load's own, read once": {csv: tallCSV(`s1,v0,"s0"`, n, func(i int) string { return fmt.Sprintf("%d,%d.5,%t", i, i, i%2 == 0) }),
			want: "s1 INTEGER, v0 DOUBLE, s0 BOOLEAN", path: oneRead},
		"checked columns with empty values": {csv: tallCSV("id,v,w,b", n, func(i int) string {
			if i%7 == 3 || i == late {
				return fmt.Sprintf("%d,,,", i)
			}
			return fmt.Sprintf("%d,%d,%d.5,%t", i, i%1000, i, i%2 == 0)
		}), want: "id INTEGER, v INTEGER, w DOUBLE, b BOOLEAN", path: oneRead},
		"checked columns with quoted empty values": {csv: tallCSV("id,v,w,b", n, func(i int) string {
			if i%5 == 1 {
				return fmt.Sprintf(`%d,"","",""`, i)
			}
			return fmt.Sprintf("%d,%d,%d.5,%t", i, i%1000, i, i%2 == 0)
		}), want: "id INTEGER, v INTEGER, w DOUBLE, b BOOLEAN", path: oneRead},
		"int then negative leading zeros":   {csv: lateValue("id,v", ints, "-007")},
		"double then negative leading zero": {csv: lateValue("id,v", doubles, "-07.5")},
		"boolean then F":                    {csv: lateValue("id,b", bools, "F"), want: "id INTEGER, b BOOLEAN", path: oneRead},
		"boolean then TRUE": {csv: lateValue("id,b", func(i int) string { return []string{"true", "False", "t"}[i%3] }, "TRUE"),
			want: "id INTEGER, b BOOLEAN", path: oneRead},
		"boolean then 0": {csv: lateValue("id,b", bools, "0"), path: fellBack},
		"header only":    {csv: "id,name\n", want: "id INTEGER, name INTEGER", path: oneRead},
		"short file":     {csv: "id,amount,day\n1,2.50,2024-01-01\n2,,2024-01-02\n", want: "id INTEGER, amount DOUBLE, day DATE", path: oneRead},
	}
	ctx := context.Background()
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "s.csv")
			writeFile(t, path, c.csv)
			var got [2]string
			var rows [2]string
			var everyRow atomic.Int64
			for i, full := range []bool{false, true} {
				a, err := Open(ctx, Config{Path: filepath.Join(t.TempDir(), "shop.duckdb"), Trace: func(sql string) {
					if !full && strings.Contains(sql, "sample_size = -1") {
						everyRow.Add(1)
					}
				}})
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				a.fullSeedSniff = full
				seed := adapters.Seed{Relation: adapters.Relation{Identifier: "s"}, Path: path, Delimiter: c.delim, ColumnTypes: c.columnTypes}
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
			switch fell := everyRow.Load() > 0; {
			case c.path == oneRead && fell:
				t.Errorf("detected types over every row; want the file read once (types %s)", got[0])
			case c.path == fellBack && !fell:
				t.Errorf("kept the sampled types; want detection over every row (types %s)", got[0])
			}
		})
	}
}

// TestSeedReadOnce: a plain file taller than the sample is read once,
// after a sniff of DuckDB's sample: nothing reads every row twice.
func TestSeedReadOnce(t *testing.T) {
	var full, reads atomic.Int64
	a, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "shop.duckdb"), Trace: func(sql string) {
		if strings.Contains(sql, "sample_size = -1") {
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
		t.Errorf("want a sniff of the sample and one read, got %d reads, %d over every row", reads.Load(), full.Load())
	}
}

// TestSeedSettingsThatDefeatTheChecks: with a default collation the text
// checks could compare differently, and without preserve_insertion_order
// the first rows of the table are not the file's: both detect over every
// row, and still load the same types.
func TestSeedSettingsThatDefeatTheChecks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.csv")
	writeFile(t, path, tallCSV("id,v,name", seedSampleRows+100, func(i int) string { return fmt.Sprintf("%d,%d.5,n%d", i, i, i) }))
	for setting, value := range map[string]string{"default_collation": "nocase", "preserve_insertion_order": "false"} {
		t.Run(setting, func(t *testing.T) {
			var full atomic.Int64
			a, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "shop.duckdb"),
				Settings: map[string]string{setting: value},
				Trace: func(sql string) {
					if strings.Contains(sql, "sample_size = -1") {
						full.Add(1)
					}
				}})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if _, err := a.LoadSeed(context.Background(), adapters.Seed{Relation: adapters.Relation{Identifier: "s"}, Path: path}); err != nil {
				t.Fatal(err)
			}
			res, err := a.Query(context.Background(), "select string_agg(column_name || ' ' || column_type, ', ') from (describe s)")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fmt.Sprint(res.Rows[0][0]), "id INTEGER, v DOUBLE, name VARCHAR"; got != want {
				t.Errorf("types: want %s, got %s", want, got)
			}
			if full.Load() == 0 {
				t.Error("kept the sampled types; want detection over every row")
			}
		})
	}
}
