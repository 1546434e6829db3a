package quality

import (
	"context"
	"fmt"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/history"
)

// Runner measures and judges checks, reading past values from the run
// history and recording the new ones.
type Runner struct {
	Adapter      adapters.Adapter
	Store        *history.Store // nil: judge thresholds only, record nothing
	InvocationID string
	Now          func() time.Time
}

// ResourceType is how check results are recorded among node results.
const ResourceType = "quality_check"

// Run measures each relation's checks in one query, judges them and
// records the values and outcomes. A relation that cannot be measured
// gives its checks the status "error" with the reason; history write
// failures are returned after every check ran, for the caller to warn.
func (r Runner) Run(ctx context.Context, checks []Check) ([]Result, error) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	byRel := map[adapters.Relation][]int{}
	var order []adapters.Relation
	for i, c := range checks {
		if _, seen := byRel[c.Relation]; !seen {
			order = append(order, c.Relation)
		}
		byRel[c.Relation] = append(byRel[c.Relation], i)
	}
	results := make([]Result, len(checks))
	var metrics []history.Metric
	var nodeResults []history.NodeResult
	var historyErr error
	for _, rel := range order {
		idx := byRel[rel]
		group := make([]Check, len(idx))
		for k, i := range idx {
			group[k] = checks[i]
		}
		started := now()
		values, err := Measure(ctx, r.Adapter, rel, group, started)
		for k, i := range idx {
			c := checks[i]
			if err != nil {
				results[i] = Result{Check: c, Status: "error", Message: err.Error(), Errored: true}
				continue
			}
			relName := r.Adapter.Dialect().RenderRelation(rel)
			if c.Metric == MetricDrift {
				var past [][]float64
				if r.Store != nil {
					past, err = r.pastQuantiles(ctx, c, started)
					if err != nil && historyErr == nil {
						historyErr = err
					}
					err = nil
				}
				results[i] = EvaluateDrift(c, values[k].Quantiles, past)
				for j, q := range values[k].Quantiles {
					q := q
					metrics = append(metrics, history.Metric{InvocationID: r.InvocationID, UniqueID: c.UniqueID, Relation: relName,
						Column: c.Column, Name: quantileMetric(quantileLevels[j].name), Value: &q, MeasuredAt: started})
				}
				continue
			}
			var past []history.Point
			if r.Store != nil && c.Anomaly != nil {
				past, err = r.Store.Series(ctx, history.SeriesQuery{UniqueID: c.UniqueID, Column: c.Column, Metric: c.Metric, Until: started, Limit: HistoryLimit})
				if err != nil && historyErr == nil {
					historyErr = err
				}
				err = nil
			}
			results[i] = Evaluate(c, values[k].Value, past, started)
			if values[k].Value != nil {
				metrics = append(metrics, history.Metric{InvocationID: r.InvocationID, UniqueID: c.UniqueID, Relation: relName,
					Column: c.Column, Name: c.Metric, Value: values[k].Value, MeasuredAt: started})
			}
		}
		ended := now()
		for _, i := range idx {
			results[i].StartedAt, results[i].EndedAt = started, ended
			res := results[i]
			nodeResults = append(nodeResults, history.NodeResult{InvocationID: r.InvocationID, UniqueID: res.Check.ID(), ResourceType: ResourceType,
				Status: res.Status, StartedAt: started, EndedAt: ended, ExecutionTime: ended.Sub(started).Seconds(), Message: res.Message})
		}
	}
	if r.Store != nil {
		if err := r.Store.RecordMetrics(ctx, metrics); err != nil && historyErr == nil {
			historyErr = err
		}
		if err := r.Store.RecordNodeResults(ctx, nodeResults); err != nil && historyErr == nil {
			historyErr = err
		}
	}
	if historyErr != nil {
		return results, fmt.Errorf("quality checks: run history: %w", historyErr)
	}
	return results, nil
}

// pastQuantiles reads a column's recorded quantiles, one slice per past run
// that recorded all of them, oldest first.
func (r Runner) pastQuantiles(ctx context.Context, c Check, until time.Time) ([][]float64, error) {
	byInv := map[string][]float64{}
	var order []string
	for j, q := range quantileLevels {
		pts, err := r.Store.Series(ctx, history.SeriesQuery{UniqueID: c.UniqueID, Column: c.Column, Metric: quantileMetric(q.name), Until: until, Limit: HistoryLimit})
		if err != nil {
			return nil, err
		}
		for _, p := range pts {
			v, ok := byInv[p.InvocationID]
			if !ok {
				if j > 0 {
					continue
				}
				v = make([]float64, len(quantileLevels))
				order = append(order, p.InvocationID)
			}
			v[j] = p.Value
			byInv[p.InvocationID] = v
		}
	}
	var out [][]float64
	for _, inv := range order {
		out = append(out, byInv[inv])
	}
	return out, nil
}
