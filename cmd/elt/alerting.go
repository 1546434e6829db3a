package main

import (
	"context"
	"fmt"
	"time"

	"github.com/elt-dev/elt/alerts"
	"github.com/elt-dev/elt/history"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/quality"
	"github.com/elt-dev/elt/runner"
)

// loadAlerts reads alerts.yml: a broken file is a project error, reported
// before any work starts.
func (s *session) loadAlerts() (*alerts.Config, error) {
	cfg, err := alerts.Load(s.proj.Root, s.env.lookupEnv)
	if err != nil {
		return nil, usageErr(err)
	}
	for _, ch := range cfg.Channels {
		for _, v := range ch.Headers {
			s.env.secrets.Add(v)
		}
	}
	return cfg, nil
}

// testEvents are the run's data and unit test outcomes, for test_failure rules.
func testEvents(results []runner.Result) []alerts.Event {
	var out []alerts.Event
	for _, r := range results {
		if r.Node == nil || (r.Node.ResourceType != project.Test && r.Node.ResourceType != project.UnitTestType) {
			continue
		}
		switch r.Status {
		case runner.Fail, runner.Error:
			out = append(out, alerts.Event{Kind: alerts.TestFailure, Subject: r.UniqueID, Firing: true, Message: r.Message})
		case runner.Pass, runner.Success, runner.Warn:
			out = append(out, alerts.Event{Kind: alerts.TestFailure, Subject: r.UniqueID})
		}
	}
	return out
}

// checkEvents are the quality checks' outcomes, for anomaly rules.
func checkEvents(results []quality.Result) []alerts.Event {
	var out []alerts.Event
	for _, r := range results {
		out = append(out, alerts.Event{Kind: alerts.Anomaly, Subject: r.Check.ID(), Firing: r.Failed(), Message: r.Message})
	}
	return out
}

// freshnessEvents are source freshness outcomes, for stale_source rules.
func freshnessEvents(results []runner.FreshnessResult) []alerts.Event {
	var out []alerts.Event
	for _, r := range results {
		e := alerts.Event{Kind: alerts.StaleSource, Subject: r.Source.UniqueID}
		switch r.Status {
		case runner.FreshnessPass:
		case runner.FreshnessRuntimeError:
			continue // not known to be stale
		default:
			e.Firing = true
			e.Message = fmt.Sprintf("%s.%s was last loaded %s ago (%s)", r.Source.SourceName, r.Source.Name, time.Duration(r.Age*float64(time.Second)).Round(time.Second), r.Status)
		}
		out = append(out, e)
	}
	return out
}

// sendAlerts notifies the alert rules' channels; failures are warnings.
func (s *session) sendAlerts(ctx context.Context, cfg *alerts.Config, st *history.Store, events []alerts.Event) {
	if cfg == nil || len(cfg.Rules) == 0 || len(events) == 0 {
		return
	}
	if st == nil {
		s.log.warn("AlertsOff", "alerts.yml has rules, but alerts need the run history to know what was already announced; it is off or unavailable", nil)
		return
	}
	n := alerts.Notifier{Config: cfg, Store: st, Project: s.proj.Config.Name, InvocationID: s.invocationID, Dir: s.proj.Root}
	sent, err := n.Process(context.WithoutCancel(ctx), events)
	for _, note := range sent {
		s.log.info("AlertSent", fmt.Sprintf("Sent %s %s: %s", note.Rule, note.Type, note.Subject), map[string]any{"rule": note.Rule, "type": note.Type, "subject": note.Subject})
	}
	if err != nil {
		s.log.warn("AlertFailed", s.env.secrets.Scrub(fmt.Sprintf("alerts: %v", err)), nil)
	}
}
