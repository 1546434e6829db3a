package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/docs"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/runner"
)

func newSourceCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	c := &cobra.Command{
		Use:   "source",
		Short: "Commands about sources: source freshness",
		Args:  cobra.NoArgs,
	}
	var output string
	fresh := &cobra.Command{
		Use: "freshness",
		// dbt keeps snapshot-freshness, its old name, as a hidden copy.
		Aliases: []string{"snapshot-freshness"},
		Short:   "Check how recently each source with a freshness rule was loaded and write target/sources.json",
		Long: "For each selected source table with freshness (warn_after or error_after), find its newest\n" +
			"load time (max(loaded_at_field), with the freshness filter, or what loaded_at_query returns),\n" +
			"compare its age with the thresholds and write the results to target/sources.json (dbt's\n" +
			"sources v3). Exits 1 when a source is past error_after or its freshness cannot be found.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return freshnessCommand(cmd.Context(), f, env, stdout, output)
		},
	}
	fresh.Flags().StringArrayVarP(&f.selectors, "select", "s", nil, "sources to check (dbt selection syntax, e.g. source:raw)")
	addModelsFlags(fresh.Flags(), &f.selectors)
	addDeferFlags(fresh.Flags(), f) // --state for source_status:; nothing to defer
	fresh.Flags().StringArrayVar(&f.excludes, "exclude", nil, "sources to leave out")
	fresh.Flags().StringVarP(&output, "output", "o", "", "where to write the results (default: <target-path>/sources.json)")
	fresh.Flags().IntVar(&f.threads, "threads", 0, "sources checked at once (default: the profile's threads)")
	c.AddCommand(fresh)
	return c
}

