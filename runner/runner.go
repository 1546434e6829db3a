package runner

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/graph"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/tests"
)

// Status is a node's outcome as dbt's run_results.json names it.
type Status string

const (
	Success   Status = "success"
	Error     Status = "error"
	Skipped   Status = "skipped"
	Pass      Status = "pass"
	Warn      Status = "warn"
	Fail      Status = "fail"
	Cancelled Status = "cancelled"
	// PartialSuccess is a microbatch model some of whose batches failed:
	// the others are in the table, and elt retry re-runs only the failed ones.
	PartialSuccess Status = "partial success"
)

// Result is one node's outcome.
type Result struct {
	UniqueID string
	Node     *compiler.Node
	Status   Status
	Message  string
	// Detail, on an error, is what elt says beyond dbt's Message: where
	// in the node's file the error is, and what to do (see failure).
	Detail         string
	Failures       *int64
	RowsAffected   int64
	ThreadID       string
	StartedAt      time.Time
	CompletedAt    time.Time
	AdapterMsg     string
	StoredFailures string
	Batches        []Batch // microbatch models only
	// Statements are the SQL statements the adapter ran for the node, in
	// order (hooks included), for target/run.
	Statements []string
	// RunSQL, when not nil, is what the node's materialization block wrote
	// with write() (noop_statement('main')): its target/run file holds
	// that instead of Statements, as dbt's.
	RunSQL *string
	// AdapterResponse, when not nil, is the node's adapter_response as
	// its materialization block stored it (noop_statement('main')).
	AdapterResponse map[string]any
	// Warnings are what the adapter warned about while building the node
	// (e.g. a snapshot's repeated unique_key); the node still succeeded.
	Warnings []adapters.Warning
	// Recompiled: the render made just before the node ran gave other SQL
	// than the manifest holds (or the node had none: its render ahead of
	// the run stopped at a statement, or failed).
	Recompiled bool
	// RenderFailed: the node's render failed, so it has no compiled code
	// of this run (dbt's compiled_path stays None).
	RenderFailed bool
	// SkipCause, on a node skipped because a selected ephemeral model it
	// reads failed to compile, is that model's error result (dbt's
	// skip_cause): the node is skipped "with an error".
	SkipCause *Result

	// plan is a microbatch model's batches, planned before its hooks run
	// (they render in its first and last batch's context).
	plan *batchPlan
}

// Duration is how long the node ran.
func (r Result) Duration() time.Duration { return r.CompletedAt.Sub(r.StartedAt) }

// EventKind says what happened to a node.
type EventKind int

const (
	NodeStart EventKind = iota
	NodeFinish
	// BatchStart and BatchFinish are a microbatch model's batches, each
	// between its node's start and finish (Event.Batch).
	BatchStart
	BatchFinish
)

// Event is one progress event, delivered in order from one goroutine at a time.
type Event struct {
	Kind   EventKind
	Index  int // 1-based position in the run
	Total  int
	Node   *compiler.Node
	Result Result // for NodeFinish
	Batch  *BatchEvent
	// Thread is the worker that runs the node, at NodeStart (a
	// finished node's is Result.ThreadID).
	Thread string
}

// BatchEvent is one batch of a microbatch model, as dbt reports it: its
// place among the model's batches, its start as dbt formats it for the
// batch size ("2024-01-31", "2024-01-31T16"), and, when it finished, how.
type BatchEvent struct {
	Index, Total int
	Label        string
	Status       Status // Success or Error, at BatchFinish
	Message      string // the warehouse's response, or the error
	Duration     time.Duration
}

// Options configure one execution.
type Options struct {
	Threads     int
	FailFast    bool
	FullRefresh bool
	// NoOpNodes are the exposures and saved queries build reports as
	// no-op nodes (IsNoOp), by unique id: no manifest node holds them.
	NoOpNodes map[string]*compiler.Node
	// Build adds dbt build's edges: a model's tests run before its children,
	// and a failing test skips them.
	Build bool
	// OnEvent receives progress; calls are serialised.
	OnEvent func(Event)
	// Tests configures data tests (target database and schema for stored failures).
	Tests tests.Options
	// IsIncremental answers is_incremental() for a model (see IncrementalTargets);
	// nil means never.
	IsIncremental func(n *compiler.Node) bool
	// EventTimeStart and EventTimeEnd bound microbatch runs (--event-time-start/--event-time-end).
	EventTimeStart, EventTimeEnd time.Time
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// WarnError fails a data test that would warn (dbt's --warn-error).
	WarnError bool
	// WarnsError says whether a warning event a materialization raises
	// with dbt's warn_or_error (SnapshotTimestampWarning) fails its node
	// instead (--warn-error, warn_error_options); nil means never.
	WarnsError func(event string) bool
	// RetryBatches, by model id, replaces a microbatch model's batches with
	// exactly these windows (elt retry after a partial success).
	RetryBatches map[string][]Window
	// Failed are nodes known to fail before they run (elt's static
	// checks), by unique id: each fails with its error when its turn
	// comes, running nothing, and its children are skipped as after any
	// failure.
	Failed map[string]error
}

