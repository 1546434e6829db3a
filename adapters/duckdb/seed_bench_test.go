package duckdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/benchgen"
)

// BenchmarkLoadSeed loads the benchmark's CSV (internal/benchgen: every
// type a seed detects) of ELT_BENCH_SEED_MB megabytes (default 20) the way
// LoadSeed chooses, with detection over every row as before, and with
// DuckDB's own read_csv, the floor elt-bench compares with.
//
//	go test ./adapters/duckdb -run '^$' -bench LoadSeed -benchtime 3x
func BenchmarkLoadSeed(b *testing.B) {
	mb := int64(20)
	if s := os.Getenv("ELT_BENCH_SEED_MB"); s != "" {
		if _, err := fmt.Sscan(strings.TrimSpace(s), &mb); err != nil || mb < 1 {
			b.Fatalf("ELT_BENCH_SEED_MB: %v", err)
		}
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "big.csv")
	if err := benchgen.WriteCSV(path, mb<<20); err != nil {
		b.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	open := func(b *testing.B) *Adapter {
		a, err := Open(ctx, Config{Path: filepath.Join(b.TempDir(), "bench.duckdb")})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { a.Close() })
		return a
	}
	seed := adapters.Seed{Relation: adapters.Relation{Identifier: "big"}, Path: path, FullRefresh: true}
	for _, bc := range []struct {
		name string
		load func(a *Adapter) error
	}{
		{"elt", func(a *Adapter) error { _, err := a.LoadSeed(ctx, seed); return err }},
		{"every_row", func(a *Adapter) error {
			a.fullSeedSniff = true
			_, err := a.LoadSeed(ctx, seed)
			return err
		}},
		{"read_csv", func(a *Adapter) error {
			return a.Exec(ctx, "create or replace table floor as select * from read_csv("+literal(path)+")")
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a := open(b)
			b.SetBytes(info.Size())
			b.ResetTimer()
			for range b.N {
				if err := bc.load(a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
