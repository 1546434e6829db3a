package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elt-dev/elt/history"
)

// rig is a scheduler over a jobs file and a SQLite history in a temporary
// folder, running the stand-in command.
type rig struct {
	dir  string
	log  string // the stand-in's start/end log
	jobs *Jobs
	st   *history.Store
	runs *Runs
	out  *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newRig writes jobs.yml from src, where LOG stands for the stand-in's log file.
func newRig(t *testing.T, src string) *rig {
	t.Helper()
	dir := t.TempDir()
	r := &rig{dir: dir, log: filepath.Join(dir, "command.log"), out: &lockedBuffer{}}
	src = strings.ReplaceAll(src, "LOG", r.log)
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var err error
	if r.jobs, err = Load(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	r.openStore(t)
	return r
}

func (r *rig) openStore(t *testing.T) {
	t.Helper()
	st, err := history.Open(context.Background(), history.Config{Path: filepath.Join(r.dir, "history.db"), Migrations: Migrations()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r.st, r.runs = st, NewRuns(st)
}

func (r *rig) scheduler(t *testing.T, o Options) *Scheduler {
	t.Helper()
	o.Jobs, o.Runs, o.Runner, o.Log = r.jobs, r.runs, standInRunner(r.dir), r.out
	if o.Heartbeat == 0 {
		o.Heartbeat = 300 * time.Millisecond
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serveFor runs the scheduler for d and waits until it has stopped.
func (r *rig) serveFor(t *testing.T, s *Scheduler, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := s.Serve(ctx); err != nil {
		t.Fatal(err)
	}
}

// history lists a job's runs, oldest first.
func (r *rig) history(t *testing.T, job string) []JobRun {
	t.Helper()
	runs, err := r.runs.History(context.Background(), job, 1000)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID < runs[j].ID })
	return runs
}

// commandEvents reads the stand-in's log: the start and end times.
func (r *rig) commandEvents(t *testing.T) (starts, ends []time.Time) {
	t.Helper()
	b, err := os.ReadFile(r.log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		if f[0] == "start" {
			starts = append(starts, time.Unix(0, n))
		} else {
			ends = append(ends, time.Unix(0, n))
		}
	}
	return starts, ends
}

func statuses(runs []JobRun) string {
	var s []string
	for _, r := range runs {
		s = append(s, fmt.Sprintf("%d:%s", r.Attempt, r.Status))
	}
	return strings.Join(s, " ")
}

func TestRunsOnTime(t *testing.T) {
	r := newRig(t, `jobs:
  - name: tick
    cron: "*/2 * * * * *"
    command: run
    vars: {log: LOG}
`)
	r.serveFor(t, r.scheduler(t, Options{}), 5500*time.Millisecond)
	runs := r.history(t, "tick")
	if len(runs) < 2 {
		t.Fatalf("%d runs in 5.5s of an every-2-seconds job, want at least 2:\n%s", len(runs), r.out)
	}
	for i, run := range runs {
		if i == len(runs)-1 && run.Status == StatusInterrupted && run.Error == "the scheduler stopped during the run" {
			continue // the window ended during it
		}
		if run.Status != StatusSuccess || run.Trigger != TriggerSchedule || run.Attempt != 1 {
			t.Errorf("run %d: %s %s attempt %d: %s", i, run.Status, run.Trigger, run.Attempt, run.Error)
		}
		if !run.ScheduledAt.Equal(run.ScheduledAt.Truncate(time.Second)) {
			t.Errorf("run %d scheduled at %s, not a whole second", i, run.ScheduledAt)
		}
		if late := run.StartedAt.Sub(run.ScheduledAt); late < 0 || late > 800*time.Millisecond {
			t.Errorf("run %d scheduled at %s started %s later", i, run.ScheduledAt.Format(time.RFC3339Nano), late)
		}
		if i > 0 && run.ScheduledAt.Sub(runs[i-1].ScheduledAt) != 2*time.Second {
			t.Errorf("run %d scheduled at %s, %s after the one before", i, run.ScheduledAt, run.ScheduledAt.Sub(runs[i-1].ScheduledAt))
		}
		if run.ExitCode == nil || *run.ExitCode != 0 || run.MaxRSS == nil || *run.MaxRSS <= 0 {
			t.Errorf("run %d: exit code %v, peak memory %v", i, run.ExitCode, run.MaxRSS)
		}
	}
	if starts, _ := r.commandEvents(t); len(starts) > len(runs) || len(starts) < len(runs)-1 {
		t.Errorf("the command started %d times for %d runs", len(starts), len(runs))
	}
}

func TestRetriesWithBackoff(t *testing.T) {
	hook := newHookRecorder(t)
	r := newRig(t, `jobs:
  - name: flaky
    command: build
    after: [other]
    vars: {log: LOG, fail_first: 2}
    retries: {count: 3, backoff: 400ms}
    notify: [{on: [failed, retry, success], webhook: `+hook.srv.URL+`}]
  - name: other
    cron: "0 0 1 1 *"
    command: run
`)
	s := r.scheduler(t, Options{})
	last, err := s.RunNow(context.Background(), "flaky")
	if err != nil {
		t.Fatal(err)
	}
	runs := r.history(t, "flaky")
	if got := statuses(runs); got != "1:failed 2:failed 3:success" || last.Status != StatusSuccess {
		t.Fatalf("attempts %s, last %s\n%s", got, last.Status, r.out)
	}
	for i, run := range runs {
		if !run.ScheduledAt.Equal(runs[0].ScheduledAt) {
			t.Errorf("attempt %d has its own scheduled time %s", run.Attempt, run.ScheduledAt)
		}
		want := TriggerRetry
		if i == 0 {
			want = TriggerManual
		}
		if run.Trigger != want {
			t.Errorf("attempt %d trigger %s, want %s", run.Attempt, run.Trigger, want)
		}
	}
	if !strings.Contains(runs[0].Error, "exited with code 1") || !strings.Contains(runs[0].Error, "failing on purpose") {
		t.Errorf("attempt 1 error %q: want the exit code and the command's last output", runs[0].Error)
	}
	// The n-th retry waits Backoff*2^(n-1), give or take half of it.
	starts, _ := r.commandEvents(t)
	if len(starts) != 3 {
		t.Fatalf("%d command starts", len(starts))
	}
	for n, base := range []time.Duration{400 * time.Millisecond, 800 * time.Millisecond} {
		// From the scheduler's records: process start-up is not part of the wait.
		gap := runs[n+1].StartedAt.Sub(runs[n].EndedAt)
		if gap < base/2 || gap > base*3/2+150*time.Millisecond {
			t.Errorf("retry %d started %s after attempt %d ended, want about %s (±50%%)", n+1, gap, n+1, base)
		}
	}
	got := hook.statuses()
	if want := "failed retry failed retry success"; got != want {
		t.Errorf("notifications %q, want %q", got, want)
	}
}

// hookRecorder is a webhook receiver.
type hookRecorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	msgs []map[string]any
}

func newHookRecorder(t *testing.T) *hookRecorder {
	h := &hookRecorder{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || req.Header.Get("Content-Type") != "application/json" {
			t.Errorf("webhook body %q: %v", b, err)
		}
		h.mu.Lock()
		h.msgs = append(h.msgs, m)
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookRecorder) statuses() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var s []string
	for _, m := range h.msgs {
		s = append(s, fmt.Sprint(m["status"]))
	}
	return strings.Join(s, " ")
}

func TestTimesOut(t *testing.T) {
	r := newRig(t, `jobs:
  - name: slow
    command: build
    cron: "0 0 1 1 *"
    vars: {log: LOG, sleep: 10s}
    timeout: 700ms
`)
	start := time.Now()
	last, err := r.scheduler(t, Options{}).RunNow(context.Background(), "slow")
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("a 700ms timeout took %s to stop the command", took)
	}
	if last.Status != StatusTimeout || !strings.Contains(last.Error, "timeout of 700ms") {
		t.Fatalf("status %s, error %q", last.Status, last.Error)
	}
	runs := r.history(t, "slow")
	if got := statuses(runs); got != "1:timeout" {
		t.Errorf("history %s", got)
	}
	if d := runs[0].Duration(); d < 700*time.Millisecond || d > 3*time.Second {
		t.Errorf("recorded duration %s", d)
	}
	time.Sleep(200 * time.Millisecond)
	if starts, ends := r.commandEvents(t); len(starts) > 1 || len(ends) != 0 {
		t.Errorf("command started %d times and finished %d times; want it killed before finishing", len(starts), len(ends))
	}
}

func TestSkipsWhenStillRunning(t *testing.T) {
	r := newRig(t, `jobs:
  - name: long
    cron: "* * * * * *"
    command: build
    vars: {log: LOG, sleep: 2300ms}
    concurrency: skip
`)
	r.serveFor(t, r.scheduler(t, Options{}), 4200*time.Millisecond)
	runs := r.history(t, "long")
	var ran, skipped []JobRun
	for _, run := range runs {
		switch run.Status {
		case StatusSkipped:
			skipped = append(skipped, run)
		default:
			ran = append(ran, run)
		}
	}
	if len(ran) < 1 || len(skipped) < 2 {
		t.Fatalf("runs %s: want some run and the runs due while it went skipped\n%s", statuses(runs), r.out)
	}
	starts, ends := r.commandEvents(t)
	for i := 1; i < len(starts); i++ {
		if i-1 >= len(ends) || starts[i].Before(ends[i-1]) {
			t.Errorf("command %d started before command %d ended", i+1, i)
		}
	}
	for _, sk := range skipped {
		if sk.StartedAt.IsZero() == false || sk.Attempt != 1 {
			t.Errorf("skipped run %+v started", sk)
		}
	}
}

func TestQueuesWhenStillRunning(t *testing.T) {
	r := newRig(t, `jobs:
  - name: long
    cron: "* * * * * *"
    command: build
    vars: {log: LOG, sleep: 1200ms}
    concurrency: queue
`)
	r.serveFor(t, r.scheduler(t, Options{}), 5*time.Second)
	runs := r.history(t, "long")
	starts, ends := r.commandEvents(t)
	if len(starts) < 2 {
		t.Fatalf("the command started %d times: %s", len(starts), statuses(runs))
	}
	for i := 1; i < len(starts); i++ {
		if i-1 >= len(ends) || starts[i].Before(ends[i-1]) {
			t.Errorf("queued command %d started before command %d ended", i+1, i)
		}
	}
	for _, run := range runs {
		if run.Status == StatusSkipped {
			t.Errorf("a queued job skipped a run")
		}
	}
}

// A scheduler's own running run is live however late its heartbeat (a
// loaded machine delays heartbeats): the next run of a skip job is
// skipped and a queue job's waits, while another owner's run with the
// same stale heartbeat counts as dead.
func TestOwnRunIsLiveWithALateHeartbeat(t *testing.T) {
	r := newRig(t, "jobs:\n  - name: j\n    cron: '0 2 * * *'\n    command: build\n")
	ctx := context.Background()
	old := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	c, err := r.runs.Claim(ctx, JobRun{Job: "j", ScheduledAt: old, Attempt: 1, Trigger: TriggerSchedule, Status: StatusQueued,
		Owner: "me", QueuedAt: old}, "", old)
	if err != nil || !c.claimed {
		t.Fatal(c, err)
	}
	if err := r.runs.Start(ctx, &c.run, old); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	liveSince := now.Add(-time.Second) // the running run's heartbeat is an hour old
	for i, tc := range []struct {
		owner, want string
	}{{"me", StatusSkipped}, {"another", StatusQueued}} {
		at := now.Add(time.Duration(i) * time.Second).Truncate(time.Second)
		c, err := r.runs.Claim(ctx, JobRun{Job: "j", ScheduledAt: at, Attempt: 1, Trigger: TriggerSchedule, Status: StatusQueued,
			Owner: tc.owner, QueuedAt: now}, StatusSkipped, liveSince)
		if err != nil || !c.claimed {
			t.Fatal(c, err)
		}
		if c.run.Status != tc.want {
			t.Errorf("owner %s claimed a run as %s, want %s (owner me's run is running with an hour-old heartbeat)", tc.owner, c.run.Status, tc.want)
		}
	}
	// Every heartbeat is stale from here on: only an owner's own runs live.
	liveSince = now.Add(time.Minute)
	for i, tc := range []struct {
		owner string
		want  bool
	}{{"me", false}, {"third", true}} {
		at := now.Add(time.Hour + time.Duration(i)*time.Second).Truncate(time.Second)
		c, err := r.runs.Claim(ctx, JobRun{Job: "j", ScheduledAt: at, Attempt: 1, Trigger: TriggerSchedule, Status: StatusQueued,
			Owner: tc.owner, QueuedAt: now}, "", liveSince)
		if err != nil || !c.claimed {
			t.Fatal(c, err)
		}
		started, err := r.runs.StartIfFree(ctx, &c.run, now, liveSince)
		if err != nil {
			t.Fatal(err)
		}
		if started != tc.want {
			t.Errorf("owner %s: StartIfFree = %v, want %v (owner me's run is running with an hour-old heartbeat)", tc.owner, started, tc.want)
		}
	}
}

func TestCatchesUpAfterDowntime(t *testing.T) {
	for _, policy := range []string{CatchupAll, CatchupLatest, CatchupNone} {
		t.Run(policy, func(t *testing.T) {
			r := newRig(t, `jobs:
  - name: every2
    cron: "*/2 * * * * *"
    command: run
    vars: {log: LOG}
    catchup: `+policy+`
`)
			r.serveFor(t, r.scheduler(t, Options{}), 2500*time.Millisecond)
			before := r.history(t, "every2")
			if len(before) == 0 {
				t.Fatalf("no run in the first 2.5s\n%s", r.out)
			}
			lastBefore := before[len(before)-1].ScheduledAt
			time.Sleep(4500 * time.Millisecond) // the daemon is down
			restart := time.Now()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				if err := r.scheduler(t, Options{}).Serve(ctx); err != nil {
					t.Error(err)
				}
			}()
			// Until the scheduler has started (its catch-up decided: it logs
			// how many runs it makes up) and those runs have finished; a
			// loaded machine starts processes slowly.
			caughtUp := regexp.MustCompile(`catching up (\d+) missed`)
			wantN := -1
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				out := r.out.String()
				if wantN < 0 && strings.Count(out, " started with ") >= 2 {
					wantN = 0
					if m := caughtUp.FindStringSubmatch(out); m != nil {
						wantN, _ = strconv.Atoi(m[1])
					}
				}
				if wantN < 0 {
					continue
				}
				finished := 0
				for _, run := range r.history(t, "every2") {
					if run.Trigger == TriggerCatchup && run.Status != StatusQueued && run.Status != StatusRunning {
						finished++
					}
				}
				if finished >= wantN {
					break
				}
			}
			// The scheduler reads the clock itself after it has recovered
			// its store, so on a loaded machine its "now" may pass another
			// cron time after restart: the runs it catches up are those
			// missed up to some moment between restart and now.
			upper := time.Now()
			cancel()
			<-done
			var caught []time.Time
			for _, run := range r.history(t, "every2") {
				if run.Trigger == TriggerCatchup {
					caught = append(caught, run.ScheduledAt)
					if run.Status != StatusSuccess {
						t.Errorf("catch-up run %s: %s %s", run.ScheduledAt, run.Status, run.Error)
					}
				}
			}
			job := r.jobs.Get("every2")
			if n := len(job.Missed(lastBefore, restart)); n < 2 {
				t.Fatalf("only %d missed runs in the downtime", n)
			}
			// The windows the scheduler may have seen end at restart or at a
			// cron time after it, up to upper.
			var wants []string
			for _, end := range append([]time.Time{restart}, job.Missed(restart, upper)...) {
				missed := job.Missed(lastBefore, end)
				var want []time.Time
				switch policy {
				case CatchupAll:
					want = missed
				case CatchupLatest:
					want = missed[len(missed)-1:]
				}
				wants = append(wants, fmt.Sprint(want))
			}
			if !slices.Contains(wants, fmt.Sprint(caught)) {
				t.Errorf("caught up %v, want one of %v (the scheduler started between %s and %s)", caught, wants, restart.UTC(), upper.UTC())
			}
		})
	}
}

