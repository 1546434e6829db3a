package quality

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// A generated 90-day history of four kinds of metric, each with Gaussian
// noise of known size, into which anomalies of known size are injected.
// Each day from day 14 on is judged against the 28 days before it, as
// elt build does, with the default sensitivity; precision and recall are
// counted against the injected days.
type seriesKind struct {
	name      string
	metric    string
	base      func(day time.Time) float64
	sigma     float64   // the noise's scale (its MAD scaled to a σ): anomaly sizes are in this unit
	direction Direction // which way anomalies are injected (and judged)
	season    Seasonality
	// sample, when set, draws a day's value from its base and the shift
	// injected (0 on a normal day) with noise that is not Gaussian;
	// otherwise the value is base + shift + Gaussian noise of σ sigma.
	sample func(r *rand.Rand, base, shift float64) float64
}

// Realistic noise for two kinds, beside their Gaussian versions: a null
// rate is a count of nulls among the day's rows (binomial), and a
// freshness lag is the time since the last hourly load when the build
// runs (uniform over the hour, plus the load's own 5 minutes).
const (
	nullRows  = 5000
	nullBase  = 0.02
	loadEvery = 3600.0
)

var (
	// σ of a binomial proportion.
	nullSigma = math.Sqrt(nullBase * (1 - nullBase) / nullRows)
	// The MAD of a uniform spread over the hour is a quarter of it; as
	// a σ, times 1.4826.
	lagScale = 1.4826 * loadEvery / 4
)

func binomial(r *rand.Rand, n int, p float64) float64 {
	k := 0
	for range n {
		if r.Float64() < p {
			k++
		}
	}
	return float64(k)
}

var benchKinds = []seriesKind{
	{name: "volume drops and spikes", metric: "row_count", sigma: 150, direction: Both, season: SeasonalityWeekly,
		base: func(d time.Time) float64 {
			if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
				return 6000
			}
			return 10000
		}},
	{name: "null bursts", metric: "null_rate", sigma: 0.002, direction: Above, season: SeasonalityNone,
		base: func(time.Time) float64 { return 0.02 }},
	{name: "freshness lags", metric: "freshness_lag_seconds", sigma: 300, direction: Above, season: SeasonalityNone,
		base: func(time.Time) float64 { return 3600 }},
	{name: "mean shifts", metric: "mean", sigma: 1.5, direction: Both, season: SeasonalityNone,
		base: func(time.Time) float64 { return 120 }},
	{name: "null bursts (binomial)", metric: "null_rate", sigma: nullSigma, direction: Above, season: SeasonalityNone,
		base: func(time.Time) float64 { return nullBase },
		sample: func(r *rand.Rand, base, shift float64) float64 {
			return binomial(r, nullRows, min(1, base+shift)) / nullRows
		}},
	{name: "freshness lags (hourly)", metric: "freshness_lag_seconds", sigma: lagScale, direction: Above, season: SeasonalityNone,
		base: func(time.Time) float64 { return 300 },
		sample: func(r *rand.Rand, base, shift float64) float64 {
			// A stall: the loads stopped shift seconds before the build.
			return base + r.Float64()*loadEvery + shift
		}},
}

type confusion struct{ tp, fp, fn, tn int }

func (c confusion) precision() float64 { return float64(c.tp) / math.Max(1, float64(c.tp+c.fp)) }
func (c confusion) recall() float64    { return float64(c.tp) / math.Max(1, float64(c.tp+c.fn)) }

// runDetectionBench returns the confusion counts per kind for anomalies of
// sizes drawn from [minSize, maxSize] MADs (σ of the noise).
func runDetectionBench(seed uint64, replicas int, minSize, maxSize float64, sensitivity float64) map[string]*confusion {
	r := rand.New(rand.NewPCG(seed, 99))
	start := time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)
	const days, warmup, window, rate = 90, 14, 60, 0.08
	out := map[string]*confusion{}
	for _, k := range benchKinds {
		c := &confusion{}
		out[k.name] = c
		for range replicas {
			obs := make([]Observation, days)
			injected := make([]bool, days)
			for d := range days {
				at := start.AddDate(0, 0, d)
				// Gaussian noise is drawn first, as it always was, so the
				// figures of the Gaussian kinds stay those of earlier runs.
				var noise float64
				if k.sample == nil {
					noise = r.NormFloat64() * k.sigma
				}
				shift := 0.0
				if d >= warmup && r.Float64() < rate {
					size := minSize + r.Float64()*(maxSize-minSize)
					sign := 1.0
					if k.direction == Below || (k.direction == Both && r.IntN(2) == 0) {
						sign = -1
					}
					shift = sign * size * k.sigma
					injected[d] = true
				}
				v := k.base(at) + shift + noise
				if k.sample != nil {
					v = k.sample(r, k.base(at), shift)
				}
				obs[d] = Observation{At: at, Value: v}
			}
			for d := warmup; d < days; d++ {
				past := obs[max(0, d-window):d]
				v := Detect(past, obs[d].Value, obs[d].At, AnomalyOptions{Sensitivity: sensitivity, Seasonality: k.season, Direction: k.direction})
				if !v.Enough {
					continue // not judged yet: below min_history
				}
				switch {
				case v.Anomalous && injected[d]:
					c.tp++
				case v.Anomalous:
					c.fp++
				case injected[d]:
					c.fn++
				default:
					c.tn++
				}
			}
		}
	}
	return out
}

