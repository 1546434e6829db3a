package docs

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/docs/schematest"
)

func TestSourcesMatchesSchema(t *testing.T) {
	start := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	results := []FreshnessResult{
		{UniqueID: "source.p.raw.orders", Status: "warn", MaxLoadedAt: start.Add(-3 * time.Hour), SnapshottedAt: start, Age: 10800,
			Criteria:  map[string]any{"warn_after": map[string]any{"count": 2, "period": "hour"}, "error_after": nil, "filter": "id > 0"},
			StartedAt: start, CompletedAt: start.Add(20 * time.Millisecond), ThreadID: "Thread-1"},
		{UniqueID: "source.p.raw.events", Status: "runtime error", Error: "no loaded_at_field"},
	}
	s := BuildSources(Metadata{InvocationID: "abc", GeneratedAt: start}, results, time.Second)
	var buf bytes.Buffer
	if err := jsonWriter(s)(&buf); err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateSources(buf.Bytes()); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	var back map[string]any
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	first := back["results"].([]any)[0].(map[string]any)
	// A time-zone-aware datetime, as dbt writes it (isoformat).
	if first["max_loaded_at"] != "2024-05-01T07:00:00+00:00" || first["max_loaded_at_time_ago_in_s"] != 10800.0 {
		t.Errorf("first result: %v", first)
	}
	crit := first["criteria"].(map[string]any)
	if crit["filter"] != "id > 0" || crit["warn_after"].(map[string]any)["count"] != 2.0 {
		t.Errorf("criteria: %v", crit)
	}
	second := back["results"].([]any)[1].(map[string]any)
	if len(second) != 3 || second["status"] != "runtime error" {
		t.Errorf("runtime error result: %v", second)
	}
	// The schema refuses what dbt's does: an unknown status, a missing key.
	bad := strings.Replace(buf.String(), `"status":"warn"`, `"status":"stale"`, 1)
	if err := schematest.ValidateSources([]byte(bad)); err == nil {
		t.Errorf("an unknown status passed the schema")
	}
	bad = strings.Replace(buf.String(), `"thread_id":"Thread-1",`, ``, 1)
	if err := schematest.ValidateSources([]byte(bad)); err == nil {
		t.Errorf("a result without thread_id passed the schema")
	}
}