func freshnessCommand(ctx context.Context, f *flags, env environment, stdout io.Writer, output string) error {
	started := time.Now()
	s, err := load(ctx, f, env, stdout, true)
	if err != nil {
		return err
	}
	defer s.close()
	s.logVersion()
	s.logFoundStats()
	// As dbt's source freshness (@requires.manifest, write=True): the
	// parsed manifest is written before anything runs.
	if err := s.writeManifest(); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	selected, err := s.selectIDs(ctx, []string{"source"})
	if err != nil {
		return err
	}
	var ids []string
	for _, id := range selected {
		if src := s.manifest.Sources[id]; src != nil && src.HasFreshness() {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		// As dbt's: its warning, and a sources.json of no results.
		s.log.warn("NothingToDo", "Nothing to do. Try checking your model configs and model specification args", nil)
		s.log.info("NothingToDoDetail", "(no selected source has a freshness rule: warn_after or error_after with count and period)", nil)
		if err := s.writeSources(output, []docs.FreshnessResult{}, time.Since(started)); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		return nil
	}
	alertCfg, err := s.loadAlerts()
	if err != nil {
		return err
	}
	if err := s.connect(ctx); err != nil {
		return err
	}
	threads := s.threads()
	s.logConcurrency(threads, len(ids))
	// dbt's source_freshness_run_project_hooks (default true): the
	// project's on-run-start and on-run-end hooks run around the checks.
	runHooks, set := s.proj.Config.FlagBool("source_freshness_run_project_hooks")
	runHooks = runHooks || !set
	hooksRun := 0 // project hooks run, for the stat line
	if runHooks {
		n, err := s.freshnessHooks(ctx, "on-run-start", nil)
		if err != nil {
			return err
		}
		hooksRun += n
	}
	results := runner.CheckFreshness(ctx, s.adapter, s.manifest, ids, runner.FreshnessOptions{
		Threads: threads,
		OnStart: func(i, total int, src *project.SourceTable) {
			s.log.info("LogStartLine", dots(fmt.Sprintf("%d of %d START freshness of %s.%s", i+1, total, src.SourceName, src.Name), "[RUN]", s.log.width),
				map[string]any{"unique_id": src.UniqueID})
		},
		OnResult: func(i, total int, r runner.FreshnessResult) { s.printFreshness(i, total, r) },
	})
	if runHooks {
		n, err := s.freshnessHooks(ctx, "on-run-end", results)
		if err != nil {
			return err
		}
		hooksRun += n
	}
	elapsed := time.Since(started)
	if len(alertCfg.Rules) > 0 {
		if hist := s.openHistory(ctx); hist != nil {
			s.sendAlerts(ctx, alertCfg, hist, freshnessEvents(results))
			hist.Close()
		} else {
			s.sendAlerts(ctx, alertCfg, nil, freshnessEvents(results))
		}
	}

	out := make([]docs.FreshnessResult, len(results))
	code := exitOK
	for i, r := range results {
		out[i] = docs.FreshnessResult{
			UniqueID: r.Source.UniqueID, Status: string(r.Status), Error: s.env.secrets.Scrub(r.Error),
			MaxLoadedAt: r.MaxLoadedAt, SnapshottedAt: r.SnapshottedAt, Age: r.Age, Criteria: r.Source.Freshness,
			StartedAt: r.StartedAt, CompletedAt: r.CompletedAt, ThreadID: r.ThreadID, AdapterResponse: r.Response,
		}
		if r.Status == runner.FreshnessError || r.Status == runner.FreshnessRuntimeError {
			code = exitFailed
		}
	}
	if err := s.writeSources(output, out, elapsed); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	s.log.info("Formatting", "", nil)
	// As dbt's freshness task, a RunTask: the stat line counts the
	// project hooks it ran beside the sources.
	stat := fmt.Sprintf("%d %s", len(results), plural(len(results), "source", "sources"))
	if hooksRun > 0 {
		stat = statCount("project hook", hooksRun) + ", " + stat
	}
	s.logFinishedRunning(stat, elapsed)
	// As dbt's freshness task_end_messages: each source in error, then Done.
	for _, r := range results {
		if r.Status != runner.FreshnessError && r.Status != runner.FreshnessRuntimeError {
			continue
		}
		s.log.info("Formatting", "", nil)
		data := map[string]any{"unique_id": r.Source.UniqueID}
		s.log.errorf("RunResultFailure", fmt.Sprintf("Failure in source %s (%s)", r.Source.Name, r.Source.OriginalFilePath), data)
		if msg := s.env.secrets.Scrub(r.Error); msg != "" {
			s.log.errorf("RunResultError", "  "+strings.ReplaceAll(msg, "\n", "\n  "), data)
		} else {
			s.log.errorf("RunResultErrorNoMessage", "  Status: "+string(r.Status), data)
		}
	}
	s.log.info("Formatting", "", nil)
	s.log.info("FreshnessDone", "Done.", nil)
	if ctx.Err() != nil {
		return &exitError{code: cancelledExit(ctx)}
	}
	if code != exitOK {
		return &exitError{code: code}
	}
	return nil
}

// warnFreshnessWithoutField warns, as dbt 1.10 does when it parses the
// project, about each source table with a freshness rule but neither
// loaded_at_field nor loaded_at_query on a warehouse without metadata
// freshness (DuckDB, Postgres), so its freshness check will fail.
func (s *session) warnFreshnessWithoutField() {
	switch s.dialect.Type() {
	case "snowflake", "bigquery":
		return // they read the last modification time from metadata
	}
	for _, id := range sortedKeys(s.manifest.Sources) {
		src := s.manifest.Sources[id]
		if !src.HasFreshness() || src.LoadedAtField != "" || src.LoadedAtQuery != "" {
			continue
		}
		d := diag.Warnf(src.OriginalFilePath, src.Pos, "set loaded_at_field (a timestamp column) or loaded_at_query on the table or its source",
			"The configured adapter does not support metadata-based freshness. A loaded_at_field must be specified for source '%s.%s'.", src.SourceName, src.Name)
		s.log.warn("FreshnessConfigProblem", d.Error(), map[string]any{"unique_id": id})
	}
}

// printFreshness prints one source's result line as dbt does: PASS,
// WARN, ERROR STALE (past error_after) or ERROR (no answer).
func (s *session) printFreshness(i, total int, r runner.FreshnessResult) {
	prefix := fmt.Sprintf("%d of %d ", i+1, total)
	name := r.Source.SourceName + "." + r.Source.Name
	secs := fmt.Sprintf("%.2fs", r.CompletedAt.Sub(r.StartedAt).Seconds())
	var level, word, color string
	switch r.Status {
	case runner.FreshnessPass:
		level, word, color = "info", "PASS", ansiGreen
	case runner.FreshnessWarn:
		level, word, color = "warn", "WARN", ansiYellow
	case runner.FreshnessError:
		level, word, color = "error", "ERROR STALE", ansiRed
	default:
		level, word, color = "error", "ERROR", ansiRed
	}
	right := "[" + s.log.paint(color, word) + " in " + secs + "]"
	data := map[string]any{"unique_id": r.Source.UniqueID, "status": string(r.Status)}
	if r.Status != runner.FreshnessRuntimeError {
		data["max_loaded_at"] = r.MaxLoadedAt.Format(time.RFC3339)
		data["max_loaded_at_time_ago_in_s"] = r.Age
	}
	s.log.event(level, "LogFreshnessResult", dots(prefix+word+" freshness of "+name, right, s.log.width), data)
	if r.Error != "" {
		s.log.event(level, "RunResultError", "  "+s.env.secrets.Scrub(r.Error), map[string]any{"unique_id": r.Source.UniqueID})
	}
}

// writeSources writes sources.json: to --output when given (relative to
// the working directory, as dbt's flag), else into the target path.
func (s *session) writeSources(output string, results []docs.FreshnessResult, elapsed time.Duration) error {
	if !s.writeJSON() {
		return nil
	}
	if output == "" {
		dir, err := s.targetFS()
		if err != nil {
			return err
		}
		return docs.WriteSources(dir, "sources.json", s.meta(), results, elapsed)
	}
	path := output
	if !filepath.IsAbs(path) {
		path = filepath.Join(s.env.workDir, path)
	}
	dir, err := targetfs.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	if strings.TrimSpace(filepath.Base(path)) == "" {
		return fmt.Errorf("--output %q names no file", output)
	}
	return docs.WriteSources(dir, filepath.Base(path), s.meta(), results, elapsed)
}

// freshnessHooks runs the project's on-run-start or on-run-end hooks
// around the checks, with their lines; a hook that fails fails the
// command (sources.json has no entries for hooks). It returns how many
// hooks ran.
func (s *session) freshnessHooks(ctx context.Context, which string, results []runner.FreshnessResult) (int, error) {
	extra := map[string]any{}
	if which == "on-run-end" {
		extra = s.freshnessRunEndContext(results)
	}
	hooks, err := s.projectHooksWith(ctx, which, extra)
	if err == nil {
		err = failedHook(hooks)
	}
	if err != nil {
		return len(hooks), &exitError{code: exitFailed, err: err}
	}
	return len(hooks), nil
}

// freshnessRunEndContext is on-run-end's context after source freshness,
// as dbt's freshness task gives it: results are its
// SourceFreshnessResult objects (node, status, max_loaded_at,
// snapshotted_at, age, timing, ...; message for a runtime error), with
// to_dict(); schemas are empty, as no relation was built.
func (s *session) freshnessRunEndContext(results []runner.FreshnessResult) map[string]any {
	rs := make([]any, 0, len(results))
	for _, r := range results {
		timing := []any{}
		if !r.StartedAt.IsZero() {
			timing = append(timing, compiler.ObjectValue(map[string]any{"name": "execute",
				"started_at": compiler.TimeValue(r.StartedAt), "completed_at": compiler.TimeValue(r.CompletedAt)}))
		}
		response := r.Response
		if response == nil {
			response = map[string]any{}
		}
		fields := map[string]any{
			"status": string(r.Status), "execution_time": max(r.CompletedAt.Sub(r.StartedAt), 0).Seconds(),
			"thread_id": r.ThreadID, "adapter_response": response, "timing": timing, "failures": nil,
			"node": s.manifest.SourceObject(r.Source), "message": nil,
		}
		if r.Status == runner.FreshnessRuntimeError {
			fields["message"] = s.env.secrets.Scrub(r.Error)
		} else {
			fields["max_loaded_at"] = compiler.UTCTimeValue(r.MaxLoadedAt)
			fields["snapshotted_at"] = compiler.UTCTimeValue(r.SnapshottedAt)
			fields["age"] = r.Age
		}
		rs = append(rs, compiler.ObjectValue(fields))
	}
	return map[string]any{"results": rs, "schemas": []string{}, "database_schemas": []any{}}
}