// Window is one microbatch window [Start, End).
type Window struct{ Start, End time.Time }

// Runner runs nodes of one manifest on one adapter.
type Runner struct {
	m       *compiler.Manifest
	g       *graph.Graph
	a       adapters.Adapter
	opts    Options
	target  *project.Target
	schemas sync.Map // "db.schema" -> *schemaOnce
	mu      sync.Mutex
	index   int
	// unitsOf lists, in build, the unit tests that run before each model.
	unitsOf map[string][]string
	// grantsWarnOnce says once per run that the warehouse has no grants.
	grantsWarnOnce sync.Once
	// ops are the project's drop_relation and truncate_relation when it
	// replaces dbt's (hasOps), which every node's build runs.
	ops    adapters.RelationOps
	hasOps bool
	// ownCreateSchema: the project replaces dbt's create_schema, which
	// then creates the run's schemas (compiler.RunCreateSchema).
	ownCreateSchema bool
}

type schemaOnce struct {
	once sync.Once
	err  error
}

// New prepares a runner.
func New(m *compiler.Manifest, g *graph.Graph, a adapters.Adapter, opts Options) *Runner {
	if opts.Threads < 1 {
		opts.Threads = 1
	}
	r := &Runner{m: m, g: g, a: a, opts: opts, target: m.Project.Target}
	r.ops, r.hasOps = relationOps(m)
	r.ownCreateSchema = m.SchemaCreationReplaced()
	return r
}

// Executable reports whether a node does work when run: ephemeral models
// and sources do not.
func Executable(n *compiler.Node) bool {
	if n == nil {
		return false
	}
	if n.ResourceType == project.Model && materialized(n) == "ephemeral" {
		return false
	}
	switch n.ResourceType {
	case project.Model, project.Seed, project.Snapshot, project.Test, project.UnitTestType:
		return true
	}
	return IsNoOp(n)
}

