package schedule

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Health weights: how much each part counts in a job's score.
const (
	weightSuccess  = 0.3
	weightDuration = 0.2
	weightQuality  = 0.25
	weightResource = 0.15
	weightErrors   = 0.1
)

// Health is a job's score from its recent runs, 0 (bad) to 1 (good), with
// the parts it is made of and the issues found.
type Health struct {
	Score float64 `json:"score"`
	// SuccessRate is the share of runs (their last attempt) that succeeded.
	SuccessRate float64 `json:"success_rate"`
	// DurationRatio is the last successful attempt's duration over the
	// median of the successful ones before it (1: as usual).
	DurationRatio float64 `json:"duration_ratio"`
	// Quality is the data quality of the models the job's latest run built:
	// the mean of their latest quality scores over 100 (1 when unknown).
	Quality float64 `json:"quality"`
	// QualityModels is how many models' scores Quality is the mean of (0:
	// unknown, and Quality counts as perfect).
	QualityModels int `json:"quality_models"`
	// MemoryRatio is the highest peak memory of recent attempts over the limit.
	MemoryRatio float64 `json:"memory_ratio"`
	// ErrorRate is the share of attempts that failed, timed out or were interrupted.
	ErrorRate float64  `json:"error_rate"`
	Runs      int      `json:"runs"`
	Issues    []string `json:"issues"`
}

// HealthInput is what a job's health is computed from.
type HealthInput struct {
	Runs []JobRun // recent attempts, any order
	// Quality is the job's data quality score in [0, 1]; negative: unknown.
	Quality float64
	// QualityModels is how many models Quality stands for.
	QualityModels int
	// MemoryLimit in bytes; 0: unknown (memory counts as fine).
	MemoryLimit int64
}

// ComputeHealth scores a job: success rate 0.3, duration ratio 0.2, data
// quality 0.25, resource use 0.15, error rate 0.1.
func ComputeHealth(in HealthInput) Health {
	h := Health{DurationRatio: 1, Quality: 1, Issues: []string{}}
	runs := append([]JobRun(nil), in.Runs...)
	sort.Slice(runs, func(i, j int) bool {
		if !runs[i].ScheduledAt.Equal(runs[j].ScheduledAt) {
			return runs[i].ScheduledAt.Before(runs[j].ScheduledAt)
		}
		return runs[i].Attempt < runs[j].Attempt
	})
	// A run's outcome is its last attempt's.
	type key struct {
		job string
		at  time.Time
	}
	final := map[key]JobRun{}
	var attempts, errs int
	var durations []time.Duration
	for _, r := range runs {
		switch r.Status {
		case StatusSkipped, StatusQueued, StatusRunning:
			continue
		}
		attempts++
		if r.Status != StatusSuccess {
			errs++
		} else if d := r.Duration(); d > 0 {
			durations = append(durations, d)
		}
		final[key{r.Job, r.ScheduledAt}] = r
		if in.MemoryLimit > 0 && r.MaxRSS != nil {
			h.MemoryRatio = max(h.MemoryRatio, float64(*r.MaxRSS)/float64(in.MemoryLimit))
		}
	}
	h.Runs = len(final)
	if h.Runs == 0 {
		h.SuccessRate = 1
		h.Issues = append(h.Issues, "no finished runs yet")
	} else {
		ok := 0
		for _, r := range final {
			if r.Status == StatusSuccess {
				ok++
			}
		}
		h.SuccessRate = float64(ok) / float64(h.Runs)
		h.ErrorRate = float64(errs) / float64(attempts)
	}
	if n := len(durations); n >= 2 {
		prev := append([]time.Duration(nil), durations[:n-1]...)
		sort.Slice(prev, func(i, j int) bool { return prev[i] < prev[j] })
		median := prev[len(prev)/2]
		if len(prev)%2 == 0 {
			median = (prev[len(prev)/2-1] + prev[len(prev)/2]) / 2
		}
		if median > 0 {
			h.DurationRatio = float64(durations[n-1]) / float64(median)
		}
	}
	if in.Quality >= 0 {
		h.Quality = min(max(in.Quality, 0), 1)
		h.QualityModels = in.QualityModels
	}
	// A run as fast as usual or faster scores 1; twice as slow or worse, 0.
	durationScore := clamp01(2 - h.DurationRatio)
	resourceScore := clamp01(1 - h.MemoryRatio)
	if h.MemoryRatio <= 0.5 {
		resourceScore = 1 // half the limit or less is no concern
	} else {
		resourceScore = clamp01((1 - h.MemoryRatio) * 2)
	}
	h.Score = weightSuccess*h.SuccessRate + weightDuration*durationScore + weightQuality*h.Quality +
		weightResource*resourceScore + weightErrors*(1-h.ErrorRate)
	if h.Runs > 0 && h.SuccessRate < 0.9 {
		h.Issues = append(h.Issues, fmt.Sprintf("low success rate: %.0f%% of the last %d runs succeeded", h.SuccessRate*100, h.Runs))
	}
	if h.DurationRatio > 1.5 {
		h.Issues = append(h.Issues, fmt.Sprintf("slow: the last run took %.1f× its usual time", h.DurationRatio))
	}
	if h.Quality < 0.8 {
		h.Issues = append(h.Issues, fmt.Sprintf("low data quality: score %.2f", h.Quality))
	}
	if h.MemoryRatio > 0.8 {
		h.Issues = append(h.Issues, fmt.Sprintf("memory: peak at %.0f%% of the limit", h.MemoryRatio*100))
	}
	if h.ErrorRate > 0.2 {
		h.Issues = append(h.Issues, fmt.Sprintf("errors: %.0f%% of attempts failed, timed out or were interrupted", h.ErrorRate*100))
	}
	return h
}

