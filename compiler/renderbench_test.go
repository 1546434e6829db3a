//go:build unix

package compiler_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/benchgen"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/tests"
)

// benchDialect renders relations as DuckDB does: every part quoted.
type benchDialect struct{}

func (benchDialect) Type() string          { return "duckdb" }
func (benchDialect) Quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func (d benchDialect) RenderRelation(r compiler.Relation) string {
	var parts []string
	for _, p := range []string{r.Database, r.Schema, r.Identifier} {
		if p != "" {
			parts = append(parts, d.Quote(p))
		}
	}
	return strings.Join(parts, ".")
}

// loadBenchProject writes elt-bench's synthetic project of n models (a
// layered DAG, refs in Jinja loops, macro calls, config blocks, data
// tests in properties files) and loads it.
func loadBenchProject(b *testing.B, n int) *project.Project {
	b.Helper()
	dir := b.TempDir()
	if err := benchgen.Write(dir, benchgen.Options{Models: n}); err != nil {
		b.Fatal(err)
	}
	noEnv := func(string) (string, bool) { return "", false }
	p, err := project.Load(context.Background(), project.Options{ProjectDir: dir, WorkDir: dir, ProfilesDir: dir, Env: noEnv})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// cpuTime is the CPU time (user and system) the process used so far: on
// a machine shared with other work it moves less than wall time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRenderPhases measures compiler.Parse (the parse-time render
// of every node) and Compile (the compile-time render) on elt-bench's
// synthetic project, as `elt compile` runs them with an empty render
// cache: $ELT_BENCH_MODELS models (default 2,000). It reports each
// phase's wall and CPU time (of the whole process: GC included) per op and the allocations per node of both.
func BenchmarkRenderPhases(b *testing.B) {
	models := 2000
	if s := os.Getenv("ELT_BENCH_MODELS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("ELT_BENCH_MODELS=%q: %v", s, err)
		}
		models = v
	}
	p := loadBenchProject(b, models)
	ctx := context.Background()
	opts := compiler.Options{
		Dialect:      benchDialect{},
		Env:          func(string) (string, bool) { return "", false },
		InvocationID: "00000000-0000-0000-0000-000000000000",
		RunStartedAt: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		ExtraMacros:  tests.BuiltinMacros(),
	}
	var parse, compile, parseCPU, compileCPU time.Duration
	var parseAllocs, compileAllocs uint64
	var nodes int
	var ms runtime.MemStats
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		opts.Cache = compiler.NewRenderCache("bench", nil)
		runtime.ReadMemStats(&ms)
		a0 := ms.Mallocs
		c0 := cpuTime(b)
		t0 := time.Now()
		m, err := compiler.Parse(ctx, p, opts)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		c1 := cpuTime(b)
		runtime.ReadMemStats(&ms)
		a1 := ms.Mallocs
		if err := m.Compile(ctx, nil); err != nil {
			b.Fatal(err)
		}
		parse += t1.Sub(t0)
		compile += time.Since(t1)
		parseCPU += c1 - c0
		compileCPU += cpuTime(b) - c1
		runtime.ReadMemStats(&ms)
		parseAllocs += a1 - a0
		compileAllocs += ms.Mallocs - a1
		nodes = len(m.Nodes)
		last := m.Nodes["model.bench."+benchgen.ModelName(models-1)]
		if last == nil || !strings.Contains(last.CompiledCode, `"main"."m_`) {
			b.Fatalf("last model compiled to %v", last)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(parse.Microseconds())/1000/n, "parse-ms/op")
	b.ReportMetric(float64(compile.Microseconds())/1000/n, "compile-ms/op")
	b.ReportMetric(float64(parseCPU.Microseconds())/1000/n, "parse-cpu-ms/op")
	b.ReportMetric(float64(compileCPU.Microseconds())/1000/n, "compile-cpu-ms/op")
	b.ReportMetric(float64(parseAllocs)/n/float64(nodes), "parse-allocs/node")
	b.ReportMetric(float64(compileAllocs)/n/float64(nodes), "compile-allocs/node")
}

// BenchmarkParseFromCache measures compiler.Parse of elt-bench's project
// when every render is in the cache, as `elt ls` and `elt compile -s`
// run it after a compile: generic tests built, parse keys hashed,
// entries decoded from the stored cache ($ELT_BENCH_MODELS models,
// default 10,000). It reports CPU time (the whole process's) per op.
func BenchmarkParseFromCache(b *testing.B) {
	models := 10000
	if s := os.Getenv("ELT_BENCH_MODELS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("ELT_BENCH_MODELS=%q: %v", s, err)
		}
		models = v
	}
	p := loadBenchProject(b, models)
	ctx := context.Background()
	opts := compiler.Options{
		Dialect:      benchDialect{},
		Env:          func(string) (string, bool) { return "", false },
		InvocationID: "00000000-0000-0000-0000-000000000000",
		RunStartedAt: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		ExtraMacros:  tests.BuiltinMacros(),
	}
	opts.Cache = compiler.NewRenderCache("bench", nil)
	if _, err := compiler.Parse(ctx, p, opts); err != nil {
		b.Fatal(err)
	}
	var saved strings.Builder
	if err := opts.Cache.Save(&saved); err != nil {
		b.Fatal(err)
	}
	stored := saved.String()
	var cpu time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0 := cpuTime(b)
		opts.Cache = compiler.NewRenderCacheFrom("bench", stored)
		m, err := compiler.Parse(ctx, p, opts)
		if err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime(b) - c0
		if st := opts.Cache.Stats(); st.ParseMisses != 0 {
			b.Fatalf("renders missed the cache: %+v", st)
		}
		if len(m.Nodes) < 2*models {
			b.Fatalf("%d nodes parsed", len(m.Nodes))
		}
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
