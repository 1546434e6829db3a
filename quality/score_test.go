package quality

import (
	"math"
	"strings"
	"testing"
)

func TestDimensionOfTest(t *testing.T) {
	for name, want := range map[string]string{
		"not_null": Completeness, "unique": Uniqueness, "accepted_values": Accuracy, "relationships": Accuracy,
		"accepted_range": Accuracy, "expect_column_values_to_match_regex": Accuracy, "unique_combination_of_columns": Uniqueness,
		"recency": Timeliness, "equal_rowcount": Consistency, "": Consistency,
	} {
		if got := DimensionOfTest(name); got != want {
			t.Errorf("%q: want %s, got %s", name, want, got)
		}
	}
}

func TestScores(t *testing.T) {
	outs := []Outcome{
		{"orders", Completeness, "pass"}, {"orders", Completeness, "fail"}, // 50
		{"orders", Uniqueness, "pass"},                             // 100
		{"orders", Accuracy, "warn"}, {"orders", Accuracy, "pass"}, // 75
		{"customers", Completeness, "pass"}, // 100
	}
	models, total := Scores(outs, "shop", ScoreOptions{})
	if len(models) != 2 || models[0].Subject != "customers" || models[0].Score != 100 {
		t.Fatalf("customers: %+v", models)
	}
	o := models[1]
	if o.Score != 75 || o.Dimensions[Completeness] != 50 || o.Dimensions[Accuracy] != 75 || o.Checks != 5 {
		t.Fatalf("orders: %+v", o)
	}
	if strings.Join(o.Breaches, "; ") != "completeness 50.0 < 90; accuracy 75.0 < 90" {
		t.Fatalf("breaches: %v", o.Breaches)
	}
	// Weights: completeness counts 3 times → (3·50 + 100 + 75) / 5 = 65.
	models, _ = Scores(outs, "shop", ScoreOptions{Weights: map[string]float64{Completeness: 3}, Thresholds: map[string]float64{Completeness: 40, Accuracy: 70}})
	if models[1].Score != 65 || len(models[1].Breaches) != 0 {
		t.Fatalf("weighted: %+v", models[1])
	}
	// Project: completeness 2/3, uniqueness 1, accuracy 0.75 → (66.67+75+100)/3
	if math.Abs(total.Score-80.6) > 0.05 || total.Subject != "shop" {
		t.Fatalf("project: %+v", total)
	}
	if _, err := ScoreOptionsFromVars(map[string]any{"quality_weights": map[string]any{"completness": 2}}); err == nil || !strings.Contains(err.Error(), `"completness" is not a dimension`) {
		t.Fatalf("typo in weights: %v", err)
	}
	opts, err := ScoreOptionsFromVars(map[string]any{"quality_weights": map[string]any{"timeliness": 2}, "quality_thresholds": map[string]any{"accuracy": 99.5}})
	if err != nil || opts.Weights[Timeliness] != 2 || opts.Thresholds[Accuracy] != 99.5 {
		t.Fatalf("vars: %+v %v", opts, err)
	}
}

func TestInsight(t *testing.T) {
	var nulls []float64
	for i := range 14 {
		nulls = append(nulls, 0.009+0.0021*float64(i))
	}
	in := InsightOf("orders.email", MetricNullRate, nulls)
	if in.Direction != "declining" || in.Text != "completeness of orders.email is declining: 99.10% → 96.37% over 14 runs" || in.Recommendation == "" {
		t.Fatalf("null rate rising: %+v", in)
	}
	in = InsightOf("orders", "quality_score", []float64{70, 72, 75, 79, 80, 84, 88})
	if in.Direction != "improving" {
		t.Fatalf("score rising: %+v", in)
	}
	if in := InsightOf("orders", MetricRowCount, []float64{100, 101, 99, 100, 102, 100}); in.Direction != "stable" || in.Text != "" {
		t.Fatalf("steady volume: %+v", in)
	}
	if got := Sparkline([]float64{1, 2, 3, 4, 5, 6, 7, 8}); got != "▁▂▃▄▅▆▇█" {
		t.Fatalf("sparkline: %q", got)
	}
	if got := Sparkline([]float64{5, 5, 5}); got != "▅▅▅" {
		t.Fatalf("flat sparkline: %q", got)
	}
}
