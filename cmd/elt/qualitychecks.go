package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/alerts"
	"github.com/elt-dev/elt/docs"
	"github.com/elt-dev/elt/graph"
	"github.com/elt-dev/elt/history"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/quality"
	"github.com/elt-dev/elt/runner"
)

// qualitySubjects are the nodes and sources whose quality: checks the
// command runs. elt build: the models, seeds and snapshots it built, and
// the selected sources. elt test: the selected models, seeds, snapshots
// and sources, as the data tests on them run (quality checks are tests of
// the relation they are declared on). --resource-type without test runs
// none.
func (s *session) qualitySubjects(command string, results []runner.Result) ([]string, error) {
	// They are tests: --resource-type without test leaves them out.
	if len(s.f.resourceTypes) > 0 && !slices.Contains(s.f.resourceTypes, "test") {
		return nil, nil
	}
	var out []string
	kinds := []string{"source"}
	if command == "test" {
		kinds = []string{"model", "seed", "snapshot", "source"}
	} else {
		for _, r := range results {
			n := r.Node
			if n == nil || r.Status != runner.Success {
				continue
			}
			switch n.ResourceType {
			case project.Model, project.Seed, project.Snapshot:
				out = append(out, n.UniqueID)
			}
		}
	}
	spec, err := s.selectorSpec()
	if err != nil {
		return nil, err
	}
	opts := graph.SelectOptions{Select: s.f.selectors, Exclude: s.f.excludes, ResourceTypes: kinds, Spec: spec}
	if s.stateMethods != nil {
		opts.State = s.stateMethods
	}
	// The selection was made, and its warnings printed, before the run.
	sel, err := s.graph.Select(opts)
	if err != nil {
		return nil, err
	}
	return append(out, sel.IDs...), nil
}

// qualityChecks are the quality: checks of the given nodes and sources.
func (s *session) qualityChecks(ids []string) []quality.Check {
	var out []quality.Check
	for _, id := range ids {
		if n, ok := s.manifest.Nodes[id]; ok {
			if n.Relation.Identifier == "" || configString(n.Config, "materialized") == "ephemeral" {
				continue
			}
			switch n.ResourceType {
			case project.Model, project.Seed, project.Snapshot:
			default:
				continue
			}
			rel := adapters.Relation{Database: n.Relation.Database, Schema: n.Relation.Schema, Identifier: n.Relation.Identifier}
			out = append(out, quality.ChecksFor(n.UniqueID, n.Name, rel, n.Config, columnQuality(n.Columns))...)
			continue
		}
		if src, ok := s.manifest.Sources[id]; ok {
			rel := adapters.Relation{Database: src.Database, Schema: src.Schema, Identifier: src.Identifier}
			// The source's config holds its meta: too.
			out = append(out, quality.ChecksForSource(src.UniqueID, src.SourceName+"."+src.Name, rel, src.Config, columnQuality(src.Columns), src.LoadedAtField)...)
		}
	}
	return out
}

func columnQuality(cols []*project.Column) []quality.ColumnQuality {
	var out []quality.ColumnQuality
	for _, c := range cols {
		out = append(out, quality.ColumnQuality{Name: c.Name, Quality: c.Quality, Meta: c.Meta})
	}
	return out
}

