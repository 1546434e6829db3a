package schedule

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestComputeHealth(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rss := func(n int64) *int64 { return &n }
	run := func(i, attempt int, status string, d time.Duration, mem int64) JobRun {
		st := t0.Add(time.Duration(i) * time.Hour).Add(time.Duration(attempt) * time.Minute)
		return JobRun{Job: "j", ScheduledAt: t0.Add(time.Duration(i) * time.Hour), Attempt: attempt, Status: status, StartedAt: st, EndedAt: st.Add(d), MaxRSS: rss(mem)}
	}
	t.Run("healthy", func(t *testing.T) {
		h := ComputeHealth(HealthInput{Runs: []JobRun{
			run(0, 1, StatusSuccess, 10*time.Second, 100), run(1, 1, StatusSuccess, 10*time.Second, 100), run(2, 1, StatusSuccess, 10*time.Second, 100),
			run(3, 1, StatusSkipped, 0, 0),
		}, Quality: -1, MemoryLimit: 1000})
		if h.Score != 1 || h.Runs != 3 || len(h.Issues) != 0 {
			t.Errorf("%+v", h)
		}
	})
	t.Run("every part", func(t *testing.T) {
		// 4 runs: one failed twice then succeeded, one failed for good;
		// the last success took 3x the median; quality 0.5; memory 90%.
		h := ComputeHealth(HealthInput{Runs: []JobRun{
			run(0, 1, StatusSuccess, 10*time.Second, 100),
			run(1, 1, StatusFailed, time.Second, 100), run(1, 2, StatusFailed, time.Second, 100), run(1, 2+1, StatusSuccess, 10*time.Second, 100),
			run(2, 1, StatusTimeout, time.Second, 900),
			run(3, 1, StatusSuccess, 30*time.Second, 100),
		}, Quality: 0.5, MemoryLimit: 1000})
		// success 3/4, duration ratio 3 (score 0), quality 0.5,
		// memory 0.9 (score 0.2), errors 3/6 attempts.
		want := 0.3*0.75 + 0.2*0 + 0.25*0.5 + 0.15*0.2 + 0.1*0.5
		if diff := h.Score - want; diff > 1e-9 || diff < -1e-9 || h.SuccessRate != 0.75 || h.DurationRatio != 3 || h.ErrorRate != 0.5 {
			t.Errorf("score %v want %v: %+v", h.Score, want, h)
		}
		issues := strings.Join(h.Issues, "\n")
		for _, w := range []string{"low success rate: 75% of the last 4 runs", "slow: the last run took 3.0×", "low data quality: score 0.50", "memory: peak at 90% of the limit", "errors: 50% of attempts"} {
			if !strings.Contains(issues, w) {
				t.Errorf("issues lack %q:\n%s", w, issues)
			}
		}
	})
}

func TestMarkCriticalPath(t *testing.T) {
	at := func(s float64) time.Time { return time.Unix(0, 0).Add(time.Duration(s * float64(time.Second))) }
	nodes := []NodeTiming{
		{UniqueID: "a", StartedAt: at(0), EndedAt: at(5)},
		{UniqueID: "b", StartedAt: at(0), EndedAt: at(2)},
		{UniqueID: "c", StartedAt: at(5), EndedAt: at(6), DependsOn: []string{"a", "b"}},
		{UniqueID: "d", StartedAt: at(2), EndedAt: at(7), DependsOn: []string{"b"}},
		{UniqueID: "e", StartedAt: at(7), EndedAt: at(9), DependsOn: []string{"c", "d", "source.x"}},
		{UniqueID: "f", StartedAt: at(1), EndedAt: at(3)},
	}
	MarkCriticalPath(nodes)
	var got []string
	for _, n := range nodes {
		if n.Critical {
			got = append(got, n.UniqueID)
		}
	}
	if strings.Join(got, ",") != "b,d,e" {
		t.Errorf("critical path %v, want b,d,e", got)
	}
}