// Run executes ids (already selected) and returns one result per node, in
// the order they finished.
func (r *Runner) Run(ctx context.Context, ids []string) []Result {
	var run []string
	// ephemeral are the selected ephemeral models: dbt compiles each as a
	// node of its own, reporting nothing, so one that fails to compile
	// skips its descendants with its error as the cause (SkipCause).
	ephemeral := map[string]bool{}
	for _, id := range ids {
		n := r.node(id)
		if Executable(n) {
			run = append(run, id)
		} else if n != nil && n.ResourceType == project.Model && materialized(n) == "ephemeral" {
			ephemeral[id] = true
		}
	}
	total := len(run)
	// In build, a model's unit tests run just before it (unittest.go).
	run, r.unitsOf = r.attachUnitTests(run)
	results := make(map[string]Result, total)
	var order []string
	var resMu sync.Mutex
	// ephFailed are the selected ephemeral models found failing, by id.
	ephFailed := map[string]*Result{}

	g := r.g
	if r.opts.Build {
		g = g.WithBuildEdges()
	}
	threadIDs := make(chan int, r.opts.Threads)
	for i := 1; i <= r.opts.Threads; i++ {
		threadIDs <- i
	}
	walked := run
	if len(ephemeral) > 0 {
		walked = append([]string(nil), run...)
		for id := range ephemeral {
			walked = append(walked, id)
		}
	}
	statuses := g.Walk(ctx, walked, graph.WalkOptions{Threads: r.opts.Threads, FailFast: r.opts.FailFast},
		func(ctx context.Context, id string) graph.Status {
			tid := <-threadIDs
			defer func() { threadIDs <- tid }()
			thread := fmt.Sprintf("Thread-%d (worker)", tid)
			ctx = compiler.WithThread(ctx, thread)
			n := r.node(id)
			if ephemeral[id] {
				cause := r.compileEphemeral(ctx, n)
				if cause == nil {
					return graph.Success
				}
				cause.ThreadID = thread
				resMu.Lock()
				ephFailed[id] = cause
				resMu.Unlock()
				return graph.Failed
			}
			if units := r.unitsOf[id]; len(units) > 0 {
				if failed := r.runUnitTests(ctx, units, total, tid, func(res Result) {
					resMu.Lock()
					results[res.UniqueID] = res
					order = append(order, res.UniqueID)
					resMu.Unlock()
				}); failed {
					// Skipped as for any failed parent: no message, as
					// dbt's on_skip.
					now := time.Now()
					res := Result{UniqueID: id, Node: n, Status: Skipped, StartedAt: now, CompletedAt: now}
					r.finish(r.nextIndex(), total, n, res)
					resMu.Lock()
					results[id] = res
					order = append(order, id)
					resMu.Unlock()
					return graph.Failed
				}
			}
			var idx int
			if IsNoOp(n) {
				// dbt's no-op nodes print no START line.
				idx = r.nextIndex()
			} else {
				idx = r.start(n, total, thread)
			}
			res := r.execute(ctx, n)
			res.ThreadID = thread
			r.finish(idx, total, n, res)
			resMu.Lock()
			results[id] = res
			order = append(order, id)
			resMu.Unlock()
			switch res.Status {
			case Error, Fail, PartialSuccess:
				return graph.Failed
			case Cancelled:
				return graph.Cancelled
			}
			return graph.Success
		})

	// Nodes the walker never visited were skipped (a parent failed) or cancelled.
	var rest []string
	for _, id := range run {
		if _, ok := results[id]; !ok {
			rest = append(rest, id)
			// A skipped model's unit tests are skipped with it.
			rest = append(rest, r.unitsOf[id]...)
		}
	}
	sort.Strings(rest)
	// A walk that --fail-fast stopped skips every node it did not run
	// with dbt's message (task/runnable.py execute_nodes), whatever the
	// reason it would otherwise have had.
	failedFast := false
	if r.opts.FailFast {
		for _, st := range statuses {
			failedFast = failedFast || st == graph.Failed
		}
	}
	for _, id := range rest {
		n := r.node(id)
		// A node skipped for a failed parent has no message (dbt's
		// on_skip: null in run_results.json).
		st := Skipped
		msg := ""
		if statuses[id] == graph.Cancelled {
			st, msg = Cancelled, "cancelled"
		} else if failedFast {
			msg = "Skipping due to fail_fast"
		}
		now := time.Now()
		res := Result{UniqueID: id, Node: n, Status: st, Message: msg, StartedAt: now, CompletedAt: now}
		if st == Skipped && !failedFast {
			if cause := r.failedEphemeralAncestor(n, ephFailed); cause != nil {
				res.Message, res.SkipCause = ephemeralSkipMessage(id, cause.UniqueID), cause
			}
		}
		if st != Skipped || !failedFast {
			// dbt reports nothing of the nodes fail_fast skips until the
			// run's results.
			idx := r.nextIndex()
			r.emit(Event{Kind: NodeFinish, Index: idx, Total: total, Node: n, Result: res})
		}
		results[id] = res
		order = append(order, id)
	}
	out := make([]Result, 0, len(order))
	for _, id := range order {
		out = append(out, results[id])
	}
	return out
}

// compileEphemeral renders the selected ephemeral model n as dbt compiles
// it in its turn, storing nothing, and returns its error result, or nil
// when it compiles.
func (r *Runner) compileEphemeral(ctx context.Context, n *compiler.Node) *Result {
	render := r.renderer()
	if render == nil {
		return nil
	}
	started := time.Now()
	if _, err := render(ctx, n.UniqueID); err != nil && ctx.Err() == nil {
		msg, detail := r.failure(n, err, true)
		return &Result{UniqueID: n.UniqueID, Node: n, Status: Error, Message: msg, Detail: detail, RenderFailed: true, StartedAt: started, CompletedAt: time.Now()}
	}
	return nil
}

// ephemeralSkipMessage is dbt's message of a node skipped because the
// ephemeral model it reads failed to compile (task/base.py on_skip).
func ephemeralSkipMessage(id, ephemeral string) string {
	return fmt.Sprintf("Compilation Error in %s, caused by compilation error in referenced ephemeral model %s", id, ephemeral)
}

