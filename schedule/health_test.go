package schedule

import (
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
