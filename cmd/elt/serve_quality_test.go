package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/elt-dev/elt/history"
	"github.com/elt-dev/elt/quality"
	"github.com/elt-dev/elt/schedule"
)

// servedElt is `elt serve` running in-process on a project until the test
// (or stop) ends it.
type servedElt struct {
	base string
	out  *syncBuffer
	stop func()
}

func startServe(t *testing.T, dir string) *servedElt {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- runIn(ctx, dir, []string{"serve", "--addr", "127.0.0.1:0", "--heartbeat", "500ms"}, out)
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	if !out.waitFor("Monitoring on http://", 30*time.Second) {
		stop()
		t.Fatalf("serve did not start:\n%s", out.String())
	}
	base := regexp.MustCompile(`Monitoring on (http://[0-9.:]+)/`).FindStringSubmatch(out.String())[1]
	return &servedElt{base: base, out: out, stop: stop}
}

// metrics scrapes /metrics and parses it with the Prometheus text parser.
func (s *servedElt) metrics(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: HTTP %d", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	return families
}

// waitMetric scrapes until the series has a value (or the wait ends) and
// returns the last scrape.
func (s *servedElt) waitMetric(t *testing.T, name string, labels map[string]string, wait time.Duration) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		f := s.metrics(t)
		if metricValue(f, name, labels) >= 0 || time.Now().After(deadline) {
			return f
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// qualityProject is a project whose build scores its model 75: not_null on
// id and a null_rate check pass (completeness 100), unique on customer_id
// warns (uniqueness 50).
func qualityProject(t *testing.T, jobs string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: sq\nprofile: sq\nmodels:\n  sq:\n    +materialized: table\n")
	writeFile(t, dir, "profiles.yml", "sq:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: sq.duckdb\n")
	writeFile(t, dir, "models/orders.sql", "select i as id, i % 3 as customer_id from range(6) t(i)\n")
	writeFile(t, dir, "models/schema.yml", `models:
  - name: orders
    columns:
      - name: id
        config:
          quality:
            null_rate: {max: 0}
        data_tests: [not_null]
      - name: customer_id
        data_tests:
          - unique:
              config: {severity: warn}
`)
	writeFile(t, dir, "jobs.yml", jobs)
	return dir
}

// latestScores reads the quality scores the project's builds stored.
func latestScores(t *testing.T, dir string) map[string]history.Point {
	t.Helper()
	st := openHistoryAt(t, history.Config{Path: filepath.Join(dir, history.DefaultPath), Migrations: schedule.Migrations()})
	pts, err := st.LatestValues(context.Background(), quality.MetricScore)
	if err != nil {
		t.Fatal(err)
	}
	return pts
}

// TestServeQualityScoreMetric: elt_quality_score carries each model's
// latest score as the run history holds it, set when a job's build ends
// and again when the daemon starts.
func TestServeQualityScoreMetric(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	t.Setenv("ELT_TEST_MAIN", "1")
	dir := qualityProject(t, "jobs:\n  - name: q\n    cron: '* * * * * *'\n    command: build\n    concurrency: skip\n")
	srv := startServe(t, dir)
	series := map[string]string{"model": "model.sq.orders"}
	families := srv.waitMetric(t, "elt_quality_score", series, 60*time.Second)
	srv.stop()
	stored := latestScores(t, dir)
	want, ok := stored["model.sq.orders"]
	if !ok || want.Value != 75 {
		t.Fatalf("stored scores %+v, want model.sq.orders at 75\n%s", stored, srv.out.String())
	}
	if got := metricValue(families, "elt_quality_score", series); got != want.Value {
		t.Errorf("elt_quality_score{model=model.sq.orders} = %v after the job's build, want %v as stored", got, want.Value)
	}
	if got := metricValue(families, "elt_quality_score", map[string]string{"model": "project.sq"}); got != -1 {
		t.Errorf("the project's overall score is not a model's: elt_quality_score{model=project.sq} = %v", got)
	}
	if families["elt_quality_score"].GetType() != dto.MetricType_GAUGE {
		t.Errorf("elt_quality_score is a %v", families["elt_quality_score"].GetType())
	}
	// The job's builds fed the node metrics: orders' build time, and its 6
	// rows per build in elt_rows_loaded_total, which the job's recorded
	// nodes account for.
	if n := metricValue(families, "elt_node_duration_seconds", map[string]string{"job": "q", "node": "model.sq.orders"}); n < 1 {
		t.Errorf("elt_node_duration_seconds{job=q,node=model.sq.orders} holds %v observations", n)
	}
	rows := metricValue(families, "elt_rows_loaded_total", map[string]string{"job": "q"})
	var recorded int64
	st := openHistoryAt(t, history.Config{Path: filepath.Join(dir, history.DefaultPath), Migrations: schedule.Migrations()})
	qruns, err := schedule.NewRuns(st).History(context.Background(), "q", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range qruns {
		nodes, err := schedule.NewRuns(st).Nodes(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes {
			recorded += n.RowsAffected
		}
	}
	if rows < 6 || int64(rows)%6 != 0 || int64(rows) > recorded {
		t.Errorf("elt_rows_loaded_total{job=q} = %v, want a multiple of 6 rows, at most the %d the job's runs recorded", rows, recorded)
	}

	// A restarted daemon whose job is not due publishes the stored scores
	// from the start.
	writeFile(t, dir, "jobs.yml", "jobs:\n  - name: q\n    cron: '0 0 1 1 *'\n    command: build\n")
	srv = startServe(t, dir)
	families = srv.waitMetric(t, "elt_quality_score", series, 10*time.Second)
	if got := metricValue(families, "elt_quality_score", series); got != want.Value {
		t.Errorf("after a restart elt_quality_score{model=model.sq.orders} = %v, want %v\n%s", got, want.Value, srv.out.String())
	}
	// The job's health counts its model's score: 75 of 100.
	resp, err := http.Get(srv.base + "/api/jobs")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var jobs []schedule.JobStatus
	if err := json.NewDecoder(resp.Body).Decode(&jobs); err != nil || len(jobs) != 1 {
		t.Fatalf("/api/jobs: %v %+v", err, jobs)
	}
	if h := jobs[0].Health; h.Quality != 0.75 || h.QualityModels != 1 {
		t.Errorf("health of q: quality %v from %d models, want 0.75 from 1", h.Quality, h.QualityModels)
	}
}

// TestConcurrentJobsOwnNodes: two jobs running at once (each on its own
// DuckDB file, both writing target/ and one run history) each get their
// own nodes in job_run_nodes, found by the job run id their command
// recorded with its invocation.
func TestConcurrentJobsOwnNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	t.Setenv("ELT_TEST_MAIN", "1")
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: cj\nprofile: cj\nmodels:\n  cj:\n    +materialized: table\n")
	writeFile(t, dir, "profiles.yml", "cj:\n  target: a\n  outputs:\n    a:\n      type: duckdb\n      path: a.duckdb\n    b:\n      type: duckdb\n      path: b.duckdb\n")
	writeFile(t, dir, "models/slow.sql", "select count(distinct md5(cast(i as varchar))) as n from range(3000000) t(i)\n")
	writeFile(t, dir, "models/b1.sql", "select i from range(5) t(i)\n")
	writeFile(t, dir, "models/b2.sql", "select * from {{ ref('b1') }} where i > 1\n")
	writeFile(t, dir, "jobs.yml", `jobs:
  - name: big
    cron: '0 0 1 1 *'
    command: run
    select: [slow]
  - name: small
    cron: '0 0 1 1 *'
    command: run
    select: [b1, b2]
    target: b
`)
	results := make(chan cliResult, 2)
	for _, job := range []string{"big", "small"} {
		go func() { results <- elt(t, dir, "jobs", "run", job) }()
	}
	for range 2 {
		if res := <-results; res.code != 0 {
			t.Fatalf("jobs run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
	}
	big, small := jobRuns(t, dir, "big"), jobRuns(t, dir, "small")
	if len(big) != 1 || len(small) != 1 {
		t.Fatalf("runs: big %s, small %s", runsSummary(big), runsSummary(small))
	}
	if !big[0].StartedAt.Before(small[0].EndedAt) || !small[0].StartedAt.Before(big[0].EndedAt) {
		t.Fatalf("the two runs did not overlap: big %s-%s, small %s-%s", big[0].StartedAt, big[0].EndedAt, small[0].StartedAt, small[0].EndedAt)
	}
	st := openHistoryAt(t, history.Config{Path: filepath.Join(dir, history.DefaultPath), Migrations: schedule.Migrations()})
	runs := schedule.NewRuns(st)
	for _, c := range []struct {
		run  schedule.JobRun
		want string
		rows int64
	}{
		{big[0], "model.cj.slow", 1},
		{small[0], "model.cj.b1,model.cj.b2", 8},
	} {
		nodes, err := runs.Nodes(context.Background(), c.run.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		var rows int64
		for _, n := range nodes {
			ids = append(ids, n.UniqueID)
			rows += n.RowsAffected
			if n.Status != "success" || !n.EndedAt.After(n.StartedAt) || n.StartedAt.Before(c.run.StartedAt) || n.EndedAt.After(c.run.EndedAt) {
				t.Errorf("job %s node %+v is not within its run %s-%s", c.run.Job, n, c.run.StartedAt, c.run.EndedAt)
			}
		}
		sort.Strings(ids)
		if strings.Join(ids, ",") != c.want {
			t.Errorf("job %s run %d nodes %v, want %s", c.run.Job, c.run.ID, ids, c.want)
		}
		if rows != c.rows {
			t.Errorf("job %s run %d: %d rows, want %d", c.run.Job, c.run.ID, rows, c.rows)
		}
	}
	// b2 depends on b1: the timeline's critical path runs through both.
	nodes, _ := runs.Nodes(context.Background(), small[0].ID)
	for _, n := range nodes {
		if !n.Critical {
			t.Errorf("small's node %s is off the critical path: %+v", n.UniqueID, nodes)
		}
	}
}