// failedEphemeralAncestor is the error result of a failed ephemeral model
// among n's ancestors, or nil: dbt skips every descendant of a failed
// ephemeral model with it as the cause.
func (r *Runner) failedEphemeralAncestor(n *compiler.Node, failed map[string]*Result) *Result {
	if len(failed) == 0 || n == nil {
		return nil
	}
	seen := map[string]bool{}
	queue := append([]string(nil), n.DependsOn.Nodes...)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		if res := failed[id]; res != nil {
			return res
		}
		if p := r.node(id); p != nil {
			queue = append(queue, p.DependsOn.Nodes...)
		}
	}
	return nil
}

func (r *Runner) nextIndex() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.index++
	return r.index
}

func (r *Runner) start(n *compiler.Node, total int, thread string) int {
	idx := r.nextIndex()
	r.emit(Event{Kind: NodeStart, Index: idx, Total: total, Node: n, Thread: thread})
	return idx
}

func (r *Runner) finish(idx, total int, n *compiler.Node, res Result) {
	r.emit(Event{Kind: NodeFinish, Index: idx, Total: total, Node: n, Result: res})
}

func (r *Runner) emit(e Event) {
	if r.opts.OnEvent == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opts.OnEvent(e)
}

// rollbackOpen rolls back the transaction a node's statements began and
// did not end, before its connection is given back.
func (r *Runner) rollbackOpen(ctx context.Context, tx *compiler.Transaction) {
	if !tx.Open() {
		return
	}
	tx.Closed()
	// As dbt's close: a failed rollback is logged, not the node's error;
	// the adapter's release then closes the connection.
	_ = r.a.Exec(context.WithoutCancel(ctx), "rollback")
}

// execute runs one node. The result is named so that the deferred
// bookkeeping reaches every return, the cancelled one included.
func (r *Runner) execute(ctx context.Context, n *compiler.Node) (res Result) {
	res = Result{UniqueID: n.UniqueID, Node: n, StartedAt: time.Now()}
	defer func() { res.CompletedAt = time.Now() }()
	if IsNoOp(n) {
		res.Status, res.Message = NoOp, "NO-OP"
		return res
	}
	if err, ok := r.opts.Failed[n.UniqueID]; ok {
		res.Status = Error
		res.Message, res.Detail = r.failure(n, err, false)
		return res
	}
	// As dbt's connection of a node, named by its unique id.
	ctx = adapters.WithConnectionName(ctx, n.UniqueID)
	var err error
	if sess, ok := r.a.(adapters.Sessioner); ok && (n.ResourceType != project.Seed || r.hasOps) {
		// As dbt's one connection per thread: what the node's render
		// runs (a temporary table made by run_query), its hooks (SET)
		// and its statements share a connection (a seed's, when the
		// project's truncate_relation or drop_relation runs in its load).
		var release func()
		if ctx, release, err = sess.Session(ctx); err != nil {
			res.Status = Error
			res.Message, res.Detail = r.failure(n, err, false)
			return res
		}
		defer release()
		// A "begin" the node's own run_query sends (its body, a hook)
		// opens a real transaction there that its "commit" ends; one left
		// open is rolled back, as dbt's close of the connection does.
		var tx *compiler.Transaction
		ctx, tx = compiler.WithExplicitTransaction(ctx)
		defer r.rollbackOpen(ctx, tx)
	}
	if n.ResourceType == project.UnitTestType {
		err = r.unitTest(ctx, n, &res)
		switch {
		case err != nil && ctx.Err() != nil:
			res.Status, res.Message = Cancelled, "cancelled: "+context.Cause(ctx).Error()
		case err != nil:
			res.Status = Error
			res.Message, res.Detail = r.failure(n, err, false)
		}
		return res
	}
	if n.ResourceType != project.Seed && !r.batched(n) {
		// Render again just before running, as dbt does, so introspective
		// Jinja (adapter.get_columns_in_relation, run_query) sees the tables
		// built earlier in this run. A model run in batches is rendered by
		// each batch alone, as dbt's MicrobatchModelRunner compiles nothing
		// of its own.
		res.Recompiled, err = r.rerender(ctx, n)
	}
	rendering := err != nil
	if err == nil {
		ctx, err = r.withQueryComment(ctx, n)
	}
	if r.hasOps {
		ctx = adapters.WithRelationOps(ctx, r.ops)
	}
	if err == nil {
		if nameErr := checkRelationName(n, r.a.Dialect().MaxIdentifierLength()); nameErr != nil {
			err = located(n, nameErr)
		}
	}
	if err == nil && (n.ResourceType == project.Model || n.ResourceType == project.Test) && n.Language != "python" && !r.batched(n) && compiler.BlankSQL(n.CompiledCode) && !r.m.RunsBlock(n) {
		// It compiled to nothing: dbt's own materializations send that to
		// the warehouse, which refuses it; elt says why before. A
		// project's block may run none of it.
		err = located(n, fmt.Errorf("%s (%s)", compiler.BlankSQLMessage(n), compiler.BlankSQLHint(n)))
	}
	var stmts adapters.StatementLog
	ctx = adapters.WithStatementLog(ctx, &stmts)
	defer func() { res.Statements = stmts.Statements() }()
	switch {
	case err != nil:
	case n.ResourceType == project.Seed:
		err = r.seed(ctx, n, &res)
	case n.ResourceType == project.Model:
		err = r.model(ctx, n, &res)
	case n.ResourceType == project.Test:
		err = r.test(ctx, n, &res)
	case n.ResourceType == project.Snapshot:
		err = r.build(ctx, n, &res, func() (adapters.RunResult, error) { return r.snapshot(ctx, n) })
	default:
		err = fmt.Errorf("%s: cannot run a %s", n.UniqueID, n.ResourceType)
	}
	if err != nil {
		res.Status = Error
		if ctx.Err() != nil {
			// Whatever the warehouse said, the query stopped because the run was cancelled.
			res.Status = Cancelled
			res.Message = "cancelled: " + context.Cause(ctx).Error()
			return res
		}
		res.Message = err.Error()
		var pe *partialError
		if errors.As(err, &pe) {
			res.Status = PartialSuccess
		} else {
			res.Message, res.Detail = r.failure(n, err, rendering)
			res.RenderFailed = rendering
		}
	}
	return res
}

