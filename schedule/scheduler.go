package schedule

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/elt-dev/elt/alerts"
)

// Options configure a Scheduler.
type Options struct {
	Jobs   *Jobs
	Runs   *Runs
	Runner Runner
	// Owner names this process in job_runs (default: host/pid/random).
	Owner string
	// Heartbeat is how often running rows are marked alive; a run whose
	// heartbeat is three intervals old is interrupted. Default 5s.
	Heartbeat time.Duration
	Log       io.Writer
	Metrics   *Metrics // optional
	// Nodes, when set, reads the nodes an attempt built (from what its
	// command recorded under the attempt's job run id), for the run's
	// timeline and the node metrics.
	Nodes func(ctx context.Context, j *Job, run JobRun) []NodeTiming
	HTTP  *http.Client // for notifications; default: a 10s timeout
	// Scores, when set, reads the latest quality score (0 to 100) of each
	// model from the run history. The scheduler publishes them as
	// elt_quality_score when it starts and after every attempt (the
	// attempt's build may have scored its models).
	Scores ScoresFunc
	// Alerts, when set, sends each run's final outcome through alerts.yml
	// as job_failed and job_health_below events: one alert per incident
	// (deduplicated in the history store), one recovery when it ends.
	// Jobs' own notify: webhooks are posted as well.
	Alerts *alerts.Notifier
	// MemoryLimit in bytes, for the health job_health_below judges; 0: unknown.
	MemoryLimit int64
}

// ScoresFunc reads the latest quality score, 0 to 100, of each model (by
// unique id) from the run history.
type ScoresFunc func(ctx context.Context) (map[string]float64, error)

// Scheduler runs jobs on their schedules and records every run.
type Scheduler struct {
	o    Options
	host string
	wg   sync.WaitGroup
	mu   sync.Mutex // guards log writes
}

// errTimeout is the cause of a run's context when its timeout passes.
var errTimeout = errors.New("the job's timeout passed")

// New checks the options and fills in defaults.
func New(o Options) (*Scheduler, error) {
	if o.Jobs == nil || o.Runs == nil || o.Runner == nil {
		return nil, errors.New("schedule: New needs jobs, a run store and a runner")
	}
	host, _ := os.Hostname()
	if o.Owner == "" {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		o.Owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	return &Scheduler{o: o, host: host}, nil
}

// Owner is the name this scheduler writes in job_runs.
func (s *Scheduler) Owner() string { return s.o.Owner }

func (s *Scheduler) logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.o.Log, time.Now().UTC().Format("15:04:05")+" "+format+"\n", args...)
}

// staleBefore is the heartbeat time before which a run counts as dead.
func (s *Scheduler) staleBefore(now time.Time) time.Time { return now.Add(-3 * s.o.Heartbeat) }

// deadOwner reports an owner on this host whose process is gone: its pid
// no longer runs, or it is this process's pid under another name (the
// process before a restart in a container, where elt is always pid 1).
func (s *Scheduler) deadOwner(owner string) bool {
	parts := strings.Split(owner, "/")
	if len(parts) != 3 || parts[0] != s.host || owner == s.o.Owner {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil {
		return false
	}
	return pid == os.Getpid() || !processAlive(pid)
}

// Serve runs the schedule until ctx ends: it first marks runs left by dead
// processes interrupted and retries them, catches up missed runs, then
// starts the cron timers. When ctx ends, running commands are stopped,
// their runs recorded as interrupted (retried on the next start), and
// Serve returns once every run is recorded.
func (s *Scheduler) Serve(ctx context.Context) error {
	cron, err := gocron.NewScheduler(gocron.WithLocation(time.UTC))
	if err != nil {
		return fmt.Errorf("schedule: start: %w", err)
	}
	s.recover(ctx)
	s.catchup(ctx)
	s.publishScores(ctx)
	for _, j := range s.o.Jobs.List {
		if j.Cron == "" {
			continue
		}
		j := j
		_, err := cron.NewJob(gocron.CronJob(j.crontab(), true), gocron.NewTask(func() {
			// The cron time this firing stands for: the latest at or before
			// now (with a little slack for a timer that fires early).
			scheduled := j.latestAtOrBefore(time.Now().Add(100 * time.Millisecond))
			s.spawn(func() { s.execute(ctx, j, scheduled, TriggerSchedule, 1, 0) })
		}), gocron.WithName(j.Name))
		if err != nil {
			return fmt.Errorf("schedule: job %s: %w", j.Name, err)
		}
	}
	cron.Start()
	s.logf("scheduler %s started with %d jobs", s.o.Owner, len(s.o.Jobs.List))
	ticker := time.NewTicker(s.o.Heartbeat)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = cron.Shutdown()
			s.wg.Wait()
			s.logf("scheduler stopped")
			return nil
		case <-ticker.C:
			if err := s.o.Runs.Heartbeat(ctx, s.o.Owner, time.Now()); err != nil && ctx.Err() == nil {
				s.logf("heartbeat: %v", err)
			}
			s.recover(ctx)
		}
	}
}

