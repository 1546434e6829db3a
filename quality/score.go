package quality

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/elt-dev/elt/history"
)

// Dimensions of data quality a score is made of.
const (
	Completeness = "completeness"
	Accuracy     = "accuracy" // validity: accepted values, ranges, patterns, references
	Uniqueness   = "uniqueness"
	Timeliness   = "timeliness"
	Consistency  = "consistency"
)

// AllDimensions in the order they are shown.
var AllDimensions = []string{Completeness, Accuracy, Uniqueness, Timeliness, Consistency}

// DimensionOfTest says which dimension a data test speaks for, by its
// generic test's name ("" for a singular test).
func DimensionOfTest(name string) string {
	n := strings.ToLower(name)
	switch {
	case n == "not_null" || strings.Contains(n, "not_null") || strings.Contains(n, "not_empty") || n == "at_least_one":
		return Completeness
	case n == "unique" || strings.Contains(n, "unique"):
		return Uniqueness
	case n == "recency" || strings.Contains(n, "fresh"):
		return Timeliness
	case strings.Contains(n, "accepted") || n == "relationships" || strings.Contains(n, "relationship") || strings.Contains(n, "range") ||
		strings.Contains(n, "regex") || strings.Contains(n, "pattern") || strings.Contains(n, "expression") || strings.Contains(n, "between"):
		return Accuracy
	}
	return Consistency
}

// DimensionOfMetric says which dimension a quality check's metric speaks for.
func DimensionOfMetric(metric string) string {
	switch metric {
	case MetricNullRate:
		return Completeness
	case MetricDistinctRate:
		return Uniqueness
	case MetricFreshnessLag:
		return Timeliness
	case MetricRowCount, MetricDrift:
		return Consistency
	}
	return Accuracy // custom metrics are business rules
}

// Outcome is one test or check of a model in a run.
type Outcome struct {
	Model     string // the node it is about
	Dimension string
	Status    string // "pass", "warn", "fail"/"error"
}

// ScoreOptions weigh the dimensions and set the per-dimension thresholds
// below which a dimension raises a quality alert.
type ScoreOptions struct {
	Weights    map[string]float64 // default: every dimension 1
	Thresholds map[string]float64 // default: 90 each
}

// DefaultThreshold is a dimension's default alert threshold.
const DefaultThreshold = 90.0

// Score is a model's (or the project's) quality, 0 to 100.
type Score struct {
	Subject    string             `json:"subject"`
	Score      float64            `json:"score"`
	Dimensions map[string]float64 `json:"dimensions"` // only the dimensions it has checks for
	Checks     int                `json:"checks"`
	Breaches   []string           `json:"breaches,omitempty"` // "completeness 80.0 < 90"
}

// Scores computes each model's score from its outcomes, and the project's
// over all of them: a dimension scores the share of its checks that pass
// (a warning counts half); the score is the weighted mean of the
// dimensions that have checks.
func Scores(outcomes []Outcome, project string, opts ScoreOptions) (models []Score, total Score) {
	by := map[string][]Outcome{}
	for _, o := range outcomes {
		by[o.Model] = append(by[o.Model], o)
	}
	names := make([]string, 0, len(by))
	for m := range by {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		models = append(models, score(m, by[m], opts))
	}
	return models, score(project, outcomes, opts)
}

func score(subject string, outs []Outcome, opts ScoreOptions) Score {
	sum, n := map[string]float64{}, map[string]int{}
	for _, o := range outs {
		switch o.Status {
		case "pass", "success":
			sum[o.Dimension]++
		case "warn":
			sum[o.Dimension] += 0.5
		}
		n[o.Dimension]++
	}
	s := Score{Subject: subject, Dimensions: map[string]float64{}, Checks: len(outs)}
	var wsum, total float64
	for _, d := range AllDimensions {
		if n[d] == 0 {
			continue
		}
		v := 100 * sum[d] / float64(n[d])
		s.Dimensions[d] = v
		w := 1.0
		if opts.Weights != nil {
			if x, ok := opts.Weights[d]; ok {
				w = x
			}
		}
		wsum += w
		total += w * v
		th := DefaultThreshold
		if x, ok := opts.Thresholds[d]; ok {
			th = x
		}
		if v < th {
			s.Breaches = append(s.Breaches, fmt.Sprintf("%s %.1f < %.4g", d, v, th))
		}
	}
	if wsum > 0 {
		s.Score = math.Round(10*total/wsum) / 10
	} else {
		s.Score = 100
	}
	return s
}

// ScoreOptionsFromVars reads the project vars quality_weights and
// quality_thresholds ({completeness: 2, ...}); unknown dimensions are
// reported.
func ScoreOptionsFromVars(vars map[string]any) (ScoreOptions, error) {
	var opts ScoreOptions
	read := func(key string) (map[string]float64, error) {
		v, ok := vars[key]
		if !ok || v == nil {
			return nil, nil
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("var %s must map dimensions (%s) to numbers", key, strings.Join(AllDimensions, ", "))
		}
		out := map[string]float64{}
		for k, x := range m {
			f := number(x)
			if f == nil || *f < 0 {
				return nil, fmt.Errorf("var %s: %s must be a number of at least 0", key, k)
			}
			known := false
			for _, d := range AllDimensions {
				known = known || d == k
			}
			if !known {
				return nil, fmt.Errorf("var %s: %q is not a dimension (use %s)", key, k, strings.Join(AllDimensions, ", "))
			}
			out[k] = *f
		}
		return out, nil
	}
	var err error
	if opts.Weights, err = read("quality_weights"); err != nil {
		return opts, err
	}
	opts.Thresholds, err = read("quality_thresholds")
	return opts, err
}