// CreateSchemas creates the schemas of the nodes among ids that build a
// relation (models but ephemeral ones, seeds, snapshots), as dbt creates
// a run's schemas before its on-run-start hooks, which may write there.
func (r *Runner) CreateSchemas(ctx context.Context, ids []string) error {
	for _, id := range ids {
		n := r.node(id)
		if !Executable(n) || (n.ResourceType != project.Model && n.ResourceType != project.Seed && n.ResourceType != project.Snapshot) {
			continue
		}
		if limit := r.a.Dialect().MaxIdentifierLength(); limit > 0 && (len(n.Relation.Schema) > limit || len(n.Relation.Database) > limit) {
			continue // the node fails when it runs (checkRelationName), and makes no truncated schema
		}
		if err := r.ensureSchema(ctx, n.Relation); err != nil {
			return fmt.Errorf("%s: create schema %s: %w", n.OriginalFilePath, n.Relation.Schema, err)
		}
	}
	return nil
}

func (r *Runner) ensureSchema(ctx context.Context, rel compiler.Relation) error {
	key := rel.Database + "\x00" + rel.Schema
	v, _ := r.schemas.LoadOrStore(key, &schemaOnce{})
	so := v.(*schemaOnce)
	so.once.Do(func() {
		// dbt creates a schema on a connection of its own, named
		// create_<database>_<schema>, whose query comment has no node
		// (task/runnable.py create_schemas).
		text, appendIt, err := r.m.ConnectionQueryComment(ctx, "create_"+rel.Database+"_"+rel.Schema)
		if err != nil {
			so.err = err
			return
		}
		ctx := adapters.WithQueryComment(ctx, adapters.QueryComment{Text: text, Append: appendIt})
		if r.ownCreateSchema {
			so.err = r.m.RunCreateSchema(ctx, rel.Database, rel.Schema)
			return
		}
		so.err = r.a.CreateSchema(ctx, rel.Database, rel.Schema)
	})
	return so.err
}

func toAdapterRel(rel compiler.Relation) adapters.Relation {
	return adapters.Relation{Database: rel.Database, Schema: rel.Schema, Identifier: rel.Identifier}
}

