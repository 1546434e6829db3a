package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/elt-dev/elt/history"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/runner"
	"github.com/elt-dev/elt/schedule"
)

// historyKey is the profile target key of the run-history block; adapters
// never see it.
const historyKey = "history"

// historyConfig reads the target's history block and the environment.
// enabled is false when history is off (--no-history, ELT_NO_HISTORY,
// enabled: false). A bad block is a positioned profiles.yml error.
func historyConfig(p *project.Project, t *project.Target, lookupEnv func(string) (string, bool)) (history.Config, bool, error) {
	var block map[string]any
	if t != nil {
		if v, ok := t.Fields[historyKey]; ok {
			m, ok := v.(map[string]any)
			if !ok {
				return history.Config{}, false, diag.List{diag.Errorf(t.File, t.KeyPos[historyKey],
					"write it as a mapping, e.g. history: {path: "+history.DefaultPath+"} or history: {url: postgres://...}",
					"target %q: history must be a mapping", t.Name)}.Err()
			}
			block = m
		}
	}
	cfg, enabled, err := history.Resolve(p.Root, block, lookupEnv)
	var fe *history.FieldError
	if errors.As(err, &fe) {
		pos := t.KeyPos[historyKey+"."+fe.Field]
		if pos.Line == 0 {
			pos = t.KeyPos[historyKey]
		}
		return cfg, false, diag.List{diag.Errorf(t.File, pos, fe.Hint, "target %q: %s", t.Name, fe.Error())}.Err()
	}
	return cfg, enabled, err
}

// withoutHistory is the target's fields as the adapter reads them.
func withoutHistory(fields map[string]any) map[string]any {
	if _, ok := fields[historyKey]; !ok {
		return fields
	}
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		if k != historyKey {
			out[k] = v
		}
	}
	return out
}

// historyOpenTimeout bounds connecting to a shared history server: a
// history that cannot be reached must not hold up a build.
const historyOpenTimeout = 15 * time.Second

// openHistory opens the run history, or returns nil after a warning: a
// history that cannot be written never fails a command.
func (s *session) openHistory(ctx context.Context) *history.Store {
	if s.f.noHistory {
		return nil
	}
	cfg, enabled, err := historyConfig(s.proj, s.proj.Target, s.env.lookupEnv)
	if err != nil {
		s.log.warn("HistoryDisabled", fmt.Sprintf("run history is off for this run: %v", err), nil)
		return nil
	}
	if !enabled {
		return nil
	}
	if u, err := url.Parse(cfg.URL); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			s.env.secrets.Add(pw)
		}
	}
	octx, cancel := context.WithTimeout(ctx, historyOpenTimeout)
	defer cancel()
	st, err := history.Open(octx, cfg)
	if err != nil {
		s.log.warn("HistoryUnavailable", fmt.Sprintf("run history is not recorded for this run: %v (turn it off with --no-history or %s=1)", err, history.EnvDisable), nil)
		return nil
	}
	return st
}

func (s *session) invocation(command, status string, ended time.Time) history.Invocation {
	target := ""
	if s.proj.Target != nil {
		target = s.proj.Target.Name
	}
	// A scheduled job's command records the job run it ran for, which is
	// how the scheduler finds its nodes.
	var jobRun int64
	if v, ok := s.env.lookupEnv(schedule.EnvJobRunID); ok {
		jobRun, _ = strconv.ParseInt(v, 10, 64)
	}
	return history.Invocation{
		ID: s.invocationID, Command: command, StartedAt: s.startedAt, EndedAt: ended, Status: status,
		EltVersion: version, Project: s.proj.Config.Name, Target: target, JobRunID: jobRun,
		Args: map[string]any{"select": s.f.selectors, "exclude": s.f.excludes, "full_refresh": s.f.fullRefresh, "fail_fast": s.f.failFast},
	}
}

// historyWriteTimeout bounds each write at the end of a run, which goes
// ahead even when the run was cancelled.
const historyWriteTimeout = 30 * time.Second

// recordStart notes that the invocation is running, so a run that dies
// shows as never finished.
func (s *session) recordStart(ctx context.Context, st *history.Store, command string) {
	if st == nil {
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), historyWriteTimeout)
	defer cancel()
	if err := st.RecordInvocation(wctx, s.invocation(command, "running", time.Time{})); err != nil {
		s.log.warn("HistoryWriteFailed", fmt.Sprintf("run history: %v", err), nil)
	}
}

// recordEnd records the node results and the invocation's outcome.
func (s *session) recordEnd(ctx context.Context, st *history.Store, command string, results []runner.Result, code int) {
	if st == nil {
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), historyWriteTimeout)
	defer cancel()
	out := make([]history.NodeResult, 0, len(results))
	for _, r := range results {
		nr := history.NodeResult{
			InvocationID: s.invocationID, UniqueID: r.UniqueID, Status: string(r.Status),
			StartedAt: r.StartedAt, EndedAt: r.CompletedAt, ExecutionTime: r.Duration().Seconds(),
			Failures: r.Failures, Message: s.env.secrets.Scrub(r.Message),
		}
		if r.Node != nil {
			nr.ResourceType = string(r.Node.ResourceType)
		}
		if r.RowsAffected != 0 || r.AdapterMsg != "" {
			ra := r.RowsAffected
			nr.RowsAffected = &ra
		}
		out = append(out, nr)
	}
	status := "success"
	switch {
	case ctx.Err() != nil:
		status = "cancelled"
	case code != exitOK:
		status = "error"
	}
	if err := st.RecordNodeResults(wctx, out); err != nil {
		s.log.warn("HistoryWriteFailed", fmt.Sprintf("run history: %v", err), nil)
	}
	if err := st.RecordInvocation(wctx, s.invocation(command, status, time.Now().UTC())); err != nil {
		s.log.warn("HistoryWriteFailed", fmt.Sprintf("run history: %v", err), nil)
	}
}