// recordRun writes one finished attempt of job with its nodes, as the
// scheduler does.
func recordRun(t *testing.T, runs *Runs, job string, at time.Time, status string, nodes ...string) JobRun {
	t.Helper()
	ctx := context.Background()
	c, err := runs.Claim(ctx, JobRun{Job: job, ScheduledAt: at, Attempt: 1, Trigger: TriggerManual, Status: StatusQueued, Owner: "test", QueuedAt: at}, "", at)
	if err != nil || !c.claimed {
		t.Fatalf("claim: %v %v", c, err)
	}
	run := c.run
	if err := runs.Start(ctx, &run, at); err != nil {
		t.Fatal(err)
	}
	run.Status, run.EndedAt = status, at.Add(time.Second)
	if err := runs.Finish(ctx, &run); err != nil {
		t.Fatal(err)
	}
	var timings []NodeTiming
	for i, n := range nodes {
		timings = append(timings, NodeTiming{UniqueID: n, Status: "success", StartedAt: at.Add(time.Duration(i) * time.Millisecond), EndedAt: at.Add(time.Second)})
	}
	if err := runs.SaveNodes(ctx, run.ID, timings); err != nil {
		t.Fatal(err)
	}
	return run
}

// TestHealthQualityFromScores: a job's data quality is the mean of the
// latest scores of the models its latest run built; unknown (counted as
// perfect, no issue) when it built none or none has a score.
func TestHealthQualityFromScores(t *testing.T) {
	r := newRig(t, `jobs:
  - name: nightly
    cron: '0 0 1 1 *'
    command: build
  - name: tests_only
    cron: '0 0 1 1 *'
    command: test
  - name: never
    cron: '0 0 1 1 *'
    command: build
  - name: unscored
    cron: '0 0 1 1 *'
    command: run
`)
	t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	// An older run built model.s.c too; the latest built a and b (and a test and a seed without a score).
	recordRun(t, r.runs, "nightly", t0, StatusSuccess, "model.s.a", "model.s.c")
	recordRun(t, r.runs, "nightly", t0.Add(time.Minute), StatusSuccess, "model.s.a", "model.s.b", "seed.s.raw", "test.s.not_null_a_id")
	recordRun(t, r.runs, "tests_only", t0, StatusSuccess, "test.s.not_null_a_id")
	recordRun(t, r.runs, "unscored", t0, StatusSuccess, "model.s.z")
	scores := map[string]float64{"model.s.a": 80, "model.s.b": 60, "model.s.c": 10, "test.s.not_null_a_id": 0}
	srv := &Server{Jobs: r.jobs, Runs: r.runs, Scores: func(context.Context) (map[string]float64, error) { return scores, nil }}
	ctx := context.Background()
	cases := []struct {
		job    string
		want   float64
		models int
	}{
		{"nightly", 0.7, 2},
		{"tests_only", 1, 0},
		{"never", 1, 0},
		{"unscored", 1, 0},
	}
	for _, c := range cases {
		st, err := srv.Status(ctx, r.jobs.Get(c.job))
		if err != nil {
			t.Fatal(err)
		}
		h := st.Health
		if diff := h.Quality - c.want; diff > 1e-9 || diff < -1e-9 || h.QualityModels != c.models {
			t.Errorf("%s: quality %v from %d models, want %v from %d", c.job, h.Quality, h.QualityModels, c.want, c.models)
		}
	}
	st, _ := srv.Status(ctx, r.jobs.Get("nightly"))
	// Two successful runs of 1s each: 0.3 + 0.2 + 0.25*0.7 + 0.15 + 0.1.
	if want := 0.3 + 0.2 + 0.25*0.7 + 0.15 + 0.1; st.Health.Score-want > 1e-9 || want-st.Health.Score > 1e-9 {
		t.Errorf("nightly health %v, want %v: %+v", st.Health.Score, want, st.Health)
	}
	if !strings.Contains(strings.Join(st.Health.Issues, ";"), "low data quality: score 0.70") {
		t.Errorf("nightly issues %v", st.Health.Issues)
	}
}