func (s *Scheduler) spawn(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

// latestAtOrBefore is the job's latest cron time at or before t.
func (j *Job) latestAtOrBefore(t time.Time) time.Time {
	// Cron times are at least a second apart; look back far enough to find
	// one for any schedule, widening the window until one turns up.
	for back := time.Minute; back <= 400*24*time.Hour; back *= 8 {
		var last time.Time
		for n := j.Next(t.Add(-back)); !n.IsZero() && !n.After(t); n = j.Next(n) {
			last = n
		}
		if !last.IsZero() {
			return last
		}
	}
	return t.Truncate(time.Second)
}

// recover interrupts the runs of dead processes and retries, by their
// job's policy, the interrupted runs nobody has retried yet.
func (s *Scheduler) recover(ctx context.Context) {
	now := time.Now()
	stopped, err := s.o.Runs.Interrupt(ctx, now, s.staleBefore(now), s.deadOwner)
	if err != nil {
		if ctx.Err() == nil {
			s.logf("recover: %v", err)
		}
		return
	}
	for _, r := range stopped {
		s.logf("job %s: run scheduled at %s (attempt %d) was interrupted: %s", r.Job, r.ScheduledAt.Format(time.RFC3339), r.Attempt, r.Error)
		s.o.Metrics.observe(r)
		if j := s.o.Jobs.Get(r.Job); j != nil {
			s.notify(ctx, j, r)
			if r.Attempt > j.Retries.Count {
				s.alert(ctx, j, r) // no retry follows: the run failed for good
			}
		}
	}
	pending, err := s.o.Runs.Unretried(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.logf("recover: %v", err)
		}
		return
	}
	for _, r := range pending {
		j := s.o.Jobs.Get(r.Job)
		if j == nil || r.Attempt > j.Retries.Count {
			continue
		}
		r := r
		s.spawn(func() { s.execute(ctx, j, r.ScheduledAt, TriggerRetry, r.Attempt+1, j.backoff(r.Attempt)) })
	}
}

