package quality

import (
	"math"
	"sort"
	"time"
)

// madScale makes the median absolute deviation a consistent estimator of
// the standard deviation for normal data. Throughout this package "MAD"
// means this scaled MAD, so a robust z-score of 3 is "3 MADs", comparable
// to 3 standard deviations.
const madScale = 1.4826

// Median of xs (NaN when empty). xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// MAD is the scaled median absolute deviation of xs around their median.
func MAD(xs []float64) float64 {
	med := Median(xs)
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
	}
	return madScale * Median(dev)
}

// Seasonality of a metric's history.
type Seasonality string

const (
	SeasonalityNone   Seasonality = "none"
	SeasonalityWeekly Seasonality = "weekly"
)

// Direction says which breaches count: a freshness lag that shrinks or a
// null rate that drops is no incident.
type Direction string

const (
	Both  Direction = "both"
	Above Direction = "above"
	Below Direction = "below"
)

// AnomalyOptions configure the robust z-score test.
type AnomalyOptions struct {
	// Sensitivity is how many MADs from the median a value may lie before
	// it is anomalous; default 3. Lower finds more.
	Sensitivity float64
	// MinHistory is how many past values are needed before judging;
	// default 7, or 21 (three of each weekday) with weekly seasonality.
	// With fewer, the verdict is "not enough history".
	MinHistory  int
	Seasonality Seasonality
	Direction   Direction
}

// DefaultSensitivity is the sensitivity used when none is configured.
const DefaultSensitivity = 3.0

// DefaultMinHistory is the history needed when none is configured.
const DefaultMinHistory = 7

func (o AnomalyOptions) withDefaults() AnomalyOptions {
	if o.Sensitivity <= 0 {
		o.Sensitivity = DefaultSensitivity
	}
	if o.Seasonality == "" {
		o.Seasonality = SeasonalityNone
	}
	if o.MinHistory <= 0 {
		o.MinHistory = DefaultMinHistory
		if o.Seasonality == SeasonalityWeekly {
			// Three weeks: three values of each weekday.
			o.MinHistory = 3 * DefaultMinHistory
		}
	}
	if o.Direction == "" {
		o.Direction = Both
	}
	return o
}

// Observation is one past value of a metric and when it was measured.
type Observation struct {
	At    time.Time
	Value float64
}

// Verdict is the judgement of one value against its history.
type Verdict struct {
	Value    float64
	Expected float64 // the median (of the same weekday with weekly seasonality)
	Lower    float64 // the band a normal value lies in
	Upper    float64
	Score    float64 // robust z-score: (value - expected) / MAD
	History  int     // past values judged against
	Seasonal bool    // the weekday baseline was used
	// Anomalous is false when there was not enough history to judge
	// (Enough false).
	Anomalous bool
	Enough    bool
}

// minScaleFraction keeps a perfectly flat history (MAD 0) from calling
// every tiny change an anomaly: the scale is at least this share of the
// median's size.
const minScaleFraction = 0.001

// Detect judges value, measured at at, against the past observations with
// a robust z-score: its distance from the median in MADs. With weekly
// seasonality the median is that of the same weekday, and the MAD that of
// every value's distance from its own weekday's median.
func Detect(past []Observation, value float64, at time.Time, opts AnomalyOptions) Verdict {
	opts = opts.withDefaults()
	v := Verdict{Value: value, History: len(past)}
	if len(past) < opts.MinHistory {
		return v
	}
	v.Enough = true
	xs := make([]float64, len(past))
	for i, o := range past {
		xs[i] = o.Value
	}
	expected := Median(xs)
	scale := MAD(xs)
	if opts.Seasonality == SeasonalityWeekly {
		byDay := map[time.Weekday][]float64{}
		for _, o := range past {
			byDay[o.At.Weekday()] = append(byDay[o.At.Weekday()], o.Value)
		}
		// Each weekday needs a few values of its own to be trusted.
		if same := byDay[at.Weekday()]; len(same) >= 3 {
			medOf := map[time.Weekday]float64{}
			for d, vs := range byDay {
				medOf[d] = Median(vs)
			}
			// Each value's distance from the median of the other values of
			// its weekday: with four or so values a weekday, distances from a
			// median that includes the value itself are too small, and the
			// band too narrow.
			var resid []float64
			for i, o := range past {
				var others []float64
				for j, p := range past {
					if j != i && p.At.Weekday() == o.At.Weekday() {
						others = append(others, p.Value)
					}
				}
				if len(others) > 0 {
					resid = append(resid, o.Value-Median(others))
				}
			}
			expected = medOf[at.Weekday()]
			scale = madScale * Median(absAll(resid))
			v.Seasonal = true
		}
	}
	if floor := minScaleFraction * math.Abs(expected); scale < floor {
		scale = floor
	}
	if scale == 0 {
		scale = math.SmallestNonzeroFloat64
	}
	scale *= smallSampleWidening(len(past), opts.Sensitivity)
	v.Expected = expected
	v.Lower, v.Upper = expected-opts.Sensitivity*scale, expected+opts.Sensitivity*scale
	v.Score = (value - expected) / scale
	switch opts.Direction {
	case Above:
		v.Anomalous = v.Score > opts.Sensitivity
	case Below:
		v.Anomalous = v.Score < -opts.Sensitivity
	default:
		v.Anomalous = math.Abs(v.Score) > opts.Sensitivity
	}
	return v
}

