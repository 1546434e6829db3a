package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/docs"
	"github.com/elt-dev/elt/internal/secrets"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/loaders"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/quality"
	"github.com/elt-dev/elt/runner"
	"github.com/elt-dev/elt/tests"
)

// execute runs build, run, seed or test.
// retryIDs, when not nil, replaces selection (elt retry).
func execute(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer, command string, kinds []string, build bool, retryIDs []string) error {
	started := time.Now()
	// build and run check the models they compile before running them.
	checks := command == "build" || command == "run"
	s, err := loadConnecting(ctx, f, env, stdout, checks)
	if err != nil {
		return err
	}
	s.logVersion()
	s.logFoundStats()
	if err := s.connect(ctx); err != nil {
		return err
	}
	defer s.close()

	ids := retryIDs
	if ids != nil && len(ids) == 0 {
		// elt retry after a run that left nothing undone.
		return s.nothingToDo(time.Since(started), command)
	}
	if ids == nil {
		// elt build lands raw data first: loaders are the DAG's roots.
		var byID map[string]*loaders.Loader
		if build {
			if byID, err = s.addLoaders(ctx); err != nil {
				return err
			}
			kinds = append(slices.Clip(kinds), "loader")
		}
		if ids, err = s.selectIDs(ctx, withoutResourceTypes(onlyResourceTypes(kinds, f.resourceTypes), f.excludeResourceTypes)); err != nil {
			return err
		}
		if ids, err = s.buildLoaders(ctx, ids, byID); err != nil {
			return err
		}
		if len(ids) == 0 && !s.hasQualityChecks(command) {
			return s.nothingToDo(time.Since(started), command)
		}
	}
	var noOps map[string]*compiler.Node
	if build {
		ids, noOps = s.splitNoOps(ids)
	}
	s.manifest.SetSelected(ids)
	if err := s.applyDefer(ctx, ids); err != nil {
		return err
	}
	var eventStart, eventEnd time.Time
	if f.eventStart != "" {
		if eventStart, err = parseFlagTime(f.eventStart); err != nil {
			return usageErr(fmt.Errorf("--event-time-start: %w", err))
		}
	}
	if f.eventEnd != "" {
		if eventEnd, err = parseFlagTime(f.eventEnd); err != nil {
			return usageErr(fmt.Errorf("--event-time-end: %w", err))
		}
	}
	if s.sample != nil {
		// As dbt's get_microbatch_builder: in sample mode the window
		// bounds microbatch runs in place of --event-time-start/-end.
		eventStart, eventEnd = s.sample.Start, s.sample.End
	}
	if s.incremental, err = runner.IncrementalTargets(ctx, s.adapter, s.manifest, ids, f.fullRefresh); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	// The manifest is written after compiling, so it carries compiled_code,
	// and also when compiling fails, so it still describes the project.
	s.compileStart = time.Now()
	warned := len(s.manifest.Warnings)
	// A microbatch model run in batches is rendered by its batches alone,
	// as dbt's MicrobatchModelRunner.compile leaves the node as parsed:
	// its Jinja (a log(), a run_query) runs in batches only.
	compileIDs := make([]string, 0, len(ids))
	for _, id := range ids {
		if n := s.manifest.Nodes[id]; n == nil || !s.manifest.Batched(n) {
			compileIDs = append(compileIDs, id)
		}
	}
	compileErr := s.manifest.CompileBeforeRun(ctx, compileIDs)
	s.logCompileWarnings(warned)
	s.compileEnd = time.Now()
	if err := s.writeManifest(); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if compileErr != nil {
		return usageErr(compileErr)
	}
	if err := s.writeCompiled(ctx); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	var checkFailed map[string]error
	if checks {
		found, err := s.preCheck(ctx, ids)
		if err != nil {
			return err
		}
		for id, l := range found {
			if checkFailed == nil {
				checkFailed = map[string]error{}
			}
			checkFailed[id] = l.Err()
		}
	}
	// Files the run would read or write but cannot reach (an s3:// source
	// without httpfs, say) stop it here, before anything runs.
	if err := runner.CheckFiles(ctx, s.adapter, s.manifest, ids); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	threads := s.threads()
	s.logConcurrency(threads, s.runCount(ids))

	onEvent := s.printEvent
	if le := s.newLineageEvents(ctx); le != nil {
		onEvent = func(e runner.Event) {
			s.printEvent(e)
			le.onEvent(e)
		}
	}
	r := runner.New(s.manifest, s.graph, s.adapter, runner.Options{
		NoOpNodes:      noOps,
		Threads:        threads,
		FailFast:       f.failFast,
		FullRefresh:    f.fullRefresh,
		Build:          build,
		OnEvent:        onEvent,
		Tests:          tests.Options{Database: s.proj.Target.Database, Schema: s.proj.Target.Schema, StoreFailures: f.storeFailures},
		IsIncremental:  s.isIncremental,
		EventTimeStart: eventStart,
		EventTimeEnd:   eventEnd,
		RetryBatches:   f.retryBatches,
		WarnError:      s.warnsError("LogTestResult"), // dbt's test task asks for this event
		WarnsError:     s.warnsError,
		Failed:         checkFailed,
	})
	alertCfg, err := s.loadAlerts()
	if err != nil {
		return err
	}
	scoreOpts, err := s.scoreOptions()
	if err != nil {
		return usageErr(err)
	}
	hist := s.openHistory(ctx)
	if hist != nil {
		defer hist.Close()
	}
	s.recordStart(ctx, hist, command)
	// dbt renders the query comment of its first connection, which has
	// no node, before any node runs (populating its relation cache): a
	// comment that cannot be rendered, or holds "*/", ends the
	// invocation there (dbt-adapters base/query_headers.py).
	if _, _, err := s.manifest.ConnectionQueryComment(ctx, "master"); err != nil {
		s.recordEnd(ctx, hist, command, nil, exitUsage)
		return usageErr(err)
	}
	if err := r.CreateSchemas(ctx, ids); err != nil {
		s.recordEnd(ctx, hist, command, nil, exitFailed)
		return &exitError{code: exitFailed, err: err}
	}
	startHooks, err := s.projectHooks(ctx, "on-run-start", nil)
	if err != nil {
		// As dbt: a hook that does not render ends the invocation, after
		// the stat line of the hooks that ran; run_results.json is not
		// written.
		s.printStatLine(hookResults(startHooks), time.Since(started))
		if ctx.Err() != nil {
			// Interrupted while rendering: not the hook's fault.
			s.recordEnd(ctx, hist, command, nil, cancelledExit(ctx))
			return &exitError{code: cancelledExit(ctx), err: err}
		}
		s.recordEnd(ctx, hist, command, nil, exitUsage)
		return usageErr(err)
	}
	// dbt's skip_nodes_if_on_run_start_fails (default false): the nodes
	// run although an on-run-start hook failed (the run fails), or are
	// all skipped.
	var results []runner.Result
	if skip, _ := s.proj.Config.FlagBool("skip_nodes_if_on_run_start_fails"); skip && failedHook(startHooks) != nil {
		results = s.skipAll(withNoOps(ids, noOps), noOps)
	} else {
		results = r.Run(ctx, withNoOps(ids, noOps))
	}
	// Quality checks judge what the build made, before on-run-end hooks.
	qualityCode := exitOK
	var checkResults []quality.Result
	if build || command == "test" {
		checkResults, qualityCode = s.runQualityChecks(ctx, hist, command, results)
	}
	events := append(testEvents(results), checkEvents(checkResults)...)
	if build || command == "test" {
		events = append(events, s.scoreRun(ctx, hist, s.outcomes(results, checkResults), scoreOpts)...)
	}
	s.sendAlerts(ctx, alertCfg, hist, events)
	endHooks, endErr := s.projectHooks(ctx, "on-run-end", onRunEndResults(startHooks, results))
	elapsed := time.Since(started)
	if command == "seed" && f.dbtOnly.show && ctx.Err() == nil {
		// dbt's seed --show: samples of the seeds, printed after the
		// stat line.
		s.seedShow = s.seedSamples(ctx, results)
	}
	// Nothing below uses the database: it closes (and checkpoints) while
	// the artifacts are written.
	s.closeAdapterEarly()

	// Nodes are rendered again just before they run; keep target/compiled in
	// step, also after a signal cancelled the run (artifacts are still written),
	// and the manifest, as dbt writes it after the run, when a node's SQL
	// came from that render.
	if err := s.writeCompiled(context.WithoutCancel(ctx)); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	// As dbt, which writes the manifest after the run: the project hooks
	// that ran are compiled there too.
	if len(startHooks)+len(endHooks) > 0 || slices.ContainsFunc(results, func(r runner.Result) bool { return r.Recompiled }) {
		if err := s.writeManifest(); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
	}
	// Like dbt's partial_parse.msgpack, the renders are kept for the next
	// command; a cache that cannot be written does not fail the run.
	if err := s.saveRenderCache(); err != nil {
		s.log.warn("RenderCacheNotSaved", err.Error(), nil)
	}
	if err := s.writeRunFiles(results); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if err := s.writeRunResults(results, checkResults, startHooks, endHooks, elapsed, command); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if f.junitXML != "" {
		if err := s.writeJUnit(f.junitXML, results, checkResults, started, elapsed, command); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
	}
	s.annotateResults(results)
	// The summary counts the hooks as dbt's: on-run-start's, the nodes',
	// on-run-end's.
	all := slices.Concat(hookResults(startHooks), results, hookResults(endHooks))
	var code int
	if endErr != nil {
		// As dbt's after_run when an on-run-end hook does not render: the
		// end messages as after an interrupt, then the stat line.
		s.printEndMessages(all, nil, true)
		s.printStatLine(all, elapsed)
	} else {
		code = s.printSummary(all, elapsed, context.Cause(ctx))
	}
	if qualityCode != exitOK {
		code = qualityCode
	}
	if endErr != nil {
		// The error ends the invocation, as dbt's unhandled error (exit 2).
		printError(stderr, endErr)
		code = exitUsage
	}
	s.recordEnd(ctx, hist, command, results, code)
	if ctx.Err() != nil {
		return &exitError{code: cancelledExit(ctx)}
	}
	if code != exitOK {
		return &exitError{code: code}
	}
	return nil
}

