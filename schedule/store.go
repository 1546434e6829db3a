package schedule

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/elt-dev/elt/history"
)

// Run statuses.
const (
	StatusQueued      = "queued"  // claimed, waiting for the previous run or for a retry's backoff
	StatusRunning     = "running" // the command is going
	StatusSuccess     = "success"
	StatusFailed      = "failed"
	StatusTimeout     = "timeout"
	StatusInterrupted = "interrupted" // the process running it stopped or died
	StatusSkipped     = "skipped"     // due while the previous run was still going
)

// Triggers: why a run happened.
const (
	TriggerSchedule = "schedule"
	TriggerCatchup  = "catchup"
	TriggerManual   = "manual"
	TriggerAfter    = "after"
	TriggerRetry    = "retry"
)

// Component is the scheduler's migration component in the history store.
const Component = "schedule"

// Migrations are the scheduler's tables, to pass in history.Config.Migrations.
// Append, never edit: a released migration has run on users' databases.
func Migrations() []history.Migration {
	v1 := func(pg bool) []string {
		ts, id := "TEXT", "INTEGER PRIMARY KEY AUTOINCREMENT"
		if pg {
			ts, id = "TIMESTAMPTZ", "BIGSERIAL PRIMARY KEY"
		}
		return []string{
			// One row per attempt of a scheduled run. The unique key is what
			// makes replicas run each scheduled run once: only one of them
			// can insert its row.
			`CREATE TABLE job_runs (
  id ` + id + `,
  job TEXT NOT NULL,
  scheduled_at ` + ts + ` NOT NULL,
  attempt INTEGER NOT NULL,
  trigger_kind TEXT NOT NULL,
  status TEXT NOT NULL,
  owner TEXT NOT NULL DEFAULT '',
  queued_at ` + ts + ` NOT NULL,
  started_at ` + ts + `,
  ended_at ` + ts + `,
  heartbeat_at ` + ts + `,
  exit_code INTEGER,
  max_rss_bytes BIGINT,
  error TEXT NOT NULL DEFAULT '',
  UNIQUE (job, scheduled_at, attempt)
)`,
			`CREATE INDEX job_runs_status ON job_runs (status, job)`,
			// The nodes an attempt built or tested, for its timeline.
			`CREATE TABLE job_run_nodes (
  run_id BIGINT NOT NULL REFERENCES job_runs (id) ON DELETE CASCADE,
  unique_id TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at ` + ts + `,
  ended_at ` + ts + `,
  rows_affected BIGINT,
  depends_on TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (run_id, unique_id)
)`,
		}
	}
	return []history.Migration{{Component: Component, Version: 1, Name: "job runs", SQLite: v1(false), Postgres: v1(true)}}
}

// JobRun is one row of job_runs: one attempt of one run of a job.
type JobRun struct {
	ID          int64
	Job         string
	ScheduledAt time.Time
	Attempt     int
	Trigger     string
	Status      string
	Owner       string
	QueuedAt    time.Time
	StartedAt   time.Time
	EndedAt     time.Time
	HeartbeatAt time.Time
	ExitCode    *int
	MaxRSS      *int64
	Error       string
}

// Duration is how long the attempt ran (0 when it did not start or end).
func (r JobRun) Duration() time.Duration {
	if r.StartedAt.IsZero() || r.EndedAt.IsZero() {
		return 0
	}
	return r.EndedAt.Sub(r.StartedAt)
}

// Runs reads and writes job_runs in a history store.
type Runs struct {
	st *history.Store
}

// NewRuns wraps a store opened with Migrations().
func NewRuns(st *history.Store) *Runs { return &Runs{st: st} }

// Store is the underlying history store.
func (r *Runs) Store() *history.Store { return r.st }

// lockJob serializes claims of one job across replicas for the rest of the
// transaction. SQLite needs nothing: BEGIN IMMEDIATE already holds the
// database's write lock.
func (r *Runs) lockJob(ctx context.Context, tx *sql.Tx, job string) error {
	if r.st.Dialect() != history.Postgres {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte("elt_job:" + job))
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(h.Sum64())); err != nil {
		return fmt.Errorf("schedule: lock job %s: %w", job, err)
	}
	return nil
}

// claim is what Claim decided.
type claim struct {
	run     JobRun
	claimed bool // false: another process holds this (job, scheduled_at, attempt)
}