func (r *Runner) seed(ctx context.Context, n *compiler.Node, res *Result) error {
	s := adapters.Seed{
		UniqueID:        n.UniqueID,
		Relation:        toAdapterRel(n.Relation),
		Path:            filepath.Join(r.m.Project.Root, filepath.FromSlash(n.OriginalFilePath)),
		ColumnTypes:     n.SeedColumnTypes,
		QuoteColumns:    boolConfig(n.Config, "quote_columns", false),
		QuoteColumnsSet: n.Config["quote_columns"] != nil,
		Delimiter:       stringConfig(n.Config, "delimiter", ","),
		FullRefresh:     FullRefresh(n.Config, r.opts.FullRefresh),
		Config:          n.Config,
	}
	if ct, ok := n.Config["column_types"].(map[string]any); ok && len(s.ColumnTypes) == 0 {
		s.ColumnTypes = map[string]string{}
		for k, v := range ct {
			s.ColumnTypes[k] = fmt.Sprint(v)
		}
	}
	return r.build(ctx, n, res, func() (adapters.RunResult, error) { return r.a.LoadSeed(ctx, s) })
}

func (r *Runner) model(ctx context.Context, n *compiler.Node, res *Result) error {
	if err := r.m.MaterializationLanguageError(n); err != nil {
		return err
	}
	if n.Language == "python" {
		return fmt.Errorf("%s: elt does not run Python models; build this one with dbt, or rewrite it in SQL (its children are skipped, the rest of the project builds)", n.OriginalFilePath)
	}
	mat := materialized(n)
	var contract *adapters.Contract
	if compiler.ContractEnforced(n) {
		// Checked before anything runs: a mismatch fails the model.
		c, warnings, err := r.checkContract(ctx, n, mat)
		if err != nil {
			return err
		}
		contract = c
		res.Warnings = append(res.Warnings, warnings...)
	}
	if _, custom := r.m.CustomMaterialization(n); custom {
		return r.custom(ctx, n, res, contract)
	}
	if dropsLeftovers(mat) {
		if err := r.dropLeftovers(ctx, n); err != nil {
			return located(n, err)
		}
	}
	switch mat {
	case "table", "view", "materialized_view", "dynamic_table", "table_function":
		return r.build(ctx, n, res, func() (adapters.RunResult, error) {
			return r.a.Materialize(ctx, adapters.Model{
				UniqueID:     n.UniqueID,
				Relation:     toAdapterRel(n.Relation),
				Materialized: mat,
				SQL:          n.CompiledCode,
				Config:       n.Config,
				Contract:     contract,
				FullRefresh:  FullRefresh(n.Config, r.opts.FullRefresh),
			})
		})
	case "incremental":
		return r.build(ctx, n, res, func() (adapters.RunResult, error) { return r.incremental(ctx, n, res, contract) })
	case "external":
		return r.build(ctx, n, res, func() (adapters.RunResult, error) { return r.external(ctx, n) })
	}
	return fmt.Errorf("%s: materialization %q is not supported (use table, view, incremental, ephemeral, or external on DuckDB)", n.OriginalFilePath, mat)
}

// HookRenderer renders a node's pre_hook/post_hook statements, those run
// in its transaction or those run outside it.
type HookRenderer interface {
	HooksIn(ctx context.Context, id string, which string, inTransaction bool) ([]string, error)
}