// A run left running by a process that died is marked interrupted on
// start and retried by its job's policy.
func TestInterruptedRunIsRetried(t *testing.T) {
	r := newRig(t, `jobs:
  - name: nightly
    cron: "0 0 2 * * *"
    command: build
    vars: {log: LOG}
    retries: {count: 1, backoff: 100ms}
  - name: once
    cron: "0 0 2 * * *"
    command: build
    vars: {log: LOG}
`)
	host, _ := os.Hostname()
	ctx := context.Background()
	sched := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	for _, job := range []string{"nightly", "once"} {
		// pid 0x7ffffffe does not run here: a dead owner.
		c, err := r.runs.Claim(ctx, JobRun{Job: job, ScheduledAt: sched, Attempt: 1, Trigger: TriggerSchedule, Status: StatusQueued,
			Owner: fmt.Sprintf("%s/%d/dead", host, 0x7ffffffe), QueuedAt: time.Now()}, "", time.Now())
		if err != nil || !c.claimed {
			t.Fatal(err)
		}
		if err := r.runs.Start(ctx, &c.run, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	r.serveFor(t, r.scheduler(t, Options{Heartbeat: 10 * time.Second}), 1500*time.Millisecond)
	if got := statuses(r.history(t, "nightly")); got != "1:interrupted 2:success" {
		t.Errorf("nightly: %s\n%s", got, r.out)
	}
	if got := statuses(r.history(t, "once")); got != "1:interrupted" {
		t.Errorf("once (no retries): %s", got)
	}
	runs := r.history(t, "nightly")
	if !runs[1].ScheduledAt.Equal(sched) || runs[1].Trigger != TriggerRetry || !strings.Contains(runs[0].Error, "stopped") {
		t.Errorf("retry %+v of %+v", runs[1], runs[0])
	}
}

func TestAfterRunsOnSuccess(t *testing.T) {
	r := newRig(t, `jobs:
  - name: load
    cron: "* * * * * *"
    command: load
    vars: {log: LOG}
  - name: transform
    command: build
    after: [load]
    vars: {log: LOG}
`)
	r.serveFor(t, r.scheduler(t, Options{}), 2500*time.Millisecond)
	loads, transforms := r.history(t, "load"), r.history(t, "transform")
	if len(loads) == 0 || len(transforms) == 0 {
		t.Fatalf("load %s, transform %s", statuses(loads), statuses(transforms))
	}
	for _, tr := range transforms {
		found := false
		for _, l := range loads {
			found = found || (l.ScheduledAt.Equal(tr.ScheduledAt) && l.Status == StatusSuccess && !tr.StartedAt.Before(l.EndedAt))
		}
		if !found || tr.Trigger != TriggerAfter {
			t.Errorf("transform run %+v does not follow a successful load", tr)
		}
	}
}
