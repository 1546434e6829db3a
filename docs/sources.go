package docs

import (
	"fmt"
	"time"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/targetfs"
)

// SourcesSchemaURL is the schema sources.json declares (dbt's sources v3).
const SourcesSchemaURL = "https://schemas.getdbt.com/dbt/sources/v3.json"

// FreshnessResult is one source table's freshness check, as the runner
// reports it.
type FreshnessResult struct {
	UniqueID string
	// Status is "pass", "warn", "error" or "runtime error".
	Status string
	// Error is set, and nothing below, for a runtime error.
	Error string
	// AdapterResponse is the freshness query's, where the warehouse
	// reports one; nil writes {}.
	AdapterResponse            map[string]any
	MaxLoadedAt, SnapshottedAt time.Time
	Age                        float64 // seconds
	Criteria                   map[string]any
	StartedAt, CompletedAt     time.Time
	ThreadID                   string
}

// Sources is target/sources.json (schema v3).
type Sources struct {
	Metadata    ArtifactMetadata `json:"metadata"`
	Results     []any            `json:"results"` // SourceFreshnessOutput or SourceFreshnessRuntimeError
	ElapsedTime float64          `json:"elapsed_time"`
}

// SourceFreshnessOutput is a source whose newest load time was found.
type SourceFreshnessOutput struct {
	UniqueID              string             `json:"unique_id"`
	MaxLoadedAt           string             `json:"max_loaded_at"`
	SnapshottedAt         string             `json:"snapshotted_at"`
	MaxLoadedAtTimeAgoInS float64            `json:"max_loaded_at_time_ago_in_s"`
	Status                string             `json:"status"`
	Criteria              FreshnessThreshold `json:"criteria"`
	AdapterResponse       map[string]any     `json:"adapter_response"`
	Timing                []TimingInfo       `json:"timing"`
	ThreadID              string             `json:"thread_id"`
	ExecutionTime         float64            `json:"execution_time"`
}

// SourceFreshnessRuntimeError is a source whose freshness could not be found.
type SourceFreshnessRuntimeError struct {
	UniqueID string `json:"unique_id"`
	Error    string `json:"error"`
	Status   string `json:"status"`
}

// BuildSources turns freshness results into dbt's sources.json shape.
func BuildSources(meta Metadata, results []FreshnessResult, elapsed time.Duration) *Sources {
	out := &Sources{
		Metadata:    meta.artifactMetadata(SourcesSchemaURL),
		Results:     make([]any, 0, len(results)),
		ElapsedTime: elapsed.Seconds(),
	}
	for _, r := range results {
		if r.Status == "runtime error" {
			out.Results = append(out.Results, SourceFreshnessRuntimeError{UniqueID: r.UniqueID, Error: r.Error, Status: r.Status})
			continue
		}
		crit := freshness(compiler.SourceFreshness(r.Criteria))
		if crit == nil {
			crit = &FreshnessThreshold{}
		}
		o := SourceFreshnessOutput{
			UniqueID:              r.UniqueID,
			MaxLoadedAt:           AwareTime(r.MaxLoadedAt),
			SnapshottedAt:         AwareTime(r.SnapshottedAt),
			MaxLoadedAtTimeAgoInS: r.Age,
			Status:                r.Status,
			Criteria:              *crit,
			AdapterResponse:       r.AdapterResponse,
			Timing:                []TimingInfo{},
			ThreadID:              r.ThreadID,
			ExecutionTime:         max(r.CompletedAt.Sub(r.StartedAt), 0).Seconds(),
		}
		if o.AdapterResponse == nil {
			o.AdapterResponse = map[string]any{}
		}
		if !r.StartedAt.IsZero() && !r.CompletedAt.IsZero() {
			o.Timing = append(o.Timing,
				TimingInfo{Name: "compile", StartedAt: Time{r.StartedAt}, CompletedAt: Time{r.StartedAt}},
				TimingInfo{Name: "execute", StartedAt: Time{r.StartedAt}, CompletedAt: Time{r.CompletedAt}})
		}
		out.Results = append(out.Results, o)
	}
	return out
}

// WriteSources writes sources.json atomically to name in the target directory.
func WriteSources(dir *targetfs.Dir, name string, meta Metadata, results []FreshnessResult, elapsed time.Duration) error {
	if err := dir.WriteAtomic(name, jsonWriter(BuildSources(meta, results, elapsed))); err != nil {
		return fmt.Errorf("docs: write sources %s: %w", name, err)
	}
	return nil
}

// AwareTime is a UTC time as dbt writes a time-zone-aware datetime (its
// freshness times, a microbatch model's batch bounds): Python's isoformat, "2024-05-01T07:00:00+00:00", the
// microseconds only when there are any.
func AwareTime(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s + "+00:00"
}
