package docs

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/elt-dev/elt/internal/targetfs"
)

// Result statuses written in run_results.json. Models, seeds and snapshots
// use Success, Error and Skipped; tests use Pass, Fail, Warn, Error, Skipped.
const (
	StatusSuccess = "success"
	StatusError   = "error"
	StatusSkipped = "skipped"
	StatusPass    = "pass"
	StatusFail    = "fail"
	StatusWarn    = "warn"
)

// NodeResult is what running one node produced, as the runner reports it.
type NodeResult struct {
	UniqueID string
	Status   string // see the Status constants
	Message  string // "" is written as null
	Failures *int   // tests: failing rows; nil is written as null
	ThreadID string // e.g. "Thread-1 (worker)"

	CompileStartedAt, CompileCompletedAt time.Time // zero: no compile timing entry
	StartedAt, CompletedAt               time.Time // execution; zero: no execute timing entry
	ExecutionTime                        time.Duration

	AdapterResponse map[string]any // nil is written as {}
	CompiledCode    string
	RelationName    string // "" is written as null
	Compiled        bool
	// Uncompilable: the node is no compiled resource in dbt's sense (a
	// seed): compiled, compiled_code and relation_name are null.
	Uncompilable bool
	BatchResults *BatchResults // microbatch models only; nil is written as null
}

// RunResults is run_results.json (schema v6).
type RunResults struct {
	Metadata    ArtifactMetadata `json:"metadata"`
	Results     []RunResult      `json:"results"`
	ElapsedTime float64          `json:"elapsed_time"`
	Args        map[string]any   `json:"args"`
}

// ArtifactMetadata is the metadata object of run_results.json.
type ArtifactMetadata struct {
	DBTSchemaVersion    string            `json:"dbt_schema_version"`
	DBTVersion          string            `json:"dbt_version"`
	GeneratedAt         Time              `json:"generated_at"`
	InvocationID        *string           `json:"invocation_id"`
	InvocationStartedAt *string           `json:"invocation_started_at"`
	Env                 map[string]string `json:"env"`
}

// artifactMetadata is the metadata object of an artifact of schema url.
func (m Metadata) artifactMetadata(url string) ArtifactMetadata {
	return ArtifactMetadata{
		DBTSchemaVersion:    url,
		DBTVersion:          m.dbtVersion(),
		GeneratedAt:         Time{m.GeneratedAt},
		InvocationID:        strOrNull(m.InvocationID),
		InvocationStartedAt: m.startedAt(),
		Env:                 m.env(),
	}
}

// startedAt is invocation_started_at as dbt writes it (Python's
// isoformat of a UTC time: +00:00, microseconds unless there are none);
// null when unknown.
func (m Metadata) startedAt() *string {
	if m.InvocationStartedAt.IsZero() {
		return nil
	}
	t := m.InvocationStartedAt.UTC()
	layout := "2006-01-02T15:04:05.000000+00:00"
	if t.Nanosecond()/1000 == 0 {
		layout = "2006-01-02T15:04:05+00:00"
	}
	s := t.Format(layout)
	return &s
}

// RunResult is one entry of results.
type RunResult struct {
	Status          string         `json:"status"`
	Timing          []TimingInfo   `json:"timing"`
	ThreadID        string         `json:"thread_id"`
	ExecutionTime   float64        `json:"execution_time"` // seconds
	AdapterResponse map[string]any `json:"adapter_response"`
	Message         *string        `json:"message"`
	Failures        *int           `json:"failures"`
	UniqueID        string         `json:"unique_id"`
	Compiled        *bool          `json:"compiled"`
	CompiledCode    *string        `json:"compiled_code"`
	RelationName    *string        `json:"relation_name"`
	BatchResults    *BatchResults  `json:"batch_results"`
}

// TimingInfo is one phase ("compile" or "execute") of a node's run.
type TimingInfo struct {
	Name        string `json:"name"`
	StartedAt   Time   `json:"started_at"`
	CompletedAt Time   `json:"completed_at"`
}

// BatchResults lists the batches of a microbatch model as [start, end] pairs.
// Other nodes have null.
type BatchResults struct {
	Successful [][2]string `json:"successful"`
	Failed     [][2]string `json:"failed"`
}

// BuildRunResults turns node results into dbt's run_results shape, keeping
// the order of results as given.
func BuildRunResults(meta Metadata, results []NodeResult, elapsed time.Duration, args map[string]any) *RunResults {
	rr := &RunResults{
		Metadata:    meta.artifactMetadata(RunResultsSchemaURL),
		Results:     make([]RunResult, 0, len(results)),
		ElapsedTime: elapsed.Seconds(),
		Args:        jsonMap(args),
	}
	for _, r := range results {
		out := RunResult{
			Status:          r.Status,
			Timing:          []TimingInfo{},
			ThreadID:        r.ThreadID,
			ExecutionTime:   max(r.ExecutionTime, 0).Seconds(),
			AdapterResponse: jsonMap(r.AdapterResponse),
			Message:         strOrNull(r.Message),
			Failures:        r.Failures,
			UniqueID:        r.UniqueID,
			RelationName:    strOrNull(r.RelationName),
			BatchResults:    r.BatchResults,
		}
		if r.Uncompilable {
			out.RelationName = nil
		} else {
			compiled := r.Compiled
			out.Compiled = &compiled
			if r.Compiled {
				code := r.CompiledCode
				out.CompiledCode = &code
			}
		}
		if !r.CompileStartedAt.IsZero() && !r.CompileCompletedAt.IsZero() {
			out.Timing = append(out.Timing, TimingInfo{Name: "compile", StartedAt: Time{r.CompileStartedAt}, CompletedAt: Time{r.CompileCompletedAt}})
		}
		// A phase is recorded only once it has both ends: an artifact never
		// claims a start without an end.
		if !r.StartedAt.IsZero() && !r.CompletedAt.IsZero() {
			out.Timing = append(out.Timing, TimingInfo{Name: "execute", StartedAt: Time{r.StartedAt}, CompletedAt: Time{r.CompletedAt}})
		}
		rr.Results = append(rr.Results, out)
	}
	return rr
}

// WriteRunResults writes run_results.json atomically to name in the target
// directory. elapsed is the whole invocation's wall time; args are the
// invocation's flags under dbt's names ("which", "select", ...).
func WriteRunResults(dir *targetfs.Dir, name string, meta Metadata, results []NodeResult, elapsed time.Duration, args map[string]any) error {
	if err := dir.WriteAtomic(name, jsonWriter(BuildRunResults(meta, results, elapsed, args))); err != nil {
		return fmt.Errorf("docs: write run results %s: %w", name, err)
	}
	return nil
}

// ReadRunResults reads a run_results.json written by elt or by dbt, e.g. for
// `elt retry` to find what failed last time.
func ReadRunResults(path string) (*RunResults, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("docs: read run results: %w", err)
	}
	var rr RunResults
	if err := json.Unmarshal(data, &rr); err != nil {
		return nil, fmt.Errorf("docs: read run results %s: %w", path, err)
	}
	return &rr, nil
}
