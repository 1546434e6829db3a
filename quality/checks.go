package quality

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/history"
)

// Check is one declared quality metric of a relation and how to judge it.
type Check struct {
	UniqueID   string // the node or source
	Name       string // the node's name, for messages
	Relation   adapters.Relation
	Metric     string // MetricRowCount, MetricFreshnessLag, MetricNullRate, MetricDistinctRate, or "custom:<name>"
	Column     string // null/distinct rate: the column; freshness: the timestamp column
	Expression string // custom metrics: an aggregate SQL expression over the relation; freshness: the loaded_at_field of a source, as SQL
	Min, Max   *float64
	Anomaly    *AnomalyOptions // nil: thresholds only
	Drift      *DriftOptions   // MetricDrift only
	Severity   string          // "warn" or "error"
}

// MetricDrift is the distribution-drift check of a numeric column: its
// quantiles against the median quantiles of its past runs.
const MetricDrift = "drift"

// DriftOptions are a drift check's limits.
type DriftOptions struct {
	PSIMax     float64 // default 0.25 (a major shift)
	KSMax      float64 // 0: not checked
	MinHistory int     // past runs needed; default 7
}

// quantileMetric names the run-history metric of one quantile (p5...).
func quantileMetric(name string) string { return "quantile_" + name }

// IDPrefix starts every check's ID, so that readers of run_results.json
// (elt retry, the scheduler) can tell check results from node results.
const IDPrefix = "quality."

// ID names the check's results in the run history, run_results.json and
// alerts: "quality.<unique id of the node or source>.<metric>[.<column>]".
func (c Check) ID() string {
	id := IDPrefix + c.UniqueID + "." + c.Metric
	if c.Column != "" && c.Metric != MetricFreshnessLag {
		id += "." + c.Column
	}
	return id
}

// Label is how the check reads in output: "null_rate of orders.email".
func (c Check) Label() string {
	subject := c.Name
	if c.Column != "" && c.Metric != MetricFreshnessLag {
		subject += "." + c.Column
	}
	return strings.TrimPrefix(c.Metric, "custom:") + " of " + subject
}

// ColumnQuality is a column's quality declarations.
type ColumnQuality struct {
	Name    string
	Quality map[string]any // the column's config: quality:
	Meta    map[string]any // the column's meta: (quality: under it counts too)
}

// ChecksFor reads the quality: blocks of a node (its final config, which
// holds meta:) and of its columns. The blocks were checked when the
// project was loaded; what does not fit is skipped here.
func ChecksFor(uniqueID, name string, rel adapters.Relation, config map[string]any, columns []ColumnQuality) []Check {
	return checksFor(uniqueID, name, rel, config, columns, "")
}

// ChecksForSource is ChecksFor for a source table: a freshness check that
// names no column reads the table's loaded_at_field, as dbt's source
// freshness does (max(<loaded_at_field>), the field taken as SQL).
func ChecksForSource(uniqueID, name string, rel adapters.Relation, config map[string]any, columns []ColumnQuality, loadedAtField string) []Check {
	return checksFor(uniqueID, name, rel, config, columns, loadedAtField)
}