// skipAll is dbt's run when an on-run-start hook failed and
// skip_nodes_if_on_run_start_fails is set: no node runs, each is skipped
// with its SKIP line (dbt's SkippingDetails).
func (s *session) skipAll(ids []string, noOps map[string]*compiler.Node) []runner.Result {
	var nodes []*compiler.Node
	for _, id := range ids {
		n := s.manifest.Nodes[id]
		if n == nil {
			n = s.manifest.UnitTests[id]
		}
		if n == nil {
			n = noOps[id]
		}
		if runner.Executable(n) {
			nodes = append(nodes, n)
		}
	}
	out := make([]runner.Result, len(nodes))
	for i, n := range nodes {
		// dbt's result for a node it never reached: its thread, no message.
		out[i] = runner.Result{UniqueID: n.UniqueID, Node: n, Status: runner.Skipped, ThreadID: "MainThread"}
		s.printEvent(runner.Event{Kind: runner.NodeFinish, Index: i + 1, Total: len(nodes), Node: n, Result: out[i]})
	}
	return out
}

// nothingToDo ends a command that selected no node as dbt's does
// (task/runnable.py): the NothingToDo warning (an error under
// --warn-error), the manifest and an empty run_results.json, and no hooks,
// no end-of-run summary.
func (s *session) nothingToDo(elapsed time.Duration, command string) error {
	if err := s.warnOrError("NothingToDo", "Nothing to do. Try checking your model configs and model specification args", nil); err != nil {
		return err
	}
	if err := s.writeManifest(); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if err := s.writeRunResults(nil, nil, nil, nil, elapsed, command); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}

// hasQualityChecks says whether build or test has quality checks to run
// on the selected relations (a source's) when no node is selected: elt's
// checks are tests that dbt does not have, so there is something to do.
func (s *session) hasQualityChecks(command string) bool {
	if command != "build" && command != "test" {
		return false
	}
	ids, err := s.qualitySubjects(command, nil)
	// An error is reported by the run's own call.
	return err != nil || len(s.qualityChecks(ids)) > 0
}

// logVersion is dbt's MainReportVersion line, which every command that
// runs the project begins with; its data as dbt's (log_version 3, the
// version as dbt's installed version prints it, "=1.10.9"). The version
// is the dbt-core version elt follows, as the artifacts' dbt_version:
// readers of the log (OpenLineage's dbt-ol) take it for dbt's.
func (s *session) logVersion() {
	s.log.info("MainReportVersion", fmt.Sprintf("Running with elt=%s (dbt-core %s compatible)", version, dbtVersion),
		map[string]any{"log_version": 3, "version": "=" + dbtVersion})
	s.logArgs()
}

// mainReportFlags are the flags dbt's MainReportArgs reports (dbt's
// flags.get_flag_dict).
var mainReportFlags = []string{"use_experimental_parser", "static_parser", "warn_error", "warn_error_options", "write_json",
	"partial_parse", "use_colors", "profiles_dir", "debug", "log_format", "version_check", "fail_fast",
	"send_anonymous_usage_stats", "printer_width", "indirect_selection", "log_cache_events", "quiet", "no_print",
	"cache_selected_only", "introspect", "target_path", "log_path", "invocation_command", "empty"}

// logArgs is dbt's MainReportArgs (debug): the flags in effect, each as
// Python's str() of its value (cast_dict_to_dict_of_strings).
func (s *session) logArgs() {
	flags := s.templateInv.Flags
	if flags == nil {
		return
	}
	args := map[string]string{}
	for _, name := range mainReportFlags {
		v, ok := flags[strings.ToUpper(name)]
		switch {
		case name == "empty":
			v, ok = nil, true
			if s.f.hasFlag != nil && s.f.hasFlag("empty") {
				v = s.f.empty
			}
		case name == "no_print":
			// dbt's --no-print is None unless given.
			v, ok = nil, true
			if s.f.noPrint {
				v = true
			}
		case name == "warn_error_options":
			o := s.proj.Config.WarnErrorOptions()
			errs := pyList(o.Error)
			if o.ErrorAll {
				errs = "'all'"
			}
			args[name] = "WarnErrorOptionsV2(error=" + errs + ", warn=" + pyList(o.Warn) + ", silence=" + pyList(o.Silence) + ")"
			continue
		}
		if !ok {
			continue
		}
		if v == nil {
			args[name] = "None"
			continue
		}
		args[name] = pyStr(v)
	}
	names := slices.Sorted(maps.Keys(args))
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = jinja.Repr(k) + ": " + jinja.Repr(args[k])
	}
	s.log.debug("MainReportArgs", "running dbt with arguments {"+strings.Join(parts, ", ")+"}", map[string]any{"args": args})
}

