package quality

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
)

// BenchmarkProfile10M profiles a 10-million-row DuckDB table of every
// column kind and, in the same run, times a SELECT count(*),
// count(DISTINCT c) for every column over it; it reports both and their
// ratio (the goal is at most 2).
//
//	go test ./quality -run '^$' -bench Profile10M -benchtime 1x
func BenchmarkProfile10M(b *testing.B) {
	ctx := context.Background()
	a := openDuckDB(b, filepath.Join(b.TempDir(), "big.duckdb"))
	const rows = 10_000_000
	err := a.Exec(ctx, `CREATE TABLE main.big AS SELECT
  i AS id,
  CASE WHEN i % 10 = 0 THEN NULL ELSE (hash(i) % 100000) / 100.0 END AS amount,
  CAST(i % 17 AS INTEGER) AS qty,
  ['alpha', 'beta', 'gamma', 'delta'][1 + CAST(hash(i * 3) % 4 AS INTEGER)] AS category,
  'user' || CAST(hash(i) % 5000000 AS VARCHAR) || '@example.com' AS email,
  DATE '2025-01-01' + CAST(i % 365 AS INTEGER) AS day,
  TIMESTAMP '2025-01-01' + to_seconds(CAST(i % 31536000 AS BIGINT)) AS ts,
  i % 3 = 0 AS flag
FROM range(`+itoa(rows)+`) t(i)`)
	if err != nil {
		b.Fatal(err)
	}
	rel := adapters.Relation{Database: "big", Schema: "main", Identifier: "big"}
	cols, err := a.Columns(ctx, rel)
	if err != nil {
		b.Fatal(err)
	}
	var distinct []string
	for _, c := range cols {
		distinct = append(distinct, "count(DISTINCT "+a.Dialect().Quote(c.Name)+")")
	}
	baseline := "SELECT count(*), " + strings.Join(distinct, ", ") + " FROM main.big"
	b.ResetTimer()
	var base, prof time.Duration
	for range b.N {
		t0 := time.Now()
		if _, err := a.Query(ctx, baseline); err != nil {
			b.Fatal(err)
		}
		base += time.Since(t0)
		t1 := time.Now()
		p, err := Profiler{Adapter: a}.Profile(ctx, rel)
		if err != nil {
			b.Fatal(err)
		}
		prof += time.Since(t1)
		if p.RowCount != rows || !p.Approximate {
			b.Fatalf("row count %d, approximate %v", p.RowCount, p.Approximate)
		}
	}
	n := float64(b.N)
	b.ReportMetric(base.Seconds()/n, "count_distinct_s")
	b.ReportMetric(prof.Seconds()/n, "profile_s")
	b.ReportMetric(prof.Seconds()/base.Seconds(), "ratio")
	b.Logf("10M rows: count(*)+count(distinct) pass %.2fs, profile %.2fs, ratio %.2f", base.Seconds()/n, prof.Seconds()/n, prof.Seconds()/base.Seconds())
}

func itoa(n int) string { return strconv.Itoa(n) }
