package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/elt-dev/elt/internal/benchgen"
)

// childEnv marks a process that elt-bench started to measure a floor.
const childEnv = "ELT_BENCH_CHILD"

var allFigures = []string{"memory", "compile", "ls", "select", "rewrite", "run", "seed"}

type config struct {
	elt          string
	eltBase      string // an earlier elt whose run figure is measured in the same rounds
	work         string
	keep         bool
	models       []int
	lsModels     int
	selectModels int
	runModels    []int
	threads      []int
	seedMB       int
	probeMiB     int           // size of each fresh memory probe
	probeIdle    time.Duration // pause before each cold probe
	idle         time.Duration // pause before each measured process
	runs         int
	runRuns      int // rounds of the run figure; 0: runs
	only         map[string]bool
	jsonPath     string
	self         string // the executable that runs the floors
	stdout       io.Writer
	stderr       io.Writer
}

// Stats are the timings of one command over its runs.
type Stats struct {
	Runs    []float64 `json:"runs_s"`
	Median  float64   `json:"median_s"`
	Min     float64   `json:"min_s"`
	Max     float64   `json:"max_s"`
	PeakRSS int64     `json:"peak_rss_bytes"` // the largest over the runs
	// CPU is user plus system time of each run: steadier than wall time
	// on a machine shared with other work.
	CPU       []float64 `json:"cpu_s"`
	CPUMedian float64   `json:"cpu_median_s"`
	// Faults are each run's page faults (minor and major): on a virtual
	// machine each costs microseconds, and fresh memory faults a page at
	// a time unless huge pages back it.
	Faults       []float64 `json:"page_faults"`
	FaultsMedian float64   `json:"page_faults_median"`
}

// Figure is one line of the report: elt's timings and, where there is one,
// the floor it is compared with.
type Figure struct {
	Name      string  `json:"name"`
	Command   string  `json:"command"`
	Models    int     `json:"models,omitempty"`
	Threads   int     `json:"threads,omitempty"`
	SizeBytes int64   `json:"size_bytes,omitempty"`
	Elt       Stats   `json:"elt"`
	FloorName string  `json:"floor_name,omitempty"`
	Floor     *Stats  `json:"floor,omitempty"`
	Ratio     float64 `json:"ratio,omitempty"` // elt's median over the floor's
	// Rounds, for figures measured interleaved with their floor, are the
	// per-round ratios.
	Rounds *RoundRatios `json:"rounds,omitempty"`
	Notes  []string     `json:"notes,omitempty"`
}

