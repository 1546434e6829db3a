package duckdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/benchgen"
)

// testSeedBuffer is the smallest buffer_size DuckDB takes next to the
// default max_line_size: files of a few MB are read in several buffers.
const testSeedBuffer = seedMaxLineBytes

// TestSeedBufferSameTable loads files that span several reader buffers
// with DuckDB's default buffer and with the large seed buffer (made small
// here so the files stay small), and wants the same column types and the
// same rows in the same order, on each path a seed can take, and again
// when the table is refilled.
func TestSeedBufferSameTable(t *testing.T) {
	const n = 150000 // about 4 buffers of the rows below
	dates := func(i int) string { return fmt.Sprintf("2024-%02d-%02d", i%12+1, i%28+1) }
	cases := map[string]struct {
		csv         func(path string) error
		want        string
		columnTypes map[string]string
		path        int
	}{
		"the benchmark's file": {csv: func(path string) error { return benchgen.WriteCSV(path, 9<<20) },
			want: "id INTEGER, amount DOUBLE, day DATE, updated_at TIMESTAMP, active BOOLEAN, label VARCHAR", path: oneRead},
		"quoted newlines and delimiters across buffers": {csv: writeCSV(tallCSV("id,note,v", n, func(i int) string {
			return fmt.Sprintf("%d,\"line %d\nand, \"\"more\"\"\n%s\",%d.25", i, i, strings.Repeat("x", i%40), i)
		})), want: "id INTEGER, note VARCHAR, v DOUBLE", path: oneRead},
		"a late decimal in an int column": {csv: writeCSV(tallCSV("id,v,d", n, func(i int) string {
			if i == n-7 {
				return fmt.Sprintf("%d,1.5,%s", i, dates(i))
			}
			return fmt.Sprintf("%d,%d,%s", i, i%1000, dates(i))
		})), want: "id INTEGER, v DOUBLE, d DATE", path: fellBack},
		"column_types": {csv: writeCSV(tallCSV("id,code", n, func(i int) string { return fmt.Sprintf("%d,%03d", i, i%1000) })),
			columnTypes: map[string]string{"code": "varchar"}, want: "id INTEGER, code VARCHAR", path: oneRead},
	}
	ctx := context.Background()
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.csv")
			if err := c.csv(path); err != nil {
				t.Fatal(err)
			}
			var got [2]string
			for i, buffer := range []int64{0, testSeedBuffer} {
				var buffered, everyRow atomic.Int64
				a, err := Open(ctx, Config{Path: filepath.Join(t.TempDir(), "shop.duckdb"), Trace: func(sql string) {
					if strings.Contains(sql, fmt.Sprintf("buffer_size = %d,", testSeedBuffer)) {
						buffered.Add(1)
					}
					if strings.Contains(sql, "sample_size = -1") {
						everyRow.Add(1)
					}
				}})
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				a.seedBuffer = buffer
				seed := adapters.Seed{Relation: adapters.Relation{Identifier: "s"}, Path: path, ColumnTypes: c.columnTypes}
				if _, err := a.LoadSeed(ctx, seed); err != nil {
					t.Fatalf("buffer %d: %v", buffer, err)
				}
				got[i] = seedTable(t, a)
				// Loaded again, the table is refilled in place (refillSeed).
				if _, err := a.LoadSeed(ctx, seed); err != nil {
					t.Fatalf("buffer %d, refill: %v", buffer, err)
				}
				if again := seedTable(t, a); again != got[i] {
					t.Errorf("buffer %d: refilled table differs:\n  loaded: %s\nrefilled: %s", buffer, got[i], again)
				}
				if buffer > 0 && buffered.Load() == 0 {
					t.Errorf("no load read with buffer_size %d", buffer)
				}
				if fell := everyRow.Load() > 0; fell != (c.path == fellBack) {
					t.Errorf("buffer %d: detection over every row %v, want %v", buffer, fell, c.path == fellBack)
				}
			}
			if got[0] != got[1] {
				t.Errorf("tables differ:\n default buffer: %s\n   seed buffer: %s", got[0], got[1])
			}
			if !strings.HasPrefix(got[1], c.want+" / ") {
				t.Errorf("types: want %s, got %s", c.want, got[1])
			}
		})
	}
}

// TestSeedBufferKeepsMaxLineSize: a line longer than DuckDB's default
// max_line_size fails the load with the large buffer as without it (a
// buffer_size alone would raise the limit to the buffer's size).
func TestSeedBufferKeepsMaxLineSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.csv")
	long := strings.Repeat("y", seedMaxLineBytes+10)
	writeFile(t, path, tallCSV("id,name", seedSampleRows+100, func(i int) string {
		if i == seedSampleRows+50 {
			return fmt.Sprintf("%d,%s", i, long)
		}
		return fmt.Sprintf("%d,n%d", i, i)
	}))
	for _, buffer := range []int64{0, 4 * seedMaxLineBytes} {
		a, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "shop.duckdb")})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		a.seedBuffer = buffer
		_, err = a.LoadSeed(context.Background(), adapters.Seed{Relation: adapters.Relation{Identifier: "s"}, Path: path})
		var se *adapters.SeedError
		if !errors.As(err, &se) {
			t.Errorf("buffer %d: want a seed error for a line over %d bytes, got %v", buffer, seedMaxLineBytes, err)
		}
	}
}

// TestSeedReadBuffer: only files over largeSeedBytes get the large buffer.
func TestSeedReadBuffer(t *testing.T) {
	for _, c := range []struct{ size, override, want int64 }{
		{0, 0, 0},
		{1 << 20, 0, 0},
		{largeSeedBytes, 0, 0},
		{largeSeedBytes + 1, 0, seedBufferBytes},
		{10 << 30, 0, seedBufferBytes},
		{1 << 20, 5 << 20, 5 << 20},
		{10 << 30, 5 << 20, 5 << 20},
	} {
		if got := seedReadBuffer(c.size, c.override); got != c.want {
			t.Errorf("seedReadBuffer(%d, %d): want %d, got %d", c.size, c.override, c.want, got)
		}
	}
}

// seedTable is table s's column types, row count and a digest of its rows
// in table order.
func seedTable(t *testing.T, a *Adapter) string {
	t.Helper()
	res, err := a.Query(context.Background(), "select (select string_agg(column_name || ' ' || column_type, ', ') from (describe s))"+
		" || ' / ' || count(*) || ' ' || coalesce(md5(string_agg(s::varchar, '|' order by rowid)), '') from s")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(res.Rows[0][0])
}

func writeCSV(content string) func(path string) error {
	return func(path string) error { return os.WriteFile(path, []byte(content), 0o644) }
}
