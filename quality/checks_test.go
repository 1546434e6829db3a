package quality

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/history"
)

func TestChecksFor(t *testing.T) {
	rel := adapters.Relation{Database: "d", Schema: "main", Identifier: "orders"}
	cfg := map[string]any{
		"quality": map[string]any{
			"severity":  "error",
			"volume":    map[string]any{"anomaly": map[string]any{"sensitivity": 4, "seasonality": "weekly"}},
			"freshness": map[string]any{"column": "updated_at", "max": 3600},
			"null_rate": map[string]any{"email": map[string]any{"max": 0.05, "severity": "warn"}},
			"custom":    []any{map[string]any{"name": "revenue", "expression": "sum(amount)", "min": 0}},
		},
		"meta": map[string]any{"quality": map[string]any{"distinct_rate": map[string]any{"id": nil}}},
	}
	cols := []ColumnQuality{{Name: "status", Quality: map[string]any{"null_rate": nil}}}
	got := ChecksFor("model.shop.orders", "orders", rel, cfg, cols)
	var lines []string
	for _, c := range got {
		line := fmt.Sprintf("%s sev=%s", c.ID(), c.Severity)
		if c.Min != nil {
			line += fmt.Sprintf(" min=%v", *c.Min)
		}
		if c.Max != nil {
			line += fmt.Sprintf(" max=%v", *c.Max)
		}
		if c.Anomaly != nil {
			line += fmt.Sprintf(" anomaly=%v/%s/%s", c.Anomaly.Sensitivity, c.Anomaly.Seasonality, c.Anomaly.Direction)
		}
		lines = append(lines, line)
	}
	want := []string{
		"quality.model.shop.orders.row_count sev=error anomaly=4/weekly/both",
		"quality.model.shop.orders.freshness_lag_seconds sev=error max=3600",
		"quality.model.shop.orders.null_rate.email sev=warn max=0.05",
		"quality.model.shop.orders.custom:revenue sev=error min=0",
		"quality.model.shop.orders.distinct_rate.id sev=warn anomaly=0//both",
		"quality.model.shop.orders.null_rate.status sev=warn anomaly=0//above",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("checks:\nwant\n%s\ngot\n%s", strings.Join(want, "\n"), strings.Join(lines, "\n"))
	}
}

// TestChecksForSource: a source's freshness without a column reads its
// loaded_at_field as SQL; a column named in the check wins.
func TestChecksForSource(t *testing.T) {
	rel := adapters.Relation{Database: "d", Schema: "raw", Identifier: "events"}
	fresh := func(block map[string]any, loadedAt string) string {
		cs := ChecksForSource("source.shop.raw.events", "raw.events", rel, map[string]any{"quality": map[string]any{"freshness": block}}, nil, loadedAt)
		var out []string
		for _, c := range cs {
			out = append(out, fmt.Sprintf("%s column=%q expr=%q", c.Metric, c.Column, c.Expression))
		}
		return strings.Join(out, "; ")
	}
	for _, tc := range []struct {
		block    map[string]any
		loadedAt string
		want     string
	}{
		{map[string]any{"max": 3600}, "cast(_loaded as timestamp)", `freshness_lag_seconds column="cast(_loaded as timestamp)" expr="cast(_loaded as timestamp)"`},
		{map[string]any{"max": 3600, "column": "updated_at"}, "_loaded", `freshness_lag_seconds column="updated_at" expr=""`},
		{map[string]any{"max": 3600}, "", ``},
	} {
		if got := fresh(tc.block, tc.loadedAt); got != tc.want {
			t.Errorf("freshness %v with loaded_at_field %q:\nwant %s\ngot  %s", tc.block, tc.loadedAt, tc.want, got)
		}
	}
}