// pyList is Python's str() of a list of strings.
func pyList(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = jinja.Repr(n)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// logConcurrency is dbt's ConcurrencyLine, between blank lines (dbt's
// Formatting events); nodes is the count of nodes the run will run
// (dbt's num_nodes: the selected nodes but ephemeral models).
func (s *session) logConcurrency(threads, nodes int) {
	s.log.info("Formatting", "", nil)
	s.log.info("ConcurrencyLine", fmt.Sprintf("Concurrency: %d threads (target='%s')", threads, s.proj.Target.Name),
		map[string]any{"num_threads": threads, "target_name": s.proj.Target.Name, "node_count": nodes})
	s.log.info("Formatting", "", nil)
}

// runCount is dbt's num_nodes of a run of ids: the nodes that get a
// progress line, that is all but ephemeral models.
func (s *session) runCount(ids []string) int {
	n := 0
	for _, id := range ids {
		if node := s.manifest.Nodes[id]; node != nil && node.Config["materialized"] == "ephemeral" {
			continue
		}
		n++
	}
	return n
}

// logFoundStats is dbt's FoundStats event: the line, and its counts as
// data.stat_line.
func (s *session) logFoundStats() {
	line := foundStats(s.manifest)
	s.log.info("FoundStats", line, map[string]any{"stat_line": strings.TrimPrefix(line, "Found ")})
}

// foundStats is dbt's FoundStats line (compilation.py _generate_stats and
// print_compile_stats): the counts of manifest.nodes by resource type in
// the order dbt first inserts each type, then sources, exposures,
// metrics, macros, groups, semantic models, saved queries and unit tests.
// dbt parses each project in turn (the root first) with its file parsers
// in a fixed order (models, snapshots, analyses, singular tests, seeds,
// hooks), then every schema file, which makes the generic tests; so "data
// tests" comes before "seeds" when the project has a singular test.
func foundStats(m *compiler.Manifest) string {
	counts := map[project.ResourceType]int{}
	// byParser counts nodes by (package, file parser); generic tests
	// come from the schema files, after every project's file parsers.
	type parserKey struct {
		pkg  string
		kind project.ResourceType
	}
	byParser := map[parserKey]int{}
	generic := 0
	for _, n := range m.Nodes {
		counts[n.ResourceType]++
		if n.ResourceType == project.Test && n.TestMetadata != nil {
			generic++
			continue
		}
		byParser[parserKey{n.Package, n.ResourceType}]++
	}
	var order []project.ResourceType
	seen := map[project.ResourceType]bool{}
	insert := func(t project.ResourceType) {
		if !seen[t] {
			seen[t] = true
			order = append(order, t)
		}
	}
	pkgs := []string{m.Project.Config.Name}
	for _, p := range m.Project.Packages {
		pkgs = append(pkgs, p.Name)
	}
	fileParsers := []project.ResourceType{project.Model, project.Snapshot, project.Analysis, project.Test, project.Seed, operation}
	for _, pkg := range pkgs {
		for _, t := range fileParsers {
			if byParser[parserKey{pkg, t}] > 0 {
				insert(t)
			}
		}
	}
	// A node of a package missing from the list keeps its parser's place.
	for _, t := range fileParsers {
		for k, c := range byParser {
			if k.kind == t && c > 0 {
				insert(t)
			}
		}
	}
	if generic > 0 {
		insert(project.Test)
	}
	sem := map[project.ResourceType]int{}
	for _, r := range m.Project.Semantic {
		sem[r.Kind]++
	}
	var parts []string
	add := func(n int, t project.ResourceType) {
		if n > 0 {
			parts = append(parts, statCount(string(t), n))
		}
	}
	for _, t := range order {
		add(counts[t], t)
	}
	add(len(m.Sources), "source")
	add(len(m.Project.Exposures), "exposure")
	add(sem[project.Metric], "metric")
	add(len(m.Macros), "macro")
	add(len(m.Project.Groups), "group")
	add(sem[project.SemanticModel], "semantic_model")
	add(sem[project.SavedQuery], "saved_query")
	add(len(m.UnitTests), "unit_test")
	if len(parts) == 0 {
		return "Found nothing to run"
	}
	return "Found " + strings.Join(parts, ", ")
}

// describe names a node the way dbt's progress lines do.
func (s *session) describe(n *compiler.Node) string {
	return describeNode(n, s.manifest != nil && s.manifest.UseMicrobatchBatches())
}

// describeNode names a node the way dbt's progress lines do; batched: a
// microbatch model runs batch by batch (dbt's MicrobatchModelRunner names
// it a microbatch model, its ModelRunner an incremental one).
func describeNode(n *compiler.Node, batched bool) string {
	switch n.ResourceType {
	case project.Seed:
		return "seed file " + shortRel(n)
	case project.Test:
		return "test " + n.Name
	case project.UnitTestType:
		return "unit_test " + unitTestName(n)
	case project.Snapshot:
		return "snapshot " + shortRel(n)
	case project.ExposureType:
		return "exposure " + n.Name
	case project.SavedQuery:
		return "saved query " + n.Name
	}
	lang := n.Language
	if lang == "" {
		lang = "sql"
	}
	if batched && n.Config["materialized"] == "incremental" && n.Config["incremental_strategy"] == "microbatch" {
		// As dbt's MicrobatchModelRunner describes it.
		return lang + " microbatch model " + shortRel(n)
	}
	return lang + " " + fmt.Sprint(n.Config["materialized"]) + " model " + shortRel(n)
}

func shortRel(n *compiler.Node) string {
	if n.Relation.Identifier == "" {
		return n.Name
	}
	return n.Relation.Schema + "." + n.Relation.Identifier
}

// nodeInfo is dbt's node_info of a node's events (contracts/graph/nodes.py
// node_info, as its NodeInfo message prints it: None as ""): status is
// dbt's node_status ("started", then the result's status), started and
// finished the node's start and end (zero: not yet, "").
func nodeInfo(n *compiler.Node, status string, started, finished time.Time) map[string]any {
	// The node's meta as manifest.json has it: dbt's parser copies a
	// config meta onto the node (parser/base.py update_parsed_node_config).
	meta := n.Meta
	if len(meta) == 0 {
		meta, _ = n.Config["meta"].(map[string]any)
	}
	if meta == nil {
		meta = map[string]any{}
	}
	materialized := ""
	if m := n.Config["materialized"]; m != nil {
		materialized = fmt.Sprint(m)
	}
	if n.ResourceType == operation {
		// A hook's config is dbt's default node config.
		materialized = "view"
	}
	return map[string]any{
		"node_path":        n.Path,
		"node_name":        n.Name,
		"unique_id":        n.UniqueID,
		"resource_type":    string(n.ResourceType),
		"materialized":     materialized,
		"node_status":      status,
		"node_started_at":  pyNaiveISO(started),
		"node_finished_at": pyNaiveISO(finished),
		"meta":             meta,
		"node_relation": map[string]any{
			"database":      n.Relation.Database,
			"schema":        n.Relation.Schema,
			"alias":         n.Relation.Identifier,
			"relation_name": n.RelationName,
		},
		"node_checksum": n.Checksum,
	}
}

// pyNaiveISO is Python's isoformat of a naive UTC datetime, as dbt stamps
// a node's start and end: microseconds only when not zero; "" for zero.
func pyNaiveISO(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC().Truncate(time.Microsecond)
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04:05.000000")
}

// runResultMsg is dbt's RunResultMsg of a result, NodeFinished's
// run_result: the result as run_results.json has it, its timing
// included, execution_time as the message's 32-bit float.
func (s *session) runResultMsg(res runner.Result) map[string]any {
	status := string(res.Status)
	msg := res.Message
	if res.Status == runner.Cancelled {
		status = string(runner.Skipped)
	}
	timing := []any{}
	if res.Status != runner.Skipped && res.Status != runner.Cancelled && res.Status != runner.NoOp {
		if !s.compileStart.IsZero() && res.Node.ResourceType != project.Seed && !runner.IsNoOp(res.Node) {
			timing = append(timing, map[string]any{"name": "compile", "started_at": protoTimestamp(s.compileStart), "completed_at": protoTimestamp(s.compileEnd)})
		}
		timing = append(timing, map[string]any{"name": "execute", "started_at": protoTimestamp(res.StartedAt), "completed_at": protoTimestamp(res.CompletedAt)})
	}
	thread := res.ThreadID
	if thread == "" {
		thread = mainThread
	}
	failures := int64(0)
	if res.Failures != nil {
		failures = *res.Failures
	}
	return map[string]any{
		"status":           status,
		"message":          s.env.secrets.Scrub(msg),
		"timing_info":      timing,
		"thread":           thread,
		"execution_time":   float32(res.Duration().Seconds()),
		"adapter_response": s.adapterResponse(res),
		"num_failures":     failures,
	}
}

// printEvent reports a node starting or finished as dbt's events do: at
// the start NodeStart (debug) and LogStartLine (the "START" line); at the
// end the line of the node's runner (LogModelResult, LogTestResult,
// LogSeedResult, LogSnapshotResult, LogNodeNoOpResult, SkippingDetails),
// then NodeFinished (debug) with the run result. Each carries dbt's
// node_info, on the thread that ran the node.
func (s *session) printEvent(e runner.Event) {
	if e.Batch != nil {
		s.printBatch(e)
		return
	}
	n := e.Node
	prefix := fmt.Sprintf("%d of %d ", e.Index, e.Total)
	if e.Kind == runner.NodeStart {
		now := s.log.now()
		s.nodeStarts.Store(n.UniqueID, now)
		info := nodeInfo(n, "started", now, time.Time{})
		s.log.nodeEvent("debug", "NodeStart", "Began running node "+n.UniqueID, e.Thread, map[string]any{"node_info": info})
		s.log.nodeEvent("info", "LogStartLine", dots(prefix+"START "+s.describe(n), "[RUN]", s.log.width), e.Thread,
			map[string]any{"node_info": info, "description": s.describe(n), "index": e.Index, "total": e.Total})
		return
	}
	res := e.Result
	thread := res.ThreadID
	started, finished := res.StartedAt, res.CompletedAt
	if t, ok := s.nodeStarts.Load(n.UniqueID); ok {
		// The start its NodeStart reported, as dbt's node_info keeps it.
		started = t.(time.Time)
	}
	if res.Status == runner.Skipped {
		// dbt's skipped node has a start (its runner was called) and no end.
		finished = time.Time{}
		s.log.nodeEvent("debug", "NodeStart", "Began running node "+n.UniqueID, thread,
			map[string]any{"node_info": nodeInfo(n, "started", started, time.Time{})})
	}
	info := nodeInfo(n, string(res.Status), started, finished)
	data := map[string]any{"node_info": info}
	for _, w := range res.Warnings {
		s.printWarning(n, w, data)
	}
	secs := fmt.Sprintf("%.2fs", res.Duration().Seconds())
	var left, right string
	level := "info"
	switch res.Status {
	case runner.Success:
		verb := "created"
		switch n.ResourceType {
		case project.Seed:
			verb = "loaded"
		case project.Snapshot:
			verb = "snapshotted"
		}
		left = prefix + "OK " + verb + " " + s.describe(n)
		if n.ResourceType == project.Snapshot {
			// dbt's LogSnapshotResult: the relation alone.
			left = prefix + "OK snapshotted " + shortRel(n)
		}
		msg := res.AdapterMsg
		if msg == "" {
			msg = "OK"
		}
		right = "[" + s.log.paint(ansiGreen, msg) + " in " + secs + "]"
	case runner.Pass:
		left = prefix + "PASS " + unitTestName(n)
		right = "[" + s.log.paint(ansiGreen, "PASS") + " in " + secs + "]"
	case runner.Warn:
		level = "warn"
		left = fmt.Sprintf("%sWARN %d %s", prefix, deref(res.Failures), n.Name)
		right = fmt.Sprintf("[%s in %s]", s.log.paint(ansiYellow, fmt.Sprintf("WARN %d", deref(res.Failures))), secs)
	case runner.Fail:
		level = "error"
		left = fmt.Sprintf("%sFAIL %d %s", prefix, deref(res.Failures), unitTestName(n))
		right = fmt.Sprintf("[%s in %s]", s.log.paint(ansiRed, fmt.Sprintf("FAIL %d", deref(res.Failures))), secs)
	case runner.PartialSuccess:
		// As dbt's LogModelResult for a microbatch model some of whose
		// batches failed: PARTIALLY created, PARTIAL SUCCESS (ok/all).
		ok := 0
		for _, b := range res.Batches {
			if b.Status == runner.Success {
				ok++
			}
		}
		left = prefix + "PARTIALLY created " + s.describe(n)
		right = "[" + s.log.paint(ansiYellow, fmt.Sprintf("PARTIAL SUCCESS (%d/%d)", ok, len(res.Batches))) + " in " + secs + "]"
	case runner.Skipped:
		if res.SkipCause != nil {
			s.printEphemeralSkip(e, res, thread)
			return
		}
		left = prefix + "SKIP " + skipDescribe(n)
		right = "[" + s.log.paint(ansiYellow, "SKIP") + "]"
	case runner.NoOp:
		// dbt's LogNodeNoOpResult, with its execution time of 0.
		left = prefix + "NO-OP " + s.describe(n)
		right = "[" + s.log.paint(ansiYellow, "NO-OP") + " in 0.00s]"
	case runner.Cancelled:
		level = "warn"
		left = prefix + "CANCELLED " + s.describe(n)
		right = "[" + s.log.paint(ansiYellow, "CANCELLED") + "]"
	default:
		level = "error"
		if n.ResourceType == project.Test || n.ResourceType == project.UnitTestType {
			left = prefix + "ERROR " + unitTestName(n)
		} else if n.ResourceType == project.Snapshot {
			left = prefix + "ERROR snapshotting " + shortRel(n)
		} else {
			left = prefix + "ERROR creating " + s.describe(n)
		}
		right = "[" + s.log.paint(ansiRed, "ERROR") + " in " + secs + "]"
	}
	name, data := s.resultEvent(n, res, info, e.Index, e.Total)
	if g := s.groupOf(n); g != nil && name != "SkippingDetails" && name != "LogNodeNoOpResult" {
		data["group"] = g
	}
	s.log.nodeEvent(level, name, dots(left, right, s.log.width), thread, data)
	s.log.nodeEvent("debug", "NodeFinished", "Finished running node "+n.UniqueID, thread,
		map[string]any{"node_info": info, "run_result": s.runResultMsg(res)})
}

// printEphemeralSkip reports a node skipped because a selected ephemeral
// model it reads failed to compile, as dbt's on_skip: LogSkipBecauseError,
// then the ephemeral model's error (print_run_result_error without the
// leading blank line), then NodeFinished.
func (s *session) printEphemeralSkip(e runner.Event, res runner.Result, thread string) {
	n, cause := e.Node, res.SkipCause
	started := res.StartedAt
	if t, ok := s.nodeStarts.Load(n.UniqueID); ok {
		started = t.(time.Time)
	}
	s.log.nodeEvent("debug", "NodeStart", "Began running node "+n.UniqueID, thread,
		map[string]any{"node_info": nodeInfo(n, "started", started, time.Time{})})
	info := nodeInfo(n, string(res.Status), started, time.Time{})
	msg := fmt.Sprintf("SKIP relation %s.%s due to ephemeral model status '%s'", n.Relation.Schema, n.Name, cause.Status)
	data := map[string]any{"schema": n.Relation.Schema, "relation": n.Name, "index": e.Index, "total": e.Total, "status": string(cause.Status)}
	if g := s.groupOf(n); g != nil {
		data["group"] = g
	}
	s.log.nodeEvent("error", "LogSkipBecauseError", dots(fmt.Sprintf("%d of %d %s", e.Index, e.Total, msg), "["+s.log.paint(ansiRed, "ERROR SKIP")+"]", s.log.width), thread, data)
	c := cause.Node
	cinfo := nodeInfo(c, string(cause.Status), cause.StartedAt, cause.CompletedAt)
	s.log.event("error", "RunResultFailure", fmt.Sprintf("Failure in %s %s (%s)", c.ResourceType, c.Name, c.OriginalFilePath),
		map[string]any{"resource_type": string(c.ResourceType), "node_name": c.Name, "path": c.OriginalFilePath, "node_info": cinfo})
	s.log.event("error", "RunResultError", resultErrorText(*cause), map[string]any{"msg": s.env.secrets.Scrub(cause.Message), "node_info": cinfo})
	s.logErrorDetail("error", *cause, cinfo)
	s.log.nodeEvent("debug", "NodeFinished", "Finished running node "+n.UniqueID, thread,
		map[string]any{"node_info": info, "run_result": s.runResultMsg(res)})
}

// resultEvent is the name and data of dbt's event for a node's result
// line, which its runner fires (task/run.py, test.py, seed.py,
// snapshot.py, runners/no_op_runner.py; base.py's on_skip).
func (s *session) resultEvent(n *compiler.Node, res runner.Result, info map[string]any, index, total int) (string, map[string]any) {
	secs := float32(res.Duration().Seconds())
	status := string(res.Status)
	message := res.AdapterMsg
	if message == "" {
		message = res.Message
	}
	switch {
	case res.Status == runner.Skipped:
		return "SkippingDetails", map[string]any{"node_info": info, "resource_type": string(n.ResourceType),
			"schema": n.Relation.Schema, "node_name": n.Name, "index": index, "total": total}
	case res.Status == runner.NoOp:
		return "LogNodeNoOpResult", map[string]any{"node_info": info, "description": s.describe(n), "status": "",
			"index": index, "total": total, "execution_time": float32(0)}
	case n.ResourceType == project.Test || n.ResourceType == project.UnitTestType:
		failures := int64(0)
		if res.Failures != nil {
			failures = *res.Failures
		}
		return "LogTestResult", map[string]any{"node_info": info, "name": unitTestName(n), "status": status,
			"index": index, "num_models": total, "execution_time": secs, "num_failures": failures, "attached_node": n.AttachedNode}
	case n.ResourceType == project.Seed:
		return "LogSeedResult", map[string]any{"node_info": info, "status": status, "result_message": message,
			"index": index, "total": total, "execution_time": secs, "schema": n.Relation.Schema, "relation": n.Relation.Identifier}
	case n.ResourceType == project.Snapshot:
		cfg := map[string]string{}
		for k, v := range n.Config {
			if v != nil {
				cfg[k] = pyStr(v)
			}
		}
		return "LogSnapshotResult", map[string]any{"node_info": info, "description": shortRel(n), "status": status,
			"index": index, "total": total, "execution_time": secs, "cfg": cfg, "result_message": message}
	}
	// dbt's model result: the error status, or the warehouse's message.
	if res.Status == runner.Success || res.Status == runner.PartialSuccess {
		status = message
		if status == "" {
			status = "OK"
		}
	}
	return "LogModelResult", map[string]any{"node_info": info, "description": s.describe(n), "status": status,
		"index": index, "total": total, "execution_time": secs}
}

// groupOf is dbt's group_lookup of a node in a group: the group's name,
// package and owner (its to_logging_dict); nil when it has none.
func (s *session) groupOf(n *compiler.Node) map[string]any {
	if s.manifest == nil {
		return nil
	}
	name, _ := n.Config["group"].(string)
	if n.ResourceType == project.Test && n.AttachedNode != "" {
		// As dbt's generic test parser: a test takes the group of the
		// node it is attached to.
		if a := s.manifest.Nodes[n.AttachedNode]; a != nil {
			name, _ = a.Config["group"].(string)
		}
	}
	if name == "" {
		return nil
	}
	for _, g := range s.manifest.Project.Groups {
		if g.Name != name {
			continue
		}
		owner := map[string]string{}
		for k, v := range g.Owner {
			if v != nil {
				owner[k] = pyStr(v)
			}
		}
		return map[string]any{"name": g.Name, "package_name": g.Package, "owner": owner}
	}
	return nil
}

// pyStr is Python's str() of a config value, as dbt's
// cast_dict_to_dict_of_strings gives a snapshot's config.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if s, err := jinja.Str(v); err == nil {
		return s
	}
	return fmt.Sprint(v)
}

