package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Invocation is one run of elt.
type Invocation struct {
	ID         string
	Command    string         // "build", "run", "test", "seed", "snapshot", "profile", ...
	Args       map[string]any // the flags it ran with
	StartedAt  time.Time
	EndedAt    time.Time // zero while it runs
	Status     string    // "running", "success", "error", "cancelled"
	EltVersion string
	Project    string
	Target     string
	// JobRunID is the scheduler's job run this invocation ran for (0: none).
	JobRunID int64
}

// NodeResult is one node's outcome in an invocation.
type NodeResult struct {
	InvocationID  string
	UniqueID      string
	ResourceType  string
	Status        string
	StartedAt     time.Time
	EndedAt       time.Time
	ExecutionTime float64 // seconds
	RowsAffected  *int64
	Failures      *int64
	Message       string
}

// Metric is one measured value: table-level when Column is "".
type Metric struct {
	InvocationID string
	UniqueID     string
	Relation     string
	Column       string
	Name         string // e.g. "row_count", "null_rate", "freshness_lag_seconds"
	Value        *float64
	MeasuredAt   time.Time
}

// Profile is one relation's profile, as JSON, measured in an invocation.
type Profile struct {
	InvocationID string
	UniqueID     string
	Relation     string
	JSON         json.RawMessage
	MeasuredAt   time.Time
}

// RecordInvocation inserts an invocation, or updates it when its ID is
// already recorded (call it when a run starts and again when it ends).
func (s *Store) RecordInvocation(ctx context.Context, inv Invocation) error {
	args, err := json.Marshal(inv.Args)
	if err != nil {
		return fmt.Errorf("history: invocation %s args: %w", inv.ID, err)
	}
	if inv.Args == nil {
		args = []byte("{}")
	}
	return s.InTx(ctx, func(tx *sql.Tx) error {
		var jobRun any
		if inv.JobRunID != 0 {
			jobRun = inv.JobRunID
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO invocations (id, command, args, started_at, ended_at, status, elt_version, project, target, job_run_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (id) DO UPDATE SET command = excluded.command, args = excluded.args, started_at = excluded.started_at,
  ended_at = excluded.ended_at, status = excluded.status, elt_version = excluded.elt_version,
  project = excluded.project, target = excluded.target, job_run_id = excluded.job_run_id`,
			inv.ID, inv.Command, string(args), s.T(inv.StartedAt), s.T(inv.EndedAt), inv.Status, inv.EltVersion, inv.Project, inv.Target, jobRun)
		if err != nil {
			return fmt.Errorf("history: record invocation %s: %w", inv.ID, err)
		}
		return nil
	})
}

// RecordNodeResults records node results in one transaction; a result
// already recorded for the same invocation and node is replaced.
func (s *Store) RecordNodeResults(ctx context.Context, results []NodeResult) error {
	if len(results) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO node_results (invocation_id, unique_id, resource_type, status, started_at, ended_at, execution_time, rows_affected, failures, message)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (invocation_id, unique_id) DO UPDATE SET resource_type = excluded.resource_type, status = excluded.status,
  started_at = excluded.started_at, ended_at = excluded.ended_at, execution_time = excluded.execution_time,
  rows_affected = excluded.rows_affected, failures = excluded.failures, message = excluded.message`)
		if err != nil {
			return fmt.Errorf("history: record node results: %w", err)
		}
		defer stmt.Close()
		for _, r := range results {
			if _, err := stmt.ExecContext(ctx, r.InvocationID, r.UniqueID, r.ResourceType, r.Status, s.T(r.StartedAt), s.T(r.EndedAt),
				r.ExecutionTime, r.RowsAffected, r.Failures, r.Message); err != nil {
				return fmt.Errorf("history: record result of %s: %w", r.UniqueID, err)
			}
		}
		return nil
	})
}

// RecordNodeResult records one node result.
func (s *Store) RecordNodeResult(ctx context.Context, r NodeResult) error {
	return s.RecordNodeResults(ctx, []NodeResult{r})
}

// RecordMetrics records metric values in one transaction.
func (s *Store) RecordMetrics(ctx context.Context, metrics []Metric) error {
	if len(metrics) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO metrics (invocation_id, unique_id, relation, column_name, metric, value, measured_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`)
		if err != nil {
			return fmt.Errorf("history: record metrics: %w", err)
		}
		defer stmt.Close()
		for _, m := range metrics {
			at := m.MeasuredAt
			if at.IsZero() {
				at = s.now()
			}
			if _, err := stmt.ExecContext(ctx, m.InvocationID, m.UniqueID, m.Relation, m.Column, m.Name, m.Value, s.T(at)); err != nil {
				return fmt.Errorf("history: record metric %s of %s: %w", m.Name, m.UniqueID, err)
			}
		}
		return nil
	})
}

// RecordProfile records a relation's profile (replacing one recorded for
// the same invocation and node).
func (s *Store) RecordProfile(ctx context.Context, p Profile) error {
	if !json.Valid(p.JSON) {
		return fmt.Errorf("history: profile of %s is not valid JSON", p.UniqueID)
	}
	at := p.MeasuredAt
	if at.IsZero() {
		at = s.now()
	}
	return s.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO profiles (invocation_id, unique_id, relation, profile, measured_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (invocation_id, unique_id) DO UPDATE SET relation = excluded.relation, profile = excluded.profile, measured_at = excluded.measured_at`,
			p.InvocationID, p.UniqueID, p.Relation, string(p.JSON), s.T(at))
		if err != nil {
			return fmt.Errorf("history: record profile of %s: %w", p.UniqueID, err)
		}
		return nil
	})
}