// runQualityChecks measures and judges the built nodes' quality checks, as
// tests of the build: printed like them, an error failing the build. It
// returns the results and the exit code they call for.
func (s *session) runQualityChecks(ctx context.Context, st *history.Store, command string, results []runner.Result) ([]quality.Result, int) {
	if ctx.Err() != nil {
		return nil, exitOK
	}
	ids, err := s.qualitySubjects(command, results)
	if err != nil {
		s.log.errorf("QualityChecksFailed", fmt.Sprintf("quality checks: %v", err), nil)
		return nil, exitFailed
	}
	checks := s.qualityChecks(ids)
	if len(checks) == 0 {
		return nil, exitOK
	}
	s.log.info("Formatting", "", nil)
	s.log.info("QualityChecksStart", fmt.Sprintf("Running %d quality %s", len(checks), plural(len(checks), "check", "checks")), map[string]any{"count": len(checks)})
	res, err := quality.Runner{Adapter: s.adapter, Store: st, InvocationID: s.invocationID}.Run(ctx, checks)
	if err != nil {
		s.log.warn("HistoryWriteFailed", fmt.Sprintf("run history: %v", err), nil)
	}
	var pass, warn, errs int
	for _, r := range res {
		data := map[string]any{"unique_id": r.Check.ID(), "node": r.Check.UniqueID, "metric": r.Check.Metric, "status": r.Status}
		if r.Value != nil {
			data["value"] = *r.Value
		}
		msg := s.env.secrets.Scrub(r.Message)
		switch r.Status {
		case "pass":
			pass++
			s.log.info("QualityCheckPass", s.log.paint(ansiGreen, "PASS")+" quality "+r.Check.Label()+": "+msg, data)
		case "warn":
			warn++
			s.log.warn("QualityCheckWarn", s.log.paint(ansiYellow, "WARN")+" quality "+r.Check.Label()+": "+msg, data)
		default:
			errs++
			s.log.errorf("QualityCheckError", s.log.paint(ansiRed, "ERROR")+" quality "+r.Check.Label()+": "+msg, data)
		}
	}
	s.log.info("QualityChecksDone", fmt.Sprintf("Quality checks: PASS=%d WARN=%d ERROR=%d", pass, warn, errs),
		map[string]any{"stats": map[string]int{"pass": pass, "warn": warn, "error": errs}})
	if errs > 0 {
		return res, exitFailed
	}
	return res, exitOK
}

// scoreOptions reads quality_weights and quality_thresholds from the vars
// (--vars first, then dbt_project.yml).
func (s *session) scoreOptions() (quality.ScoreOptions, error) {
	vars := map[string]any{}
	for k, v := range s.proj.Config.Vars {
		vars[k] = v
	}
	if cli, err := parseDictFlag("--vars", s.f.vars); err == nil {
		for k, v := range cli {
			vars[k] = v
		}
	}
	opts, err := quality.ScoreOptionsFromVars(vars)
	if err != nil {
		return opts, fmt.Errorf("dbt_project.yml vars: %w", err)
	}
	return opts, nil
}

// outcomes are the run's data tests and quality checks, each for the model
// it is about, for the quality scores.
func (s *session) outcomes(results []runner.Result, checks []quality.Result) []quality.Outcome {
	var out []quality.Outcome
	for _, r := range results {
		n := r.Node
		if n == nil || n.ResourceType != project.Test {
			continue
		}
		model := n.AttachedNode
		if model == "" {
			for _, d := range n.DependsOn.Nodes {
				if dn := s.manifest.Nodes[d]; dn != nil && dn.ResourceType != project.Test {
					model = d
					break
				}
			}
		}
		if model == "" {
			continue
		}
		name := ""
		if n.TestMetadata != nil {
			name = n.TestMetadata.Name
		}
		status := string(r.Status)
		if r.Status == runner.Skipped || r.Status == runner.Cancelled {
			continue
		}
		out = append(out, quality.Outcome{Model: model, Dimension: quality.DimensionOfTest(name), Status: status})
	}
	for _, c := range checks {
		out = append(out, quality.Outcome{Model: c.Check.UniqueID, Dimension: quality.DimensionOfMetric(c.Check.Metric), Status: c.Status})
	}
	return out
}

// MetricScore is the run-history metric of a quality score.
const MetricScore = quality.MetricScore