// Sparkline draws values as a line of block characters, lowest to highest.
func Sparkline(values []float64) string {
	if len(values) == 0 {
		return ""
	}
	blocks := []rune("▁▂▃▄▅▆▇█")
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	var b strings.Builder
	for _, v := range values {
		i := len(blocks) / 2
		if hi > lo {
			i = int(math.Round((v - lo) / (hi - lo) * float64(len(blocks)-1)))
		}
		b.WriteRune(blocks[i])
	}
	return b.String()
}

// Polarity says whether a metric going up is better (+1), worse (-1) or
// neither (0), to turn a trend into "improving" or "declining".
func Polarity(metric string) int {
	switch {
	case metric == MetricNullRate || metric == MetricFreshnessLag:
		return -1
	case strings.HasPrefix(metric, "quality_score"):
		return 1
	}
	return 0
}

// Insight is a trend put into words, with what to do about it.
type Insight struct {
	Subject        string  `json:"subject"`
	Metric         string  `json:"metric"`
	Direction      string  `json:"direction"` // declining, improving, increasing, decreasing, stable
	Slope          float64 `json:"slope"`
	P              float64 `json:"p_value"`
	First          float64 `json:"first"`
	Last           float64 `json:"last"`
	Runs           int     `json:"runs"`
	Text           string  `json:"text"`
	Recommendation string  `json:"recommendation,omitempty"`
}

// InsightOf describes a metric's series (oldest first) of subject (e.g.
// "orders.email"). Stable series get Direction "stable" and no text.
func InsightOf(subject, metric string, values []float64) Insight {
	tr := TrendOf(values)
	in := Insight{Subject: subject, Metric: metric, Direction: tr.Direction, Slope: tr.Slope, P: tr.P, Runs: len(values)}
	if len(values) == 0 {
		return in
	}
	// The fitted line's ends, so one odd first or last run does not set them.
	in.First = tr.Intercept
	in.Last = tr.Intercept + tr.Slope*float64(len(values)-1)
	if len(values) < 3 {
		in.First, in.Last = values[0], values[len(values)-1]
	}
	if tr.Direction == "stable" {
		return in
	}
	pol := Polarity(metric)
	name, first, last := metric, in.First, in.Last
	format := func(v float64) string { return formatValue(metric, v) }
	if metric == MetricNullRate {
		// Said as completeness: the share of values present.
		name, first, last = Completeness, 1-first, 1-last
		pol = 1
		format = func(v float64) string { return formatValue(MetricNullRate, v) }
	}
	up := tr.Direction == "increasing"
	if metric == MetricNullRate {
		up = !up
	}
	switch {
	case pol == 0 && up:
		in.Direction = "increasing"
	case pol == 0:
		in.Direction = "decreasing"
	case (pol > 0) == up:
		in.Direction = "improving"
	default:
		in.Direction = "declining"
	}
	in.Text = fmt.Sprintf("%s of %s is %s: %s → %s over %d runs", name, subject, in.Direction, format(first), format(last), len(values))
	if in.Direction == "declining" {
		switch metric {
		case MetricNullRate:
			in.Recommendation = "add a not_null test or a null_rate max on " + subject + ", and check the source that feeds it"
		case MetricFreshnessLag:
			in.Recommendation = "check the loader or source feeding " + subject + "; add a freshness max to be told sooner"
		default:
			in.Recommendation = "look at the checks of " + subject + " that fail most, and the sources upstream of it"
		}
	}
	if metric == MetricRowCount && in.Direction == "decreasing" {
		in.Recommendation = "a shrinking table: check its sources, and add quality: volume: {anomaly: {}} if it has no volume check"
	}
	return in
}

// MetricScore is the run-history metric of a quality score (0 to 100);
// MetricScore+"_"+dimension that of one dimension.
const MetricScore = "quality_score"

// ProjectSubject is the subject under which a project's overall score is
// recorded, next to its models' unique ids.
func ProjectSubject(project string) string { return "project." + project }

// LatestScores reads each node's latest quality score (0 to 100) from the
// run history, without the projects' overall scores.
func LatestScores(ctx context.Context, st *history.Store) (map[string]float64, error) {
	pts, err := st.LatestValues(ctx, MetricScore)
	if err != nil {
		return nil, fmt.Errorf("quality scores: %w", err)
	}
	out := make(map[string]float64, len(pts))
	for id, p := range pts {
		if strings.HasPrefix(id, ProjectSubject("")) {
			continue
		}
		out[id] = p.Value
	}
	return out, nil
}