// Report is what --json writes.
type Report struct {
	Started time.Time `json:"started"`
	CPU     string    `json:"cpu"`
	Cores   int       `json:"cores"`
	Elt     string    `json:"elt"`
	// Memory is the fresh memory probe (--only memory).
	Memory  *MemoryProbe `json:"fresh_memory,omitempty"`
	Figures []Figure     `json:"figures"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "floor-run" || args[0] == "floor-seed" || args[0] == "floor-write" || args[0] == "floor-select") {
		return runFloor(ctx, args, stderr)
	}
	if len(args) > 0 && args[0] == "probe-memory" {
		return runProbe(ctx, args, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "spawn" {
		return runSpawn(ctx, args, stderr)
	}
	cfg, err := parseFlags(args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "elt-bench:", err)
		return 2
	}
	if err := bench(ctx, cfg); err != nil {
		fmt.Fprintln(stderr, "elt-bench:", err)
		return 1
	}
	return 0
}

func runFloor(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "DuckDB file")
	manifest := fs.String("manifest", "", "compiled manifest.json (floor-run)")
	csv := fs.String("csv", "", "CSV file (floor-seed)")
	bundle := fs.String("bundle", "", "files to write (floor-write)")
	out := fs.String("out", "", "new folder to write them into (floor-write)")
	projectDir := fs.String("project", "", "project folder (floor-select)")
	model := fs.String("model", "", "the changed model file, relative to --project (floor-select)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	var err error
	switch args[0] {
	case "floor-run":
		err = floorRun(ctx, *db, *manifest)
	case "floor-write":
		err = floorWrite(ctx, *bundle, *out)
	case "floor-select":
		_, err = floorSelect(ctx, *projectDir, *model)
	default:
		err = floorSeed(ctx, *db, *csv)
	}
	if err != nil {
		fmt.Fprintln(stderr, "elt-bench:", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stdout, stderr io.Writer) (*config, error) {
	cfg := &config{stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("elt-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.elt, "elt", "", "the elt binary to measure (default: build ./cmd/elt once into the work folder)")
	fs.StringVar(&cfg.eltBase, "elt-base", "", "an earlier elt binary to compare with: the run figure measures it in the same rounds, after the floor and before --elt (figures named run_N_threads_T_base)")
	fs.StringVar(&cfg.work, "work", "", "folder for the generated projects (default: a temporary folder, removed at the end)")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the work folder")
	models := fs.String("models", "10000,100000", "project sizes for the cold compile figure")
	fs.IntVar(&cfg.lsModels, "ls-models", 10000, "project size for the ls figure")
	fs.IntVar(&cfg.selectModels, "select-models", 20000, "project size for the compile -s figure")
	runModels := fs.String("run-models", "200,1000,2000", "project sizes (table models) for the run figure")
	threads := fs.String("threads", "1,4", "--threads values for the run figure")
	fs.IntVar(&cfg.seedMB, "seed-mb", 20, "size of the generated seed CSV in MB (the issue's figure uses 1000)")
	fs.IntVar(&cfg.probeMiB, "probe-mib", 256, "size in MiB of each fresh memory probe (the memory figure)")
	fs.DurationVar(&cfg.probeIdle, "probe-idle", 3*time.Second, "pause before each cold fresh memory probe: long enough for freed memory to go back to a VM's host")
	fs.DurationVar(&cfg.idle, "idle", 0, "pause before every measured process, so that it starts on cold memory as a command run now and then does (see the memory figure); 0 runs them back to back")
	fs.IntVar(&cfg.runs, "runs", 3, "runs per figure; the report gives median, min and max")
	fs.IntVar(&cfg.runRuns, "run-runs", 0, "interleaved rounds (floor, then elt at each --threads) of the run figure (default: --runs)")
	only := fs.String("only", strings.Join(allFigures, ","), "figures to measure: "+strings.Join(allFigures, ","))
	fs.StringVar(&cfg.jsonPath, "json", "", "write the report as JSON to this file")
	quick := fs.Bool("quick", false, "small sizes and one run, to check that every figure works")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *quick {
		quickDefaults := map[string]string{"models": "150", "ls-models": "150", "select-models": "150",
			"run-models": "120", "seed-mb": "1", "runs": "1", "probe-mib": "16", "probe-idle": "0s"}
		for name, v := range quickDefaults {
			if !set[name] {
				if err := fs.Set(name, v); err != nil {
					return nil, err
				}
			}
		}
	}
	var err error
	if cfg.models, err = intList("models", *models); err != nil {
		return nil, err
	}
	if cfg.runModels, err = intList("run-models", *runModels); err != nil {
		return nil, err
	}
	if cfg.threads, err = intList("threads", *threads); err != nil {
		return nil, err
	}
	if cfg.runRuns < 0 {
		return nil, errors.New("--run-runs must not be negative")
	}
	if cfg.runs < 1 || cfg.lsModels < 1 || cfg.selectModels < 1 || cfg.seedMB < 1 || cfg.probeMiB < 1 {
		return nil, errors.New("--runs, --ls-models, --select-models, --seed-mb and --probe-mib must be at least 1")
	}
	if cfg.probeIdle < 0 || cfg.idle < 0 {
		return nil, errors.New("--probe-idle and --idle must not be negative")
	}
	cfg.only = map[string]bool{}
	for _, f := range strings.Split(*only, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(allFigures, f) {
			return nil, fmt.Errorf("--only: unknown figure %q (want some of %s)", f, strings.Join(allFigures, ","))
		}
		cfg.only[f] = true
	}
	return cfg, nil
}

func intList(name, s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--%s: %q is not a positive number", name, f)
		}
		out = append(out, n)
	}
	return out, nil
}

func bench(ctx context.Context, cfg *config) (err error) {
	if cfg.work == "" {
		if cfg.work, err = os.MkdirTemp("", "elt-bench-"); err != nil {
			return err
		}
		if !cfg.keep {
			defer os.RemoveAll(cfg.work)
		}
	} else if err := os.MkdirAll(cfg.work, 0o755); err != nil {
		return err
	}
	if cfg.work, err = filepath.Abs(cfg.work); err != nil {
		return err
	}
	// The compile figure's moved-aside target folders go when it ends.
	defer os.RemoveAll(filepath.Join(cfg.work, "graveyard"))
	if cfg.self == "" {
		if cfg.self, err = os.Executable(); err != nil {
			return err
		}
	}
	needElt := false
	for _, f := range allFigures {
		needElt = needElt || (f != "memory" && cfg.only[f])
	}
	if cfg.elt == "" && needElt {
		cfg.elt = filepath.Join(cfg.work, "elt")
		fmt.Fprintln(cfg.stderr, "building elt into", cfg.elt)
		build := exec.CommandContext(ctx, "go", "build", "-o", cfg.elt, "github.com/elt-dev/elt/cmd/elt")
		build.Stdout, build.Stderr = cfg.stderr, cfg.stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build elt: %w", err)
		}
	} else if cfg.elt != "" {
		if cfg.elt, err = filepath.Abs(cfg.elt); err != nil {
			return err
		}
	}
	if cfg.eltBase != "" {
		if cfg.eltBase, err = filepath.Abs(cfg.eltBase); err != nil {
			return err
		}
	}
	rep := Report{Started: time.Now().UTC(), Elt: cfg.elt}
	rep.CPU, rep.Cores = cpuInfo()
	fmt.Fprintf(cfg.stdout, "elt-bench: %s, %d cores; median of %d runs", rep.CPU, rep.Cores, cfg.runs)
	if cfg.only["run"] {
		fmt.Fprintf(cfg.stdout, "; run: %d rounds of the floor and elt interleaved", (&bencher{cfg: cfg}).runRuns())
	}
	fmt.Fprintln(cfg.stdout)
	add := func(f Figure) {
		rep.Figures = append(rep.Figures, f)
		fmt.Fprintln(cfg.stdout, f.line())
	}
	if cfg.only["memory"] {
		// A machine the probe cannot measure (not Linux) still gets the
		// other figures.
		p, err := probeMemoryChild(ctx, cfg)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			fmt.Fprintln(cfg.stdout, "fresh memory: not measured:", err)
		default:
			rep.Memory = p
			fmt.Fprintln(cfg.stdout, p.line())
		}
	}
	b := &bencher{cfg: cfg, generated: map[string]bool{}}
	if cfg.only["compile"] {
		for _, n := range cfg.models {
			f, err := b.compileCold(ctx, n)
			if err != nil {
				return err
			}
			add(f)
		}
	}
	if cfg.only["ls"] {
		f, err := b.ls(ctx, cfg.lsModels)
		if err != nil {
			return err
		}
		add(f)
	}
	if cfg.only["select"] {
		fs, err := b.selectOne(ctx, cfg.selectModels)
		if err != nil {
			return err
		}
		for _, f := range fs {
			add(f)
		}
	}
	if cfg.only["rewrite"] {
		f, err := b.rewrite(ctx, cfg.lsModels)
		if err != nil {
			return err
		}
		add(f)
	}
	if cfg.only["run"] {
		for _, n := range cfg.runModels {
			fs, err := b.run(ctx, n)
			if err != nil {
				return err
			}
			for _, f := range fs {
				add(f)
			}
		}
	}
	if cfg.only["seed"] {
		f, err := b.seed(ctx, int64(cfg.seedMB)<<20)
		if err != nil {
			return err
		}
		add(f)
	}
	if cfg.jsonPath != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.jsonPath, append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}

func (f Figure) line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-26s median %8.3fs  min %8.3fs  max %8.3fs  cpu %7.3fs  peak %7.1f MiB  faults %6.1fk", f.Name, f.Elt.Median, f.Elt.Min, f.Elt.Max, f.Elt.CPUMedian, mib(f.Elt.PeakRSS), f.Elt.FaultsMedian/1000)
	if f.Floor != nil {
		fmt.Fprintf(&b, "  | %s %.3fs (cpu %.3fs, peak %.1f MiB)  ratio %.2fx (cpu %.2fx)", f.FloorName, f.Floor.Median, f.Floor.CPUMedian, mib(f.Floor.PeakRSS), f.Ratio, f.Elt.CPUMedian/f.Floor.CPUMedian)
		if r := f.Rounds; r != nil {
			fmt.Fprintf(&b, "  rounds %.2fx [%.2f-%.2f] (cpu %.2fx)", r.Median, r.Min, r.Max, r.CPUMedian)
		}
	}
	return b.String()
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

type bencher struct {
	cfg       *config
	generated map[string]bool
}

// project generates (once per run of elt-bench) a project of n models.
func (b *bencher) project(kind string, n int, materialized string) (string, error) {
	dir := filepath.Join(b.cfg.work, fmt.Sprintf("%s_%d", kind, n))
	if b.generated[dir] {
		return dir, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := benchgen.Write(dir, benchgen.Options{Models: n, Materialized: materialized}); err != nil {
		return "", err
	}
	b.generated[dir] = true
	return dir, nil
}

func (b *bencher) compileCold(ctx context.Context, n int) (Figure, error) {
	dir, err := b.project("views", n, "view")
	if err != nil {
		return Figure{}, err
	}
	// target/ is moved aside, not deleted: on a file system without a
	// journal (ext4 as some VMs mount it) creating tens of thousands of
	// files right after deleting as many costs several times more in the
	// kernel (ext4's recently_deleted inode scan), which would measure the
	// deletion, not elt. The moved folders are removed when the benchmark ends.
	graveyard := filepath.Join(b.cfg.work, "graveyard")
	st, err := b.measure(ctx, func(i int) error {
		if err := os.MkdirAll(graveyard, 0o755); err != nil {
			return err
		}
		err := os.Rename(filepath.Join(dir, "target"), filepath.Join(graveyard, fmt.Sprintf("%s-%d-%d", filepath.Base(dir), i, time.Now().UnixNano())))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}, b.elt(dir, "compile"))
	if err != nil {
		return Figure{}, err
	}
	// The floor writes the files the last compile left, each run into a
	// folder of its own that does not exist yet.
	bundle := filepath.Join(b.cfg.work, fmt.Sprintf("write-floor-%d.bin", n))
	files, size, err := packWriteFloor(filepath.Join(dir, "target"), bundle)
	if err != nil {
		return Figure{}, err
	}
	defer os.Remove(bundle)
	var out string
	floor, err := b.measure(ctx, func(i int) error {
		out = filepath.Join(graveyard, fmt.Sprintf("write-floor-%d-%d-%d", n, i, time.Now().UnixNano()))
		return nil
	}, func() process { return b.child("floor-write", "--bundle", bundle, "--out", out)() })
	if err != nil {
		return Figure{}, err
	}
	return Figure{Name: fmt.Sprintf("compile_cold_%d", n), Command: "elt compile (no target/)", Models: n, Elt: st,
		FloorName: fmt.Sprintf("writing its %d files (%.0f MB) alone", files, float64(size)/1e6), Floor: &floor, Ratio: st.Median / floor.Median}, nil
}

func (b *bencher) ls(ctx context.Context, n int) (Figure, error) {
	dir, err := b.project("views", n, "view")
	if err != nil {
		return Figure{}, err
	}
	st, err := b.measure(ctx, func(int) error { return nil }, b.elt(dir, "ls"))
	if err != nil {
		return Figure{}, err
	}
	return Figure{Name: fmt.Sprintf("ls_%d", n), Command: "elt ls", Models: n, Elt: st}, nil
}

// selectOne compiles the whole project once, then measures compile -s of
// one model after that model's file changed, against a full compile.
func (b *bencher) selectOne(ctx context.Context, n int) ([]Figure, error) {
	dir, err := b.project("views", n, "view")
	if err != nil {
		return nil, err
	}
	full, err := b.measure(ctx, func(int) error { return nil }, b.elt(dir, "compile"))
	if err != nil {
		return nil, err
	}
	target := n / 2
	name := benchgen.ModelName(target)
	rel := benchgen.ModelPath(target)
	path := filepath.Join(dir, filepath.FromSlash(rel))
	orig, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	defer os.WriteFile(path, orig, 0o644)
	st, err := b.measure(ctx, func(i int) error {
		return os.WriteFile(path, fmt.Appendf(bytes.Clone(orig), "-- edit %d at %d\n", i, time.Now().UnixNano()), 0o644)
	}, b.elt(dir, "compile", "-s", name))
	if err != nil {
		return nil, err
	}
	// The floor (see selectfloor.go) after elt's runs, as the write
	// floor: its 91 MB manifest at 20,000 models is still being written
	// back when the next run starts.
	floor, err := b.measure(ctx, func(int) error { return nil }, b.child("floor-select", "--project", dir, "--model", rel))
	if err != nil {
		return nil, err
	}
	defer os.Remove(filepath.Join(dir, "target", floorSelectOut))
	fig := Figure{Name: fmt.Sprintf("compile_select_%d", n), Command: "elt compile -s " + name + " after its file changed",
		Models: n, Elt: st}
	return []Figure{
		withFloor(fig, "full compile", full),
		withFloor(named(fig, fig.Name+"_floor"), "its floor: a stat of every file and manifest.json written alone", floor),
	}, nil
}

// rewrite measures a compile of the whole project in which every node's
// compiled SQL differs from what target/compiled holds: compiles with and
// without --empty, one after the other, so that each run renders every
// node's SQL again (its parse renders come from the render cache) and
// rewrites every compiled file.
func (b *bencher) rewrite(ctx context.Context, n int) (Figure, error) {
	dir, err := b.project("views", n, "view")
	if err != nil {
		return Figure{}, err
	}
	if _, err := b.elt(dir, "compile")().output(ctx); err != nil {
		return Figure{}, err
	}
	var args []string
	st, err := b.measure(ctx, func(i int) error {
		args = []string{"compile"}
		if i%2 == 0 {
			args = append(args, "--empty")
		}
		return nil
	}, func() process { return b.elt(dir, args...)() })
	if err != nil {
		return Figure{}, err
	}
	return Figure{Name: fmt.Sprintf("compile_rewrite_%d", n), Command: "elt compile, then elt compile --empty, in turn (every compiled file changes)", Models: n, Elt: st}, nil
}

// named is f under another name.
func named(f Figure, name string) Figure {
	f.Name = name
	return f
}

// withFloor is f compared with floor.
func withFloor(f Figure, name string, floor Stats) Figure {
	f.FloorName, f.Floor, f.Ratio = name, &floor, f.Elt.Median/floor.Median
	return f
}

// run measures elt run of n table models on a seeded DuckDB file, with
// each --threads value, against the floor: the same statements executed
// one after another in one session. The floor and elt runs are
// interleaved (floor, elt --threads 1, elt --threads 4, floor, ...), so
// that the machine's drift over the minutes of a figure (other processes,
// the page cache, the disk) meets both; each figure also gives the spread
// of the per-round ratios.
func (b *bencher) run(ctx context.Context, n int) ([]Figure, error) {
	dir, err := b.project("tables", n, "table")
	if err != nil {
		return nil, err
	}
	db := filepath.Join(dir, "bench.duckdb")
	seeded := filepath.Join(dir, "seeded.duckdb.template")
	removeDB(db)
	if _, err := b.elt(dir, "seed")().output(ctx); err != nil {
		return nil, err
	}
	if err := os.Rename(db, seeded); err != nil {
		return nil, err
	}
	if _, err := b.elt(dir, "compile")().output(ctx); err != nil {
		return nil, err
	}
	manifest := filepath.Join(dir, "target", "manifest-compiled.json")
	if err := os.Rename(filepath.Join(dir, "target", "manifest.json"), manifest); err != nil {
		return nil, err
	}
	// The floor's file has the same name in another folder: DuckDB names
	// the catalog after the file, and the compiled SQL names the catalog.
	if err := os.MkdirAll(filepath.Join(dir, "floor"), 0o755); err != nil {
		return nil, err
	}
	floorDB := filepath.Join(dir, "floor", "bench.duckdb")
	arms := []arm{{setup: func(int) error { return copyDB(seeded, floorDB) },
		p: b.child("floor-run", "--db", floorDB, "--manifest", manifest)}}
	type measured struct {
		name, command, binary, dir string
		threads                    int
	}
	// The earlier elt runs in its own copy of the project: each binary
	// keeps caches in target/ that the other's build would invalidate.
	baseDir := dir + "_base"
	if b.cfg.eltBase != "" {
		if err := os.RemoveAll(baseDir); err != nil {
			return nil, err
		}
		if err := os.CopyFS(baseDir, os.DirFS(dir)); err != nil {
			return nil, fmt.Errorf("copy the project for --elt-base: %w", err)
		}
		// Its caches in target/ are the other build's: one untimed run
		// rebuilds them, as the compile above did for --elt.
		if err := copyDB(seeded, filepath.Join(baseDir, "bench.duckdb")); err != nil {
			return nil, err
		}
		if _, err := b.binary(b.cfg.eltBase, baseDir, "run")().output(ctx); err != nil {
			return nil, err
		}
	}
	var which []measured
	for _, t := range b.cfg.threads {
		th := strconv.Itoa(t)
		if b.cfg.eltBase != "" {
			which = append(which, measured{fmt.Sprintf("run_%d_threads_%d_base", n, t), "elt (--elt-base) run --threads " + th, b.cfg.eltBase, baseDir, t})
		}
		which = append(which, measured{fmt.Sprintf("run_%d_threads_%d", n, t), "elt run --threads " + th, b.cfg.elt, dir, t})
	}
	for _, w := range which {
		wdb := filepath.Join(w.dir, "bench.duckdb")
		arms = append(arms, arm{setup: func(int) error { return copyDB(seeded, wdb) },
			p: b.binary(w.binary, w.dir, "run", "--threads", strconv.Itoa(w.threads))})
	}
	stats, err := interleave(ctx, b.runRuns(), b.cfg.idle, arms, func(ctx context.Context, p process) (result, error) { return p.output(ctx) })
	if err != nil {
		return nil, err
	}
	floor := stats[0]
	var out []Figure
	for i, w := range which {
		st := stats[i+1]
		fl := floor
		out = append(out, Figure{Name: w.name, Command: w.command,
			Models: n, Threads: w.threads, Elt: st, FloorName: "floor", Floor: &fl, Ratio: st.Median / floor.Median,
			Rounds: roundRatios(st, floor)})
	}
	return out, nil
}

// runRuns is how many interleaved rounds the run figure takes.
func (b *bencher) runRuns() int {
	if b.cfg.runRuns > 0 {
		return b.cfg.runRuns
	}
	return b.cfg.runs
}

// arm is one of the commands that interleave measures in turn.
type arm struct {
	setup func(i int) error // run untimed before each run
	p     func() process
}

// interleave runs each arm once per round, in order, for runs rounds
// (a, b, c, a, b, c, ...), and returns each arm's timings. Each process
// starts idle after its arm's setup (--idle), so that memory freed before
// it has gone cold.
func interleave(ctx context.Context, runs int, idle time.Duration, arms []arm, exec func(context.Context, process) (result, error)) ([]Stats, error) {
	stats := make([]Stats, len(arms))
	for i := range runs {
		for j, a := range arms {
			if err := a.setup(i); err != nil {
				return nil, err
			}
			if idle > 0 {
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(idle):
				}
			}
			r, err := exec(ctx, a.p())
			if err != nil {
				return nil, err
			}
			stats[j].add(r)
		}
	}
	for j := range stats {
		stats[j].summarize()
	}
	return stats, nil
}

// RoundRatios are a figure's per-round ratios over its floor (run i of
// elt over run i of the floor, measured one after the other): their
// spread shows how far the ratio moves between rounds.
type RoundRatios struct {
	Wall   []float64 `json:"wall"`
	Median float64   `json:"median"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	// CPU are the per-round ratios of CPU time.
	CPU       []float64 `json:"cpu"`
	CPUMedian float64   `json:"cpu_median"`
}

