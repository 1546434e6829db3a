package schedule

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseJobs(t *testing.T) {
	src := `jobs:
  - name: nightly
    cron: "0 2 * * *"
    timezone: Europe/Paris
    command: build
    select: [tag:nightly, "+orders"]
    exclude: stg_old
    target: prod
    threads: 4
    vars: {day: 2024-01-01}
    full_refresh: true
    retries: {count: 2, backoff: 30s, max_backoff: 5m}
    timeout: 1h
    concurrency: queue
    catchup: latest
    notify:
      - on: [failed, success]
        webhook: https://hooks.example.com/elt
  - name: fresh
    command: source freshness
    after: [nightly]
    retries: 1
`
	js, err := Parse("jobs.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := js.Names(); !reflect.DeepEqual(got, []string{"fresh", "nightly"}) {
		t.Fatalf("names %v", got)
	}
	n := js.Get("nightly")
	wantArgs := []string{"build", "--select", "tag:nightly +orders", "--exclude", "stg_old", "--target", "prod", "--threads", "4", "--vars", `{"day":"2024-01-01"}`, "--full-refresh"}
	if got := n.Args(); !reflect.DeepEqual(got, wantArgs) {
		t.Errorf("args\n got %q\nwant %q", got, wantArgs)
	}
	if n.Retries != (Retries{Count: 2, Backoff: 30 * time.Second, MaxBackoff: 5 * time.Minute}) || n.Timeout != time.Hour || n.Concurrency != "queue" || n.Catchup != "latest" {
		t.Errorf("policy %+v timeout %s concurrency %s catchup %s", n.Retries, n.Timeout, n.Concurrency, n.Catchup)
	}
	if len(n.Notify) != 1 || n.Notify[0].Webhook != "https://hooks.example.com/elt" || !reflect.DeepEqual(n.Notify[0].On, []string{"failed", "success"}) {
		t.Errorf("notify %+v", n.Notify)
	}
	// 02:00 in Paris, in winter, is 01:00 UTC.
	from := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	if got, want := n.Next(from), time.Date(2026, 1, 11, 1, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("next %s, want %s", got, want)
	}
	f := js.Get("fresh")
	if got := f.Args(); !reflect.DeepEqual(got, []string{"source", "freshness"}) || f.Retries.Count != 1 || !reflect.DeepEqual(f.After, []string{"nightly"}) {
		t.Errorf("fresh: args %q retries %d after %v", got, f.Retries.Count, f.After)
	}
}

func TestParseJobsSixFieldCron(t *testing.T) {
	js, err := Parse("jobs.yml", []byte("jobs:\n  - name: fast\n    cron: '*/2 * * * * *'\n    command: run\n"))
	if err != nil {
		t.Fatal(err)
	}
	j := js.Get("fast")
	from := time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)
	got := j.Missed(from, from.Add(6*time.Second))
	var want []time.Time
	for _, s := range []int{2, 4, 6} {
		want = append(want, time.Date(2026, 1, 1, 0, 0, s, 0, time.UTC))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("missed %v, want %v", got, want)
	}
	if got := j.latestAtOrBefore(from.Add(2500 * time.Millisecond)); !got.Equal(want[0]) {
		t.Errorf("latest at or before: %s, want %s", got, want[0])
	}
}

