// Package openlineage writes OpenLineage run events (spec 2-0-2): one
// START and one COMPLETE or FAIL per node elt runs, with the datasets it
// reads and writes, their schema facet and the column lineage facet, sent
// over HTTP to OPENLINEAGE_URL or appended as JSON lines to a file.
//
// It knows nothing of projects or warehouses: the caller builds the events.
package openlineage

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Producer names elt in every event and facet.
const Producer = "https://github.com/elt-dev/elt"

// Schema URLs of what the events carry.
const (
	RunEventSchema       = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
	SchemaFacetURL       = "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
	ColumnLineageURL     = "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet"
	ParentRunFacetURL    = "https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet"
	ErrorMessageFacetURL = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet"
)

// Event types.
const (
	Start    = "START"
	Complete = "COMPLETE"
	Fail     = "FAIL"
)

// Environment variables.
const (
	EnvURL       = "OPENLINEAGE_URL"
	EnvEndpoint  = "OPENLINEAGE_ENDPOINT" // default api/v1/lineage, as OpenLineage's clients
	EnvAPIKey    = "OPENLINEAGE_API_KEY"
	EnvFile      = "OPENLINEAGE_FILE"
	EnvNamespace = "OPENLINEAGE_NAMESPACE" // of jobs; default "default"
)

// Event is a RunEvent.
type Event struct {
	EventType string    `json:"eventType"`
	EventTime string    `json:"eventTime"`
	Run       Run       `json:"run"`
	Job       Job       `json:"job"`
	Inputs    []Dataset `json:"inputs"`
	Outputs   []Dataset `json:"outputs"`
	Producer  string    `json:"producer"`
	SchemaURL string    `json:"schemaURL"`
}

// Run is an event's run.
type Run struct {
	RunID  string         `json:"runId"`
	Facets map[string]any `json:"facets,omitempty"`
}

// Job is an event's job.
type Job struct {
	Namespace string         `json:"namespace"`
	Name      string         `json:"name"`
	Facets    map[string]any `json:"facets,omitempty"`
}

// Dataset is an input or output.
type Dataset struct {
	Namespace string         `json:"namespace"`
	Name      string         `json:"name"`
	Facets    map[string]any `json:"facets,omitempty"`
}

// NewEvent is an event of the given type at t.
func NewEvent(eventType string, t time.Time, run Run, job Job) Event {
	return Event{EventType: eventType, EventTime: t.UTC().Format(time.RFC3339Nano), Run: run, Job: job,
		Inputs: []Dataset{}, Outputs: []Dataset{}, Producer: Producer, SchemaURL: RunEventSchema}
}

// NewRunID is a random UUID (version 4).
func NewRunID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func facet(schemaURL string) map[string]any {
	return map[string]any{"_producer": Producer, "_schemaURL": schemaURL}
}

// Field is a column of a dataset's schema.
type Field struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// SchemaFacet is the dataset facet listing the columns.
func SchemaFacet(fields []Field) map[string]any {
	f := facet(SchemaFacetURL)
	f["fields"] = fields
	return f
}

// InputField is a column an output column is computed from.
type InputField struct {
	Namespace       string           `json:"namespace"`
	Name            string           `json:"name"`
	Field           string           `json:"field"`
	Transformations []Transformation `json:"transformations,omitempty"`
}

// Transformation says how: type DIRECT (the value comes from the input)
// or INDIRECT (the input filters, joins, groups or sorts the rows), with a
// subtype (IDENTITY, TRANSFORMATION, AGGREGATION; FILTER, JOIN, ...).
type Transformation struct {
	Type    string `json:"type"`
	Subtype string `json:"subtype,omitempty"`
}

// ColumnLineageFacet maps each output column to the input columns it is
// computed from.
func ColumnLineageFacet(fields map[string][]InputField) map[string]any {
	f := facet(ColumnLineageURL)
	out := map[string]any{}
	for col, in := range fields {
		if in == nil {
			in = []InputField{}
		}
		out[col] = map[string]any{"inputFields": in}
	}
	f["fields"] = out
	return f
}

