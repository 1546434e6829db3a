package quality

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestMedianMAD(t *testing.T) {
	for _, c := range []struct {
		xs       []float64
		med, mad float64
	}{
		{[]float64{1, 2, 3, 4, 100}, 3, 1 * madScale},
		{[]float64{4, 1, 3, 2}, 2.5, 1 * madScale},
		{[]float64{7, 7, 7}, 7, 0},
	} {
		if got := Median(c.xs); got != c.med {
			t.Errorf("Median(%v): want %v, got %v", c.xs, c.med, got)
		}
		if got := MAD(c.xs); math.Abs(got-c.mad) > 1e-12 {
			t.Errorf("MAD(%v): want %v, got %v", c.xs, c.mad, got)
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median of nothing: want NaN")
	}
}

func days(start time.Time, vals ...float64) []Observation {
	out := make([]Observation, len(vals))
	for i, v := range vals {
		out[i] = Observation{At: start.AddDate(0, 0, i), Value: v}
	}
	return out
}

func TestDetect(t *testing.T) {
	mon := time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC) // a Monday
	past := days(mon, 100, 102, 98, 101, 99, 100, 103, 97, 100, 101)
	// median 100, |dev| sorted 0,0,1,1,1,1,2,2,3,3 → median 1 → MAD 1.4826
	v := Detect(past, 110, mon.AddDate(0, 0, 10), AnomalyOptions{})
	// The band is widened for a history of 10 values.
	scale := madScale * smallSampleWidening(10, 3)
	if w := smallSampleWidening(10, 3); w < 1.2 || w > 1.6 {
		t.Errorf("widening for 10 values: %v", w)
	}
	if w := smallSampleWidening(1000, 3); w > 1.01 {
		t.Errorf("widening for 1000 values: %v", w)
	}
	if !v.Enough || !v.Anomalous || v.Expected != 100 || math.Abs(v.Score-10/scale) > 1e-9 || math.Abs(v.Upper-(100+3*scale)) > 1e-9 || v.History != 10 {
		t.Fatalf("110 against ~100: got %+v", v)
	}
	if v := Detect(past, 103, mon.AddDate(0, 0, 10), AnomalyOptions{}); v.Anomalous {
		t.Fatalf("103 is within 3 MADs of 100: got %+v", v)
	}
	if v := Detect(past, 103, mon.AddDate(0, 0, 10), AnomalyOptions{Sensitivity: 1.5}); !v.Anomalous {
		t.Fatalf("103 at sensitivity 1.5: got %+v", v)
	}
	if v := Detect(past, 80, mon.AddDate(0, 0, 10), AnomalyOptions{Direction: Above}); v.Anomalous {
		t.Fatalf("a drop with direction above: got %+v", v)
	}
	if v := Detect(past[:3], 500, mon, AnomalyOptions{}); v.Enough || v.Anomalous {
		t.Fatalf("3 values of history: want not enough, got %+v", v)
	}
	// A flat history: a change of 0.05% is not an anomaly, 1% is.
	flat := days(mon, 1000, 1000, 1000, 1000, 1000, 1000, 1000)
	if v := Detect(flat, 1000.5, mon, AnomalyOptions{}); v.Anomalous {
		t.Fatalf("flat history, tiny change: got %+v", v)
	}
	if v := Detect(flat, 1010, mon, AnomalyOptions{}); !v.Anomalous {
		t.Fatalf("flat history, 1%% change: got %+v", v)
	}
}

func TestDetectWeekly(t *testing.T) {
	mon := time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC)
	var vals []float64
	for i := range 28 {
		base := 1000.0
		if wd := mon.AddDate(0, 0, i).Weekday(); wd == time.Saturday || wd == time.Sunday {
			base = 400
		}
		vals = append(vals, base+float64(i%3)-1)
	}
	past := days(mon, vals...)
	sat := mon.AddDate(0, 0, 33) // a Saturday
	// 400 on a Saturday is normal with weekly seasonality, an anomaly without.
	if v := Detect(past, 400, sat, AnomalyOptions{Seasonality: SeasonalityWeekly}); v.Anomalous || !v.Seasonal || math.Abs(v.Expected-400) > 1 {
		t.Fatalf("weekly: got %+v", v)
	}
	if v := Detect(past, 400, sat, AnomalyOptions{}); !v.Anomalous {
		t.Fatalf("no seasonality: 400 against a median of 1000 must be anomalous: %+v", v)
	}
	// 1000 on a Saturday is an anomaly with weekly seasonality.
	if v := Detect(past, 1000, sat, AnomalyOptions{Seasonality: SeasonalityWeekly}); !v.Anomalous {
		t.Fatalf("weekly: a weekday's volume on a Saturday: got %+v", v)
	}
}