// smallSampleWidening widens the band for a short history: the median and
// the MAD are themselves estimates, so a value from the same distribution
// falls outside median ± k·MAD more often than outside mean ± k·σ. The
// band is widened as a Student-t prediction interval is against a normal
// one (with n-1 degrees of freedom: the MAD's lower efficiency, about
// 37%, would widen it more than the 90-day benchmark's recall allows),
// and for the median's own variance (π/2n).
func smallSampleWidening(n int, k float64) float64 {
	df := madEfficiency * float64(n-1)
	if df < 1 {
		df = 1
	}
	z := k
	// Cornish–Fisher expansion of Student's t quantile at the normal's z.
	t := z + (z*z*z+z)/(4*df) + (5*math.Pow(z, 5)+16*z*z*z+3*z)/(96*df*df)
	return t / z * math.Sqrt(1+math.Pi/(2*float64(n)))
}

// madEfficiency scales the degrees of freedom of the widening.
const madEfficiency = 1.0

func absAll(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Abs(x)
	}
	return out
}

// PSI is the population stability index of current against baseline,
// both given as the share of values in the same buckets (each summing to
// 1). Empty buckets count as a small share so the index stays finite.
// Rules of thumb: below 0.1 no shift, 0.1–0.25 moderate, above 0.25 major.
func PSI(baseline, current []float64) float64 {
	const eps = 1e-4
	var psi float64
	for i := range baseline {
		b, c := math.Max(baseline[i], eps), math.Max(current[i], eps)
		psi += (c - b) * math.Log(c/b)
	}
	return psi
}

// PSISamples buckets both samples at the baseline's deciles and returns
// their PSI.
func PSISamples(baseline, current []float64) float64 {
	if len(baseline) == 0 || len(current) == 0 {
		return math.NaN()
	}
	b := append([]float64(nil), baseline...)
	sort.Float64s(b)
	var edges []float64
	for i := 1; i < 10; i++ {
		edges = append(edges, b[i*len(b)/10])
	}
	share := func(xs []float64) []float64 {
		out := make([]float64, len(edges)+1)
		for _, x := range xs {
			out[sort.SearchFloat64s(edges, x)]++
		}
		for i := range out {
			out[i] /= float64(len(xs))
		}
		return out
	}
	return PSI(share(baseline), share(current))
}

// KS is the two-sample Kolmogorov–Smirnov test: the largest distance D
// between the samples' empirical distribution functions, and the
// asymptotic p-value of so large a distance if they came from one
// distribution.
func KS(a, b []float64) (d, p float64) {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN(), math.NaN()
	}
	x := append([]float64(nil), a...)
	y := append([]float64(nil), b...)
	sort.Float64s(x)
	sort.Float64s(y)
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		v := math.Min(x[i], y[j])
		for i < len(x) && x[i] <= v {
			i++
		}
		for j < len(y) && y[j] <= v {
			j++
		}
		d = math.Max(d, math.Abs(float64(i)/float64(len(x))-float64(j)/float64(len(y))))
	}
	n := float64(len(x)) * float64(len(y)) / float64(len(x)+len(y))
	return d, kolmogorovQ((math.Sqrt(n) + 0.12 + 0.11/math.Sqrt(n)) * d)
}

// kolmogorovQ is the Kolmogorov distribution's survival function.
func kolmogorovQ(lambda float64) float64 {
	if lambda < 1e-3 {
		return 1
	}
	var sum float64
	for k := 1; k <= 100; k++ {
		term := 2 * math.Pow(-1, float64(k-1)) * math.Exp(-2*float64(k*k)*lambda*lambda)
		sum += term
		if math.Abs(term) < 1e-12 {
			break
		}
	}
	return math.Min(1, math.Max(0, sum))
}