func detectionReport(res map[string]*confusion) (string, confusion) {
	var b strings.Builder
	var all confusion
	for _, k := range benchKinds {
		c := res[k.name]
		all.tp, all.fp, all.fn, all.tn = all.tp+c.tp, all.fp+c.fp, all.fn+c.fn, all.tn+c.tn
		fmt.Fprintf(&b, "  %-28s precision %.3f  recall %.3f  (TP %d FP %d FN %d)\n", k.name, c.precision(), c.recall(), c.tp, c.fp, c.fn)
	}
	fmt.Fprintf(&b, "  %-28s precision %.3f  recall %.3f  (TP %d FP %d FN %d)\n", "all", all.precision(), all.recall(), all.tp, all.fp, all.fn)
	return b.String(), all
}

// TestDetectionPrecisionRecall is the must-show figure: at the default
// sensitivity, anomalies of 4 MADs and more are found with precision and
// recall of at least 0.9. go test ./quality -run DetectionPrecisionRecall -v
// prints the table, and how it falls off for smaller anomalies.
func TestDetectionPrecisionRecall(t *testing.T) {
	const replicas = 40 // 40 series of 90 days per kind
	res := runDetectionBench(2026, replicas, 4, 10, DefaultSensitivity)
	report, all := detectionReport(res)
	t.Logf("90-day histories, %d per kind, anomalies of 4–10 MADs injected on 8%% of days, default sensitivity %.0f:\n%s", replicas, DefaultSensitivity, report)
	for _, k := range benchKinds {
		c := res[k.name]
		if c.precision() < 0.9 || c.recall() < 0.9 {
			t.Errorf("%s: precision %.3f recall %.3f, want both >= 0.9", k.name, c.precision(), c.recall())
		}
	}
	if all.precision() < 0.9 || all.recall() < 0.9 {
		t.Errorf("overall: precision %.3f recall %.3f, want both >= 0.9", all.precision(), all.recall())
	}
	// How detection falls off with the anomaly's size, per kind.
	var b strings.Builder
	fmt.Fprintf(&b, "  %-28s", "precision / recall at")
	sizes := []float64{2, 3, 4, 6, 8}
	for _, size := range sizes {
		fmt.Fprintf(&b, "  %4.0f MADs   ", size)
	}
	b.WriteString("\n")
	bySize := make([]map[string]*confusion, len(sizes))
	alls := make([]confusion, len(sizes))
	for i, size := range sizes {
		bySize[i] = runDetectionBench(7, replicas, size, size, DefaultSensitivity)
		_, alls[i] = detectionReport(bySize[i])
	}
	row := func(name string, cs []confusion) {
		fmt.Fprintf(&b, "  %-28s", name)
		for _, c := range cs {
			fmt.Fprintf(&b, "  %.2f / %.2f", c.precision(), c.recall())
		}
		b.WriteString("\n")
	}
	for _, k := range benchKinds {
		cs := make([]confusion, len(sizes))
		for i := range sizes {
			cs[i] = *bySize[i][k.name]
		}
		row(k.name, cs)
	}
	row("all", alls)
	t.Logf("anomalies of exactly N MADs, per kind:\n%s", b.String())
}

// BenchmarkDetect times one judgement against 28 days of history.
func BenchmarkDetect(b *testing.B) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var past []Observation
	for d := range 28 {
		past = append(past, Observation{At: start.AddDate(0, 0, d), Value: 1000 + float64(d%5)})
	}
	b.ReportAllocs()
	for range b.N {
		Detect(past, 1100, start.AddDate(0, 0, 28), AnomalyOptions{Seasonality: SeasonalityWeekly})
	}
}