// scoreRun computes, prints and records the run's quality scores, and
// returns them as score_below alert events.
func (s *session) scoreRun(ctx context.Context, st *history.Store, outcomes []quality.Outcome, opts quality.ScoreOptions) []alerts.Event {
	if len(outcomes) == 0 {
		return nil
	}
	models, total := quality.Scores(outcomes, quality.ProjectSubject(s.proj.Config.Name), opts)
	now := time.Now().UTC()
	var metrics []history.Metric
	var events []alerts.Event
	add := func(sc quality.Score) {
		v := sc.Score
		metrics = append(metrics, history.Metric{InvocationID: s.invocationID, UniqueID: sc.Subject, Name: MetricScore, Value: &v, MeasuredAt: now})
		for d, x := range sc.Dimensions {
			x := x
			metrics = append(metrics, history.Metric{InvocationID: s.invocationID, UniqueID: sc.Subject, Name: MetricScore + "_" + d, Value: &x, MeasuredAt: now})
		}
		events = append(events, alerts.Event{Kind: alerts.ScoreBelow, Subject: sc.Subject, Value: &v, Message: fmt.Sprintf("quality score of %s is %.1f", sc.Subject, sc.Score)})
		for _, d := range quality.AllDimensions {
			if _, ok := sc.Dimensions[d]; !ok {
				continue
			}
			e := alerts.Event{Kind: alerts.ScoreBelow, Subject: sc.Subject + ":" + d}
			for _, b := range sc.Breaches {
				if strings.HasPrefix(b, d+" ") {
					e.Firing, e.Message = true, fmt.Sprintf("%s of %s is below its threshold: %s", d, sc.Subject, b)
				}
			}
			events = append(events, e)
		}
	}
	s.log.info("Formatting", "", nil)
	s.log.info("QualityScore", fmt.Sprintf("Quality score: %.1f for the project", total.Score), map[string]any{"score": total.Score, "dimensions": total.Dimensions})
	add(total)
	for _, m := range models {
		var dims []string
		for _, d := range quality.AllDimensions {
			if v, ok := m.Dimensions[d]; ok {
				dims = append(dims, fmt.Sprintf("%s %.1f", d, v))
			}
		}
		s.log.info("QualityScore", fmt.Sprintf("  %.1f %s (%s)", m.Score, m.Subject, strings.Join(dims, ", ")), map[string]any{"unique_id": m.Subject, "score": m.Score, "dimensions": m.Dimensions})
		for _, b := range m.Breaches {
			s.log.warn("QualityScoreBreach", fmt.Sprintf("  quality alert: %s of %s", b, m.Subject), map[string]any{"unique_id": m.Subject})
		}
		add(m)
	}
	if st != nil {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), historyWriteTimeout)
		defer cancel()
		if err := st.RecordMetrics(wctx, metrics); err != nil {
			s.log.warn("HistoryWriteFailed", fmt.Sprintf("run history: %v", err), nil)
		}
	}
	return events
}

// qualityRunResults are the checks' entries of run_results.json, shaped as
// dbt's test results: the check's ID as unique_id, pass, warn, fail or
// error, the message (value, band and history judged on), failures 1 for
// a failed check, and the measuring query's timing.
func (s *session) qualityRunResults(checks []quality.Result) []docs.NodeResult {
	out := make([]docs.NodeResult, 0, len(checks))
	for _, c := range checks {
		nr := docs.NodeResult{
			UniqueID:        c.Check.ID(),
			Status:          c.RunStatus(),
			Message:         s.env.secrets.Scrub(c.Message),
			ThreadID:        "MainThread",
			StartedAt:       c.StartedAt,
			CompletedAt:     c.EndedAt,
			ExecutionTime:   c.EndedAt.Sub(c.StartedAt),
			RelationName:    s.adapter.Dialect().RenderRelation(c.Check.Relation),
			AdapterResponse: map[string]any{},
		}
		if n := checkFailures(c); n != nil {
			f := int(*n)
			nr.Failures = &f
		}
		out = append(out, nr)
	}
	return out
}

// checkFailures is a check's failures count: 1 when it failed or warned,
// 0 when it passed, nil when it could not be measured.
func checkFailures(c quality.Result) *int {
	if c.Errored {
		return nil
	}
	n := 0
	if c.Status != "pass" {
		n = 1
	}
	return &n
}

// declaredIn is the properties file of a node or source, for reports; ""
// when unknown.
func (s *session) declaredIn(uniqueID string) string {
	if n, ok := s.manifest.Nodes[uniqueID]; ok {
		return n.PatchPath
	}
	if src, ok := s.manifest.Sources[uniqueID]; ok {
		return src.OriginalFilePath
	}
	return ""
}