func TestParseJobsErrors(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"unknown key", "jobs:\n  - name: a\n    cron: '* * * * *'\n    command: run\n    retry: 3\n", []string{`jobs.yml:5:5: unknown job key "retry"`}},
		{"bad cron", "jobs:\n  - name: a\n    cron: '61 * * * *'\n    command: run\n", []string{`jobs.yml:3:11: cron "61 * * * *" does not parse`}},
		{"cron fields", "jobs:\n  - name: a\n    cron: '* * *'\n    command: run\n", []string{`jobs.yml:3:11: cron "* * *" has 3 fields`}},
		{"command", "jobs:\n  - name: a\n    cron: '* * * * *'\n    command: deploy\n", []string{`jobs.yml:4:14: unknown command "deploy"`}},
		{"zone", "jobs:\n  - name: a\n    cron: '* * * * *'\n    timezone: Mars/Olympus\n    command: run\n", []string{`jobs.yml:4:15: unknown time zone "Mars/Olympus"`}},
		{"no schedule", "jobs:\n  - name: a\n    command: run\n", []string{`jobs.yml:2:5: job "a" has neither a cron schedule nor after:`}},
		{"after unknown", "jobs:\n  - name: a\n    command: run\n    after: [b]\n", []string{`jobs.yml:4:13: after: names "b", which is not a job`}},
		{"after cycle", "jobs:\n  - name: a\n    command: run\n    after: [b]\n  - name: b\n    command: run\n    after: [a]\n", []string{`job "a" waits for itself through after:`}},
		{"duplicate", "jobs:\n  - name: a\n    cron: '* * * * *'\n    command: run\n  - name: a\n    cron: '* * * * *'\n    command: run\n", []string{`jobs.yml:5:5: job "a" is already defined on line 2`}},
		{"policies", "jobs:\n  - name: a\n    cron: '* * * * *'\n    command: run\n    timeout: soon\n    concurrency: parallel\n    catchup: some\n    retries: {count: -1}\n",
			[]string{`jobs.yml:5:14: timeout must be a positive duration, not "soon"`, `jobs.yml:6:18: concurrency must be one of skip, queue, not "parallel"`, `jobs.yml:7:14: catchup must be one of none, latest, all`, `jobs.yml:8:22: retries.count must be a whole number`}},
		{"webhook", "jobs:\n  - name: a\n    cron: '* * * * *'\n    command: run\n    notify: [{on: [broken], webhook: 'ftp://x'}]\n", []string{`notify.on names "broken"`, `notify.webhook "ftp://x" is not an http(s) URL`}},
		{"flag of another command", "jobs:\n  - name: a\n    cron: '* * * * *'\n    command: load\n    full_refresh: true\n", []string{`jobs.yml:5:5: elt load has no full_refresh option`}},
		{"syntax", "jobs:\n  - name: a\n   cron: x\n", []string{"jobs.yml:3"}},
		{"not a list", "jobs: {a: 1}\n", []string{"jobs.yml:1:7: jobs must be a list"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("jobs.yml", []byte(c.src))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%s\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	j := &Job{Retries: Retries{Count: 5, Backoff: time.Second, MaxBackoff: 4 * time.Second}}
	for n, base := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 4 * time.Second} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := j.backoff(n)
			if d < base/2 || d >= base*3/2 {
				t.Fatalf("backoff after attempt %d: %s, want within [%s, %s)", n, d, base/2, base*3/2)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("backoff after attempt %d took only %d values in 50 draws: no jitter?", n, len(seen))
		}
	}
}

func TestExampleJobs(t *testing.T) {
	js, err := Load(context.Background(), filepath.Join("..", "examples", "shop"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(js.Names(), ","); got != "after_nightly_tests,marts_refresh,nightly" {
		t.Errorf("jobs %s", got)
	}
}

// A key written twice in jobs.yml keeps its last value, as in dbt's YAML
// files, with a warning naming both lines; a mapping written twice is not
// merged with the first.
func TestParseJobsDuplicateKeys(t *testing.T) {
	src := `jobs:
  - name: nightly
    cron: "0 2 * * *"
    command: build
    retries: {count: 2, backoff: 1m}
    command: test
    retries: {count: 5, count: 3}
`
	js, err := Parse("jobs.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	n := js.Get("nightly")
	if n.Command != "test" {
		t.Errorf("command %q, want the last value, test", n.Command)
	}
	if want := (Retries{Count: 3, Backoff: 10 * time.Second, MaxBackoff: 10 * time.Minute}); n.Retries != want {
		t.Errorf("retries %+v, want %+v (the last mapping, its last count, defaults for the rest)", n.Retries, want)
	}
	var got []string
	for _, w := range js.Warnings {
		got = append(got, w.Error())
	}
	want := []string{
		"jobs.yml:6:5: warning: command is set twice (first at line 4); the value at line 6 is used\n  hint: remove one of them",
		"jobs.yml:7:5: warning: retries is set twice (first at line 5); the value at line 7 is used\n  hint: remove one of them",
		"jobs.yml:7:25: warning: count is set twice (first at line 7); the value at line 7 is used\n  hint: remove one of them",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings\n got %q\nwant %q", got, want)
	}
}
