package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/alerts"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/history"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/quality"
	"github.com/elt-dev/elt/schedule"
)

// defaultServeAddr is where `elt serve` listens for monitoring: loopback
// only, unless --addr says otherwise.
const defaultServeAddr = "127.0.0.1:8580"

func newServeCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	var addr string
	var heartbeat time.Duration
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the jobs of jobs.yml on their schedules, with metrics, a JSON API and a web page on --addr",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serveCommand(cmd.Context(), f, env, stdout, stderr, addr, heartbeat)
		},
	}
	c.Flags().StringVar(&addr, "addr", defaultServeAddr, "address for /metrics, /healthz, the JSON API and the web page (empty: none)")
	c.Flags().DurationVar(&heartbeat, "heartbeat", 5*time.Second, "how often running jobs are marked alive; a run silent for three heartbeats is interrupted and retried")
	return c
}

func newJobsCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	c := &cobra.Command{Use: "jobs", Short: "List, run and inspect the jobs of jobs.yml"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the jobs with their schedule, last run and health",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return jobsListCommand(cmd.Context(), f, env, stdout, stderr)
		},
	}
	runCmd := &cobra.Command{
		Use:   "run NAME",
		Short: "Run a job now, with its retries and timeout, and record it in the run history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return jobsRunCommand(cmd.Context(), f, env, stdout, stderr, args[0])
		},
	}
	var limit int
	hist := &cobra.Command{
		Use:   "history NAME",
		Short: "Show a job's recent runs, newest first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return jobsHistoryCommand(cmd.Context(), f, env, stdout, stderr, args[0], limit)
		},
	}
	hist.Flags().IntVar(&limit, "limit", 20, "how many runs to show")
	var airflow bool
	var output string
	export := &cobra.Command{
		Use:   "export --airflow",
		Short: "Write the jobs as an Airflow DAG file that calls elt, for teams that keep Airflow",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !airflow {
				return usageErr(errors.New("say which scheduler to export to: --airflow"))
			}
			return jobsExportCommand(cmd.Context(), f, env, stdout, stderr, output)
		},
	}
	export.Flags().BoolVar(&airflow, "airflow", false, "write an Airflow DAG file (one DAG per job)")
	export.Flags().StringVarP(&output, "output", "o", "", "file to write (default: standard output)")
	c.AddCommand(list, runCmd, hist, export)
	return c
}

// jobsEnv is what the job commands share: the project, its jobs and the
// run history holding their runs.
type jobsEnv struct {
	proj  *project.Project
	jobs  *schedule.Jobs
	store *history.Store
	runs  *schedule.Runs
}

// openJobs reads the project and jobs.yml, printing the file's warnings
// to stderr, and opens the run history.
func openJobs(ctx context.Context, f *flags, env environment, stderr io.Writer) (*jobsEnv, error) {
	p, err := project.Load(ctx, project.Options{
		ProjectDir: f.projectDir, WorkDir: env.workDir, ProfilesDir: f.profilesDir, HomeDir: env.homeDir,
		Target: f.target, Profile: f.profile, Env: env.lookupEnv, TargetPath: f.targetPath,
		YAMLGlobals: compiler.YAMLGlobals(time.Now(), ""),
	})
	if err != nil {
		return nil, usageErr(err)
	}
	jobs, err := loadJobs(ctx, p.Root, stderr)
	if err != nil {
		return nil, err
	}
	cfg, enabled, err := historyConfig(p, p.Target, env.lookupEnv)
	if err != nil {
		return nil, usageErr(err)
	}
	if !enabled {
		return nil, usageErr(fmt.Errorf("the scheduler records every job run in the run history, which is turned off (unset %s, or remove history.enabled: false from the profile)", history.EnvDisable))
	}
	cfg.Migrations = schedule.Migrations()
	st, err := history.Open(ctx, cfg)
	if err != nil {
		return nil, &exitError{code: exitFailed, err: err}
	}
	return &jobsEnv{proj: p, jobs: jobs, store: st, runs: schedule.NewRuns(st)}, nil
}

// loadJobs reads jobs.yml and prints its warnings (a key written twice)
// to stderr, where they never mix with a command's output.
func loadJobs(ctx context.Context, root string, stderr io.Writer) (*schedule.Jobs, error) {
	jobs, err := schedule.Load(ctx, root)
	if err != nil {
		return nil, usageErr(err)
	}
	for _, w := range jobs.Warnings {
		fmt.Fprintln(stderr, w.Error())
	}
	return jobs, nil
}

