package loaders

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// benchSize is the CSV size the file benchmarks generate: 20 MB by
// default, 1 GB with ELT_BENCH_LOADER_GB=1 (ELT_BENCH_LOADER_MB sets any
// size).
func benchSize() int64 {
	if os.Getenv("ELT_BENCH_LOADER_GB") == "1" {
		return 1 << 30
	}
	if mb, err := strconv.Atoi(os.Getenv("ELT_BENCH_LOADER_MB")); err == nil && mb > 0 {
		return int64(mb) << 20
	}
	return 20 << 20
}

func writeBenchCSV(b *testing.B, path string, size int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var n int64
	fmt.Fprintln(w, "id,customer_id,amount,status,created_at,note")
	for i := 0; n < size; i++ {
		k, _ := fmt.Fprintf(w, "%d,%d,%d.%02d,%s,2024-01-%02d 10:%02d:%02d,order number %d for a customer\n",
			i, i%9973, i%1000, i%100, []string{"open", "paid", "shipped"}[i%3], i%28+1, i%60, i%60, i)
		n += int64(k)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

// BenchmarkFileLoad lands a generated CSV, and a Parquet file made from
// it, with the files loader and with DuckDB's own read_csv/read_parquet
// into a table on the same file, and reports the loader's throughput as
// a ratio of DuckDB's (goal: at least 0.9).
func BenchmarkFileLoad(b *testing.B) {
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "orders.csv")
	size := benchSize()
	writeBenchCSV(b, csvPath, size)
	a := openDuck(b, filepath.Join(dir, "bench.duckdb"))
	ctx := context.Background()
	pq := filepath.Join(dir, "orders.parquet")
	if err := a.Exec(ctx, fmt.Sprintf("copy (select * from read_csv('%s')) to '%s' (format parquet)", csvPath, pq)); err != nil {
		b.Fatal(err)
	}
	if err := a.Exec(ctx, "create schema if not exists raw"); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, path, native string }{
		{"csv", csvPath, "read_csv('" + csvPath + "')"},
		{"parquet", pq, "read_parquet('" + pq + "')"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			l := parseOne(b, fmt.Sprintf("loaders:\n  - name: bench_%s\n    connector: files\n    lands: {source: raw, table: bench_%s}\n    write_disposition: replace\n    options:\n      path: %s\n", tc.name, tc.name, tc.path), nil)
			var loaderTime, nativeTime time.Duration
			bestLoader, bestNative := time.Duration(1<<62), time.Duration(1<<62)
			var rows int64
			// Warm the file cache, so that neither side pays for it.
			if err := a.Exec(ctx, fmt.Sprintf("create or replace table raw.native_%s as select * from %s", tc.name, tc.native)); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				res := Run(ctx, a, l, duckRel(a, "bench_"+tc.name), RunOptions{})
				if res.Err != nil {
					b.Fatal(res.Err)
				}
				loaderTime += time.Since(t0)
				bestLoader = min(bestLoader, time.Since(t0))
				rows = res.Rows
				t0 = time.Now()
				if err := a.Exec(ctx, fmt.Sprintf("create or replace table raw.native_%s as select * from %s", tc.name, tc.native)); err != nil {
					b.Fatal(err)
				}
				nativeTime += time.Since(t0)
				bestNative = min(bestNative, time.Since(t0))
			}
			if n := queryInt(b, a, "select count(*) from raw.native_"+tc.name); n != rows {
				b.Fatalf("loader landed %d rows, DuckDB %d", rows, n)
			}
			ratio := nativeTime.Seconds() / loaderTime.Seconds()
			b.ReportMetric(float64(rows)*float64(b.N)/loaderTime.Seconds(), "rows/s")
			// The machine may be shared: the best of the runs is the
			// fairer comparison, and both are reported.
			best := bestNative.Seconds() / bestLoader.Seconds()
			b.ReportMetric(ratio, "ratio_vs_duckdb")
			b.ReportMetric(best, "best_ratio_vs_duckdb")
			b.Logf("%s %d MB, %d rows: loader %.2fs, DuckDB %s alone %.2fs per load (mean of %d); throughput ratio %.2f; best of each %.2fs vs %.2fs, ratio %.2f",
				tc.name, size>>20, rows, loaderTime.Seconds()/float64(b.N), tc.name, nativeTime.Seconds()/float64(b.N), b.N, ratio,
				bestLoader.Seconds(), bestNative.Seconds(), best)
		})
	}
}

// BenchmarkAPILoad lands N records (10,000 by default, 1,000,000 with
// ELT_BENCH_LOADER_GB=1 or ELT_BENCH_API_RECORDS) from a local paginated
// API and reports rows/s and peak heap.
func BenchmarkAPILoad(b *testing.B) {
	n := 10000
	if os.Getenv("ELT_BENCH_LOADER_GB") == "1" {
		n = 1000000
	}
	if v, err := strconv.Atoi(os.Getenv("ELT_BENCH_API_RECORDS")); err == nil && v > 0 {
		n = v
	}
	const pageSize = 1000
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		recs := make([]map[string]any, 0, pageSize)
		for id := off; id < off+pageSize && id < n; id++ {
			recs = append(recs, map[string]any{"id": id, "name": "customer " + strconv.Itoa(id), "amount": float64(id%1000) / 7,
				"paid": id%2 == 0, "address": map[string]any{"city": "Paris", "zip": "75001"}, "tags": []string{"a", "b"}})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": recs})
	}))
	defer ts.Close()
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		a := openDuck(b, filepath.Join(b.TempDir(), "api.duckdb"))
		l := parseOne(b, fmt.Sprintf(`loaders:
  - name: api
    connector: http
    lands: {source: raw, table: api}
    options:
      base_url: %s
      records_path: data
      paginate: {style: offset, limit: %d}
`, ts.URL, pageSize), nil)
		var peak atomic.Uint64
		stop := make(chan struct{})
		go func() {
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		}()
		t0 := time.Now()
		res := Run(ctx, a, l, duckRel(a, "api"), RunOptions{})
		el := time.Since(t0)
		close(stop)
		if res.Err != nil {
			b.Fatal(res.Err)
		}
		if got := queryInt(b, a, "select count(distinct id) from raw.api"); got != int64(n) {
			b.Fatalf("want %d rows, got %d", n, got)
		}
		b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak_heap_MB")
		// The process's peak resident memory (DuckDB's C memory too; a
		// high-water mark over the whole test binary's life).
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss_MB")
		b.Logf("%d records, %d pages: %.2fs, %.0f rows/s, peak Go heap in use %.1f MB, process maxrss %.0f MB",
			n, res.Pages, el.Seconds(), float64(n)/el.Seconds(), float64(peak.Load())/(1<<20), float64(ru.Maxrss)/1024)
	}
}