// catchup makes up, by each job's catchup policy, the cron runs missed
// since the job's last recorded one.
func (s *Scheduler) catchup(ctx context.Context) {
	now := time.Now()
	for _, j := range s.o.Jobs.List {
		if j.Cron == "" || j.Catchup == CatchupNone {
			continue
		}
		last, err := s.o.Runs.LastScheduled(ctx, j.Name)
		if err != nil {
			s.logf("catchup %s: %v", j.Name, err)
			continue
		}
		if last.IsZero() {
			continue // never ran: nothing was missed
		}
		missed := j.Missed(last, now)
		if len(missed) == 0 {
			continue
		}
		if j.Catchup == CatchupLatest {
			missed = missed[len(missed)-1:]
		}
		s.logf("job %s: catching up %d missed %s", j.Name, len(missed), plural(len(missed), "run", "runs"))
		j := j
		s.spawn(func() {
			for _, t := range missed {
				if ctx.Err() != nil {
					return
				}
				s.execute(ctx, j, t, TriggerCatchup, 1, 0)
			}
		})
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// backoff is the wait before the retry that follows attempt n: Backoff
// doubled for each earlier retry, at most MaxBackoff, then between half
// and one and a half of that at random.
func (j *Job) backoff(n int) time.Duration {
	d := j.Retries.Backoff
	for i := 1; i < n && d < j.Retries.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, j.Retries.MaxBackoff)
	if d <= 0 {
		return 0
	}
	return d/2 + time.Duration(mrand.Int64N(int64(d)))
}

// RunNow runs a job once now, with its retries, and returns its last
// attempt; `elt jobs run` uses it. Jobs waiting on it through after: are
// left to the daemon.
func (s *Scheduler) RunNow(ctx context.Context, name string) (JobRun, error) {
	j := s.o.Jobs.Get(name)
	if j == nil {
		return JobRun{}, fmt.Errorf("no job named %q (jobs: %s)", name, strings.Join(s.o.Jobs.Names(), ", "))
	}
	hctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		t := time.NewTicker(s.o.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
				_ = s.o.Runs.Heartbeat(hctx, s.o.Owner, time.Now())
			}
		}
	}()
	r := s.executeNoAfter(ctx, j, time.Now().UTC().Truncate(time.Microsecond), TriggerManual, 1, 0)
	s.wg.Wait()
	if r.ID == 0 {
		return r, fmt.Errorf("job %s was not run", name)
	}
	return r, nil
}

// execute claims and runs one scheduled run of j from the given attempt,
// retrying by the job's policy, and on success starts the jobs that wait
// on j. wait is how long to wait before the first attempt (a retry's backoff).
func (s *Scheduler) execute(ctx context.Context, j *Job, scheduled time.Time, trigger string, attempt int, wait time.Duration) {
	r := s.executeNoAfter(ctx, j, scheduled, trigger, attempt, wait)
	if r.Status == StatusSuccess {
		s.triggerAfter(ctx, j, r.ScheduledAt)
	}
}

func (s *Scheduler) executeNoAfter(ctx context.Context, j *Job, scheduled time.Time, trigger string, attempt int, wait time.Duration) JobRun {
	busy := ""
	if j.Concurrency == ConcurrencySkip && attempt == 1 {
		busy = StatusSkipped
	}
	now := time.Now()
	c, err := s.o.Runs.Claim(context.WithoutCancel(ctx), JobRun{Job: j.Name, ScheduledAt: scheduled, Attempt: attempt, Trigger: trigger,
		Status: StatusQueued, Owner: s.o.Owner, QueuedAt: now}, busy, s.staleBefore(now))
	if err != nil {
		s.logf("job %s: %v", j.Name, err)
		return JobRun{}
	}
	if !c.claimed {
		// Another replica has this run.
		return JobRun{}
	}
	run := c.run
	if run.Status == StatusSkipped {
		s.logf("job %s: run scheduled at %s skipped: the previous run is still going", j.Name, scheduled.Format(time.RFC3339))
		s.o.Metrics.observe(run)
		s.notify(ctx, j, run)
		return run
	}
	for {
		run = s.attempt(ctx, j, run, wait)
		if run.Status == StatusSuccess || run.Status == StatusInterrupted || run.Attempt > j.Retries.Count {
			// An interrupted run with retries left is retried when a
			// scheduler next recovers it: not its final outcome yet.
			if run.Status != StatusInterrupted || run.Attempt > j.Retries.Count {
				s.alert(ctx, j, run)
			}
			return run
		}
		// Claim the retry before waiting for it, so that if this process
		// dies meanwhile the queued row is interrupted and retried by another.
		wait = j.backoff(run.Attempt)
		now := time.Now()
		c, err := s.o.Runs.Claim(context.WithoutCancel(ctx), JobRun{Job: j.Name, ScheduledAt: run.ScheduledAt, Attempt: run.Attempt + 1,
			Trigger: TriggerRetry, Status: StatusQueued, Owner: s.o.Owner, QueuedAt: now}, "", now)
		if err != nil || !c.claimed {
			if err != nil {
				s.logf("job %s: %v", j.Name, err)
			}
			// Not claimed: another replica retries it and reports its outcome.
			return run
		}
		s.logf("job %s: attempt %d %s; retrying in %s", j.Name, run.Attempt, run.Status, wait.Round(time.Millisecond))
		s.notify(ctx, j, JobRun{Job: j.Name, ScheduledAt: run.ScheduledAt, Attempt: run.Attempt, Status: "retry", Error: run.Error})
		run = c.run
	}
}