// adapterResponse is a result's adapter_response, as run_results.json,
// NodeFinished's run_result and on-run-end's results have it.
func (s *session) adapterResponse(r runner.Result) map[string]any {
	switch {
	case r.AdapterResponse != nil:
		// What the node's materialization block stored as main's
		// result (noop_statement('main', ...)), as dbt writes it.
		return r.AdapterResponse
	case s.adapter != nil && s.adapter.Dialect().Type() == "duckdb":
		// dbt-duckdb's get_response is AdapterResponse(_message="OK")
		// for every statement: no code, no rows_affected.
		if r.AdapterMsg != "" || r.RowsAffected != 0 || ranTest(r) {
			return map[string]any{"_message": "OK"}
		}
		return map[string]any{}
	case r.AdapterMsg != "" || r.RowsAffected != 0:
		return map[string]any{"_message": r.AdapterMsg, "rows_affected": r.RowsAffected}
	}
	return map[string]any{}
}

// ranTest says whether r is a data test's result that ran its query
// (passed, warned or failed), whose adapter_response dbt takes from it.
func ranTest(r runner.Result) bool {
	if r.Node == nil || r.Node.ResourceType != project.Test {
		return false
	}
	switch r.Status {
	case runner.Pass, runner.Warn, runner.Fail:
		return true
	}
	return false
}

// nodeStart is when the node's NodeStart was reported; zero if it was not.
func (s *session) nodeStart(id string) time.Time {
	if t, ok := s.nodeStarts.Load(id); ok {
		return t.(time.Time)
	}
	return time.Time{}
}

