package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/elt-dev/elt/history"
	"github.com/elt-dev/elt/internal/browsertest"
	"github.com/elt-dev/elt/schedule"
)

// jobRuns reads a job's runs from the project's SQLite history, oldest first.
func jobRuns(t *testing.T, dir, job string) []schedule.JobRun {
	t.Helper()
	st, err := history.Open(context.Background(), history.Config{Path: filepath.Join(dir, history.DefaultPath), Migrations: schedule.Migrations()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := schedule.NewRuns(st).History(context.Background(), job, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(runs)-1; i < j; i, j = i+1, j-1 {
		runs[i], runs[j] = runs[j], runs[i]
	}
	return runs
}

func runsSummary(runs []schedule.JobRun) string {
	var s []string
	for _, r := range runs {
		s = append(s, fmt.Sprintf("%s@%s#%d:%s", r.Trigger, r.ScheduledAt.Format("15:04:05"), r.Attempt, r.Status))
	}
	return strings.Join(s, " ")
}

// TestServeSIGKILLDuringRun kills `elt serve` with SIGKILL while its job
// builds the tables, restarts it, and checks that the run was marked
// interrupted and retried, and that no table was ever half-written.
func TestServeSIGKILLDuringRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := slowProject(t)
	if res := elt(t, dir, "build", "--vars", "{version: 1}"); res.code != 0 {
		t.Fatalf("first build: %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	writeFile(t, dir, "jobs.yml", `jobs:
  - name: rebuild
    cron: "* * * * * *"
    command: build
    vars: {version: 2}
    concurrency: skip
    retries: {count: 2, backoff: 200ms}
`)
	serve, out := child(t, dir, "serve", "--addr", "", "--heartbeat", "500ms")
	if !out.waitFor("START sql table model main.a", 60*time.Second) {
		_ = serve.Process.Kill()
		_ = serve.Wait()
		t.Fatalf("the job's build never started:\n%s", out.String())
	}
	time.Sleep(400 * time.Millisecond)
	_ = serve.Process.Signal(syscall.SIGKILL)
	_ = serve.Wait()
	t.Logf("first serve, killed mid-build:\n%s", out.String())
	// The build died with the scheduler (it holds no lock on the file), and
	// left every table whole: version 1, or 2 where its swap had committed.
	time.Sleep(300 * time.Millisecond)
	checkVersions(t, dir, "1", "2")
	// One run was going (the ones due meanwhile were skipped).
	var killed schedule.JobRun
	running := 0
	for _, r := range jobRuns(t, dir, "rebuild") {
		switch r.Status {
		case schedule.StatusRunning:
			killed = r
			running++
		case schedule.StatusSkipped:
		default:
			t.Errorf("after the kill: run %+v", r)
		}
	}
	if running != 1 {
		t.Fatalf("after the kill: %s, want one running run", runsSummary(jobRuns(t, dir, "rebuild")))
	}

	serve, out = child(t, dir, "serve", "--addr", "", "--heartbeat", "500ms")
	ok := false
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline) && !ok; time.Sleep(200 * time.Millisecond) {
		for _, r := range jobRuns(t, dir, "rebuild") {
			ok = ok || (r.ScheduledAt.Equal(killed.ScheduledAt) && r.Attempt == 2 && r.Status == schedule.StatusSuccess)
		}
	}
	_ = serve.Process.Signal(syscall.SIGTERM)
	_ = serve.Wait()
	runs := jobRuns(t, dir, "rebuild")
	if !ok {
		t.Fatalf("the interrupted run was not retried to success: %s\n%s", runsSummary(runs), out.String())
	}
	var attempts []schedule.JobRun
	for _, r := range runs {
		if r.ScheduledAt.Equal(killed.ScheduledAt) {
			attempts = append(attempts, r)
		}
	}
	if len(attempts) != 2 {
		t.Fatalf("attempts of the killed run: %s", runsSummary(attempts))
	}
	if first := attempts[0]; first.ID != killed.ID || first.Status != schedule.StatusInterrupted || !strings.Contains(first.Error, "stopped") {
		t.Errorf("the killed run is %+v, want it interrupted", first)
	}
	if retry := attempts[1]; retry.Trigger != schedule.TriggerRetry || retry.Attempt != 2 || retry.Status != schedule.StatusSuccess {
		t.Errorf("the retry is %+v", retry)
	}
	// Runs the restarted daemon stopped with SIGTERM are interrupted too,
	// never left running; every table is whole.
	for _, r := range runs {
		if r.Status == schedule.StatusRunning || r.Status == schedule.StatusQueued {
			t.Errorf("run left %s after a clean stop: %+v", r.Status, r)
		}
	}
	got := checkVersions(t, dir, "2")
	if fmt.Sprint(got) != "map[a:2 b:2 c:2 d:2]" {
		t.Errorf("final tables %v", got)
	}
}

// TestServeMonitoring runs `elt serve` in-process on a small project and
// reads its monitoring: /metrics parsed by the Prometheus text parser,
// /healthz, the JSON API, and the web page in headless Chromium.
func TestServeMonitoring(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	// The jobs run as children of this test binary, which plays elt.
	t.Setenv("ELT_TEST_MAIN", "1")
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: mon\nprofile: mon\nmodels:\n  mon:\n    +materialized: table\n")
	writeFile(t, dir, "profiles.yml", "mon:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: mon.duckdb\n      threads: 2\n")
	writeFile(t, dir, "models/raw_orders.sql", "select i as id, i % 7 as customer_id, md5(cast(i as varchar)) as h from range(1500000) t(i)\n")
	writeFile(t, dir, "models/failing.sql", "select * from no_such_table\n")
	writeFile(t, dir, "models/raw_customers.sql", "select i as id from range(7) t(i)\n")
	writeFile(t, dir, "models/orders.sql", "select o.*, c.id as cid from {{ ref('raw_orders') }} o join {{ ref('raw_customers') }} c on o.customer_id = c.id\n")
	writeFile(t, dir, "models/customer_totals.sql", "select customer_id, count(*) as n from {{ ref('orders') }} group by 1\n")
	writeFile(t, dir, "models/small.sql", "select 1 as x\n")
	writeFile(t, dir, "jobs.yml", `jobs:
  - name: hourly
    cron: "0 0 * * * *"
    command: build
    exclude: [failing]
  - name: broken
    cron: "0 30 2 * * *"
    timezone: Europe/Paris
    command: run
    select: [failing]
    vars: {x: 1}
    full_refresh: true
  - name: tick
    cron: "* * * * * *"
    command: run
    select: [small]
`)
	// Two runs of hourly and one of broken before the daemon starts.
	for _, job := range []string{"hourly", "hourly", "broken"} {
		res := elt(t, dir, "jobs", "run", job)
		if want := map[string]int{"hourly": 0, "broken": 1}[job]; res.code != want {
			t.Fatalf("jobs run %s: exit %d, want %d\n%s%s", job, res.code, want, res.stdout, res.stderr)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- runIn(ctx, dir, []string{"serve", "--addr", "127.0.0.1:0"}, out) }()
	defer func() {
		cancel()
		<-done
	}()
	if !out.waitFor("Monitoring on http://", 30*time.Second) {
		t.Fatalf("serve did not start:\n%s", out.String())
	}
	base := regexp.MustCompile(`Monitoring on (http://[0-9.:]+)/`).FindStringSubmatch(out.String())[1]

	get := func(path string) (int, []byte) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(string(body), `"status": "ok"`) {
		t.Errorf("/healthz: %d %s", code, body)
	}
	var jobs []schedule.JobStatus
	_, body := get("/api/jobs")
	if err := json.Unmarshal(body, &jobs); err != nil || len(jobs) != 3 {
		t.Fatalf("/api/jobs: %v\n%s", err, body)
	}
	if jobs[0].Name != "hourly" || jobs[0].LastRun == nil || jobs[0].LastRun.Status != "success" || jobs[0].Health.Runs != 2 || jobs[0].Health.SuccessRate != 1 || jobs[0].NextRun == nil {
		t.Errorf("hourly in /api/jobs: %s", body)
	}
	if jobs[1].Name != "broken" || jobs[1].LastRun == nil || jobs[1].LastRun.Status != "failed" || jobs[1].Timezone != "Europe/Paris" ||
		jobs[1].Health.SuccessRate != 0 || jobs[1].Health.Score > 0.7 || !strings.Contains(strings.Join(jobs[1].Health.Issues, ";"), "low success rate") {
		t.Errorf("broken in /api/jobs: %s", body)
	}
	var runs []struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	_, body = get("/api/jobs/hourly/runs")
	if err := json.Unmarshal(body, &runs); err != nil || len(runs) != 2 {
		t.Fatalf("/api/jobs/hourly/runs: %v %s", err, body)
	}
	var detail struct {
		Nodes []schedule.NodeTiming `json:"nodes"`
	}
	_, body = get(fmt.Sprintf("/api/runs/%d", runs[0].ID))
	if err := json.Unmarshal(body, &detail); err != nil {
		t.Fatal(err)
	}
	var critical []string
	for _, n := range detail.Nodes {
		if n.Critical {
			critical = append(critical, n.UniqueID)
		}
	}
	// small ends early; the path to the last node runs through the big tables.
	if len(detail.Nodes) != 5 || strings.Join(critical, ",") != "model.mon.raw_orders,model.mon.orders,model.mon.customer_totals" {
		t.Errorf("run %d: %d nodes, critical path %v\n%s", runs[0].ID, len(detail.Nodes), critical, body)
	}
	if code, _ := get("/api/jobs/nope/runs"); code != 404 {
		t.Errorf("unknown job: HTTP %d", code)
	}

	// The daemon runs tick every second: its runs are in the metrics.
	var families map[string]*dto.MetricFamily
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		code, body := get("/metrics")
		if code != 200 {
			t.Fatalf("/metrics: HTTP %d", code)
		}
		parser := expfmt.NewTextParser(model.LegacyValidation)
		var err error
		families, err = parser.TextToMetricFamilies(strings.NewReader(string(body)))
		if err != nil {
			t.Fatalf("/metrics does not parse: %v\n%s", err, body)
		}
		if metricValue(families, "elt_job_runs_total", map[string]string{"job": "tick", "status": "success"}) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no successful tick in /metrics:\n%s\n%s", body, out.String())
		}
	}
	if n := metricValue(families, "elt_job_duration_seconds", map[string]string{"job": "tick"}); n < 1 {
		t.Errorf("elt_job_duration_seconds{job=tick} holds %v observations", n)
	}
	if n := metricValue(families, "elt_node_duration_seconds", map[string]string{"job": "tick", "node": "model.mon.small"}); n < 1 {
		t.Errorf("elt_node_duration_seconds{node=model.mon.small} holds %v observations", n)
	}
	if ts := metricValue(families, "elt_last_success_timestamp_seconds", map[string]string{"job": "tick"}); time.Since(time.Unix(int64(ts), 0)) > time.Minute {
		t.Errorf("elt_last_success_timestamp_seconds{job=tick} = %v", ts)
	}
	if families["elt_job_runs_total"].GetType() != dto.MetricType_COUNTER || families["elt_job_duration_seconds"].GetType() != dto.MetricType_HISTOGRAM {
		t.Errorf("metric types: %v %v", families["elt_job_runs_total"].GetType(), families["elt_job_duration_seconds"].GetType())
	}

	// The web page: jobs with health, the runs of hourly, a run's timeline.
	bctx := browsertest.New(t, 1300, 800, time.Minute)
	err := chromedp.Do(bctx, chromedp.Navigate(fmt.Sprintf("%s/#job=hourly&run=%d", base, runs[0].ID)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#gantt .bar.critical`)))
	if err != nil {
		t.Fatalf("web page: %v", err)
	}
	jobsText, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`#jobs`)))
	if err != nil {
		t.Fatal(err)
	}
	critCount, err := chromedp.Run(bctx, chromedp.Evaluate[string](`String(document.querySelectorAll('#gantt .bar.critical').length) + "/" + document.querySelectorAll('#gantt .bar').length`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(jobsText, "hourly") || !strings.Contains(jobsText, "elt build") || !strings.Contains(jobsText, "low success rate") {
		t.Errorf("jobs table: %q", jobsText)
	}
	if critCount != "3/5" {
		t.Errorf("timeline bars critical/all: %s", critCount)
	}
	shots, err := filepath.Abs(filepath.Join("..", "..", "target", "scheduler-screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shots, "run-timeline.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot in %s", shots)
}

// metricValue is a counter's or gauge's value, or a histogram's count, for
// the series with these labels (-1 when there is none).
func metricValue(families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	f := families[name]
	if f == nil {
		return -1
	}
	for _, m := range f.GetMetric() {
		match := true
		for k, v := range labels {
			found := false
			for _, lp := range m.GetLabel() {
				found = found || (lp.GetName() == k && lp.GetValue() == v)
			}
			match = match && found
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

// runIn runs elt in-process in dir until ctx ends, writing its output to out.
func runIn(ctx context.Context, dir string, args []string, out io.Writer) int {
	env := environment{lookupEnv: os.LookupEnv, workDir: dir, homeDir: dir}
	return runWith(ctx, args, out, out, env)
}

// TestJobsCommands: list, history and the errors of the job commands.
func TestJobsCommands(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: jc\nprofile: jc\n")
	writeFile(t, dir, "profiles.yml", "jc:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: jc.duckdb\n")
	writeFile(t, dir, "models/a.sql", "select 1 as x\n")
	writeFile(t, dir, "jobs.yml", "jobs:\n  - name: daily\n    cron: '0 6 * * *'\n    command: run\n    threads: two\n")
	res := elt(t, dir, "jobs", "list")
	if res.code != 2 || !strings.Contains(res.stderr, `jobs.yml:5:14: threads must be a whole number of at least 0, not "two"`) {
		t.Errorf("bad jobs.yml: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	writeFile(t, dir, "jobs.yml", "jobs:\n  - name: daily\n    cron: '0 6 * * *'\n    command: run\n")
	if res := elt(t, dir, "jobs", "run", "nightly"); res.code != 2 || !strings.Contains(res.stderr, `no job named "nightly" in jobs.yml (jobs: daily)`) {
		t.Errorf("unknown job: exit %d\n%s", res.code, res.stderr)
	}
	writeFile(t, dir, "alerts.yml", "channels:\n  - {name: x, type: slack, url: https://h}\nrules:\n  - on: job_health_below\n    threshold: 70\n    channels: [x]\n")
	if res := elt(t, dir, "jobs", "run", "daily"); res.code != 2 || !strings.Contains(res.stderr, "alerts.yml:5:16: rule \"job_health_below\": job_health_below needs a threshold above 0 and at most 1, not 70") {
		t.Errorf("bad alerts.yml: exit %d\n%s", res.code, res.stderr)
	}
	if err := os.Remove(filepath.Join(dir, "alerts.yml")); err != nil {
		t.Fatal(err)
	}
	if res := elt(t, dir, "jobs", "history", "daily"); res.code != 0 || !strings.Contains(res.stdout, "Job daily has not run yet.") {
		t.Errorf("history before any run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = elt(t, dir, "jobs", "list")
	if res.code != 0 || !strings.Contains(res.stdout, "daily") || !strings.Contains(res.stdout, "never") || !strings.Contains(res.stdout, "no finished runs yet") {
		t.Errorf("list: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	t.Setenv("ELT_NO_HISTORY", "1")
	if res := elt(t, dir, "jobs", "list"); res.code != 2 || !strings.Contains(res.stderr, "run history, which is turned off") {
		t.Errorf("history off: exit %d\n%s", res.code, res.stderr)
	}
}

// TestAnalyze: after two runs of a job, elt analyze names the slowest
// nodes, the critical path, a view read by several models to make a table
// and a table nobody reads to make a view.
func TestAnalyze(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	t.Setenv("ELT_TEST_MAIN", "1")
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: an\nprofile: an\n")
	writeFile(t, dir, "profiles.yml", "an:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: an.duckdb\n")
	writeFile(t, dir, "models/stg.sql", "select i, md5(cast(i as varchar)) as h from range(400000) t(i)\n")
	for _, m := range []string{"a", "b", "c"} {
		writeFile(t, dir, "models/"+m+".sql", "{{ config(materialized='table') }}\nselect count(distinct h) as n from {{ ref('stg') }}\n")
	}
	writeFile(t, dir, "models/reader.sql", "select * from {{ ref('a') }} union all select * from {{ ref('b') }} union all select * from {{ ref('c') }}\n")
	writeFile(t, dir, "jobs.yml", "jobs:\n  - name: all\n    cron: '0 3 * * *'\n    command: run\n")
	for range 2 {
		if res := elt(t, dir, "jobs", "run", "all"); res.code != 0 {
			t.Fatalf("jobs run: %d\n%s%s", res.code, res.stdout, res.stderr)
		}
	}
	res := elt(t, dir, "analyze", "--output", "json")
	if res.code != 0 {
		t.Fatalf("analyze: %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var a schedule.Analysis
	if err := json.Unmarshal([]byte(res.stdout), &a); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	if a.Runs != 2 || len(a.Slowest) != 5 || len(a.CriticalPath) < 2 || a.CriticalPath[len(a.CriticalPath)-1].UniqueID != "model.an.reader" {
		t.Errorf("analysis %+v", a)
	}
	got := map[string]string{}
	for _, s := range a.Suggestions {
		got[s.UniqueID] = s.From + "->" + s.To
		if s.Saving <= 0 {
			t.Errorf("suggestion %+v saves nothing", s)
		}
	}
	// stg is a view read by a, b and c; reader is a view nobody reads
	// (left alone: it costs nothing); a, b and c are read by reader.
	if len(got) != 1 || got["model.an.stg"] != "view->table" {
		t.Errorf("suggestions %v\n%s", got, res.stdout)
	}
	text := elt(t, dir, "analyze")
	for _, w := range []string{"From the last 2 successful runs", "Slowest nodes", "Critical path of the latest run", "model.an.stg: view -> table, saves about"} {
		if !strings.Contains(text.stdout, w) {
			t.Errorf("analyze text lacks %q:\n%s", w, text.stdout)
		}
	}
}