// ParentFacet points a node's run at the invocation it belongs to.
func ParentFacet(runID, namespace, name string) map[string]any {
	f := facet(ParentRunFacetURL)
	f["run"] = map[string]any{"runId": runID}
	f["job"] = map[string]any{"namespace": namespace, "name": name}
	return f
}

// ErrorFacet carries a failed node's message.
func ErrorFacet(message string) map[string]any {
	f := facet(ErrorMessageFacetURL)
	f["message"] = message
	f["programmingLanguage"] = "SQL"
	return f
}

// Emitter sends events. It is safe for concurrent use.
type Emitter struct {
	url    string // full endpoint
	apiKey string
	file   string
	client *http.Client
	mu     sync.Mutex
	// backoff is the wait before the first retry, doubled before each
	// next one (retryBackoff unless a test sets it).
	backoff time.Duration
	// down is set once an event failed after every retry: later events
	// are sent once each, not retried, so that a receiver that is gone
	// does not slow every node of the run; a delivered event clears it.
	down atomic.Bool
	// Namespace of the jobs.
	Namespace string
}

// The retries of OpenLineage's own HTTP transport: up to 5, waiting 0.3 s
// and twice as long before each next one, on a connection error or HTTP
// 500, 502, 503 or 504 (and 429 here: the receiver asks to be called
// again).
const (
	maxRetries   = 5
	retryBackoff = 300 * time.Millisecond
)

func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// FromEnv builds the emitter the environment asks for, or nil when it
// asks for none. file, when not empty, wins over OPENLINEAGE_FILE.
func FromEnv(lookup func(string) (string, bool), file string) *Emitter {
	get := func(k string) string { v, _ := lookup(k); return strings.TrimSpace(v) }
	if file == "" {
		file = get(EnvFile)
	}
	base := get(EnvURL)
	if base == "" && file == "" {
		return nil
	}
	e := &Emitter{file: file, apiKey: get(EnvAPIKey), client: &http.Client{Timeout: 10 * time.Second}, backoff: retryBackoff, Namespace: get(EnvNamespace)}
	if e.Namespace == "" {
		e.Namespace = "default"
	}
	if base != "" {
		endpoint := get(EnvEndpoint)
		if endpoint == "" {
			endpoint = "api/v1/lineage"
		}
		e.url = strings.TrimRight(base, "/") + "/" + strings.TrimLeft(endpoint, "/")
	}
	return e
}

// Emit sends one event to the URL and/or appends it to the file.
func (e *Emitter) Emit(ctx context.Context, ev Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("openlineage: encode: %w", err)
	}
	if e.file != "" {
		e.mu.Lock()
		f, err := os.OpenFile(e.file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			_, err = f.Write(append(b, '\n'))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		e.mu.Unlock()
		if err != nil {
			return fmt.Errorf("openlineage: write %s: %w", e.file, err)
		}
	}
	if e.url != "" {
		return e.post(ctx, b)
	}
	return nil
}

// post sends one event, retried as OpenLineage's HTTP transport retries
// (unless the receiver was found gone: see Emitter.down).
func (e *Emitter) post(ctx context.Context, b []byte) error {
	retries := maxRetries
	if e.down.Load() {
		retries = 0
	}
	wait := e.backoff
	for attempt := 0; ; attempt++ {
		again, err := e.postOnce(ctx, b)
		if err == nil {
			e.down.Store(false)
			return nil
		}
		if !again || attempt >= retries || ctx.Err() != nil {
			if again {
				e.down.Store(true)
				if attempt > 0 {
					err = fmt.Errorf("%w (after %d retries)", err, attempt)
				}
			}
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
}

// postOnce sends the event once; again reports whether a failure is one
// to retry.
func (e *Emitter) postOnce(ctx context.Context, b []byte) (again bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(b))
	if err != nil {
		return false, fmt.Errorf("openlineage: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if e.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+e.apiKey)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return true, fmt.Errorf("openlineage: send to %s: %w", req.URL.Host, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return retryable(resp.StatusCode), fmt.Errorf("openlineage: %s answered HTTP %d", req.URL.Host, resp.StatusCode)
	}
	return false, nil
}
