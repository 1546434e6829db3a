package schedule

import (
	"context"
	"embed"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

//go:embed web/index.html
var webFS embed.FS

// Server is the monitoring HTTP API: /metrics, /healthz, the JSON API of
// jobs and runs, and the web page.
type Server struct {
	Jobs    *Jobs
	Runs    *Runs
	Metrics *Metrics
	// Scores reads the models' latest quality scores, for the data quality
	// part of each job's health; optional (nil: quality unknown).
	Scores      ScoresFunc
	MemoryLimit int64 // bytes; 0: unknown
}

// Handler routes the server's endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics.Handler())
	}
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /api/jobs", s.jobs)
	mux.HandleFunc("GET /api/jobs/{name}/runs", s.jobRuns)
	mux.HandleFunc("GET /api/runs/{id}", s.run)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		b, _ := webFS.ReadFile("web/index.html")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.Runs.Store().DB().PingContext(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "error": "the history store does not answer"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "jobs": len(s.Jobs.List)})
}

// runJSON is a run as the API shows it.
type runJSON struct {
	ID          int64      `json:"id"`
	Job         string     `json:"job"`
	ScheduledAt time.Time  `json:"scheduled_at"`
	Attempt     int        `json:"attempt"`
	Trigger     string     `json:"trigger"`
	Status      string     `json:"status"`
	Owner       string     `json:"owner"`
	StartedAt   *time.Time `json:"started_at"`
	EndedAt     *time.Time `json:"ended_at"`
	Duration    float64    `json:"duration_seconds"`
	ExitCode    *int       `json:"exit_code"`
	MaxRSS      *int64     `json:"max_rss_bytes"`
	Error       string     `json:"error"`
}

func toJSON(r JobRun) runJSON {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return runJSON{ID: r.ID, Job: r.Job, ScheduledAt: r.ScheduledAt, Attempt: r.Attempt, Trigger: r.Trigger, Status: r.Status, Owner: r.Owner,
		StartedAt: opt(r.StartedAt), EndedAt: opt(r.EndedAt), Duration: r.Duration().Seconds(), ExitCode: r.ExitCode, MaxRSS: r.MaxRSS, Error: r.Error}
}

// healthRuns is how many recent attempts a job's health looks at.
const healthRuns = 50

// JobStatus is a job with its health and latest run, as the API and
// `elt jobs list` show it.
type JobStatus struct {
	Name     string     `json:"name"`
	Cron     string     `json:"cron"`
	Timezone string     `json:"timezone"`
	Command  string     `json:"command"`
	After    []string   `json:"after"`
	NextRun  *time.Time `json:"next_run"`
	LastRun  *runJSON   `json:"last_run"`
	Health   Health     `json:"health"`
}

// Status computes a job's status and health from its recent runs.
func (s *Server) Status(ctx context.Context, j *Job) (JobStatus, error) {
	h, runs, err := jobHealth(ctx, s.Runs, s.Scores, s.MemoryLimit, j)
	if err != nil {
		return JobStatus{}, err
	}
	st := JobStatus{Name: j.Name, Cron: j.Cron, Timezone: j.Timezone, Command: j.Command, After: nonNilStrings(j.After), Health: h}
	if next := j.Next(time.Now()); !next.IsZero() {
		st.NextRun = &next
	}
	if len(runs) > 0 {
		lr := toJSON(runs[0])
		st.LastRun = &lr
	}
	return st, nil
}

func (s *Server) jobs(w http.ResponseWriter, r *http.Request) {
	out := []JobStatus{}
	for _, j := range s.Jobs.List {
		st, err := s.Status(r.Context(), j)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		out = append(out, st)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) jobRuns(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if s.Jobs.Get(name) == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no job named " + strconv.Quote(name)})
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	runs, err := s.Runs.History(r.Context(), name, limit)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	out := []runJSON{}
	for _, run := range runs {
		out = append(out, toJSON(run))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "a run id is a number"})
		return
	}
	run, err := s.Runs.Get(r.Context(), id)
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	nodes, err := s.Runs.Nodes(r.Context(), id)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	if nodes == nil {
		nodes = []NodeTiming{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": toJSON(run), "nodes": nodes})
}