func clamp01(x float64) float64 { return min(max(x, 0), 1) }

// builtKinds are the resource types whose nodes a run builds and quality
// scores judge (unique ids start with the resource type).
var builtKinds = []string{"model.", "seed.", "snapshot."}

// jobQuality is the data quality of the models j's latest run built (the
// latest attempt that recorded nodes): the mean of their latest quality
// scores, 0 to 1, and how many models it stands for. When the job has
// recorded no nodes (it never ran, or runs a load), or none of its models
// has a score (no tests or checks ever judged them), it returns -1: the
// quality is unknown, and health counts it as perfect rather than
// penalize a job for what nobody measured.
func jobQuality(ctx context.Context, runs *Runs, scores ScoresFunc, job string) (float64, int, error) {
	if scores == nil {
		return -1, 0, nil
	}
	nodes, err := runs.LatestNodes(ctx, job)
	if err != nil || len(nodes) == 0 {
		return -1, 0, err
	}
	all, err := scores(ctx)
	if err != nil {
		return -1, 0, err
	}
	var sum float64
	n := 0
	for _, id := range nodes {
		built := false
		for _, k := range builtKinds {
			built = built || strings.HasPrefix(id, k)
		}
		if v, ok := all[id]; ok && built {
			sum += v
			n++
		}
	}
	if n == 0 {
		return -1, 0, nil
	}
	return sum / float64(n) / 100, n, nil
}

// jobHealth computes a job's health from its recent runs and the quality
// of its models.
func jobHealth(ctx context.Context, runs *Runs, scores ScoresFunc, memoryLimit int64, j *Job) (Health, []JobRun, error) {
	recent, err := runs.History(ctx, j.Name, healthRuns)
	if err != nil {
		return Health{}, nil, err
	}
	q, n, err := jobQuality(ctx, runs, scores, j.Name)
	if err != nil {
		return Health{}, nil, err
	}
	return ComputeHealth(HealthInput{Runs: recent, Quality: q, QualityModels: n, MemoryLimit: memoryLimit}), recent, nil
}