// printBatch is dbt's line for a microbatch model's batch starting
// (LogStartBatch) or finished (LogBatchResult): "Batch 1 of 3 START batch
// 2024-01-01 of main.daily", then OK created (the warehouse's response),
// ERROR creating or SKIP.
func (s *session) printBatch(e runner.Event) {
	b, n := e.Batch, e.Node
	prefix := fmt.Sprintf("Batch %d of %d ", b.Index, b.Total)
	what := "batch " + b.Label + " of " + shortRel(n)
	data := map[string]any{
		"node_info":     nodeInfo(n, "executing", s.nodeStart(n.UniqueID), time.Time{}),
		"batch_index":   b.Index,
		"total_batches": b.Total,
		"description":   what,
	}
	if e.Kind == runner.BatchStart {
		s.log.info("LogStartBatch", dots(prefix+"START "+what, "[RUN]", s.log.width), data)
		return
	}
	secs := fmt.Sprintf("%.2fs", b.Duration.Seconds())
	data["status"], data["execution_time"] = string(b.Status), float32(b.Duration.Seconds())
	if b.Status == runner.Skipped {
		// dbt's on_skip of a batch: no START line, SKIPPED in 0.00s.
		right := "[" + s.log.paint(ansiYellow, "SKIPPED") + " in 0.00s]"
		s.log.info("LogBatchResult", dots(prefix+"SKIP "+what, right, s.log.width), data)
		return
	}
	if b.Status != runner.Success {
		right := "[" + s.log.paint(ansiRed, "ERROR") + " in " + secs + "]"
		s.log.event("error", "LogBatchResult", dots(prefix+"ERROR creating "+what, right, s.log.width), data)
		return
	}
	msg := b.Message
	if msg == "" {
		msg = "OK"
	}
	right := "[" + s.log.paint(ansiGreen, msg) + " in " + secs + "]"
	s.log.info("LogBatchResult", dots(prefix+"OK created "+what, right, s.log.width), data)
}

// printWarning reports a warning an adapter returned with a node's result,
// before the node's result line: in text as "file: warning: ...", in JSON
// as an event named after the warning, with the node's info and, where the
// warning has them, its fields.
func (s *session) printWarning(n *compiler.Node, w adapters.Warning, nodeData map[string]any) {
	if s.proj.Config.WarnErrorOptions().Silenced(w.Event()) {
		return // warn_error_options: silence
	}
	data := map[string]any{"node_info": nodeData["node_info"]}
	if f, ok := w.(interface{ Fields() map[string]any }); ok {
		for k, v := range f.Fields() {
			data[k] = v
		}
	}
	msg := "warning: " + w.String()
	if n.OriginalFilePath != "" {
		msg = n.OriginalFilePath + ": " + msg
	}
	s.log.warn(w.Event(), s.log.paint(ansiYellow, msg), data)
}

func skipDescribe(n *compiler.Node) string {
	if n.ResourceType == project.UnitTestType {
		return "unit_test " + unitTestName(n)
	}
	if n.ResourceType == project.Test {
		return "test " + n.Name
	}
	if runner.IsNoOp(n) {
		// dbt's SkippingDetails for a node that is no relation.
		return string(n.ResourceType) + " " + n.Name
	}
	return "relation " + shortRel(n)
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// printSummary prints dbt's end-of-run lines and returns the exit code the
// results call for. cancelled is the cause when the run was interrupted.
func (s *session) printSummary(results []runner.Result, elapsed time.Duration, cancelled error) int {
	s.printStatLine(results, elapsed)
	// dbt's seed task prints its samples in task_end_messages, after the
	// stat line (after_run) and before the end messages.
	s.printSeedSamples()
	s.logEndRunResult(results, elapsed, cancelled)
	return s.printEndMessages(results, cancelled, false)
}

// logEndRunResult is dbt's EndRunResult (debug, "Command end result"):
// every result as NodeFinished's run_result, the time, and whether the
// run succeeded (no error, failure or cancellation).
func (s *session) logEndRunResult(results []runner.Result, elapsed time.Duration, cancelled error) {
	msgs := make([]any, len(results))
	success := cancelled == nil
	for i, r := range results {
		msgs[i] = s.runResultMsg(r)
		switch r.Status {
		case runner.Error, runner.Fail, runner.PartialSuccess:
			success = false
		}
	}
	s.log.debug("EndRunResult", "Command end result", map[string]any{"results": msgs, "elapsed_time": float32(elapsed.Seconds()),
		"generated_at": protoTimestamp(s.log.now()), "success": success})
}

// printStatLine is dbt's FinishedRunningStats: how many of each kind ran
// (task/printer.py get_counts), in the order of dbt's keys.
func (s *session) printStatLine(results []runner.Result, elapsed time.Duration) {
	kinds := map[string]int{}
	for _, r := range results {
		kinds[statKey(r.Node)]++
	}
	keys := slices.Sorted(maps.Keys(kinds))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = statCount(k, kinds[k])
	}
	s.log.info("Formatting", "", nil)
	s.logFinishedRunning(strings.Join(parts, ", "), elapsed)
}

// logFinishedRunning is dbt's FinishedRunningStats: "Finished running
// <stat line> in 0 hours 0 minutes and 0.08 seconds (0.08s).", its data
// the stat line, the execution words and the time.
func (s *session) logFinishedRunning(statLine string, elapsed time.Duration) {
	secs := elapsed.Seconds()
	execution := fmt.Sprintf(" in %d hours %d minutes and %.2f seconds", int(elapsed.Hours()), int(elapsed.Minutes())%60, secs-float64(int(secs)/60*60))
	s.log.info("FinishedRunningStats", fmt.Sprintf("Finished running %s%s (%.2fs).", statLine, execution, secs),
		map[string]any{"stat_line": statLine, "execution": execution, "execution_time": float32(secs)})
}

// statKey is dbt's key for a result's kind in the stat line, which also
// orders the kinds: "<materialization> model", "project hook" for a
// project hook, the resource type otherwise ("test", "unit_test").
func statKey(n *compiler.Node) string {
	switch n.ResourceType {
	case project.Model:
		return fmt.Sprint(n.Config["materialized"]) + " model"
	case operation:
		return "project hook"
	}
	return string(n.ResourceType)
}

// statCount is "<count> <kind>": a kind is its key, or its plural, as
// dbt's NodeType.pluralize ("test" is "data tests"), underscores spaces.
func statCount(key string, count int) string {
	label := key
	if count != 1 {
		switch key {
		case string(project.Test):
			label = "data_tests"
		case string(project.Analysis):
			label = "analyses"
		case "saved_query":
			label = "saved_queries"
		default:
			label = key + "s"
		}
	}
	return fmt.Sprintf("%d %s", count, strings.ReplaceAll(label, "_", " "))
}