// build wraps one materialization with its schema, pre-hooks and post-hooks.
func (r *Runner) build(ctx context.Context, n *compiler.Node, res *Result, do func() (adapters.RunResult, error)) error {
	if err := r.ensureSchema(ctx, n.Relation); err != nil {
		return err
	}
	// A microbatch model run in batches runs its pre-hooks with its first
	// batch and its post-hooks with its last, in their contexts
	// (model.batch), and none when it has no batch to run, as dbt's
	// batches do; unbatched, it runs them once, as any model.
	var first, last *Batch
	hooks := true
	if r.batched(n) {
		if plan, err := r.planMicrobatch(n); err == nil {
			res.plan = plan
			if len(plan.batches) == 0 {
				hooks = false
			} else {
				first, last = &plan.batches[0], &plan.batches[len(plan.batches)-1]
			}
		}
	}
	// dbt's order: pre-hooks outside the node's transaction, then those
	// in it; then the build; then the post-hooks in it, then those
	// outside (transaction: false, as before_begin and after_commit).
	if hooks {
		if err := r.runHooks(ctx, n, "pre_hook", false, first); err != nil {
			return err
		}
		if err := r.runHooks(ctx, n, "pre_hook", true, first); err != nil {
			return err
		}
	}
	if err := r.sqlHeader(ctx, n); err != nil {
		return err
	}
	// dbt revokes stale grants only on a relation that existed before.
	existed := false
	if g, _ := grantsConfig(n); len(g) > 0 && r.a.Dialect().Type() != "duckdb" {
		kind, err := r.a.RelationKind(ctx, toAdapterRel(n.Relation))
		if err != nil {
			return located(n, err)
		}
		existed = kind != adapters.KindNone && r.grantsCarriedOver(n)
	}
	rr, err := do()
	if err != nil {
		if n.ResourceType == project.Seed {
			// The adapter names the CSV and line; make the path relative to the project.
			return errors.New(strings.ReplaceAll(err.Error(), r.m.Project.Root+string(filepath.Separator), ""))
		}
		return located(n, err)
	}
	if hooks {
		if err := r.runHooks(ctx, n, "post_hook", true, last); err != nil {
			return err
		}
		if err := r.runHooks(ctx, n, "post_hook", false, last); err != nil {
			return err
		}
	}
	if err := r.applyGrants(ctx, n, res, existed); err != nil {
		return err
	}
	if err := r.persistDocs(ctx, n); err != nil {
		return err
	}
	res.Status = Success
	res.Warnings = append(res.Warnings, rr.Warnings...)
	if n.ResourceType == project.Seed && rr.RowsAffected >= 0 {
		// dbt's seed materialization reports its rows as INSERT n, or
		// CREATE n when it rebuilt the table (full refresh).
		rr.Code = "INSERT"
		if FullRefresh(n.Config, r.opts.FullRefresh) {
			rr.Code = "CREATE"
		}
		rr.Message = fmt.Sprintf("%s %d", rr.Code, rr.RowsAffected)
	}
	res.AdapterMsg = rr.Message
	if rr.Code != "" {
		// The warehouse's own response (PostgreSQL's command tag), as
		// dbt's adapter_response has it.
		res.AdapterResponse = map[string]any{"_message": rr.Message, "code": rr.Code, "rows_affected": rr.RowsAffected}
	}
	res.RowsAffected = rr.RowsAffected
	res.Message = rr.Message
	return nil
}

// sqlHeader runs a model's sql_header config (set_sql_header) on the
// node's connection just before its build, where dbt's materializations
// put it in front of the statement that creates the relation: a session
// setting or temporary function it makes is there for the build.
// BigQuery keeps neither between statements, so elt refuses it there.
func (r *Runner) sqlHeader(ctx context.Context, n *compiler.Node) error {
	header, _ := n.Config["sql_header"].(string)
	if n.ResourceType != project.Model || strings.TrimSpace(header) == "" {
		return nil
	}
	if r.a.Dialect().Type() == "bigquery" {
		return fmt.Errorf("%s: elt does not run sql_header on BigQuery, where it must share the build's statement; move it into the model's SQL or a pre-hook", n.OriginalFilePath)
	}
	if err := r.a.Exec(ctx, header); err != nil {
		return fmt.Errorf("%s: sql_header: %w", n.OriginalFilePath, err)
	}
	return nil
}

// BatchHookRenderer renders a microbatch model's hooks in one batch's
// context.
type BatchHookRenderer interface {
	BatchHooksIn(ctx context.Context, id string, which string, inTransaction bool, start, end time.Time) ([]string, error)
}

// runHooks runs n's pre_hook or post_hook entries of one transaction
// side, rendered in batch b's context when b is not nil.
func (r *Runner) runHooks(ctx context.Context, n *compiler.Node, which string, inTransaction bool, b *Batch) error {
	if n.Config[which] == nil {
		return nil
	}
	hr, ok := any(r.m).(HookRenderer)
	if !ok {
		return fmt.Errorf("%s: %s needs hook rendering, which is not available", n.OriginalFilePath, which)
	}
	var stmts []string
	var err error
	if br, ok := any(r.m).(BatchHookRenderer); ok && b != nil {
		stmts, err = br.BatchHooksIn(ctx, n.UniqueID, which, inTransaction, b.Start, b.End)
	} else {
		stmts, err = hr.HooksIn(ctx, n.UniqueID, which, inTransaction)
	}
	if err != nil {
		return fmt.Errorf("%s: %s: %w", n.OriginalFilePath, which, err)
	}
	for i, sql := range stmts {
		if strings.TrimSpace(sql) == "" {
			continue
		}
		if err := r.a.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %s %d: %w", n.OriginalFilePath, strings.ReplaceAll(which, "_", "-"), i+1, err)
		}
	}
	return nil
}