// runner runs job commands as child processes of this same binary, in the
// project folder, with the flags this process was given that choose the
// project and profile (a job's own target wins: it comes later).
func (je *jobsEnv) runner(f *flags, out io.Writer) (*schedule.ProcessRunner, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the elt binary to run jobs: %w", err)
	}
	prefix := []string{"--project-dir", je.proj.Root}
	if f.profilesDir != "" {
		prefix = append(prefix, "--profiles-dir", f.profilesDir)
	}
	if f.profile != "" {
		prefix = append(prefix, "--profile", f.profile)
	}
	if f.target != "" {
		prefix = append(prefix, "--target", f.target)
	}
	return &schedule.ProcessRunner{Program: exe, Prefix: prefix, Dir: je.proj.Root, Output: out}, nil
}

// notifier sends the jobs' failures and low health through alerts.yml's
// rules and channels (nil when it has no rules). A broken alerts.yml is a
// project error, reported before any job runs.
func (je *jobsEnv) notifier(env environment) (*alerts.Notifier, error) {
	cfg, err := alerts.Load(je.proj.Root, env.lookupEnv)
	if err != nil {
		return nil, usageErr(err)
	}
	if len(cfg.Rules) == 0 {
		return nil, nil
	}
	return &alerts.Notifier{Config: cfg, Store: je.store, Project: je.proj.Config.Name, Dir: je.proj.Root}, nil
}

// scores reads the models' latest quality scores from the run history.
func (je *jobsEnv) scores(ctx context.Context) (map[string]float64, error) {
	return quality.LatestScores(ctx, je.store)
}

// nodeTimings reads the nodes of an attempt from the run history: the
// node results of the invocations its command recorded under the
// attempt's job run id (schedule.EnvJobRunID), so that jobs running at
// once each get their own nodes. A command that records no invocation (a
// job whose target keeps its history elsewhere) adds none. Dependencies,
// for the critical path, come from the project's manifest.json.
func (je *jobsEnv) nodeTimings(ctx context.Context, _ *schedule.Job, run schedule.JobRun) []schedule.NodeTiming {
	invs, err := je.store.JobRunInvocations(ctx, run.ID)
	if err != nil || len(invs) == 0 {
		return nil
	}
	var man struct {
		Nodes map[string]struct {
			DependsOn struct {
				Nodes []string `json:"nodes"`
			} `json:"depends_on"`
		} `json:"nodes"`
	}
	if b, err := os.ReadFile(filepath.Join(targetDir(je.proj), "manifest.json")); err == nil {
		_ = json.Unmarshal(b, &man)
	}
	var out []schedule.NodeTiming
	for _, inv := range invs {
		results, err := je.store.NodeResults(ctx, inv.ID)
		if err != nil {
			continue
		}
		for _, r := range results {
			if r.ResourceType == quality.ResourceType || strings.HasPrefix(r.UniqueID, quality.IDPrefix) || r.StartedAt.IsZero() || r.EndedAt.IsZero() {
				continue // a quality check is part of its model's build; a node that never ran has no bar
			}
			n := schedule.NodeTiming{UniqueID: r.UniqueID, Status: r.Status, StartedAt: r.StartedAt, EndedAt: r.EndedAt,
				DependsOn: man.Nodes[r.UniqueID].DependsOn.Nodes}
			if r.RowsAffected != nil {
				n.RowsAffected = *r.RowsAffected
			}
			out = append(out, n)
		}
	}
	return out
}

func serveCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer, addr string, heartbeat time.Duration) error {
	je, err := openJobs(ctx, f, env, stderr)
	if err != nil {
		return err
	}
	defer je.store.Close()
	runner, err := je.runner(f, stdout)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	metrics := schedule.NewMetrics()
	notifier, err := je.notifier(env)
	if err != nil {
		return err
	}
	s, err := schedule.New(schedule.Options{Jobs: je.jobs, Runs: je.runs, Runner: runner, Heartbeat: heartbeat, Log: stdout, Metrics: metrics, Nodes: je.nodeTimings,
		Scores: je.scores, Alerts: notifier, MemoryLimit: memoryLimit()})
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if len(je.jobs.List) == 0 {
		fmt.Fprintf(stdout, "No jobs: add %s at the project root (see the README's Scheduler section).\n", schedule.FileName)
	}
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return usageErr(fmt.Errorf("--addr %s: %w", addr, err))
		}
		srv := &http.Server{Handler: (&schedule.Server{Jobs: je.jobs, Runs: je.runs, Metrics: metrics, Scores: je.scores, MemoryLimit: memoryLimit()}).Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		fmt.Fprintf(stdout, "Monitoring on http://%s/ (metrics at /metrics)\n", ln.Addr())
	}
	if err := s.Serve(ctx); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}

