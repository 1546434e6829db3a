package schedule

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
