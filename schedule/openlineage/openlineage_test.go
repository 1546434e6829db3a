package openlineage

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elt-dev/elt/schedule/openlineage/oltest"
)

func TestEventsValidate(t *testing.T) {
	v, err := oltest.New()
	if err != nil {
		t.Fatal(err)
	}
	ev := NewEvent(Complete, time.Now(), Run{RunID: NewRunID(), Facets: map[string]any{"parent": ParentFacet(NewRunID(), "default", "shop")}},
		Job{Namespace: "default", Name: "model.shop.orders"})
	ev.Inputs = []Dataset{{Namespace: "duckdb:///p/shop.duckdb", Name: "shop.main.stg_orders"}}
	ev.Outputs = []Dataset{{Namespace: "duckdb:///p/shop.duckdb", Name: "shop.main.orders", Facets: map[string]any{
		"schema": SchemaFacet([]Field{{Name: "id", Type: "INTEGER"}}),
		"columnLineage": ColumnLineageFacet(map[string][]InputField{"id": {{Namespace: "duckdb:///p/shop.duckdb", Name: "shop.main.stg_orders", Field: "id",
			Transformations: []Transformation{{Type: "DIRECT", Subtype: "IDENTITY"}}}}}),
	}}}
	b, _ := json.Marshal(ev)
	if err := v.Validate(b); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	// The validator is not a rubber stamp: a bad run id and a facet
	// without its fields fail.
	bad := strings.Replace(string(b), ev.Run.RunID, "not-a-uuid", 1)
	if err := v.Validate([]byte(bad)); err == nil {
		t.Error("a run id that is no UUID validated")
	}
	ev.Outputs[0].Facets["columnLineage"] = map[string]any{"_producer": Producer, "_schemaURL": ColumnLineageURL}
	b, _ = json.Marshal(ev)
	if err := v.Validate(b); err == nil || !strings.Contains(err.Error(), "columnLineage") {
		t.Errorf("a column lineage facet without fields: %v", err)
	}
}

// TestEmitRetries: an event the receiver answers 5xx (or 429) is sent
// again, as OpenLineage's own HTTP transport retries, up to 5 times; a
// 4xx is not retried; once an event failed after every retry the next is
// sent once (the receiver is gone), and a delivered one restores retries.
func TestEmitRetries(t *testing.T) {
	var mu sync.Mutex
	var requests int
	var answers []int // the statuses to answer, in order; then 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		defer mu.Unlock()
		requests++
		status := http.StatusOK
		if len(answers) > 0 {
			status, answers = answers[0], answers[1:]
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	env := map[string]string{EnvURL: srv.URL}
	e := FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, "")
	e.backoff = time.Millisecond
	ev := NewEvent(Start, time.Now(), Run{RunID: NewRunID()}, Job{Namespace: "default", Name: "model.p.m"})
	for _, tc := range []struct {
		name    string
		answers []int
		wantErr bool
		wantReq int
	}{
		{"every other request refused", []int{503}, false, 2},
		{"5xx and 429 until the last retry", []int{500, 502, 504, 429, 503}, false, 6},
		{"a client error is not retried", []int{400}, true, 1},
		{"gone: every retry refused", []int{503, 503, 503, 503, 503, 503}, true, 6},
		{"after that, sent once", []int{503}, true, 1},
		{"a delivered event", nil, false, 1},
		{"restores the retries", []int{503, 503}, false, 3},
	} {
		mu.Lock()
		requests, answers = 0, tc.answers
		mu.Unlock()
		err := e.Emit(context.Background(), ev)
		mu.Lock()
		got := requests
		mu.Unlock()
		if (err != nil) != tc.wantErr || got != tc.wantReq {
			t.Errorf("%s: %d requests, error %v; want %d requests, error %t", tc.name, got, err, tc.wantReq, tc.wantErr)
		}
	}
}