// QuantileCDF is a distribution known only by some of its quantiles
// (levels in (0,1), increasing, with their values): its distribution
// function is interpolated linearly between them, which is what a profile
// offers for drift checks.
type QuantileCDF struct {
	Levels []float64
	Values []float64
}

// At is the interpolated share of values at or below x.
func (q QuantileCDF) At(x float64) float64 {
	n := len(q.Values)
	if n == 0 {
		return math.NaN()
	}
	// Beyond the outer quantiles the tails are extended linearly with the
	// slope of the nearest segment, so a slightly different p5 does not
	// make the 5% below it vanish.
	if x < q.Values[0] {
		if n < 2 || q.Values[1] == q.Values[0] {
			return 0
		}
		return math.Max(0, q.Levels[0]-(q.Values[0]-x)*(q.Levels[1]-q.Levels[0])/(q.Values[1]-q.Values[0]))
	}
	if x > q.Values[n-1] {
		if n < 2 || q.Values[n-1] == q.Values[n-2] {
			return 1
		}
		return math.Min(1, q.Levels[n-1]+(x-q.Values[n-1])*(q.Levels[n-1]-q.Levels[n-2])/(q.Values[n-1]-q.Values[n-2]))
	}
	i := sort.SearchFloat64s(q.Values, x)
	if q.Values[i] == x {
		for i+1 < n && q.Values[i+1] == x {
			i++
		}
		return q.Levels[i]
	}
	lo, hi := q.Values[i-1], q.Values[i]
	return q.Levels[i-1] + (x-lo)/(hi-lo)*(q.Levels[i]-q.Levels[i-1])
}

// DriftFromQuantiles compares two distributions known by quantiles: PSI
// over the baseline's quantile buckets and the KS distance between the
// interpolated distribution functions.
func DriftFromQuantiles(baseline, current QuantileCDF) (psi, ksD float64) {
	edges := baseline.Values
	prev := 0.0
	var b, c []float64
	prevC := 0.0
	for i, e := range edges {
		b = append(b, baseline.Levels[i]-prev)
		prev = baseline.Levels[i]
		fc := current.At(e)
		c = append(c, fc-prevC)
		prevC = fc
	}
	b = append(b, 1-prev)
	c = append(c, 1-prevC)
	psi = PSI(b, c)
	points := append(append([]float64(nil), baseline.Values...), current.Values...)
	for _, x := range points {
		ksD = math.Max(ksD, math.Abs(baseline.At(x)-current.At(x)))
	}
	return psi, ksD
}

// Trend is the direction of a series over time.
type Trend struct {
	Slope     float64 // Theil–Sen: the median of the pairwise slopes, per step
	Intercept float64
	S         int     // Mann–Kendall statistic
	Z         float64 // its normal score
	P         float64 // two-sided p-value of no trend
	N         int
	// Direction is "increasing", "decreasing" or "stable" (p >= alpha).
	Direction string
}

// TrendAlpha is the significance at which a trend is reported.
const TrendAlpha = 0.05

// TrendOf finds a monotonic trend in ys (equally spaced, oldest first):
// the Theil–Sen slope and the Mann–Kendall test of its significance, with
// the variance corrected for ties.
func TrendOf(ys []float64) Trend {
	n := len(ys)
	t := Trend{N: n, Direction: "stable", P: 1}
	if n < 3 {
		return t
	}
	var slopes []float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			slopes = append(slopes, (ys[j]-ys[i])/float64(j-i))
			switch {
			case ys[j] > ys[i]:
				t.S++
			case ys[j] < ys[i]:
				t.S--
			}
		}
	}
	t.Slope = Median(slopes)
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = ys[i] - t.Slope*float64(i)
	}
	t.Intercept = Median(xs)
	ties := map[float64]int{}
	for _, y := range ys {
		ties[y]++
	}
	nf := float64(n)
	variance := nf * (nf - 1) * (2*nf + 5)
	for _, k := range ties {
		kf := float64(k)
		variance -= kf * (kf - 1) * (2*kf + 5)
	}
	variance /= 18
	switch {
	case variance <= 0:
		return t
	case t.S > 0:
		t.Z = float64(t.S-1) / math.Sqrt(variance)
	case t.S < 0:
		t.Z = float64(t.S+1) / math.Sqrt(variance)
	}
	t.P = math.Erfc(math.Abs(t.Z) / math.Sqrt2)
	if t.P < TrendAlpha {
		if t.Slope > 0 || (t.Slope == 0 && t.S > 0) {
			t.Direction = "increasing"
		} else {
			t.Direction = "decreasing"
		}
	}
	return t
}