func checksFor(uniqueID, name string, rel adapters.Relation, config map[string]any, columns []ColumnQuality, loadedAtField string) []Check {
	var blocks []map[string]any
	if q, ok := config["quality"].(map[string]any); ok {
		blocks = append(blocks, q)
	}
	if meta, ok := config["meta"].(map[string]any); ok {
		if q, ok := meta["quality"].(map[string]any); ok {
			blocks = append(blocks, q)
		}
	}
	base := Check{UniqueID: uniqueID, Name: name, Relation: rel}
	var out []Check
	for _, q := range blocks {
		sev := severityOf(q["severity"], "warn")
		add := func(metric, column string, v any, dir Direction) {
			c := base
			c.Metric, c.Column = metric, column
			if !fillCheck(&c, v, sev, dir) {
				return
			}
			out = append(out, c)
		}
		if v, ok := q["volume"]; ok {
			add(MetricRowCount, "", v, Both)
		}
		if v, ok := q["freshness"]; ok {
			col := ""
			if m, ok := v.(map[string]any); ok {
				col, _ = m["column"].(string)
			}
			switch {
			case col != "":
				add(MetricFreshnessLag, col, v, Above)
			case loadedAtField != "":
				c := base
				c.Metric, c.Column, c.Expression = MetricFreshnessLag, loadedAtField, loadedAtField
				if fillCheck(&c, v, sev, Above) {
					out = append(out, c)
				}
			}
		}
		for _, metric := range []string{MetricNullRate, MetricDistinctRate} {
			if m, ok := q[metric].(map[string]any); ok {
				for _, col := range sortedKeys(m) {
					add(metric, col, m[col], rateDirection(metric))
				}
			}
		}
		if list, ok := q["custom"].([]any); ok {
			for _, e := range list {
				m, _ := e.(map[string]any)
				n, _ := m["name"].(string)
				expr, _ := m["expression"].(string)
				if n == "" || expr == "" {
					continue
				}
				c := base
				c.Metric, c.Expression = "custom:"+n, expr
				if fillCheck(&c, m, sev, Both) {
					out = append(out, c)
				}
			}
		}
	}
	for _, col := range columns {
		var cblocks []map[string]any
		if col.Quality != nil {
			cblocks = append(cblocks, col.Quality)
		}
		if q, ok := col.Meta["quality"].(map[string]any); ok {
			cblocks = append(cblocks, q)
		}
		for _, q := range cblocks {
			sev := severityOf(q["severity"], "warn")
			for _, metric := range []string{MetricNullRate, MetricDistinctRate} {
				if v, ok := q[metric]; ok {
					c := base
					c.Metric, c.Column = metric, col.Name
					if fillCheck(&c, v, sev, rateDirection(metric)) {
						out = append(out, c)
					}
				}
			}
			if v, ok := q["drift"]; ok {
				m, _ := v.(map[string]any)
				c := base
				c.Metric, c.Column, c.Severity = MetricDrift, col.Name, severityOf(m["severity"], sev)
				c.Drift = &DriftOptions{PSIMax: 0.25, MinHistory: DefaultMinHistory}
				if f := number(m["psi_max"]); f != nil {
					c.Drift.PSIMax = *f
				}
				if f := number(m["ks_max"]); f != nil {
					c.Drift.KSMax = *f
				}
				if f := number(m["min_history"]); f != nil {
					c.Drift.MinHistory = int(*f)
				}
				out = append(out, c)
			}
		}
	}
	return out
}

// rateDirection: more nulls is the incident; distinct rates may go wrong
// either way (duplicates, or a key that stopped repeating).
func rateDirection(metric string) Direction {
	if metric == MetricNullRate {
		return Above
	}
	return Both
}

func severityOf(v any, def string) string {
	if s, ok := v.(string); ok && s != "" {
		return strings.ToLower(s)
	}
	return def
}

// fillCheck reads {min, max, anomaly, severity}; null or {} is anomaly
// detection with the defaults.
func fillCheck(c *Check, v any, sev string, dir Direction) bool {
	m, _ := v.(map[string]any)
	if v != nil && m == nil {
		return false
	}
	c.Severity = severityOf(m["severity"], sev)
	c.Min, c.Max = number(m["min"]), number(m["max"])
	a, hasAnomaly := m["anomaly"]
	if hasAnomaly || (c.Min == nil && c.Max == nil) {
		opts := AnomalyOptions{Direction: dir}
		if am, ok := a.(map[string]any); ok {
			if f := number(am["sensitivity"]); f != nil {
				opts.Sensitivity = *f
			}
			if f := number(am["min_history"]); f != nil {
				opts.MinHistory = int(*f)
			}
			if s, ok := am["seasonality"].(string); ok {
				opts.Seasonality = Seasonality(s)
			}
			if s, ok := am["direction"].(string); ok {
				opts.Direction = Direction(s)
			}
		}
		c.Anomaly = &opts
	}
	return true
}