// Claim inserts the attempt's row. When busyStatus is not empty and
// another live run of the job is queued or running (its heartbeat newer
// than liveSince, or run.Owner's own: an owner knows its runs are alive
// however late its heartbeat), the row is inserted with busyStatus instead
// of status (e.g. skipped). When the row already exists, claimed is false:
// another process has it.
func (r *Runs) Claim(ctx context.Context, run JobRun, busyStatus string, liveSince time.Time) (claim, error) {
	var out claim
	err := r.st.InTx(ctx, func(tx *sql.Tx) error {
		if err := r.lockJob(ctx, tx, run.Job); err != nil {
			return err
		}
		if busyStatus != "" {
			var n int
			err := tx.QueryRowContext(ctx, `SELECT count(*) FROM job_runs WHERE job = $1 AND status IN ('queued', 'running') AND (heartbeat_at >= $2 OR owner = $5) AND NOT (scheduled_at = $3 AND attempt = $4)`,
				run.Job, r.st.T(liveSince), r.st.T(run.ScheduledAt), run.Attempt, run.Owner).Scan(&n)
			if err != nil {
				return fmt.Errorf("schedule: claim %s: %w", run.Job, err)
			}
			if n > 0 {
				run.Status = busyStatus
			}
		}
		if run.Status == StatusSkipped {
			run.EndedAt = run.QueuedAt
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO job_runs (job, scheduled_at, attempt, trigger_kind, status, owner, queued_at, started_at, ended_at, heartbeat_at, error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (job, scheduled_at, attempt) DO NOTHING RETURNING id`,
			run.Job, r.st.T(run.ScheduledAt), run.Attempt, run.Trigger, run.Status, run.Owner, r.st.T(run.QueuedAt),
			r.st.T(run.StartedAt), r.st.T(run.EndedAt), r.st.T(run.QueuedAt), run.Error).Scan(&run.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("schedule: claim %s at %s: %w", run.Job, run.ScheduledAt.Format(time.RFC3339), err)
		}
		out = claim{run: run, claimed: true}
		return nil
	})
	return out, err
}

// StartIfFree moves a queued run to running when no other live run of its
// job is running and no older live one is queued; it reports whether it
// did. A run of run.Owner's is live whatever its heartbeat, as in Claim.
func (r *Runs) StartIfFree(ctx context.Context, run *JobRun, now, liveSince time.Time) (bool, error) {
	started := false
	err := r.st.InTx(ctx, func(tx *sql.Tx) error {
		if err := r.lockJob(ctx, tx, run.Job); err != nil {
			return err
		}
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM job_runs WHERE job = $1 AND id <> $2 AND (heartbeat_at >= $3 OR owner = $4)
  AND (status = 'running' OR (status = 'queued' AND id < $2))`, run.Job, run.ID, r.st.T(liveSince), run.Owner).Scan(&n)
		if err != nil {
			return fmt.Errorf("schedule: queue %s: %w", run.Job, err)
		}
		if n > 0 {
			return nil
		}
		started = true
		return r.setStarted(ctx, tx, run, now)
	})
	return started, err
}

// Start moves a claimed run to running.
func (r *Runs) Start(ctx context.Context, run *JobRun, now time.Time) error {
	return r.st.InTx(ctx, func(tx *sql.Tx) error { return r.setStarted(ctx, tx, run, now) })
}

func (r *Runs) setStarted(ctx context.Context, tx *sql.Tx, run *JobRun, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE job_runs SET status = 'running', started_at = $1, heartbeat_at = $1 WHERE id = $2 AND status = 'queued'`, r.st.T(now), run.ID)
	if err != nil {
		return fmt.Errorf("schedule: start run %d of %s: %w", run.ID, run.Job, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("schedule: run %d of %s is no longer queued (another process marked it interrupted)", run.ID, run.Job)
	}
	run.Status, run.StartedAt = StatusRunning, now
	return nil
}

// Finish records an attempt's outcome.
func (r *Runs) Finish(ctx context.Context, run *JobRun) error {
	return r.st.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE job_runs SET status = $1, ended_at = $2, exit_code = $3, max_rss_bytes = $4, error = $5 WHERE id = $6`,
			run.Status, r.st.T(run.EndedAt), run.ExitCode, run.MaxRSS, run.Error, run.ID)
		if err != nil {
			return fmt.Errorf("schedule: finish run %d of %s: %w", run.ID, run.Job, err)
		}
		return nil
	})
}

// NodeTiming is one node of an attempt: when it started and ended.
type NodeTiming struct {
	UniqueID     string    `json:"unique_id"`
	Status       string    `json:"status"`
	StartedAt    time.Time `json:"started_at"`
	EndedAt      time.Time `json:"ended_at"`
	RowsAffected int64     `json:"rows_affected"`
	DependsOn    []string  `json:"depends_on"`
	Critical     bool      `json:"critical"` // on the run's critical path
}