// TestRunChecksOverHistory builds a table day after day with a steady row
// count, then a day with a drop: the drop is an anomaly whose message gives
// the value, the band and the history; thresholds and custom metrics are
// judged on every run.
func TestRunChecksOverHistory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := openDuckDB(t, filepath.Join(dir, "w.duckdb"))
	st, err := history.Open(ctx, history.Config{Path: filepath.Join(dir, ".elt", "history.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rel := adapters.Relation{Database: "w", Schema: "main", Identifier: "orders"}
	checks := ChecksFor("model.shop.orders", "orders", rel, map[string]any{"quality": map[string]any{
		"severity":  "error",
		"volume":    map[string]any{},
		"freshness": map[string]any{"column": "updated_at", "max": 7200, "severity": "warn"},
		"null_rate": map[string]any{"email": map[string]any{"max": 0.2}},
		"custom":    []any{map[string]any{"name": "revenue", "expression": "sum(amount)", "anomaly": map[string]any{"direction": "below"}}},
	}}, nil)
	day0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	run := func(day, rows, nullEvery int) []Result {
		t.Helper()
		now := day0.AddDate(0, 0, day)
		err := a.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TABLE main.orders AS SELECT i AS id,
  CASE WHEN i %% %d = 0 THEN NULL ELSE 'u' || i || '@x.io' END AS email, 10.0 AS amount,
  TIMESTAMP '%s' - INTERVAL 30 MINUTE AS updated_at FROM range(%d) t(i)`, nullEvery, now.Format("2006-01-02 15:04:05"), rows))
		if err != nil {
			t.Fatal(err)
		}
		inv := fmt.Sprintf("inv-%02d", day)
		if err := st.RecordInvocation(ctx, history.Invocation{ID: inv, Command: "build", StartedAt: now, Status: "running"}); err != nil {
			t.Fatal(err)
		}
		res, err := Runner{Adapter: a, Store: st, InvocationID: inv, Now: func() time.Time { return now }}.Run(ctx, checks)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for day := range 10 {
		for _, r := range run(day, 1000+day%3*10, 20) {
			if r.Failed() {
				t.Fatalf("day %d: %s: %s", day, r.Check.Label(), r.Message)
			}
		}
	}
	res := run(10, 400, 3)
	byMetric := map[string]Result{}
	for _, r := range res {
		byMetric[r.Check.Metric] = r
	}
	vol := byMetric[MetricRowCount]
	if vol.Status != "error" || vol.Verdict == nil || !vol.Verdict.Anomalous ||
		!strings.Contains(vol.Message, "anomaly: row_count of orders is 400, expected 9") || !strings.Contains(vol.Message, "judged on 10 past runs") {
		t.Errorf("volume drop: got %s: %s", vol.Status, vol.Message)
	}
	if nr := byMetric[MetricNullRate]; nr.Status != "error" || !strings.Contains(nr.Message, "null_rate of orders.email is 33.50%, above the maximum 20.00%") {
		t.Errorf("null rate: got %s: %s", nr.Status, nr.Message)
	}
	if fr := byMetric[MetricFreshnessLag]; fr.Status != "pass" || *fr.Value != 1800 {
		t.Errorf("freshness: got %s %v: %s", fr.Status, fr.Value, fr.Message)
	}
	// A custom entry takes the block's severity.
	if rev := byMetric["custom:revenue"]; rev.Status != "error" || !strings.HasPrefix(rev.Message, "anomaly: revenue of orders is 4000, expected") {
		t.Errorf("custom revenue drop: got %s: %s", rev.Status, rev.Message)
	}
	// Values and outcomes are in the history.
	series, err := st.Series(ctx, history.SeriesQuery{UniqueID: "model.shop.orders", Metric: MetricRowCount})
	if err != nil || len(series) != 11 || series[10].Value != 400 {
		t.Fatalf("row_count series: %v %v", len(series), err)
	}
	nrs, _ := st.NodeResults(ctx, "inv-10")
	if len(nrs) != 4 || nrs[0].ResourceType != ResourceType {
		t.Fatalf("check results in history: %+v", nrs)
	}
}

// TestDriftCheck builds a table of a numeric column drawn from one
// distribution for 8 runs, then from a shifted one: the shift is drift.
func TestDriftCheck(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := openDuckDB(t, filepath.Join(dir, "w.duckdb"))
	st, err := history.Open(ctx, history.Config{Path: filepath.Join(dir, "h.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rel := adapters.Relation{Database: "w", Schema: "main", Identifier: "pay"}
	checks := ChecksFor("model.shop.pay", "pay", rel, nil, []ColumnQuality{{Name: "amount", Quality: map[string]any{"drift": map[string]any{"ks_max": 0.2}}}})
	if len(checks) != 1 || checks[0].Drift == nil || checks[0].Drift.PSIMax != 0.25 || checks[0].Drift.KSMax != 0.2 {
		t.Fatalf("drift check: %+v", checks)
	}
	day0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	run := func(day int, shift float64) Result {
		t.Helper()
		// A deterministic bell shape: the sum of three uniform-ish hashes.
		if err := a.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TABLE main.pay AS SELECT
  %g + ((hash(i + %d) %% 1000) + (hash(i * 7 + %d) %% 1000) + (hash(i * 13 + %d) %% 1000)) / 30.0 AS amount FROM range(5000) t(i)`, shift, day, day, day)); err != nil {
			t.Fatal(err)
		}
		inv := fmt.Sprintf("d%02d", day)
		st.RecordInvocation(ctx, history.Invocation{ID: inv, Command: "build", StartedAt: day0.AddDate(0, 0, day), Status: "running"})
		now := day0.AddDate(0, 0, day)
		res, err := Runner{Adapter: a, Store: st, InvocationID: inv, Now: func() time.Time { return now }}.Run(ctx, checks)
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	for day := range 8 {
		r := run(day, 0)
		if r.Failed() || (day >= 7) != (r.Value != nil) {
			t.Fatalf("day %d: %s %s", day, r.Status, r.Message)
		}
	}
	r := run(8, 20) // a shift of about 0.4 standard deviations
	if r.Status != "warn" || !strings.HasPrefix(r.Message, "drift: drift of pay.amount: PSI") || !strings.Contains(r.Message, "against the median quantiles of 8 past runs") {
		t.Fatalf("shifted: %s %s", r.Status, r.Message)
	}
}

// TestMeasurePostgres measures every kind of check on the real Postgres
// server and compares with values known from the generated table.
func TestMeasurePostgres(t *testing.T) {
	a, schema := openPostgres(t)
	ctx := context.Background()
	err := a.Exec(ctx, `CREATE TABLE `+schema+`.orders AS SELECT i AS id,
  CASE WHEN i % 4 = 0 THEN NULL ELSE 'u' || (i % 10) END AS email,
  i * 1.5 AS amount, TIMESTAMP '2026-03-01 10:00:00' AS updated_at
FROM generate_series(1, 100) AS t(i)`)
	if err != nil {
		t.Fatal(err)
	}
	rel := adapters.Relation{Database: pgDatabase(), Schema: schema, Identifier: "orders"}
	checks := ChecksFor("model.shop.orders", "orders", rel, map[string]any{"quality": map[string]any{
		"volume":        map[string]any{},
		"freshness":     map[string]any{"column": "updated_at"},
		"null_rate":     map[string]any{"email": map[string]any{}},
		"distinct_rate": map[string]any{"email": map[string]any{}},
		"custom":        []any{map[string]any{"name": "revenue", "expression": "sum(amount)"}},
	}}, []ColumnQuality{{Name: "amount", Quality: map[string]any{"drift": nil}}})
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	got, err := Measure(ctx, a, rel, checks, now)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{MetricRowCount: 100, MetricFreshnessLag: 7200, MetricNullRate: 0.25, MetricDistinctRate: 0.1, "custom:revenue": 7575}
	for i, c := range checks {
		if c.Metric == MetricDrift {
			// percentile_cont over 1.5, 3, ..., 150.
			if fmt.Sprint(got[i].Quantiles) != "[8.925 38.625 75.75 112.875 142.575]" {
				t.Errorf("drift quantiles: %v", got[i].Quantiles)
			}
			continue
		}
		if got[i].Value == nil || math.Abs(*got[i].Value-want[c.Metric]) > 1e-9 {
			t.Errorf("%s: want %v, got %v", c.Label(), want[c.Metric], deref(got[i].Value))
		}
	}
}

func pgDatabase() string {
	u, err := url.Parse(os.Getenv("ELT_TEST_POSTGRES_URL"))
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}