// printEndMessages is dbt's print_run_end_messages: the end-of-run
// summary, each problem, and the Done line; it returns the exit code the
// results call for. cancelled is the cause when the run was interrupted;
// aborted is dbt's keyboard_interrupt flag, which its after_run also sets
// when an on-run-end hook does not render.
func (s *session) printEndMessages(results []runner.Result, cancelled error, aborted bool) int {
	var pass, warn, errs, skip, noop, messageSkips int
	var errorSkips []runner.Result
	var problems []runner.Result
	var warnings []runner.Result
	for _, r := range results {
		switch r.Status {
		case runner.Success, runner.Pass:
			pass++
		case runner.Warn:
			warn++
			warnings = append(warnings, r)
		case runner.Error, runner.Fail, runner.PartialSuccess:
			errs++
			problems = append(problems, r)
		case runner.NoOp:
			noop++
		case runner.Skipped, runner.Cancelled:
			skip++
			if r.Node.ResourceType == operation || r.SkipCause != nil {
				// dbt counts a skipped result with a message (a hook's,
				// or one whose ephemeral parent failed) among the
				// summary's errors, and fails the invocation.
				messageSkips++
			}
			if r.SkipCause != nil {
				errorSkips = append(errorSkips, r)
			}
		}
	}
	partial := 0
	for _, r := range problems {
		if r.Status == runner.PartialSuccess {
			partial++
		}
	}
	partials := fmt.Sprintf("%d partial %s", partial, plural(partial, "success", "successes"))
	warns := fmt.Sprintf("%d %s", warn, plural(warn, "warning", "warnings"))
	s.log.info("Formatting", "", nil)
	// dbt's EndOfRunSummary data: its errors count the failed hooks'
	// skips, not the partial successes.
	summary := map[string]any{"num_errors": errs - partial + messageSkips, "num_warnings": warn,
		"num_partial_success": partial, "keyboard_interrupt": aborted}
	switch {
	case aborted:
		s.log.info("EndOfRunSummary", s.log.paint(ansiYellow, "Exited because of keyboard interrupt"), summary)
	case cancelled != nil:
		finished := 0
		for _, r := range results {
			if r.Status != runner.Cancelled && r.Status != runner.Skipped {
				finished++
			}
		}
		s.log.errorf("RunInterrupted", s.log.paint(ansiRed, fmt.Sprintf("Interrupted (%v): %d of %d %s finished; the rest are marked cancelled in run_results.json",
			cancelled, finished, len(results), plural(len(results), "node", "nodes"))), map[string]any{"finished": finished, "total": len(results)})
	case errs+messageSkips == 0 && warn == 0:
		s.log.info("EndOfRunSummary", s.log.paint(ansiGreen, "Completed successfully"), summary)
	case errs-partial+messageSkips > 0:
		// As dbt's EndOfRunSummary: partial successes are counted apart
		// from the errors and failures.
		failed := errs - partial + messageSkips
		s.log.errorf("EndOfRunSummary", s.log.paint(ansiRed, fmt.Sprintf("Completed with %d %s, %s, and %s:", failed, plural(failed, "error", "errors"), partials, warns)), summary)
	case partial > 0:
		s.log.warn("EndOfRunSummary", s.log.paint(ansiYellow, fmt.Sprintf("Completed with %s and %s", partials, warns)), summary)
	default:
		s.log.warn("EndOfRunSummary", s.log.paint(ansiYellow, fmt.Sprintf("Completed with %s:", warns)), summary)
	}
	for _, r := range append(problems, warnings...) {
		s.log.info("Formatting", "", nil)
		// dbt's RunResultFailure heads an error and a failure alike. A
		// partial success (dbt lists none) says which batches failed.
		what := "Failure in"
		switch r.Status {
		case runner.Warn:
			what = "Warning in"
		case runner.PartialSuccess:
			what = "Partial success in"
		}
		// As dbt's print_run_result_error: RunResultFailure (or
		// RunResultWarning) heads it, RunResultError (RunResultWarningMessage)
		// carries the message, each with the node's node_info.
		info := nodeInfo(r.Node, string(r.Status), r.StartedAt, r.CompletedAt)
		head, body := "RunResultFailure", "RunResultError"
		if r.Status == runner.Warn {
			head, body = "RunResultWarning", "RunResultWarningMessage"
		}
		file := r.Node.OriginalFilePath
		if r.Node.ResourceType == operation {
			file = r.Node.PackagePath() // dbt's "./dbt_project.yml"
		}
		name := r.Node.Name
		if r.Node.ResourceType == project.UnitTestType {
			// dbt's result node is the unit test node, named <test>_v<v>
			// for a versioned model.
			name = compiler.UnitTestRunName(r.Node)
		}
		headData := map[string]any{"resource_type": string(r.Node.ResourceType), "node_name": name, "path": file, "node_info": info}
		bodyData := map[string]any{"msg": s.env.secrets.Scrub(r.Message), "node_info": info}
		// As dbt's print_run_result_error: the head and RunResultError
		// carry the node's group (RunResultWarningMessage has none).
		if g := s.groupOf(r.Node); g != nil {
			headData["group"] = g
			if body == "RunResultError" {
				bodyData["group"] = g
			}
		}
		s.log.event(levelOf(r.Status), head, fmt.Sprintf("%s %s %s (%s)", what, r.Node.ResourceType, name, file), headData)
		if r.Message != "" {
			s.log.event(levelOf(r.Status), body, resultErrorText(r), bodyData)
			s.logErrorDetail(levelOf(r.Status), r, info)
		}
		switch r.Node.ResourceType {
		case project.Model, project.Test:
			// As dbt's SQLCompiledPath, for a node with a compiled_path
			// (a snapshot has none: dbt's _write_node, nor a model run in
			// batches, whose batches compile copies of it, nor one whose
			// render failed: compile_node never wrote it).
			if s.manifest.Batched(r.Node) || r.RenderFailed {
				break
			}
			s.log.info("Formatting", "", nil)
			path := filepath.ToSlash(filepath.Join(s.proj.Config.TargetPath, "compiled", compiler.CompiledPath(r.Node)))
			s.log.info("SQLCompiledPath", "  compiled code at "+path, map[string]any{"path": path, "node_info": info})
		case project.UnitTestType:
			// dbt's unit test node has a compiled_path once its model's SQL
			// compiled (compile_node writes it), so a failure names the file.
			if r.Node.CompiledCode != "" {
				s.log.info("Formatting", "", nil)
				path := filepath.ToSlash(filepath.Join(s.proj.Config.TargetPath, "compiled", compiler.CompiledPath(r.Node)))
				s.log.info("SQLCompiledPath", "  compiled code at "+path, map[string]any{"path": path, "node_info": info})
			}
		case operation:
			// A hook that rendered to SQL was written, under dbt's path
			// (joined as dbt's, which keeps the "./" of dbt_project.yml).
			if r.Node.CompiledCode != "" {
				s.log.info("Formatting", "", nil)
				path := filepath.ToSlash(filepath.Join(s.proj.Config.TargetPath, "compiled")) + "/" + compiler.CompiledPath(r.Node)
				s.log.info("SQLCompiledPath", "  compiled code at "+path, map[string]any{"path": path, "node_info": info})
			}
		}
		if r.StoredFailures != "" {
			s.log.info("Formatting", "", nil)
			s.log.info("CheckNodeTestFailure", "  See test failures:\n    select * from "+r.StoredFailures, map[string]any{"relation_name": r.StoredFailures, "node_info": info})
		}
	}
	for _, r := range errorSkips {
		// dbt's print_run_result_error of a skipped result: its message
		// at debug level only.
		s.log.debug("Formatting", "", nil)
		s.log.debug("RunResultError", "  "+r.Message, map[string]any{"msg": r.Message})
	}
	s.log.info("Formatting", "", nil)
	// dbt 1.10's line counts the no-op results too (build's exposures
	// and saved queries).
	s.log.info("StatsLine", fmt.Sprintf("Done. PASS=%d WARN=%d ERROR=%d SKIP=%d NO-OP=%d TOTAL=%d", pass, warn, errs, skip, noop, len(results)),
		map[string]any{"stats": map[string]int{"pass": pass, "warn": warn, "error": errs, "skip": skip, "noop": noop, "total": len(results)}})
	if errs > 0 || len(errorSkips) > 0 {
		return exitFailed
	}
	return exitOK
}