// SaveNodes records an attempt's nodes.
func (r *Runs) SaveNodes(ctx context.Context, runID int64, nodes []NodeTiming) error {
	return r.st.InTx(ctx, func(tx *sql.Tx) error {
		for _, n := range nodes {
			deps, _ := json.Marshal(nonNilStrings(n.DependsOn))
			_, err := tx.ExecContext(ctx, `INSERT INTO job_run_nodes (run_id, unique_id, status, started_at, ended_at, rows_affected, depends_on)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (run_id, unique_id) DO NOTHING`,
				runID, n.UniqueID, n.Status, r.st.T(n.StartedAt), r.st.T(n.EndedAt), n.RowsAffected, string(deps))
			if err != nil {
				return fmt.Errorf("schedule: save nodes of run %d: %w", runID, err)
			}
		}
		return nil
	})
}

// Nodes reads an attempt's nodes, by start time, with the critical path marked.
func (r *Runs) Nodes(ctx context.Context, runID int64) ([]NodeTiming, error) {
	rows, err := r.st.DB().QueryContext(ctx, `SELECT unique_id, status, started_at, ended_at, coalesce(rows_affected, 0), depends_on FROM job_run_nodes WHERE run_id = $1 ORDER BY started_at, unique_id`, runID)
	if err != nil {
		return nil, fmt.Errorf("schedule: nodes of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []NodeTiming
	for rows.Next() {
		var n NodeTiming
		var st, en history.NullTime
		var deps string
		if err := rows.Scan(&n.UniqueID, &n.Status, &st, &en, &n.RowsAffected, &deps); err != nil {
			return nil, fmt.Errorf("schedule: nodes of run %d: %w", runID, err)
		}
		n.StartedAt, n.EndedAt = st.Time, en.Time
		_ = json.Unmarshal([]byte(deps), &n.DependsOn)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schedule: nodes of run %d: %w", runID, err)
	}
	MarkCriticalPath(out)
	return out, nil
}

// LatestNodes lists the nodes of the job's latest attempt that recorded
// any: what its latest run built and tested.
func (r *Runs) LatestNodes(ctx context.Context, job string) ([]string, error) {
	rows, err := r.st.DB().QueryContext(ctx, `SELECT unique_id FROM job_run_nodes WHERE run_id = (
  SELECT max(j.id) FROM job_runs j WHERE j.job = $1 AND EXISTS (SELECT 1 FROM job_run_nodes n WHERE n.run_id = j.id))
ORDER BY unique_id`, job)
	if err != nil {
		return nil, fmt.Errorf("schedule: latest nodes of %s: %w", job, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("schedule: latest nodes of %s: %w", job, err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schedule: latest nodes of %s: %w", job, err)
	}
	return out, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// MarkCriticalPath marks the chain of nodes that decided when the run
// ended: from the node that ended last, back through the dependency of
// each that ended last (the one it waited for), to a node that waited for
// none of the run's nodes.
func MarkCriticalPath(nodes []NodeTiming) {
	byID := map[string]int{}
	last := -1
	for i := range nodes {
		nodes[i].Critical = false
		byID[nodes[i].UniqueID] = i
		if last < 0 || nodes[i].EndedAt.After(nodes[last].EndedAt) {
			last = i
		}
	}
	for i := last; i >= 0; {
		nodes[i].Critical = true
		next := -1
		for _, d := range nodes[i].DependsOn {
			if j, ok := byID[d]; ok && !nodes[j].Critical && (next < 0 || nodes[j].EndedAt.After(nodes[next].EndedAt)) {
				next = j
			}
		}
		i = next
	}
}

// Heartbeat marks the owner's queued and running runs alive.
func (r *Runs) Heartbeat(ctx context.Context, owner string, now time.Time) error {
	return r.st.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE job_runs SET heartbeat_at = $1 WHERE owner = $2 AND status IN ('queued', 'running')`, r.st.T(now), owner)
		if err != nil {
			return fmt.Errorf("schedule: heartbeat: %w", err)
		}
		return nil
	})
}

// Interrupt marks as interrupted the queued and running runs whose
// heartbeat is older than staleBefore, or whose owner dead says is gone,
// and returns them. Each row is returned to one caller only.
func (r *Runs) Interrupt(ctx context.Context, now, staleBefore time.Time, dead func(owner string) bool) ([]JobRun, error) {
	var out []JobRun
	err := r.st.InTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+runColumns+` FROM job_runs WHERE status IN ('queued', 'running')`)
		if err != nil {
			return fmt.Errorf("schedule: find stale runs: %w", err)
		}
		runs, err := scanRuns(rows)
		if err != nil {
			return err
		}
		for _, run := range runs {
			if !run.HeartbeatAt.Before(staleBefore) && !dead(run.Owner) {
				continue
			}
			msg := fmt.Sprintf("the process running it (%s) stopped; last heartbeat %s", run.Owner, run.HeartbeatAt.Format(time.RFC3339))
			res, err := tx.ExecContext(ctx, `UPDATE job_runs SET status = 'interrupted', ended_at = $1, error = $2 WHERE id = $3 AND status IN ('queued', 'running')`, r.st.T(now), msg, run.ID)
			if err != nil {
				return fmt.Errorf("schedule: mark run %d interrupted: %w", run.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				run.Status, run.EndedAt, run.Error = StatusInterrupted, now, msg
				out = append(out, run)
			}
		}
		return nil
	})
	return out, err
}

// Unretried lists interrupted runs that are their run's latest attempt, so
// that a scheduler may retry them by their job's policy.
func (r *Runs) Unretried(ctx context.Context) ([]JobRun, error) {
	rows, err := r.st.DB().QueryContext(ctx, `SELECT `+runColumns+` FROM job_runs j WHERE status = 'interrupted'
  AND NOT EXISTS (SELECT 1 FROM job_runs n WHERE n.job = j.job AND n.scheduled_at = j.scheduled_at AND n.attempt > j.attempt)
  ORDER BY scheduled_at, id`)
	if err != nil {
		return nil, fmt.Errorf("schedule: find interrupted runs: %w", err)
	}
	return scanRuns(rows)
}

// LastScheduled is the latest scheduled time of a job's cron runs (zero when none).
func (r *Runs) LastScheduled(ctx context.Context, job string) (time.Time, error) {
	var t history.NullTime
	err := r.st.DB().QueryRowContext(ctx, `SELECT max(scheduled_at) FROM job_runs WHERE job = $1 AND trigger_kind IN ('schedule', 'catchup')`, job).Scan(&t)
	if err != nil {
		return time.Time{}, fmt.Errorf("schedule: last run of %s: %w", job, err)
	}
	return t.Time, nil
}

// History lists a job's runs, newest first (all jobs when job is empty).
func (r *Runs) History(ctx context.Context, job string, limit int) ([]JobRun, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + runColumns + ` FROM job_runs WHERE ($1 = '' OR job = $1) ORDER BY queued_at DESC, id DESC LIMIT $2`
	rows, err := r.st.DB().QueryContext(ctx, q, job, limit)
	if err != nil {
		return nil, fmt.Errorf("schedule: history of %s: %w", job, err)
	}
	return scanRuns(rows)
}

// Get reads one run.
func (r *Runs) Get(ctx context.Context, id int64) (JobRun, error) {
	rows, err := r.st.DB().QueryContext(ctx, `SELECT `+runColumns+` FROM job_runs WHERE id = $1`, id)
	if err != nil {
		return JobRun{}, fmt.Errorf("schedule: run %d: %w", id, err)
	}
	runs, err := scanRuns(rows)
	if err != nil {
		return JobRun{}, err
	}
	if len(runs) == 0 {
		return JobRun{}, fmt.Errorf("schedule: no run %d", id)
	}
	return runs[0], nil
}

const runColumns = `id, job, scheduled_at, attempt, trigger_kind, status, owner, queued_at, started_at, ended_at, heartbeat_at, exit_code, max_rss_bytes, error`

func scanRuns(rows *sql.Rows) ([]JobRun, error) {
	defer rows.Close()
	var out []JobRun
	for rows.Next() {
		var r JobRun
		var sched, queued, started, ended, hb history.NullTime
		var exit, rss sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Job, &sched, &r.Attempt, &r.Trigger, &r.Status, &r.Owner, &queued, &started, &ended, &hb, &exit, &rss, &r.Error); err != nil {
			return nil, fmt.Errorf("schedule: read job runs: %w", err)
		}
		r.ScheduledAt, r.QueuedAt, r.StartedAt, r.EndedAt, r.HeartbeatAt = sched.Time, queued.Time, started.Time, ended.Time, hb.Time
		if exit.Valid {
			c := int(exit.Int64)
			r.ExitCode = &c
		}
		if rss.Valid {
			r.MaxRSS = &rss.Int64
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schedule: read job runs: %w", err)
	}
	return out, nil
}