// memoryLimit is the memory a job may use, for its health's resource
// part: the cgroup's limit when there is one, else the machine's memory.
func memoryLimit() int64 {
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		var n int64
		if _, err := fmt.Sscan(strings.TrimSpace(string(b)), &n); err == nil && n > 0 {
			return n
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			var kb int64
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

func jobsListCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer) error {
	je, err := openJobs(ctx, f, env, stderr)
	if err != nil {
		return err
	}
	defer je.store.Close()
	if len(je.jobs.List) == 0 {
		fmt.Fprintf(stdout, "No jobs: add %s at the project root.\n", schedule.FileName)
		return nil
	}
	srv := &schedule.Server{Jobs: je.jobs, Runs: je.runs, Scores: je.scores, MemoryLimit: memoryLimit()}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tCOMMAND\tSCHEDULE\tNEXT RUN\tLAST RUN\tHEALTH\tISSUES")
	for _, j := range je.jobs.List {
		st, err := srv.Status(ctx, j)
		if err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		sched := j.Cron
		if j.Timezone != "" {
			sched += " " + j.Timezone
		}
		if sched == "" {
			sched = "after " + strings.Join(j.After, ", ")
		}
		next, last := "-", "never"
		if st.NextRun != nil {
			next = st.NextRun.UTC().Format(time.RFC3339)
		}
		if st.LastRun != nil {
			last = st.LastRun.Status + " " + st.LastRun.ScheduledAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\telt %s\t%s\t%s\t%s\t%.2f\t%s\n", j.Name, j.Command, sched, next, last, st.Health.Score, strings.Join(st.Health.Issues, "; "))
	}
	return tw.Flush()
}

func jobsRunCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer, name string) error {
	je, err := openJobs(ctx, f, env, stderr)
	if err != nil {
		return err
	}
	defer je.store.Close()
	if je.jobs.Get(name) == nil {
		return usageErr(fmt.Errorf("no job named %q in %s (jobs: %s)", name, schedule.FileName, strings.Join(je.jobs.Names(), ", ")))
	}
	runner, err := je.runner(f, stdout)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	notifier, err := je.notifier(env)
	if err != nil {
		return err
	}
	s, err := schedule.New(schedule.Options{Jobs: je.jobs, Runs: je.runs, Runner: runner, Log: stdout, Nodes: je.nodeTimings,
		Scores: je.scores, Alerts: notifier, MemoryLimit: memoryLimit()})
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	r, err := s.RunNow(ctx, name)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	fmt.Fprintf(stdout, "Job %s: %s after %d %s (run %d)\n", name, r.Status, r.Attempt, plural(r.Attempt, "attempt", "attempts"), r.ID)
	if r.Status != schedule.StatusSuccess {
		if ctx.Err() != nil {
			return &exitError{code: cancelledExit(ctx)}
		}
		return &exitError{code: exitFailed}
	}
	return nil
}

func jobsHistoryCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer, name string, limit int) error {
	je, err := openJobs(ctx, f, env, stderr)
	if err != nil {
		return err
	}
	defer je.store.Close()
	if je.jobs.Get(name) == nil {
		return usageErr(fmt.Errorf("no job named %q in %s (jobs: %s)", name, schedule.FileName, strings.Join(je.jobs.Names(), ", ")))
	}
	runs, err := je.runs.History(ctx, name, limit)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if len(runs) == 0 {
		fmt.Fprintf(stdout, "Job %s has not run yet.\n", name)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSCHEDULED\tATTEMPT\tTRIGGER\tSTATUS\tSTARTED\tDURATION\tERROR")
	for _, r := range runs {
		started, dur := "-", "-"
		if !r.StartedAt.IsZero() {
			started = r.StartedAt.UTC().Format(time.RFC3339)
		}
		if d := r.Duration(); d > 0 {
			dur = d.Round(time.Millisecond).String()
		}
		msg, _, _ := strings.Cut(r.Error, "\n")
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.ScheduledAt.UTC().Format(time.RFC3339), r.Attempt, r.Trigger, r.Status, started, dur, msg)
	}
	return tw.Flush()
}

func jobsExportCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer, output string) error {
	p, err := loadProjectOnly(ctx, f, env)
	if err != nil {
		return err
	}
	jobs, err := loadJobs(ctx, p.Root, stderr)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		exe = "elt"
	}
	src, err := schedule.AirflowDAGs(jobs, exe, p.Root)
	if err != nil {
		return usageErr(err)
	}
	if output == "" {
		_, err := io.WriteString(stdout, src)
		return err
	}
	if !filepath.IsAbs(output) {
		output = filepath.Join(env.workDir, output)
	}
	if err := os.WriteFile(output, []byte(src), 0o644); err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("export: %w", err)}
	}
	fmt.Fprintf(stdout, "Wrote %d %s to %s\n", len(jobs.List), plural(len(jobs.List), "DAG", "DAGs"), output)
	return nil
}
