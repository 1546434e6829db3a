package schedule

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/elt-dev/elt/alerts"
)

// TestAlertsJobFailedOncePerIncident: a job that fails twice in a row and
// then succeeds sends alerts.yml's channel one job_failed alert and one
// recovery; its health, below the rule's threshold throughout, one alert.
// The job's own notify: webhook still gets every failure.
func TestAlertsJobFailedOncePerIncident(t *testing.T) {
	receiver := newHookRecorder(t)
	hook := newHookRecorder(t)
	r := newRig(t, `jobs:
  - name: flaky
    cron: "0 0 1 1 *"
    command: build
    vars: {log: LOG, fail_first: 2}
    notify: [{on: [failed], webhook: `+hook.srv.URL+`}]
`)
	yml := fmt.Sprintf(`channels:
  - {name: ops, type: webhook, url: %s/alerts}
rules:
  - {name: job down, on: job_failed, channels: [ops]}
  - {name: job unhealthy, on: job_health_below, threshold: 0.9, channels: [ops]}
`, receiver.srv.URL)
	if err := os.WriteFile(filepath.Join(r.dir, alerts.FileName), []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := alerts.Load(r.dir, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	s := r.scheduler(t, Options{Alerts: &alerts.Notifier{Config: cfg, Store: r.st, Project: "shop", Dir: r.dir}})
	var got []string
	for i, want := range []string{StatusFailed, StatusFailed, StatusSuccess} {
		run, err := s.RunNow(context.Background(), "flaky")
		if err != nil || run.Status != want {
			t.Fatalf("run %d: %s (%v), want %s\n%s", i+1, run.Status, err, want, r.out)
		}
		receiver.mu.Lock()
		var notes []string
		for _, m := range receiver.msgs {
			notes = append(notes, fmt.Sprintf("%v %v %v", m["rule"], m["type"], m["subject"]))
		}
		receiver.msgs = nil
		receiver.mu.Unlock()
		got = append(got, fmt.Sprintf("after run %d: [%s]", i+1, strings.Join(notes, ", ")))
	}
	want := []string{
		"after run 1: [job down alert job.flaky, job unhealthy alert job.flaky]",
		"after run 2: []",
		"after run 3: [job down recovery job.flaky]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("notifications:\n%s\nwant:\n%s\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), r.out)
	}
	if st := hook.statuses(); st != "failed failed" {
		t.Errorf("the job's own webhook got %q, want two failures", st)
	}
	inc, err := r.st.OpenIncidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Health after 1 success in 3 runs: 0.3/3 + 0.2 + 0.25 + 0.15 + 0.1/3, below 0.9: still open.
	if len(inc) != 1 || inc[0].Rule != "job unhealthy" || !strings.Contains(inc[0].Message, "health of job flaky is 0.73: low success rate") {
		t.Errorf("open incidents %+v", inc)
	}
}

// TestJobRunIDReachesCommand: two jobs running at once each tell their
// command their own job run id, and the Nodes callback is asked about
// that same run, so that each run's nodes are its own.
func TestJobRunIDReachesCommand(t *testing.T) {
	r := newRig(t, `jobs:
  - name: one
    cron: "0 0 1 1 *"
    command: run
    vars: {log: LOG, sleep: 600ms, ids: LOG.one}
  - name: two
    cron: "0 0 1 1 *"
    command: run
    vars: {log: LOG, sleep: 600ms, ids: LOG.two}
`)
	var mu sync.Mutex
	asked := map[string][]int64{}
	s := r.scheduler(t, Options{Nodes: func(_ context.Context, j *Job, run JobRun) []NodeTiming {
		mu.Lock()
		defer mu.Unlock()
		asked[j.Name] = append(asked[j.Name], run.ID)
		return []NodeTiming{{UniqueID: "model.p." + j.Name, Status: "success", StartedAt: run.StartedAt, EndedAt: run.EndedAt}}
	}})
	var wg sync.WaitGroup
	for _, job := range []string{"one", "two"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if run, err := s.RunNow(context.Background(), job); err != nil || run.Status != StatusSuccess {
				t.Errorf("%s: %s %v", job, run.Status, err)
			}
		}()
	}
	wg.Wait()
	one, two := r.history(t, "one"), r.history(t, "two")
	if len(one) != 1 || len(two) != 1 || !one[0].StartedAt.Before(two[0].EndedAt) || !two[0].StartedAt.Before(one[0].EndedAt) {
		t.Fatalf("want two overlapping runs: %+v %+v", one, two)
	}
	for _, run := range []JobRun{one[0], two[0]} {
		b, err := os.ReadFile(r.log + "." + run.Job)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.TrimSpace(string(b)), fmt.Sprint(run.ID); got != want {
			t.Errorf("job %s's command was told job run %q, want %s", run.Job, got, want)
		}
		if fmt.Sprint(asked[run.Job]) != fmt.Sprintf("[%d]", run.ID) {
			t.Errorf("Nodes was asked about %v for job %s, want [%d]", asked[run.Job], run.Job, run.ID)
		}
		nodes, err := r.runs.Nodes(context.Background(), run.ID)
		if err != nil || len(nodes) != 1 || nodes[0].UniqueID != "model.p."+run.Job {
			t.Errorf("nodes of %s's run: %+v %v", run.Job, nodes, err)
		}
	}
}