func roundRatios(st, floor Stats) *RoundRatios {
	var r RoundRatios
	for i := range min(len(st.Runs), len(floor.Runs)) {
		r.Wall = append(r.Wall, st.Runs[i]/floor.Runs[i])
		r.CPU = append(r.CPU, st.CPU[i]/floor.CPU[i])
	}
	if len(r.Wall) == 0 {
		return nil
	}
	r.Median, r.Min, r.Max = median(r.Wall), slices.Min(r.Wall), slices.Max(r.Wall)
	r.CPUMedian = median(r.CPU)
	return &r
}

// seed measures elt seed of a generated CSV against DuckDB's read_csv.
func (b *bencher) seed(ctx context.Context, size int64) (Figure, error) {
	dir := filepath.Join(b.cfg.work, fmt.Sprintf("seed_%d", size))
	if !b.generated[dir] {
		if err := os.RemoveAll(dir); err != nil {
			return Figure{}, err
		}
		if err := benchgen.Write(dir, benchgen.Options{Models: 1, Materialized: "table"}); err != nil {
			return Figure{}, err
		}
		if err := benchgen.WriteCSV(filepath.Join(dir, "seeds", "big.csv"), size); err != nil {
			return Figure{}, err
		}
		b.generated[dir] = true
	}
	csv := filepath.Join(dir, "seeds", "big.csv")
	info, err := os.Stat(csv)
	if err != nil {
		return Figure{}, err
	}
	// The floor and elt take turns, as in the run figure: a figure of
	// seconds per run meets the machine's drift over its minutes alike.
	db := filepath.Join(dir, "bench.duckdb")
	floorDB := filepath.Join(dir, "floor.duckdb")
	arms := []arm{
		{setup: func(int) error { return removeDB(floorDB) }, p: b.child("floor-seed", "--db", floorDB, "--csv", csv)},
		{setup: func(int) error { return removeDB(db) }, p: b.elt(dir, "seed", "-s", "big")},
	}
	stats, err := interleave(ctx, b.cfg.runs, b.cfg.idle, arms, func(ctx context.Context, p process) (result, error) { return p.output(ctx) })
	if err != nil {
		return Figure{}, err
	}
	floor, st := stats[0], stats[1]
	return Figure{Name: fmt.Sprintf("seed_%dMB", size>>20), Command: "elt seed -s big", SizeBytes: info.Size(),
		Elt: st, FloorName: "read_csv", Floor: &floor, Ratio: st.Median / floor.Median, Rounds: roundRatios(st, floor)}, nil
}