func levelOf(st runner.Status) string {
	if st == runner.Warn {
		return "warn"
	}
	return "error"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (s *session) meta() docs.Metadata {
	typ := ""
	if s.proj.Target != nil {
		typ = s.proj.Target.Type
	}
	return docs.Metadata{
		InvocationID:        s.invocationID,
		InvocationStartedAt: s.startedAt,
		GeneratedAt:         time.Now().UTC(),
		ProjectName:         s.proj.Config.Name,
		AdapterType:         typ,
		Env:                 docs.CustomEnv(os.Environ()),
		Dialect:             s.dialect,
		Quoting:             metadataQuoting(typ, s.proj.Config.Quoting),
	}
}

// metadataQuoting is the manifest metadata's quoting, as dbt's
// RuntimeConfig holds it: the adapter's default quote policy (database,
// schema and identifier quoted, but on Snowflake), the project's quoting:
// over it; column only when the project sets it.
func metadataQuoting(adapter string, project map[string]any) map[string]any {
	if adapter == "" {
		return nil
	}
	def := adapter != "snowflake"
	q := map[string]any{"database": def, "schema": def, "identifier": def}
	for _, k := range []string{"database", "schema", "identifier", "column"} {
		if v, ok := project[k].(bool); ok {
			q[k] = v
		}
	}
	return q
}

func (s *session) writeManifest() error {
	if !s.writeJSON() {
		return nil
	}
	dir, err := s.targetFS()
	if err != nil {
		return err
	}
	if s.f.noPartialParse {
		if err := docs.WriteManifest(dir, "manifest.json", s.manifest, s.meta()); err != nil {
			return err
		}
		// As dbt: the semantic manifest is written with every manifest.
		return docs.WriteSemanticManifest(dir, s.manifest)
	}
	start := time.Now()
	st, err := docs.WriteManifestCached(dir, "manifest.json", s.manifest, s.meta(),
		docs.ManifestCache{Build: version + "\x00" + executableStamp(), Index: manifestCacheFile, Spare: manifestSpareFile, Keep: manifestKeepFile})
	took := time.Since(start)
	s.log.debug("ManifestCacheStats", fmt.Sprintf("manifest nodes reused: %d of %d (%d runs of them copied by the kernel, %d nodes from the compiled manifest kept; written in %s)",
		st.Reused, st.Reused+st.Encoded, st.Copies, st.Kept, took.Round(time.Millisecond)),
		map[string]any{"reused": st.Reused, "encoded": st.Encoded, "dropped": st.Dropped, "copies": st.Copies, "kept": st.Kept, "seconds": took.Seconds()})
	if st.IndexError != nil {
		// A cache that cannot be written does not fail the command.
		s.log.warn("ManifestCacheNotSaved", st.IndexError.Error(), nil)
	}
	if err != nil {
		return err
	}
	return docs.WriteSemanticManifest(dir, s.manifest)
}

// manifestCacheFile indexes manifest.json for the next write
// (docs.ManifestCache): unchanged nodes are copied, not encoded again.
const manifestCacheFile = "elt_manifest_cache.bin"

// manifestSpareFile is the manifest before the last one, overwritten by
// the next write and then exchanged with manifest.json
// (targetfs.WriteSwap): a large manifest is rewritten in place instead of
// allocated afresh, and the old one is not freed, on every command.
const manifestSpareFile = "elt_manifest_spare.json"

// manifestKeepFile is the second spare: while the spare keeps the
// compiled JSON of nodes a compile -s left uncompiled, the manifest is
// written into this one instead (docs.ManifestCache.Keep).
const manifestKeepFile = "elt_manifest_keep.json"

// writeRunResults writes run_results.json: the on-run-start hooks' results,
// the nodes', the quality checks' and the on-run-end hooks', in dbt's
// order (the checks, elt's own, run between the nodes and on-run-end).
func (s *session) writeRunResults(results []runner.Result, checks []quality.Result, startHooks, endHooks []hookResult, elapsed time.Duration, command string) error {
	if !s.writeJSON() {
		return nil
	}
	out := s.hookRunResults(startHooks)
	for _, r := range results {
		status := string(r.Status)
		if r.Status == runner.Cancelled {
			// dbt's run_results schema has no cancelled status: a cancelled node
			// is skipped, and its message says it was cancelled.
			status = string(runner.Skipped)
			if !strings.HasPrefix(r.Message, "cancelled") {
				r.Message = "cancelled"
			}
		}
		nr := docs.NodeResult{
			UniqueID:      r.UniqueID,
			Status:        status,
			Message:       s.env.secrets.Scrub(artifactMessage(r)),
			ThreadID:      r.ThreadID,
			StartedAt:     r.StartedAt,
			CompletedAt:   r.CompletedAt,
			ExecutionTime: r.Duration(),
			CompiledCode:  r.Node.CompiledCode,
			RelationName:  r.Node.RelationName,
			Compiled:      r.Node.Compiled,
			Uncompilable:  r.Node.ResourceType == project.Seed,
		}
		if runner.IsNoOp(r.Node) {
			// No compiled resource in dbt's sense; its no-op result has
			// no timing, no time and no failures (NoOpRunner).
			nr.Uncompilable = true
			if r.Status == runner.NoOp {
				nr.StartedAt, nr.CompletedAt, nr.ExecutionTime = time.Time{}, time.Time{}, 0
				zero := 0
				nr.Failures = &zero
			}
		} else if r.Status == runner.Skipped || r.Status == runner.Cancelled {
			// As dbt's result for a node it never reached: the node as
			// parsed, not compiled.
			nr.Compiled, nr.CompiledCode = false, ""
			if r.Status == runner.Skipped {
				// dbt's on_skip result: no timing, no execution time.
				nr.StartedAt, nr.CompletedAt, nr.ExecutionTime = time.Time{}, time.Time{}, 0
			}
		} else {
			// elt compiles every selected node up front, concurrently: each
			// node's compile timing is that shared window.
			nr.CompileStartedAt, nr.CompileCompletedAt = s.compileStart, s.compileEnd
		}
		if r.Failures != nil {
			f := int(*r.Failures)
			nr.Failures = &f
		}
		if len(r.Batches) > 0 {
			// As dbt's MicrobatchModelRunner, which compiles nothing of
			// its own (each batch compiles a copy of the node): the
			// model's result is the node as parsed.
			nr.Compiled, nr.CompiledCode = false, ""
			if nr.Failures == nil {
				// Its result starts with failures=0
				// (_initial_run_microbatch_model_result), which merging
				// the batches' results leaves as it is.
				zero := 0
				nr.Failures = &zero
			}
			br := &docs.BatchResults{Successful: [][2]string{}, Failed: [][2]string{}}
			for _, b := range r.Batches {
				// UTC-aware datetimes, which dbt_common's DateTimeSerialization
				// writes with isoformat ("+00:00", not "Z").
				pair := [2]string{docs.AwareTime(b.Start), docs.AwareTime(b.End)}
				if b.Status == runner.Success {
					br.Successful = append(br.Successful, pair)
				} else {
					br.Failed = append(br.Failed, pair)
				}
			}
			if s.f != nil {
				// As dbt's merge_batch_results on a retry: after this
				// run's batches, the ones that succeeded last time
				// (previous_batch_results.successful).
				br.Successful = append(br.Successful, s.f.retrySuccessful[r.UniqueID]...)
			}
			nr.BatchResults = br
		}
		nr.AdapterResponse = s.adapterResponse(r)
		out = append(out, nr)
	}
	out = append(out, s.qualityRunResults(checks)...)
	out = append(out, s.hookRunResults(endHooks)...)
	// dbt's args_to_dict of the invocation (invocation_args_dict), its
	// command the one whose results these are (retry's too).
	args := maps.Clone(s.templateInv.Args)
	if args == nil {
		args = map[string]any{}
	}
	// The sample window's repr is for Jinja; how dbt's JSON encoder writes
	// the SampleWindow object is not settled here, so it is left out.
	delete(args, "sample")
	args["which"] = command
	if vars, ok := args["vars"].(map[string]any); ok {
		// As dbt's run results: a secret var's value is masked (the
		// command line is scrubbed already).
		masked := maps.Clone(vars)
		for k := range masked {
			if secrets.IsSecretEnv(k) {
				masked[k] = secrets.Mask
			}
		}
		args["vars"] = masked
	}
	dir, err := s.targetFS()
	if err != nil {
		return err
	}
	return docs.WriteRunResults(dir, "run_results.json", s.meta(), out, elapsed, args)
}

// writeRunFiles writes target/run/<package>/<path>: the statements the
// warehouse ran for each node, in order, as dbt does, so a user can see
// and replay exactly what happened (and each microbatch batch's compiled
// SQL). Files are written a few at a time:
// each one waits on the disk (it is synced before it is renamed into
// place), and a run has one per node.
func (s *session) writeRunFiles(results []runner.Result) error {
	dir, err := s.targetFS()
	if err != nil {
		return err
	}
	const writers = 8
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, writers)
	)
	// Nodes that share a path leave the statements of the one that owns it,
	// as target/compiled does.
	names := make([]string, len(results))
	for i, r := range results {
		if (len(r.Statements) > 0 || r.RunSQL != nil) && len(r.Batches) == 0 {
			names[i] = path.Join("run", compiler.CompiledPath(r.Node))
		}
	}
	write := func(name, text, id string) {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := dir.WriteIfChanged(name, []byte(text)); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("write %s for %s: %w", name, id, err)
				}
				mu.Unlock()
			}
		}()
	}
	owners := compiler.PathOwners(len(results), func(i int) (string, string) { return names[i], results[i].UniqueID })
	for i, r := range results {
		// A microbatch model's batches each have their files, as dbt
		// writes them (compiled and run, models/m/m_<batch start>.sql),
		// and the model none of its own in target/run.
		for _, b := range r.Batches {
			p := compiler.BatchPath(compiler.CompiledPath(r.Node), b.Suffix)
			if b.Compiled != "" {
				write(path.Join("compiled", p), b.Compiled, r.UniqueID)
			}
			if len(b.Statements) > 0 {
				write(path.Join("run", p), runFileText(runner.Result{Statements: b.Statements}), r.UniqueID)
			}
		}
		if names[i] == "" || owners[names[i]] != r.UniqueID {
			continue
		}
		write(names[i], runFileText(r), r.UniqueID)
	}
	wg.Wait()
	return firstErr
}

// runFileText is a node's target/run file: the statements the warehouse
// ran for it, or, when its materialization block wrote its run SQL with
// write() (noop_statement('main')), that payload as it was written, as
// dbt's write(payload) leaves the file.
func runFileText(r runner.Result) string {
	if r.RunSQL != nil {
		return *r.RunSQL
	}
	var b strings.Builder
	for j, stmt := range r.Statements {
		if j > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.TrimRight(stmt, " \n\t;"))
		b.WriteString(";\n")
	}
	return b.String()
}

func parseFlagTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date or timestamp (use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)", v)
}