func TestPSIAndKS(t *testing.T) {
	if got := PSI([]float64{0.5, 0.5}, []float64{0.5, 0.5}); got != 0 {
		t.Errorf("PSI of equal shares: %v", got)
	}
	// (0.3-0.5)ln(0.3/0.5) + (0.7-0.5)ln(0.7/0.5)
	want := -0.2*math.Log(0.6) + 0.2*math.Log(1.4)
	if got := PSI([]float64{0.5, 0.5}, []float64{0.3, 0.7}); math.Abs(got-want) > 1e-12 {
		t.Errorf("PSI: want %v, got %v", want, got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var a, b, shifted []float64
	for range 2000 {
		a = append(a, r.NormFloat64())
		b = append(b, r.NormFloat64())
		shifted = append(shifted, r.NormFloat64()+0.5)
	}
	if psi := PSISamples(a, b); psi > 0.05 {
		t.Errorf("PSI of two samples of one distribution: %v", psi)
	}
	if psi := PSISamples(a, shifted); psi < 0.15 {
		t.Errorf("PSI of a half-sigma shift: %v", psi)
	}
	if d, p := KS(a, b); d > 0.06 || p < 0.01 {
		t.Errorf("KS of one distribution: D=%v p=%v", d, p)
	}
	// Φ(0.25) - Φ(-0.25) ≈ 0.197: the largest gap between N(0,1) and N(0.5,1).
	if d, p := KS(a, shifted); math.Abs(d-0.197) > 0.04 || p > 1e-10 {
		t.Errorf("KS of a half-sigma shift: D=%v p=%v", d, p)
	}
	// Disjoint samples: D = 1.
	if d, _ := KS([]float64{1, 2, 3}, []float64{4, 5, 6}); d != 1 {
		t.Errorf("KS of disjoint samples: %v", d)
	}
	levels := []float64{0.05, 0.25, 0.5, 0.75, 0.95}
	base := QuantileCDF{levels, []float64{-1.645, -0.674, 0, 0.674, 1.645}}
	same := QuantileCDF{levels, []float64{-1.645, -0.674, 0, 0.674, 1.645}}
	moved := QuantileCDF{levels, []float64{-1.145, -0.174, 0.5, 1.174, 2.145}}
	if psi, d := DriftFromQuantiles(base, same); psi != 0 || d != 0 {
		t.Errorf("drift of equal quantiles: psi %v d %v", psi, d)
	}
	if psi, d := DriftFromQuantiles(base, moved); psi < 0.1 || d < 0.15 || d > 0.25 {
		t.Errorf("drift of a half-sigma shift from quantiles: psi %v d %v", psi, d)
	}
}

func TestTrend(t *testing.T) {
	tr := TrendOf([]float64{1, 2, 3, 4, 5})
	// S = 10, Var = 5·4·15/18, Z = 9/sqrt(Var), p = erfc(Z/√2) ≈ 0.0275
	if tr.S != 10 || tr.Slope != 1 || tr.Direction != "increasing" || math.Abs(tr.P-0.0275) > 0.001 {
		t.Fatalf("1..5: got %+v", tr)
	}
	if tr := TrendOf([]float64{5, 5, 5, 5, 5, 5}); tr.Direction != "stable" || tr.Slope != 0 {
		t.Fatalf("flat: got %+v", tr)
	}
	r := rand.New(rand.NewPCG(3, 4))
	var noisy, down []float64
	for i := range 30 {
		noisy = append(noisy, 50+r.NormFloat64())
		down = append(down, 99.1-0.2*float64(i)+0.1*r.NormFloat64())
	}
	if tr := TrendOf(noisy); tr.Direction != "stable" {
		t.Fatalf("noise: got %+v", tr)
	}
	tr = TrendOf(down)
	if tr.Direction != "decreasing" || math.Abs(tr.Slope+0.2) > 0.02 || tr.P > 1e-6 {
		t.Fatalf("a decline of 0.2 a step: got %+v", tr)
	}
	// One outlier does not move the Theil–Sen slope much.
	down[10] = 500
	if tr := TrendOf(down); math.Abs(tr.Slope+0.2) > 0.03 {
		t.Fatalf("robust slope with an outlier: %+v", tr)
	}
}