// attempt waits for run's turn, runs the command and records the outcome.
func (s *Scheduler) attempt(ctx context.Context, j *Job, run JobRun, wait time.Duration) JobRun {
	record := context.WithoutCancel(ctx)
	interrupted := func(why string) JobRun {
		run.Status, run.EndedAt, run.Error = StatusInterrupted, time.Now(), why
		if err := s.o.Runs.Finish(record, &run); err != nil {
			s.logf("job %s: %v", j.Name, err)
		}
		s.o.Metrics.observe(run)
		return run
	}
	if wait > 0 {
		select {
		case <-ctx.Done():
			return interrupted("the scheduler stopped before the retry was due")
		case <-time.After(wait):
		}
	}
	if j.Concurrency == ConcurrencyQueue && run.Attempt == 1 {
		for {
			now := time.Now()
			ok, err := s.o.Runs.StartIfFree(record, &run, now, s.staleBefore(now))
			if err != nil {
				s.logf("job %s: %v", j.Name, err)
				return run
			}
			if ok {
				break
			}
			select {
			case <-ctx.Done():
				return interrupted("the scheduler stopped while the run was queued")
			case <-time.After(200 * time.Millisecond):
			}
		}
	} else if err := s.o.Runs.Start(record, &run, time.Now()); err != nil {
		s.logf("job %s: %v", j.Name, err)
		return run
	}
	s.logf("job %s: attempt %d of the run scheduled at %s started", j.Name, run.Attempt, run.ScheduledAt.Format(time.RFC3339))
	actx, cancel := ctx, context.CancelFunc(func() {})
	if j.Timeout > 0 {
		actx, cancel = context.WithTimeoutCause(ctx, j.Timeout, errTimeout)
	}
	out := s.o.Runner.Run(actx, j, run)
	timedOut := errors.Is(context.Cause(actx), errTimeout)
	cancel()
	run.EndedAt = time.Now()
	code := out.ExitCode
	run.ExitCode = &code
	if out.MaxRSS > 0 {
		rss := out.MaxRSS
		run.MaxRSS = &rss
	}
	switch {
	case out.Err == nil:
		run.Status = StatusSuccess
	case timedOut:
		run.Status, run.Error = StatusTimeout, fmt.Sprintf("stopped after the job's timeout of %s", j.Timeout)
	case ctx.Err() != nil:
		run.Status, run.Error = StatusInterrupted, "the scheduler stopped during the run"
	default:
		run.Status, run.Error = StatusFailed, out.Err.Error()
		if tail := lastLines(out.Output, 5); tail != "" {
			run.Error += "\n" + tail
		}
	}
	if err := s.o.Runs.Finish(record, &run); err != nil {
		s.logf("job %s: %v", j.Name, err)
	}
	if s.o.Nodes != nil {
		nodes := s.o.Nodes(record, j, run)
		if err := s.o.Runs.SaveNodes(record, run.ID, nodes); err != nil {
			s.logf("job %s: %v", j.Name, err)
		}
		for _, n := range nodes {
			s.o.Metrics.ObserveNode(j.Name, n.UniqueID, n.EndedAt.Sub(n.StartedAt).Seconds(), n.RowsAffected)
		}
	}
	s.publishScores(record)
	s.logf("job %s: attempt %d %s in %s", j.Name, run.Attempt, run.Status, run.Duration().Round(time.Millisecond))
	s.o.Metrics.observe(run)
	s.notify(ctx, j, run)
	return run
}

