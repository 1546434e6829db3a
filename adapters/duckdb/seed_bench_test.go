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
// DuckDB's own read_csv, the floor elt-bench compares with, each into a new
// database that it then closes. Over 64 MB the seed is read with the large
// buffer (see largeSeedBytes).
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
			b.SetBytes(info.Size())
			// Each load is into a new database and includes closing it:
			// DuckDB's checkpoint at close writes or merges what the load
			// left, which is part of what a seed costs.
			for i := range b.N {
				b.StopTimer()
				db := filepath.Join(b.TempDir(), fmt.Sprintf("bench%d.duckdb", i))
				a, err := Open(ctx, Config{Path: db})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := bc.load(a); err != nil {
					a.Close()
					b.Fatal(err)
				}
				if err := a.Close(); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := os.RemoveAll(filepath.Dir(db)); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
