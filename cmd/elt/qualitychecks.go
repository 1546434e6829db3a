package main

import (
	"context"
	"fmt"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/history"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/quality"
	"github.com/elt-dev/elt/runner"
)

// qualityChecks are the quality: checks of the nodes the run built.
func (s *session) qualityChecks(results []runner.Result) []quality.Check {
	var out []quality.Check
	for _, r := range results {
		n := r.Node
		if n == nil || r.Status != runner.Success || n.Relation.Identifier == "" {
			continue
		}
		switch n.ResourceType {
		case project.Model, project.Seed, project.Snapshot:
		default:
			continue
		}
		var cols []quality.ColumnQuality
		for _, c := range n.Columns {
			cols = append(cols, quality.ColumnQuality{Name: c.Name, Quality: c.Quality, Meta: c.Meta})
		}
		rel := adapters.Relation{Database: n.Relation.Database, Schema: n.Relation.Schema, Identifier: n.Relation.Identifier}
		out = append(out, quality.ChecksFor(n.UniqueID, n.Name, rel, n.Config, cols)...)
	}
	return out
}

// runQualityChecks measures and judges the built nodes' quality checks, as
// tests of the build: printed like them, an error failing the build. It
// returns the results and the exit code they call for.
func (s *session) runQualityChecks(ctx context.Context, st *history.Store, results []runner.Result) ([]quality.Result, int) {
	checks := s.qualityChecks(results)
	if len(checks) == 0 || ctx.Err() != nil {
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