// alert sends a run's final outcome through alerts.yml: a job_failed
// event (firing unless it succeeded) and, when a rule watches health, a
// job_health_below event with the job's health after this run.
func (s *Scheduler) alert(ctx context.Context, j *Job, run JobRun) {
	n := s.o.Alerts
	if n == nil || n.Config == nil || len(n.Config.Rules) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx) // a stopping scheduler still reports the runs it stopped
	subject := "job." + j.Name
	failed := alerts.Event{Kind: alerts.JobFailed, Subject: subject, Firing: run.Status != StatusSuccess}
	if failed.Firing {
		msg, _, _ := strings.Cut(run.Error, "\n")
		failed.Message = fmt.Sprintf("job %s %s (attempt %d of the run scheduled at %s): %s", j.Name, run.Status, run.Attempt,
			run.ScheduledAt.UTC().Format(time.RFC3339), msg)
	}
	events := []alerts.Event{failed}
	for _, r := range n.Config.Rules {
		if r.On != alerts.JobHealthBelow {
			continue
		}
		h, _, err := jobHealth(ctx, s.o.Runs, s.o.Scores, s.o.MemoryLimit, j)
		if err != nil {
			s.logf("job %s: health for alerts: %v", j.Name, err)
			break
		}
		score := h.Score
		msg := fmt.Sprintf("health of job %s is %.2f", j.Name, h.Score)
		if len(h.Issues) > 0 {
			msg += ": " + strings.Join(h.Issues, "; ")
		}
		events = append(events, alerts.Event{Kind: alerts.JobHealthBelow, Subject: subject, Value: &score, Message: msg})
		break
	}
	sent, err := n.Process(ctx, events)
	for _, note := range sent {
		s.logf("job %s: sent %s %s (%s)", j.Name, note.Rule, note.Type, note.Kind)
	}
	if err != nil {
		s.logf("job %s: alerts: %v", j.Name, err)
	}
}

// publishScores sets elt_quality_score from the models' latest quality
// scores in the run history.
func (s *Scheduler) publishScores(ctx context.Context) {
	if s.o.Scores == nil || s.o.Metrics == nil {
		return
	}
	scores, err := s.o.Scores(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.logf("quality scores: %v", err)
		}
		return
	}
	for model, v := range scores {
		s.o.Metrics.SetQualityScore(model, v)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// triggerAfter starts the jobs that wait on j, when every job they wait on
// last succeeded. They run as of j's scheduled time, so that replicas claim
// the same run.
func (s *Scheduler) triggerAfter(ctx context.Context, j *Job, scheduled time.Time) {
	for _, down := range s.o.Jobs.List {
		waits := false
		for _, a := range down.After {
			waits = waits || a == j.Name
		}
		if !waits || !s.upstreamsSucceeded(ctx, down) {
			continue
		}
		down := down
		s.spawn(func() { s.execute(ctx, down, scheduled, TriggerAfter, 1, 0) })
	}
}

func (s *Scheduler) upstreamsSucceeded(ctx context.Context, j *Job) bool {
	for _, a := range j.After {
		runs, err := s.o.Runs.History(ctx, a, 20)
		if err != nil {
			return false
		}
		ok := false
		for _, r := range runs {
			if r.Status == StatusSkipped || r.Status == StatusQueued {
				continue
			}
			ok = r.Status == StatusSuccess
			break
		}
		if !ok {
			return false
		}
	}
	return true
}

// notify posts the run to the job's webhooks that ask for its status.
func (s *Scheduler) notify(ctx context.Context, j *Job, run JobRun) {
	for _, n := range j.Notify {
		wanted := false
		for _, on := range n.On {
			wanted = wanted || on == run.Status
		}
		if !wanted {
			continue
		}
		body, _ := json.Marshal(map[string]any{
			"job": j.Name, "status": run.Status, "attempt": run.Attempt, "scheduled_at": run.ScheduledAt.UTC().Format(time.RFC3339),
			"started_at": timeOrNil(run.StartedAt), "ended_at": timeOrNil(run.EndedAt), "error": run.Error, "command": "elt " + strings.Join(j.Args(), " "),
		})
		req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, n.Webhook, bytes.NewReader(body))
		if err != nil {
			s.logf("job %s: notify: %v", j.Name, err)
			continue
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.o.HTTP.Do(req)
		if err != nil {
			s.logf("job %s: notify %s: %v", j.Name, req.URL.Host, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			s.logf("job %s: notify %s: HTTP %d", j.Name, req.URL.Host, resp.StatusCode)
		}
	}
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}