// process is one command to run and time.
type process struct {
	name string
	args []string
	dir  string
	env  []string
}

func (b *bencher) elt(dir string, args ...string) func() process {
	return b.binary(b.cfg.elt, dir, args...)
}

// binary runs the elt at path in dir.
func (b *bencher) binary(path, dir string, args ...string) func() process {
	return func() process {
		return process{name: path, args: append(args, "--profiles-dir", dir), dir: dir}
	}
}

func (b *bencher) child(args ...string) func() process {
	return func() process {
		return process{name: b.cfg.self, args: args, dir: b.cfg.work, env: []string{childEnv + "=1"}}
	}
}

type result struct {
	wall, cpu time.Duration
	peakRSS   int64
	faults    int64
}

// output runs p and returns its wall time and peak memory; a failure
// carries the command's output. p runs under a small elt-bench child
// (spawn) that measures it: Linux reports as a process's peak memory at
// least its parent's peak when it started, and elt-bench's own grows
// with the projects it writes and the files it packs for the floors.
func (p process) output(ctx context.Context) (result, error) {
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	res, err := os.CreateTemp("", "elt-bench-spawn-*.json")
	if err != nil {
		return result{}, err
	}
	res.Close()
	defer os.Remove(res.Name())
	cmd := exec.CommandContext(ctx, self, append([]string{"spawn", "--result", res.Name(), "--", p.name}, p.args...)...)
	cmd.Dir = p.dir
	cmd.Env = append(append(os.Environ(), p.env...), childEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var r spawned
	if data, rerr := os.ReadFile(res.Name()); rerr == nil && len(data) > 0 {
		if jerr := json.Unmarshal(data, &r); jerr != nil && err == nil {
			err = fmt.Errorf("read the measure: %w", jerr)
		}
	} else if err == nil {
		err = errors.New("the measure is missing")
	}
	if err != nil {
		return result{}, fmt.Errorf("%s %s (in %s): %w\n%s", filepath.Base(p.name), strings.Join(p.args, " "), p.dir, err, tail(out.String(), 4000))
	}
	return result{wall: time.Duration(r.WallNS), cpu: time.Duration(r.CPUNS), peakRSS: r.PeakRSS, faults: r.Faults}, nil
}

// spawned is what spawn measured of one process.
type spawned struct {
	WallNS  int64 `json:"wall_ns"`
	CPUNS   int64 `json:"cpu_ns"`
	PeakRSS int64 `json:"peak_rss"`
	Faults  int64 `json:"faults"`
}

// runSpawn is spawn's side: elt-bench spawn --result FILE -- NAME ARGS...
// runs the command with this process's folder, environment and output,
// and writes its wall time, CPU time, peak memory and page faults to FILE
// as JSON. It exits as the command did.
func runSpawn(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	resultPath := fs.String("result", "", "file to write the measure to")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() == 0 || *resultPath == "" {
		fmt.Fprintln(stderr, "usage: elt-bench spawn --result FILE -- NAME ARGS...")
		return 2
	}
	cmd := exec.CommandContext(ctx, fs.Arg(0), fs.Args()[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	runErr := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintln(stderr, "elt-bench spawn:", runErr)
		return 1
	}
	r := spawned{WallNS: int64(wall), CPUNS: int64(cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime())}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.PeakRSS = int64(ru.Maxrss) * 1024 // kilobytes on Linux
		r.Faults = int64(ru.Minflt + ru.Majflt)
	}
	data, err := json.Marshal(r)
	if err == nil {
		err = os.WriteFile(*resultPath, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(stderr, "elt-bench spawn:", err)
		return 1
	}
	if runErr != nil {
		fmt.Fprintln(stderr, "elt-bench spawn:", runErr)
		return 1
	}
	return 0
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// measure runs setup(i) untimed, then p, cfg.runs times.
func (b *bencher) measure(ctx context.Context, setup func(i int) error, p func() process) (Stats, error) {
	st, err := interleave(ctx, b.cfg.runs, b.cfg.idle, []arm{{setup: setup, p: p}}, func(ctx context.Context, p process) (result, error) { return p.output(ctx) })
	if err != nil {
		return Stats{}, err
	}
	return st[0], nil
}

func (st *Stats) add(r result) {
	st.Runs = append(st.Runs, r.wall.Seconds())
	st.CPU = append(st.CPU, r.cpu.Seconds())
	st.PeakRSS = max(st.PeakRSS, r.peakRSS)
	st.Faults = append(st.Faults, float64(r.faults))
}

func (st *Stats) summarize() {
	if len(st.Runs) == 0 {
		return
	}
	st.Min, st.Max = slices.Min(st.Runs), slices.Max(st.Runs)
	st.Median = median(st.Runs)
	st.CPUMedian = median(st.CPU)
	st.FaultsMedian = median(st.Faults)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func removeDB(path string) error {
	for _, p := range []string{path, path + ".wal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func copyDB(from, to string) error {
	if err := removeDB(to); err != nil {
		return err
	}
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}

// cpuInfo reads the CPU model and core count from /proc/cpuinfo (Linux).
func cpuInfo() (string, int) {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU", 0
	}
	model, cores := "unknown CPU", 0
	for _, l := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name":
			model = strings.TrimSpace(v)
		case "processor":
			cores++
		}
	}
	return model, cores
}