func number(v any) *float64 {
	switch x := v.(type) {
	case float64:
		return &x
	case int:
		f := float64(x)
		return &f
	case int64:
		f := float64(x)
		return &f
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Measured is one check's measurement.
type Measured struct {
	Value     *float64  // nil where the metric has no value (an empty table's null rate)
	Quantiles []float64 // drift checks: p5, p25, p50, p75, p95
}

// Measure computes the checks' metrics of one relation in one query. The
// checks must all be on rel.
func Measure(ctx context.Context, a adapters.Adapter, rel adapters.Relation, checks []Check, now time.Time) ([]Measured, error) {
	d := a.Dialect()
	relName := d.RenderRelation(rel)
	typ := sqlDialect{typ: d.Type()}
	exprs := []string{"count(*)"}
	at := make([]int, len(checks))
	for i, c := range checks {
		at[i] = len(exprs)
		switch {
		case c.Metric == MetricRowCount:
			at[i] = 0
		case c.Metric == MetricFreshnessLag && c.Expression != "":
			exprs = append(exprs, "max("+c.Expression+")")
		case c.Metric == MetricFreshnessLag:
			exprs = append(exprs, "max("+d.Quote(c.Column)+")")
		case c.Metric == MetricNullRate:
			exprs = append(exprs, "count("+d.Quote(c.Column)+")")
		case c.Metric == MetricDistinctRate:
			exprs = append(exprs, "count(DISTINCT "+d.Quote(c.Column)+")")
		case c.Metric == MetricDrift:
			exprs = append(exprs, typ.quantiles(d.Quote(c.Column), d.Type() == "duckdb"))
		case strings.HasPrefix(c.Metric, "custom:"):
			exprs = append(exprs, typ.double("("+c.Expression+")"))
		default:
			return nil, fmt.Errorf("quality: unknown metric %q", c.Metric)
		}
	}
	for i := range exprs {
		exprs[i] += " AS q" + strconv.Itoa(i)
	}
	res, err := a.Query(ctx, "SELECT "+strings.Join(exprs, ", ")+" FROM "+relName)
	if err != nil {
		return nil, fmt.Errorf("quality metrics of %s: %w", relName, err)
	}
	if len(res.Rows) != 1 {
		return nil, fmt.Errorf("quality metrics of %s: got %d rows", relName, len(res.Rows))
	}
	row := res.Rows[0]
	rows, err := toInt(row[0])
	if err != nil {
		return nil, fmt.Errorf("quality metrics of %s: row count: %w", relName, err)
	}
	out := make([]Measured, len(checks))
	for i, c := range checks {
		v := row[at[i]]
		var f float64
		switch c.Metric {
		case MetricDrift:
			qs, err := parseNumberList(v)
			if err != nil {
				return nil, fmt.Errorf("quality %s: %w", c.Label(), err)
			}
			if len(qs) == len(quantileLevels) {
				out[i].Quantiles = qs
			}
			continue
		case MetricRowCount:
			f = float64(rows)
		case MetricFreshnessLag:
			t, ok := asTime(v)
			if !ok {
				continue
			}
			f = now.Sub(t).Seconds()
		case MetricNullRate, MetricDistinctRate:
			if rows == 0 {
				continue
			}
			n, err := toInt(v)
			if err != nil {
				return nil, fmt.Errorf("quality %s: %w", c.Label(), err)
			}
			if c.Metric == MetricNullRate {
				f = float64(rows-n) / float64(rows)
			} else {
				f = float64(n) / float64(rows)
			}
		default:
			if v == nil {
				continue
			}
			if f, err = toFloat(v); err != nil {
				return nil, fmt.Errorf("quality %s: %w", c.Label(), err)
			}
		}
		out[i].Value = &f
	}
	return out, nil
}

func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		// A timestamp without a time zone is taken as UTC, as elt writes them.
		return x, true
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// Result is a check's outcome.
type Result struct {
	Check   Check
	Value   *float64
	Status  string // "pass", "warn", "error"
	Message string
	Verdict *Verdict // anomaly checks with enough history
	// Errored says the metric could not be measured (the query failed),
	// as opposed to a measured value failing a check of severity error.
	Errored bool
	// StartedAt and EndedAt bound the query that measured the check (set
	// by Runner; one query measures all checks of a relation).
	StartedAt, EndedAt time.Time
}

// RunStatus is the result's status as dbt writes a test's in
// run_results.json: pass, warn, fail (a check of severity error failed)
// or error (the metric could not be measured).
func (r Result) RunStatus() string {
	switch {
	case r.Errored:
		return "error"
	case r.Status == "error":
		return "fail"
	case r.Status == "warn":
		return "warn"
	}
	return "pass"
}

// Failed says the check did not pass.
func (r Result) Failed() bool { return r.Status != "pass" }

// HistoryLimit is how many past values an anomaly check is judged on.
const HistoryLimit = 60

// Evaluate judges a measured value: against the fixed thresholds, and, for
// an anomaly check, against the past values (oldest first).
func Evaluate(c Check, value *float64, past []history.Point, at time.Time) Result {
	r := Result{Check: c, Value: value, Status: "pass"}
	fail := func(msg string) {
		if r.Failed() {
			r.Message += "; " + msg
		} else {
			r.Message = msg
		}
		r.Status = c.Severity
		if r.Status != "error" {
			r.Status = "warn"
		}
	}
	if value == nil {
		r.Message = c.Label() + " has no value (no rows)"
		return r
	}
	if c.Metric == MetricDrift {
		return r // judged by EvaluateDrift
	}
	v := *value
	r.Message = fmt.Sprintf("%s is %s", c.Label(), formatValue(c.Metric, v))
	if c.Min != nil && v < *c.Min {
		fail(fmt.Sprintf("%s is %s, below the minimum %s", c.Label(), formatValue(c.Metric, v), formatValue(c.Metric, *c.Min)))
	}
	if c.Max != nil && v > *c.Max {
		fail(fmt.Sprintf("%s is %s, above the maximum %s", c.Label(), formatValue(c.Metric, v), formatValue(c.Metric, *c.Max)))
	}
	if c.Anomaly != nil {
		obs := make([]Observation, len(past))
		for i, p := range past {
			obs[i] = Observation{At: p.At, Value: p.Value}
		}
		verdict := Detect(obs, v, at, *c.Anomaly)
		opts := c.Anomaly.withDefaults()
		if !verdict.Enough {
			if !r.Failed() {
				r.Message += fmt.Sprintf(" (not judged yet: %d of the %d past runs needed)", verdict.History, opts.MinHistory)
			}
			return r
		}
		r.Verdict = &verdict
		seasonal := ""
		if verdict.Seasonal {
			seasonal = " for a " + at.Weekday().String()
		}
		band := fmt.Sprintf("expected %s to %s%s (median %s, %.3g MADs) judged on %d past runs",
			formatValue(c.Metric, verdict.Lower), formatValue(c.Metric, verdict.Upper), seasonal, formatValue(c.Metric, verdict.Expected), opts.Sensitivity, verdict.History)
		if verdict.Anomalous {
			fail(fmt.Sprintf("anomaly: %s is %s, %s; %.1f MADs from the median", c.Label(), formatValue(c.Metric, v), band, math.Abs(verdict.Score)))
		} else if !r.Failed() {
			r.Message += ", " + band
		}
	}
	return r
}

func formatValue(metric string, v float64) string {
	switch metric {
	case MetricNullRate, MetricDistinctRate:
		return strconv.FormatFloat(100*v, 'f', 2, 64) + "%"
	case MetricFreshnessLag:
		return (time.Duration(v * float64(time.Second))).Round(time.Second).String()
	case MetricRowCount:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// EvaluateDrift judges a column's quantiles against the median quantiles
// of its past runs (each oldest first, one slice per run): PSI over the
// baseline's quantile buckets, and the largest distance between the two
// distribution functions (KS).
func EvaluateDrift(c Check, current []float64, past [][]float64) Result {
	r := Result{Check: c, Status: "pass"}
	opts := *c.Drift
	if current == nil {
		r.Message = c.Label() + " has no values"
		return r
	}
	if len(past) < opts.MinHistory {
		r.Message = fmt.Sprintf("%s: not judged yet: %d of the %d past runs needed", c.Label(), len(past), opts.MinHistory)
		return r
	}
	base := make([]float64, len(quantileLevels))
	for j := range quantileLevels {
		col := make([]float64, len(past))
		for i, p := range past {
			col[i] = p[j]
		}
		base[j] = Median(col)
	}
	levels := make([]float64, len(quantileLevels))
	for j, q := range quantileLevels {
		levels[j] = q.level
	}
	psi, ks := DriftFromQuantiles(QuantileCDF{levels, base}, QuantileCDF{levels, current})
	r.Value = &psi
	r.Message = fmt.Sprintf("%s: PSI %.3f, KS %.3f against the median quantiles of %d past runs (p50 %s, was %s)",
		c.Label(), psi, ks, len(past), strconv.FormatFloat(current[2], 'g', 6, 64), strconv.FormatFloat(base[2], 'g', 6, 64))
	var over []string
	if psi > opts.PSIMax {
		over = append(over, fmt.Sprintf("PSI above %.3g", opts.PSIMax))
	}
	if opts.KSMax > 0 && ks > opts.KSMax {
		over = append(over, fmt.Sprintf("KS above %.3g", opts.KSMax))
	}
	if len(over) > 0 {
		r.Status = c.Severity
		if r.Status != "error" {
			r.Status = "warn"
		}
		r.Message = "drift: " + r.Message + ": " + strings.Join(over, ", ")
	}
	return r
}