// Point is one value of a metric series.
type Point struct {
	At           time.Time
	Value        float64
	InvocationID string
}

// SeriesQuery selects one metric's values over time.
type SeriesQuery struct {
	UniqueID string
	Column   string // "" for a table-level metric
	Metric   string
	Since    time.Time // zero: from the start
	Until    time.Time // zero: to now (exclusive)
	Limit    int       // the most recent Limit points; 0: all
}

// Series returns a metric's non-null values, oldest first.
func (s *Store) Series(ctx context.Context, q SeriesQuery) ([]Point, error) {
	since, until := q.Since, q.Until
	if since.IsZero() {
		since = time.Unix(0, 0)
	}
	if until.IsZero() {
		until = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 1 << 30
	}
	rows, err := s.query(ctx, `SELECT measured_at, value, invocation_id FROM metrics
WHERE unique_id = $1 AND column_name = $2 AND metric = $3 AND value IS NOT NULL AND measured_at >= $4 AND measured_at < $5
ORDER BY measured_at DESC, id DESC LIMIT $6`, q.UniqueID, q.Column, q.Metric, s.T(since), s.T(until), limit)
	if err != nil {
		return nil, fmt.Errorf("history: series %s %s %s: %w", q.UniqueID, q.Column, q.Metric, err)
	}
	defer rows.Close()
	var out []Point
	for rows.Next() {
		var p Point
		var at NullTime
		if err := rows.Scan(&at, &p.Value, &p.InvocationID); err != nil {
			return nil, fmt.Errorf("history: series %s %s: %w", q.UniqueID, q.Metric, err)
		}
		p.At = at.Time
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: series %s %s: %w", q.UniqueID, q.Metric, err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// MetricKey names one series.
type MetricKey struct {
	UniqueID string
	Column   string
	Metric   string
}

// MetricKeys lists the series recorded for the given nodes (all when none).
func (s *Store) MetricKeys(ctx context.Context, uniqueIDs ...string) ([]MetricKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT unique_id, column_name, metric FROM metrics ORDER BY unique_id, column_name, metric`)
	if err != nil {
		return nil, fmt.Errorf("history: list metrics: %w", err)
	}
	defer rows.Close()
	want := map[string]bool{}
	for _, id := range uniqueIDs {
		want[id] = true
	}
	var out []MetricKey
	for rows.Next() {
		var k MetricKey
		if err := rows.Scan(&k.UniqueID, &k.Column, &k.Metric); err != nil {
			return nil, fmt.Errorf("history: list metrics: %w", err)
		}
		if len(want) == 0 || want[k.UniqueID] {
			out = append(out, k)
		}
	}
	return out, rows.Err()
}

// Invocations lists the most recent invocations of a project ("" for any),
// newest first.
func (s *Store) Invocations(ctx context.Context, project string, limit int) ([]Invocation, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.invocations(ctx, `WHERE $1 = '' OR project = $1 ORDER BY started_at DESC LIMIT $2`, project, limit)
}

// JobRunInvocations lists the invocations that ran for a scheduler's job
// run (its job_runs.id), oldest first.
func (s *Store) JobRunInvocations(ctx context.Context, jobRunID int64) ([]Invocation, error) {
	return s.invocations(ctx, `WHERE job_run_id = $1 ORDER BY started_at, id`, jobRunID)
}

func (s *Store) invocations(ctx context.Context, where string, args ...any) ([]Invocation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, command, args, started_at, ended_at, status, elt_version, project, target, job_run_id FROM invocations `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("history: list invocations: %w", err)
	}
	defer rows.Close()
	var out []Invocation
	for rows.Next() {
		var inv Invocation
		var args string
		var started, ended NullTime
		var jobRun sql.NullInt64
		if err := rows.Scan(&inv.ID, &inv.Command, &args, &started, &ended, &inv.Status, &inv.EltVersion, &inv.Project, &inv.Target, &jobRun); err != nil {
			return nil, fmt.Errorf("history: list invocations: %w", err)
		}
		inv.StartedAt, inv.EndedAt, inv.JobRunID = started.Time, ended.Time, jobRun.Int64
		if err := json.Unmarshal([]byte(args), &inv.Args); err != nil {
			return nil, fmt.Errorf("history: invocation %s args: %w", inv.ID, err)
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// NodeResults lists an invocation's node results, in start order.
func (s *Store) NodeResults(ctx context.Context, invocationID string) ([]NodeResult, error) {
	return s.nodeResults(ctx, `WHERE invocation_id = $1 ORDER BY started_at, unique_id`, invocationID)
}

// NodeHistory lists a node's results over time, oldest first (the most
// recent limit).
func (s *Store) NodeHistory(ctx context.Context, uniqueID string, limit int) ([]NodeResult, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	out, err := s.nodeResults(ctx, `WHERE unique_id = $1 ORDER BY started_at DESC LIMIT $2`, uniqueID, limit)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

func (s *Store) nodeResults(ctx context.Context, where string, args ...any) ([]NodeResult, error) {
	rows, err := s.query(ctx, `SELECT invocation_id, unique_id, resource_type, status, started_at, ended_at, execution_time, rows_affected, failures, message
FROM node_results `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("history: node results: %w", err)
	}
	defer rows.Close()
	var out []NodeResult
	for rows.Next() {
		var r NodeResult
		var started, ended NullTime
		var rowsAffected, failures sql.NullInt64
		if err := rows.Scan(&r.InvocationID, &r.UniqueID, &r.ResourceType, &r.Status, &started, &ended, &r.ExecutionTime, &rowsAffected, &failures, &r.Message); err != nil {
			return nil, fmt.Errorf("history: node results: %w", err)
		}
		r.StartedAt, r.EndedAt = started.Time, ended.Time
		if rowsAffected.Valid {
			r.RowsAffected = &rowsAffected.Int64
		}
		if failures.Valid {
			r.Failures = &failures.Int64
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LatestProfiles returns the most recent profile of each node (all nodes
// when none are given).
func (s *Store) LatestProfiles(ctx context.Context, uniqueIDs ...string) ([]Profile, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.invocation_id, p.unique_id, p.relation, p.profile, p.measured_at FROM profiles p
JOIN (SELECT unique_id, max(measured_at) AS m FROM profiles GROUP BY unique_id) l ON l.unique_id = p.unique_id AND l.m = p.measured_at
ORDER BY p.unique_id`)
	if err != nil {
		return nil, fmt.Errorf("history: latest profiles: %w", err)
	}
	defer rows.Close()
	want := map[string]bool{}
	for _, id := range uniqueIDs {
		want[id] = true
	}
	var out []Profile
	for rows.Next() {
		var p Profile
		var body string
		var at NullTime
		if err := rows.Scan(&p.InvocationID, &p.UniqueID, &p.Relation, &body, &at); err != nil {
			return nil, fmt.Errorf("history: latest profiles: %w", err)
		}
		p.JSON, p.MeasuredAt = json.RawMessage(body), at.Time
		if len(want) == 0 || want[p.UniqueID] {
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

// LatestValues returns the most recent value of a table-level metric for
// each node that has one (e.g. each model's latest quality score).
func (s *Store) LatestValues(ctx context.Context, metric string) (map[string]Point, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.unique_id, m.measured_at, m.value, m.invocation_id FROM metrics m
JOIN (SELECT unique_id, max(measured_at) AS at FROM metrics WHERE metric = $1 AND column_name = '' AND value IS NOT NULL GROUP BY unique_id) l
  ON l.unique_id = m.unique_id AND l.at = m.measured_at
WHERE m.metric = $1 AND m.column_name = '' AND m.value IS NOT NULL
ORDER BY m.unique_id, m.id`, metric)
	if err != nil {
		return nil, fmt.Errorf("history: latest %s: %w", metric, err)
	}
	defer rows.Close()
	out := map[string]Point{}
	for rows.Next() {
		var id string
		var p Point
		var at NullTime
		if err := rows.Scan(&id, &at, &p.Value, &p.InvocationID); err != nil {
			return nil, fmt.Errorf("history: latest %s: %w", metric, err)
		}
		p.At = at.Time
		out[id] = p // rows of one instant come in insertion order: the last one wins
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: latest %s: %w", metric, err)
	}
	return out, nil
}