// retryCommand re-runs what the last run left undone, with that run's command.
func retryCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer) error {
	p, err := loadProjectOnly(ctx, f, env)
	if err != nil {
		return err
	}
	path := filepath.Join(targetDir(p), "run_results.json")
	// The folder as dbt's retry names it when it holds no run: --state
	// or the target path, as given.
	stateName := p.Config.TargetPath
	if stateName == "" {
		stateName = "target"
	}
	if f.state != "" {
		stateName = f.state
		// As dbt's retry: --state names the run to retry, relative to
		// the project folder.
		dir := f.state
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(p.Root, dir)
		}
		path = filepath.Join(dir, "run_results.json")
		f.state = "" // the retried command selects by ids, not state
	}
	prev, err := docs.ReadRunResults(path)
	if errors.Is(err, fs.ErrNotExist) {
		// dbt's RetryTask: "Could not find previous run in '<state>'
		// target directory" (task/retry.py).
		return usageErr(fmt.Errorf("Could not find previous run in '%s' target directory (no %s; run a command such as elt build first)", stateName, path))
	}
	if err != nil {
		return usageErr(fmt.Errorf("%s: %w (run a command such as elt build first)", path, err))
	}
	command, _ := prev.Args["which"].(string)
	kinds := map[string][]string{
		"build": {"seed", "model", "snapshot", "test", "unit_test", "exposure", "saved_query"}, "run": {"model"}, "seed": {"seed"},
		"test": {"test", "unit_test"}, "snapshot": {"snapshot"},
	}[command]
	var ids []string
	retryBatches := map[string][]runner.Window{}
	retrySuccessful := map[string][][2]string{}
	for _, r := range prev.Results {
		if strings.HasPrefix(r.UniqueID, quality.IDPrefix) {
			// A quality check is judged again when its node is built or
			// tested; it is not a node to run.
			continue
		}
		if strings.HasPrefix(r.UniqueID, string(operation)+".") {
			// As dbt's retry: a project hook is no node to run again (the
			// retried command runs the hooks anyway).
			continue
		}
		switch r.Status {
		case "error", "fail", "skipped", "runtime error", "partial success":
			ids = append(ids, r.UniqueID)
		case "warn":
			// As dbt's retry: under --warn-error a warning is retried.
			if f.warnError {
				ids = append(ids, r.UniqueID)
			}
		}
		// After a partial success of a run only the failed batches run
		// again, as in dbt: its RetryTask hands the batches to RunTask
		// alone (task/retry.py, task_class == RunTask), so a retried
		// build runs the model's batches as a build does.
		if r.Status == "partial success" && r.BatchResults != nil && command == "run" {
			retrySuccessful[r.UniqueID] = r.BatchResults.Successful
			for _, w := range r.BatchResults.Failed {
				start, err1 := time.Parse(time.RFC3339, w[0])
				end, err2 := time.Parse(time.RFC3339, w[1])
				if err1 != nil || err2 != nil {
					return usageErr(fmt.Errorf("%s: %s has a failed batch with unreadable times %q", path, r.UniqueID, w))
				}
				retryBatches[r.UniqueID] = append(retryBatches[r.UniqueID], runner.Window{Start: start, End: end})
			}
		}
	}
	f.retryBatches = retryBatches
	f.retrySuccessful = retrySuccessful
	if err := restoreRetryArgs(f, prev.Args, path); err != nil {
		return err
	}
	switch command {
	case "run-operation":
		// As dbt's retry, whose RunOperationTask takes no node list: the
		// operation runs again, with its macro and --args, whatever its
		// last status.
		return retryOperation(ctx, f, env, stdout, stderr, prev.Args, path)
	case "generate":
		// As dbt's retry of docs generate (GenerateTask): the docs are
		// generated again, with the last run's flags. (dbt compiles only
		// the nodes that failed; elt compiles the project, as docs
		// generate does.)
		for k, dst := range map[string]*bool{"compile": &f.docsCompile, "empty_catalog": &f.emptyCatalog, "static": &f.static} {
			if v, ok := prev.Args[k].(bool); ok {
				*dst = v
			}
		}
		return docsGenerateCommand(ctx, f, env, stdout, stderr)
	}
	if len(ids) == 0 && kinds == nil && command != "compile" && command != "clone" {
		// A command dbt's retry does not know (show): nothing to do again.
		fmt.Fprintln(stdout, "Nothing to retry: the last run finished without errors or skips.")
		return nil
	}
	if ids == nil {
		// As dbt's retry, which runs the retried task over the empty
		// subset (task/retry.py): that command's NothingToDo, and an
		// empty run_results.json in its name, so a second retry finds
		// nothing either.
		ids = []string{}
	}
	switch command {
	case "compile":
		// As dbt's retry: the nodes that failed are the selection.
		f.retryIDs = ids
		return compileCommand(ctx, f, env, stdout, stderr)
	case "clone":
		// As dbt's retry: the nodes that failed, cloned again from the
		// last run's --state.
		f.retryIDs = ids
		f.state, _ = prev.Args["state"].(string)
		return cloneCommand(ctx, f, env, stdout, f.state)
	}
	if kinds == nil {
		return usageErr(fmt.Errorf("%s: the last command (%q) cannot be retried; retry works after build, run, seed, test, snapshot, compile, clone, run-operation and docs generate", path, command))
	}
	return execute(ctx, f, env, stdout, stderr, command, kinds, command == "build", ids)
}

// restoreRetryArgs sets the flags of the run being retried from its
// run_results.json args.
func restoreRetryArgs(f *flags, args map[string]any, path string) error {
	// As dbt's retry: the retried run's flags, but the paths and
	// warn_error; --vars and --threads given again win.
	if v, ok := args["full_refresh"].(bool); ok {
		f.fullRefresh = v
	}
	if v, ok := args["fail_fast"].(bool); ok {
		f.failFast = v
	}
	for k, dst := range map[string]*string{"target": &f.target, "profile": &f.profile,
		"event_time_start": &f.eventStart, "event_time_end": &f.eventEnd} {
		if v, ok := args[k].(string); ok {
			*dst = v
		}
	}
	for k, dst := range map[string]*bool{"empty": &f.empty, "store_failures": &f.storeFailures} {
		if v, ok := args[k].(bool); ok {
			*dst = v
		}
	}
	if v, ok := args["threads"].(float64); ok && v > 0 && f.threads == 0 {
		f.threads = int(v)
	}
	if v, ok := args["vars"].(map[string]any); ok && len(v) > 0 && f.vars == "" {
		// As dbt: the retried run's --vars, unless given again.
		b, err := json.Marshal(v)
		if err != nil {
			return usageErr(fmt.Errorf("%s: the last run's vars: %w", path, err))
		}
		f.vars = string(b)
	}
	return nil
}

// retryOperation runs the last run-operation again: its macro with its
// --args (written as given, or as a mapping).
func retryOperation(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer, args map[string]any, path string) error {
	macro, _ := args["macro"].(string)
	if macro == "" {
		return usageErr(fmt.Errorf("%s: the last run-operation names no macro", path))
	}
	switch a := args["args"].(type) {
	case string:
		f.macroArgs = a
	case map[string]any:
		b, err := json.Marshal(a)
		if err != nil {
			return usageErr(fmt.Errorf("%s: the last run-operation's args: %w", path, err))
		}
		f.macroArgs = string(b)
	}
	f.macro = macro
	return runOperationCommand(ctx, f, env, stdout, stderr, macro)
}

// warnsError says whether the warning event (dbt's event name) fails the
// invocation: --warn-error (or the warn_error flag) fails every one,
// warn_error_options those it names or all (dbt's warn_or_error).
func (s *session) warnsError(event string) bool {
	if s.f.warnError {
		return true
	}
	if v, _ := s.proj.Config.FlagBool("warn_error"); v {
		return true
	}
	return s.proj.Config.WarnErrorOptions().Errors(event)
}

// warnOrError is dbt's warn_or_error for the events elt emits: the
// warning is logged, or is an error (exit 2) under --warn-error or
// warn_error_options, or is not shown when warn_error_options silences it.
func (s *session) warnOrError(event, msg string, data map[string]any) error {
	if s.warnsError(event) {
		return usageErr(errors.New(msg))
	}
	if s.proj.Config.WarnErrorOptions().Silenced(event) {
		return nil
	}
	s.log.warn(event, msg, data)
	return nil
}

// writeJSON is dbt's write_json flag (--write-json, DBT_WRITE_JSON,
// flags:): false writes no manifest.json, run_results.json or
// sources.json. elt's own caches are written either way.
func (s *session) writeJSON() bool {
	v, ok := s.proj.Config.FlagBool("write_json")
	return v || !ok
}

// resultErrorText is the text of dbt's RunResultError for r: an
// error's message is dbt's exception text, whose lines after the first
// are indented already, printed after two spaces as dbt's. Other messages
// (a failure's, a partial success's) are indented line by line.
func resultErrorText(r runner.Result) string {
	if r.Status != runner.Error && r.SkipCause == nil {
		return "  " + strings.ReplaceAll(r.Message, "\n", "\n  ")
	}
	return "  " + r.Message
}

// artifactMessage is a result's message as dbt's RunResult carries it into
// run_results.json and on-run-end's results. A model run in batches has
// the status word dbt's MicrobatchModelRunner.merge_batch_results gives it
// ("ERROR", "PARTIAL SUCCESS (ok/all)"), not its batches' errors, which dbt
// logs as each batch fails and elt prints in the end summary.
func artifactMessage(r runner.Result) string {
	if len(r.Batches) == 0 {
		return r.Message
	}
	ok := 0
	for _, b := range r.Batches {
		if b.Status == runner.Success {
			ok++
		}
	}
	switch r.Status {
	case runner.Error:
		return "ERROR"
	case runner.PartialSuccess:
		return fmt.Sprintf("PARTIAL SUCCESS (%d/%d)", ok, len(r.Batches))
	}
	return r.Message
}

// logErrorDetail follows dbt's RunResultError with what elt adds to a
// node's error (where in its file, what to do), an event of elt's own, so
// that dbt's event stays as dbt writes it.
func (s *session) logErrorDetail(level string, r runner.Result, info map[string]any) {
	if r.Detail == "" {
		return
	}
	s.log.event(level, "NodeErrorDetail", "  "+strings.ReplaceAll(r.Detail, "\n", "\n  "),
		map[string]any{"detail": s.env.secrets.Scrub(r.Detail), "node_info": info})
}
