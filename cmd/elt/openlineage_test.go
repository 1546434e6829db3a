package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/elt-dev/elt/schedule/openlineage/oltest"
)

type olEvent struct {
	EventType string `json:"eventType"`
	Run       struct {
		RunID  string         `json:"runId"`
		Facets map[string]any `json:"facets"`
	} `json:"run"`
	Job struct {
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"job"`
	Inputs  []olDataset `json:"inputs"`
	Outputs []olDataset `json:"outputs"`
}

type olDataset struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Facets    struct {
		Schema *struct {
			Fields []struct{ Name, Type string } `json:"fields"`
		} `json:"schema"`
		ColumnLineage *struct {
			Fields map[string]struct {
				InputFields []struct {
					Name, Field     string
					Transformations []struct{ Type, Subtype string }
				} `json:"inputFields"`
			} `json:"fields"`
		} `json:"columnLineage"`
	} `json:"facets"`
}

// TestOpenLineageEvents runs `elt build` with OPENLINEAGE_URL pointing at
// a local HTTP server, validates every event against the OpenLineage JSON
// schema, and checks their contents; then the same with OPENLINEAGE_FILE.
func TestOpenLineageEvents(t *testing.T) {
	validator, err := oltest.New()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/lineage" || r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer k3y" {
			t.Errorf("%s %s (auth %q)", r.Method, r.URL.Path, r.Header.Get("Authorization"))
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
	}))
	defer srv.Close()

	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: ol\nprofile: ol\n")
	writeFile(t, dir, "profiles.yml", "ol:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ol.duckdb\n")
	writeFile(t, dir, "seeds/raw_orders.csv", "id,customer,amount\n1,a,10\n2,b,20\n3,a,5\n")
	writeFile(t, dir, "models/stg_orders.sql", "select id, customer, amount * 100 as cents from {{ ref('raw_orders') }}\n")
	writeFile(t, dir, "models/customers.sql", "{{ config(materialized='table') }}\nselect customer, sum(cents) as total_cents from {{ ref('stg_orders') }} where id > 0 group by customer\n")
	writeFile(t, dir, "models/broken.sql", "select * from missing_table\n")
	writeFile(t, dir, "models/schema.yml", "version: 2\nmodels:\n  - name: customers\n    columns:\n      - name: customer\n        data_type: varchar\n        data_tests: [not_null]\n")
	env := environment{workDir: dir, homeDir: t.TempDir(), lookupEnv: func(k string) (string, bool) {
		switch k {
		case "OPENLINEAGE_URL":
			return srv.URL, true
		case "OPENLINEAGE_API_KEY":
			return "k3y", true
		}
		return os.LookupEnv(k)
	}}
	var out, errb bytes.Buffer
	if code := runWith(context.Background(), []string{"build"}, &out, &errb, env); code != 1 {
		t.Fatalf("build: exit %d, want 1 (broken fails)\n%s%s", code, out.String(), errb.String())
	}
	mu.Lock()
	got := append([][]byte(nil), bodies...)
	mu.Unlock()
	events := checkOpenLineage(t, validator, got)
	byJob := map[string][]olEvent{}
	for _, e := range events {
		byJob[e.Job.Name] = append(byJob[e.Job.Name], e)
	}
	var jobs []string
	for j, evs := range byJob {
		jobs = append(jobs, j)
		if len(evs) != 2 || evs[0].EventType != "START" || evs[0].Run.RunID != evs[1].Run.RunID {
			t.Errorf("%s: %d events, want START then its end with one run id", j, len(evs))
		}
	}
	sort.Strings(jobs)
	if want := "model.ol.broken model.ol.customers model.ol.stg_orders seed.ol.raw_orders test.ol.not_null_customers_customer."; !strings.HasPrefix(strings.Join(jobs, " "), want) || len(jobs) != 5 {
		t.Errorf("jobs %v, want %s<hash>", jobs, want)
	}
	if e := byJob["model.ol.broken"]; len(e) == 2 && (e[1].EventType != "FAIL" || e[1].Run.Facets["errorMessage"] == nil) {
		t.Errorf("broken ends with %s, facets %v", e[1].EventType, e[1].Run.Facets)
	}
	cust := byJob["model.ol.customers"]
	if len(cust) != 2 {
		t.Fatal("no customers events")
	}
	end := cust[1]
	if end.EventType != "COMPLETE" || len(end.Inputs) != 1 || end.Inputs[0].Name != "ol.main.stg_orders" || len(end.Outputs) != 1 || end.Outputs[0].Name != "ol.main.customers" ||
		!strings.HasPrefix(end.Outputs[0].Namespace, "duckdb:///") || !strings.HasSuffix(end.Outputs[0].Namespace, "/ol.duckdb") {
		t.Fatalf("customers COMPLETE: %+v", end)
	}
	if parent, _ := end.Run.Facets["parent"].(map[string]any); parent == nil {
		t.Errorf("no parent facet")
	}
	o := end.Outputs[0].Facets
	if o.Schema == nil || len(o.Schema.Fields) != 2 || o.Schema.Fields[0].Name != "customer" || o.Schema.Fields[0].Type != "varchar" || o.Schema.Fields[1].Name != "total_cents" {
		t.Errorf("schema facet %+v", o.Schema)
	}
	if o.ColumnLineage == nil {
		t.Fatal("no column lineage facet")
	}
	lin := map[string]string{}
	for col, f := range o.ColumnLineage.Fields {
		var parts []string
		for _, in := range f.InputFields {
			tr := ""
			for _, x := range in.Transformations {
				tr += x.Type + "/" + x.Subtype
			}
			parts = append(parts, in.Name+"."+in.Field+":"+tr)
		}
		lin[col] = strings.Join(parts, ",")
	}
	if lin["customer"] != "ol.main.stg_orders.customer:DIRECT/IDENTITY,ol.main.stg_orders.id:INDIRECT/" {
		t.Errorf("customer lineage %q", lin["customer"])
	}
	if lin["total_cents"] != "ol.main.stg_orders.cents:DIRECT/AGGREGATION,ol.main.stg_orders.customer:INDIRECT/,ol.main.stg_orders.id:INDIRECT/" {
		t.Errorf("total_cents lineage %q", lin["total_cents"])
	}

	// The file transport: one JSON event per line.
	file := filepath.Join(t.TempDir(), "events.ndjson")
	env.lookupEnv = func(k string) (string, bool) {
		if k == "OPENLINEAGE_FILE" {
			return file, true
		}
		return os.LookupEnv(k)
	}
	out.Reset()
	if code := runWith(context.Background(), []string{"run", "--select", "stg_orders"}, &out, &errb, env); code != 0 {
		t.Fatalf("run: %d\n%s", code, out.String())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	evs := checkOpenLineage(t, validator, lines)
	if len(evs) != 2 || evs[0].Job.Name != "model.ol.stg_orders" || evs[1].EventType != "COMPLETE" {
		t.Errorf("file events: %s", b)
	}
}

func checkOpenLineage(t *testing.T, v *oltest.Validator, bodies [][]byte) []olEvent {
	t.Helper()
	var out []olEvent
	for _, b := range bodies {
		if err := v.Validate(b); err != nil {
			t.Errorf("event does not validate: %v\n%s", err, b)
		}
		var e olEvent
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}