func (r *Runner) test(ctx context.Context, n *compiler.Node, res *Result) error {
	if _, custom := r.m.TestMaterialization(n); custom {
		return r.customTest(ctx, n, res)
	}
	out, err := tests.Run(ctx, r.a, n, r.testOptions())
	if err != nil {
		return located(n, err)
	}
	r.judged(out, res)
	return nil
}

// testOptions are the options of tests.Run, with the project's own
// get_test_sql (compiler.Manifest.TestSQL) to compute verdicts.
func (r *Runner) testOptions() tests.Options {
	opts := r.opts.Tests
	opts.TestSQL = func(ctx context.Context, n *compiler.Node, a compiler.TestSQLArgs) (string, bool, error) {
		return r.m.TestSQL(ctx, n.UniqueID, a)
	}
	// dbt's create_schemas covers a test that stores its failures (a
	// relational node then): a project's create_schema makes its schema.
	opts.CreateSchema = func(ctx context.Context, database, schema string) error {
		return r.ensureSchema(ctx, compiler.Relation{Database: database, Schema: schema})
	}
	return opts
}

// judged records a data test's verdict in res, --warn-error turning a
// warning into a failure as dbt's does.
func (r *Runner) judged(out tests.Outcome, res *Result) {
	f := out.Failures
	res.Failures = &f
	res.Message = out.Message
	res.StoredFailures = out.StoredRelation
	res.AdapterResponse = out.Response
	switch out.Status {
	case "pass":
		res.Status = Pass
	case "warn":
		res.Status = Warn
		if r.opts.WarnError {
			// dbt's --warn-error: the test fails, at its warn_if.
			res.Status = Fail
			res.Message = strings.Replace(out.Message, "configured to warn if", "configured to fail if", 1)
		}
	case "fail":
		res.Status = Fail
	default:
		res.Status = Error
	}
}

func materialized(n *compiler.Node) string {
	return strings.ToLower(stringConfig(n.Config, "materialized", "view"))
}

func stringConfig(c project.Config, key, def string) string {
	if v, ok := c[key]; ok && v != nil {
		if s := fmt.Sprint(v); s != "" {
			return s
		}
	}
	return def
}

func boolConfig(c project.Config, key string, def bool) bool {
	if v, set := optBool(c, key); set {
		return v
	}
	return def
}

// located prefixes a warehouse error with the model file and, when it can be
// found, the line of the template the error points at.
func located(n *compiler.Node, err error) error {
	file := n.OriginalFilePath
	if n.PatchPath != "" && n.TestMetadata != nil {
		file = n.PatchPath
	}
	le := &locatedError{file: file, err: err}
	if line := sourceLine(n, err.Error()); line > 0 && n.TestMetadata == nil {
		le.line = line
	}
	return le
}

// locatedError is a node's error with the place in its file it points at.
type locatedError struct {
	file string
	line int // 0 when unknown
	err  error
}

func (e *locatedError) Error() string { return e.location() + ": " + e.err.Error() }

func (e *locatedError) Unwrap() error { return e.err }

// location is "file:line", or "file" when the line is unknown.
func (e *locatedError) location() string {
	if e.line > 0 {
		return fmt.Sprintf("%s:%d", e.file, e.line)
	}
	return e.file
}

// NodeRenderer renders one node again, storing nothing.
type NodeRenderer interface {
	RenderNode(ctx context.Context, id string) (string, error)
}

// RunRenderer gives the SQL to run a node with: the compile's when a
// render now would give it again, else a new render (compiler.Manifest.RunSQL).
type RunRenderer interface {
	RunSQL(ctx context.Context, id string) (string, error)
}

// renderer is how the manifest renders a node at run time (RunRenderer's
// RunSQL, else NodeRenderer's RenderNode), or nil when it cannot.
func (r *Runner) renderer() func(context.Context, string) (string, error) {
	switch m := any(r.m).(type) {
	case RunRenderer:
		return m.RunSQL
	case NodeRenderer:
		return m.RenderNode
	}
	return nil
}

// rerender refreshes n.CompiledCode; only this node's goroutine writes it.
// changed says whether the SQL differs from what n held.
func (r *Runner) rerender(ctx context.Context, n *compiler.Node) (changed bool, err error) {
	render := r.renderer()
	if render == nil {
		return false, nil
	}
	sql, err := render(ctx, n.UniqueID)
	if err != nil {
		return false, err
	}
	changed = !n.Compiled || sql != n.CompiledCode
	n.CompiledCode, n.Compiled = sql, true
	return changed, nil
}
