package runner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

// IncrementalTargets holds the selected models for which is_incremental()
// is true (IsIncremental). The compiler consults it while rendering.
func IncrementalTargets(ctx context.Context, a adapters.Adapter, m *compiler.Manifest, ids []string, fullRefreshFlag bool) (map[string]bool, error) {
	out := map[string]bool{}
	for _, id := range ids {
		n := m.Nodes[id]
		if n == nil {
			continue
		}
		inc, err := IsIncremental(ctx, a, n, fullRefreshFlag)
		if err != nil {
			return nil, err
		}
		if inc {
			out[id] = true
		}
	}
	return out, nil
}

// MayBeIncremental reports whether is_incremental() can be true for n
// (an incremental model with no full refresh), before asking the
// warehouse whether its table exists.
func MayBeIncremental(n *compiler.Node, fullRefreshFlag bool) bool {
	return n.ResourceType == project.Model && materialized(n) == "incremental" && !FullRefresh(n.Config, fullRefreshFlag)
}

// IsIncremental is is_incremental() for n, as dbt's macro has it: an
// incremental model with no full refresh whose relation exists as a table.
func IsIncremental(ctx context.Context, a adapters.Adapter, n *compiler.Node, fullRefreshFlag bool) (bool, error) {
	if !MayBeIncremental(n, fullRefreshFlag) {
		return false, nil
	}
	kind, err := a.RelationKind(ctx, toAdapterRel(n.Relation))
	if err != nil {
		return false, fmt.Errorf("%s: inspect %s: %w", n.OriginalFilePath, n.RelationName, err)
	}
	return kind == adapters.KindTable, nil
}

// incremental runs one incremental model: a plain table build on the first
// run or a full refresh, otherwise the configured strategy.
func (r *Runner) incremental(ctx context.Context, n *compiler.Node, res *Result, contract *adapters.Contract) (adapters.RunResult, error) {
	strategy := incrementalStrategy(n.Config)
	if r.batched(n) {
		return r.microbatch(ctx, n, res)
	}
	if err := r.checkIncrementalStrategy(n, strategy); err != nil {
		return adapters.RunResult{}, err
	}
	if !r.isIncremental(n) {
		return r.a.Materialize(ctx, adapters.Model{UniqueID: n.UniqueID, Relation: toAdapterRel(n.Relation), Materialized: "table", SQL: n.CompiledCode, Config: n.Config, Contract: contract})
	}
	inc, ok := r.a.(adapters.Incrementaler)
	if !ok {
		return adapters.RunResult{}, fmt.Errorf("the %s adapter does not support incremental models", r.a.Dialect().Type())
	}
	req := r.incrementalRequest(n, strategy, n.CompiledCode)
	if r.m.CustomStrategy(n.UniqueID, strategy) {
		// The project's get_incremental_<strategy>_sql, as dbt's
		// adapter.get_incremental_strategy_macro finds it.
		req.Custom = r.customStrategy(n, strategy, nil)
	} else if strategy == "microbatch" {
		// Unbatched (a package's get_incremental_microbatch_sql is not
		// the model's strategy macro): dbt's own needs a batch.
		return adapters.RunResult{}, fmt.Errorf("microbatch model %s runs unbatched, as dbt runs it where a package defines get_incremental_microbatch_sql, and dbt's microbatch strategy needs a batch; set flags: {require_batched_execution_for_custom_microbatch_strategy: true} in dbt_project.yml", n.Name)
	}
	return inc.Incremental(ctx, req)
}

// checkIncrementalStrategy is the check of dbt's
// adapter.get_incremental_strategy_macro, which dbt's default incremental
// materialization, dbt-postgres's, makes on every run (the first and a
// full refresh too) before it looks at the target: one of dbt's strategies
// the adapter does not support, or another with no
// get_incremental_<strategy>_sql macro, fails the model. (dbt-duckdb's
// materialization asks only when the table is there, where the adapter's
// own check fails it.)
func (r *Runner) checkIncrementalStrategy(n *compiler.Node, strategy string) error {
	if r.a.Dialect().Type() != "postgres" || strategy == "" {
		return nil
	}
	if strategy == "insert_overwrite" {
		return fmt.Errorf("The incremental strategy '%s' is not valid for this adapter", strategy)
	}
	if adapters.IsStrategy(strategy) || r.m.CustomStrategy(n.UniqueID, strategy) {
		return nil
	}
	return fmt.Errorf("dbt could not find an incremental strategy macro with the name \"get_incremental_%s_sql\" in %s",
		strings.ReplaceAll(strategy, "+", "_"), r.m.Project.Config.Name)
}

// batched reports whether n runs batch by batch: a microbatch model where
// dbt's use_microbatch_batches holds (get_runner_type picks its
// MicrobatchModelRunner). Otherwise a microbatch model runs once, as any
// incremental model whose strategy macro is get_incremental_microbatch_sql.
func (r *Runner) batched(n *compiler.Node) bool {
	return isMicrobatch(n) && r.m.UseMicrobatchBatches()
}

// customStrategy renders n's strategy macro for the adapter, in batch b's
// context when b is not nil.
func (r *Runner) customStrategy(n *compiler.Node, strategy string, b *Batch) func(context.Context, adapters.Relation, adapters.Relation, []adapters.Column) (string, error) {
	return func(ctx context.Context, target, newRows adapters.Relation, columns []adapters.Column) (string, error) {
		dest := make([]compiler.StrategyColumn, len(columns))
		for i, c := range columns {
			dest[i] = compiler.StrategyColumn{Name: c.Name, DataType: c.DataType}
		}
		if b != nil {
			return r.m.BatchStrategySQL(ctx, n.UniqueID, strategy, fromAdapterRel(target), fromAdapterRel(newRows), dest, b.Start, b.End)
		}
		return r.m.StrategySQL(ctx, n.UniqueID, strategy, fromAdapterRel(target), fromAdapterRel(newRows), dest)
	}
}

func (r *Runner) isIncremental(n *compiler.Node) bool {
	if r.opts.IsIncremental == nil {
		return false
	}
	return r.opts.IsIncremental(n)
}

func (r *Runner) incrementalRequest(n *compiler.Node, strategy, sql string) adapters.Incremental {
	return adapters.Incremental{
		UniqueID:            n.UniqueID,
		Relation:            toAdapterRel(n.Relation),
		SQL:                 sql,
		Strategy:            strategy,
		UniqueKey:           stringList(n.Config, "unique_key"),
		MergeUpdateColumns:  stringList(n.Config, "merge_update_columns"),
		MergeExcludeColumns: stringList(n.Config, "merge_exclude_columns"),
		Predicates:          incrementalPredicates(n.Config),
		OnSchemaChange:      strings.ToLower(stringConfig(n.Config, "on_schema_change", "ignore")),
		EventTime:           stringConfig(n.Config, "event_time", ""),
		ContractEnforced:    compiler.ContractEnforced(n),
		Config:              n.Config,
	}
}

// BatchRenderer renders one model for one microbatch window.
type BatchRenderer interface {
	RenderBatch(ctx context.Context, id string, start, end time.Time) (string, error)
}

// Batch is one microbatch window of a model and how it went.
type Batch struct {
	Start, End time.Time
	Status     Status
	Message    string
	// Suffix is the batch's start as dbt names its files
	// (format_batch_start: 2024, 2024-01, 2024-01-31, 2024-01-31T16);
	// Compiled its SQL, and Statements what ran for it, for its own
	// target/compiled and target/run files.
	Suffix     string
	Compiled   string
	Statements []string
}

// batchPlan is what a microbatch model's run processes: its batches in
// order, and whether its relation is already incremental.
type batchPlan struct {
	size        batchSize
	incremental bool
	batches     []Batch
}

// isMicrobatch reports whether n is an incremental model with the
// microbatch strategy.
func isMicrobatch(n *compiler.Node) bool {
	return n.ResourceType == project.Model && stringConfig(n.Config, "materialized", "") == "incremental" && incrementalStrategy(n.Config) == "microbatch"
}

// runBatches runs plan's batches as dbt's MicrobatchModelRunner does:
// each rendered for its window and run once by run (dbt 1.10's
// MicrobatchBatchRunner records a failed batch and moves on; it never runs
// it again), and every later one skipped (counting as failed) when the
// first fails.
// It emits the batch events, leaves each batch's statements, compiled SQL
// and outcome in plan.batches, and returns the rows they affected; an
// error is a cancelled context's.
func (r *Runner) runBatches(ctx context.Context, n *compiler.Node, br BatchRenderer, plan *batchPlan,
	run func(ctx context.Context, i int, b *Batch, sql string) (message string, rows int64, err error)) (int64, error) {
	batches := plan.batches
	var total int64
	for i := range batches {
		b := &batches[i]
		ev := &BatchEvent{Index: i + 1, Total: len(batches), Label: plan.size.label(b.Start)}
		b.Suffix = ev.Label
		if i > 0 && batches[0].Status != Success {
			b.Status, b.Message = Skipped, "skipped: the first batch failed"
			done := *ev
			done.Status = Skipped
			r.emit(Event{Kind: BatchFinish, Node: n, Batch: &done})
			continue
		}
		r.emit(Event{Kind: BatchStart, Node: n, Batch: ev})
		began := time.Now()
		if ctx.Err() != nil {
			return total, ctx.Err()
		}
		_, from := adapters.StatementsSince(ctx, 0)
		sql, err := br.RenderBatch(ctx, n.UniqueID, b.Start, b.End)
		b.Compiled = sql
		var msg string
		var rows int64
		if err == nil {
			msg, rows, err = run(ctx, i, b, sql)
		}
		b.Statements, _ = adapters.StatementsSince(ctx, from)
		if err == nil {
			b.Status, b.Message = Success, msg
			if rows > 0 {
				total += rows
			}
		} else {
			b.Status, b.Message = Error, err.Error()
		}
		done := *ev
		done.Status, done.Message, done.Duration = b.Status, b.Message, time.Since(began)
		r.emit(Event{Kind: BatchFinish, Node: n, Batch: &done})
	}
	return total, nil
}

// planMicrobatch works out n's batches: those a retry names, else each
// batch_size step of its range.
func (r *Runner) planMicrobatch(n *compiler.Node) (*batchPlan, error) {
	eventTime := stringConfig(n.Config, "event_time", "")
	if eventTime == "" {
		return nil, fmt.Errorf("microbatch model %s needs an event_time config (the column holding each row's time)", n.Name)
	}
	size, err := parseBatchSize(stringConfig(n.Config, "batch_size", ""))
	if err != nil {
		return nil, fmt.Errorf("microbatch model %s: %w", n.Name, err)
	}
	p := &batchPlan{size: size, incremental: r.isIncremental(n)}
	start, end, err := r.batchRange(n, size, p.incremental)
	if err != nil {
		return nil, fmt.Errorf("microbatch model %s: %w", n.Name, err)
	}
	if retry, ok := r.opts.RetryBatches[n.UniqueID]; ok {
		for _, w := range retry {
			p.batches = append(p.batches, Batch{Start: w.Start.UTC(), End: w.End.UTC()})
		}
	} else {
		for s := start; s.Before(end); s = size.next(s) {
			p.batches = append(p.batches, Batch{Start: s, End: size.next(s)})
		}
	}
	return p, nil
}

// microbatch splits the model's time range into batches and runs each one
// as its own query, and the model reports each batch that failed.
func (r *Runner) microbatch(ctx context.Context, n *compiler.Node, res *Result) (adapters.RunResult, error) {
	plan := res.plan
	if plan == nil {
		var err error
		if plan, err = r.planMicrobatch(n); err != nil {
			return adapters.RunResult{}, err
		}
	}
	incremental, batches := plan.incremental, plan.batches
	br, ok := any(r.m).(BatchRenderer)
	if !ok {
		return adapters.RunResult{}, errors.New("microbatch rendering is not available")
	}
	inc, ok := r.a.(adapters.Incrementaler)
	if !ok {
		return adapters.RunResult{}, fmt.Errorf("the %s adapter does not support incremental models", r.a.Dialect().Type())
	}
	custom := r.m.CustomStrategy(n.UniqueID, "microbatch")
	exists := incremental
	if _, retrying := r.opts.RetryBatches[n.UniqueID]; retrying {
		// The batches that succeeded last time are in the table: add to it
		// even if that run was a full refresh.
		kind, err := r.a.RelationKind(ctx, toAdapterRel(n.Relation))
		if err != nil {
			return adapters.RunResult{}, err
		}
		exists = kind == adapters.KindTable
	}
	total, err := r.runBatches(ctx, n, br, plan, func(ctx context.Context, i int, b *Batch, sql string) (string, int64, error) {
		var rr adapters.RunResult
		var err error
		if !exists {
			rr, err = r.a.Materialize(ctx, adapters.Model{UniqueID: n.UniqueID, Relation: toAdapterRel(n.Relation), Materialized: "table", SQL: sql, Config: n.Config})
		} else {
			req := r.incrementalRequest(n, "microbatch", sql)
			req.BatchStart, req.BatchEnd = b.Start, b.End
			if custom {
				// The project's microbatch macro, called in each
				// batch as dbt's batches call it.
				req.Custom = r.customStrategy(n, "microbatch", b)
			}
			rr, err = inc.Incremental(ctx, req)
		}
		if err == nil {
			exists = true
		}
		return rr.Message, rr.RowsAffected, err
	})
	if err != nil {
		return adapters.RunResult{}, err
	}
	res.Batches = batches
	if err := batchesError(batches); err != nil {
		return adapters.RunResult{}, err
	}
	// dbt's message for a microbatch model whose batches all succeeded.
	return adapters.RunResult{Message: "SUCCESS", RowsAffected: total}, nil
}

// batchesError is the model's error when some of its batches failed (a
// partialError when others succeeded), else nil.
func batchesError(batches []Batch) error {
	var failed []string
	for _, b := range batches {
		if b.Status != Success {
			failed = append(failed, fmt.Sprintf("batch %s..%s: %s", b.Start.Format(time.RFC3339), b.End.Format(time.RFC3339), firstLine(b.Message)))
		}
	}
	if len(failed) == 0 {
		return nil
	}
	err := fmt.Errorf("%d of %d batches failed:\n%s", len(failed), len(batches), strings.Join(failed, "\n"))
	if len(failed) < len(batches) {
		return &partialError{err}
	}
	return err
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// batchRange is [start, end) to process: --event-time-start/--event-time-end
// when given; else `begin` on a first run or full refresh; else the current
// batch and `lookback` batches before it.
func (r *Runner) batchRange(n *compiler.Node, size batchSize, incremental bool) (time.Time, time.Time, error) {
	now := r.now().UTC()
	end := size.next(size.trunc(now))
	if !r.opts.EventTimeEnd.IsZero() {
		end = r.opts.EventTimeEnd.UTC()
	}
	if !r.opts.EventTimeStart.IsZero() {
		return size.trunc(r.opts.EventTimeStart.UTC()), end, nil
	}
	if !incremental {
		begin := stringConfig(n.Config, "begin", "")
		if begin == "" {
			return time.Time{}, time.Time{}, errors.New("needs a begin config (the time of the first batch) for its first run")
		}
		t, err := parseTime(begin)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("begin %q: %w", begin, err)
		}
		return size.trunc(t), end, nil
	}
	lookback := 1
	if v, ok := n.Config["lookback"]; ok {
		if _, err := fmt.Sscan(fmt.Sprint(v), &lookback); err != nil || lookback < 0 {
			return time.Time{}, time.Time{}, fmt.Errorf("lookback must be a whole number, not %v", v)
		}
	}
	start := size.trunc(now)
	for i := 0; i < lookback; i++ {
		start = size.prev(start)
	}
	return start, end, nil
}

func (r *Runner) now() time.Time {
	if r.opts.Now != nil {
		return r.opts.Now()
	}
	return time.Now()
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if t, ok := parseISO(s); ok {
		return t, nil
	}
	return time.Time{}, errors.New("not a date or timestamp (use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)")
}

// parseISO reads the forms Python's datetime.fromisoformat reads, which
// dbt accepts for begin: a date, then T or a space and an hour, minutes,
// seconds and a fraction (. or ,) as far as given, then Z or an offset
// (+HH, +HHMM, +HH:MM, +HH:MM:SS). A time without an offset is UTC.
func parseISO(s string) (time.Time, bool) {
	if len(s) < 10 {
		return time.Time{}, false
	}
	day, err := time.Parse("2006-01-02", s[:10])
	if err != nil {
		return time.Time{}, false
	}
	rest := s[10:]
	if rest == "" {
		return day, true
	}
	if rest[0] != 'T' && rest[0] != ' ' {
		return time.Time{}, false
	}
	rest = rest[1:]
	clock, zone := rest, ""
	if i := strings.IndexAny(rest, "Z+-"); i >= 0 {
		clock, zone = rest[:i], rest[i:]
	}
	var parts [3]int
	var nanos int
	frac := ""
	if i := strings.IndexAny(clock, ".,"); i >= 0 {
		clock, frac = clock[:i], clock[i+1:]
	}
	fields := strings.Split(clock, ":")
	if len(fields) > 3 || frac != "" && len(fields) != 3 {
		return time.Time{}, false
	}
	for i, f := range fields {
		if len(f) != 2 {
			return time.Time{}, false
		}
		v, err := strconv.Atoi(f)
		if err != nil {
			return time.Time{}, false
		}
		parts[i] = v
	}
	if frac != "" {
		if len(frac) > 6 {
			return time.Time{}, false
		}
		v, err := strconv.Atoi(frac)
		if err != nil {
			return time.Time{}, false
		}
		for n := len(frac); n < 9; n++ {
			v *= 10
		}
		nanos = v
	}
	if parts[0] > 23 || parts[1] > 59 || parts[2] > 59 {
		return time.Time{}, false
	}
	loc := time.UTC
	if zone != "" && zone != "Z" {
		sign := 1
		if zone[0] == '-' {
			sign = -1
		}
		z := strings.ReplaceAll(zone[1:], ":", "")
		if i := strings.IndexByte(z, '.'); i >= 0 {
			z = z[:i] // an offset's fraction of a second
		}
		if len(z) != 2 && len(z) != 4 && len(z) != 6 {
			return time.Time{}, false
		}
		secs := 0
		for i, mult := range []int{3600, 60, 1} {
			if 2*i >= len(z) {
				break
			}
			v, err := strconv.Atoi(z[2*i : 2*i+2])
			if err != nil {
				return time.Time{}, false
			}
			secs += v * mult
		}
		loc = time.FixedZone("", sign*secs)
	}
	t := time.Date(day.Year(), day.Month(), day.Day(), parts[0], parts[1], parts[2], nanos, loc)
	return t.UTC(), true
}

type batchSize string

// label is a batch's start as dbt prints it for the batch size
// (MicrobatchBuilder.format_batch_start): 2024, 2024-01, 2024-01-31 or
// 2024-01-31T16.
func (b batchSize) label(t time.Time) string {
	switch b {
	case "year":
		return t.Format("2006")
	case "month":
		return t.Format("2006-01")
	case "hour":
		return t.Format("2006-01-02T15")
	}
	return t.Format("2006-01-02")
}

func parseBatchSize(s string) (batchSize, error) {
	switch strings.ToLower(s) {
	case "hour", "day", "month", "year":
		return batchSize(strings.ToLower(s)), nil
	case "":
		return "", errors.New("needs a batch_size config: hour, day, month or year")
	}
	return "", fmt.Errorf("batch_size %q is not one of hour, day, month, year", s)
}

func (b batchSize) trunc(t time.Time) time.Time {
	switch b {
	case "hour":
		return t.Truncate(time.Hour)
	case "day":
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
}

func (b batchSize) next(t time.Time) time.Time {
	switch b {
	case "hour":
		return t.Add(time.Hour)
	case "day":
		return t.AddDate(0, 0, 1)
	case "month":
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(1, 0, 0)
}

func (b batchSize) prev(t time.Time) time.Time {
	switch b {
	case "hour":
		return t.Add(-time.Hour)
	case "day":
		return t.AddDate(0, 0, -1)
	case "month":
		return t.AddDate(0, -1, 0)
	}
	return t.AddDate(-1, 0, 0)
}

// snapshot runs one snapshot node.
func (r *Runner) snapshot(ctx context.Context, n *compiler.Node) (adapters.RunResult, error) {
	sn, ok := r.a.(adapters.Snapshotter)
	if !ok {
		return adapters.RunResult{}, fmt.Errorf("the %s adapter does not support snapshots", r.a.Dialect().Type())
	}
	c := n.Config
	req := adapters.Snapshot{
		UniqueID:       n.UniqueID,
		Relation:       toAdapterRel(n.Relation),
		SQL:            n.CompiledCode,
		Strategy:       strings.ToLower(stringConfig(c, "strategy", "")),
		UniqueKey:      stringList(c, "unique_key"),
		UpdatedAt:      stringConfig(c, "updated_at", ""),
		HardDeletes:    strings.ToLower(stringConfig(c, "hard_deletes", "ignore")),
		ValidToCurrent: stringConfig(c, "dbt_valid_to_current", ""),
		Columns:        adapters.DefaultSnapshotColumns(),
		Now:            r.now().UTC(),
		Config:         c,
	}
	switch c["unique_key"].(type) {
	case []any, []string:
		req.UniqueKeyList = true
	}
	req.NullKeysMatch = r.m.BehaviorFlag("enable_truthy_nulls_equals_macro")
	if v, set := optBool(c, "invalidate_hard_deletes"); set && v && c["hard_deletes"] == nil {
		req.HardDeletes = "invalidate"
	}
	if cc, ok := c["check_cols"].(string); ok && strings.EqualFold(cc, "all") {
		req.CheckAll = true
	} else {
		req.CheckCols = stringList(c, "check_cols")
	}
	if err := r.m.SnapshotStrategyError(n.UniqueID); err != nil {
		return adapters.RunResult{}, err
	}
	if r.m.CustomSnapshotStrategy(n.UniqueID) {
		if err := r.customSnapshotStrategy(ctx, n, &req); err != nil {
			return adapters.RunResult{}, err
		}
	}
	if names, ok := c["snapshot_meta_column_names"].(map[string]any); ok {
		set := func(key string, dst *string) {
			if v, ok := names[key]; ok && v != nil && fmt.Sprint(v) != "" {
				*dst = fmt.Sprint(v)
			}
		}
		set("dbt_scd_id", &req.Columns.ScdID)
		set("dbt_updated_at", &req.Columns.UpdatedAt)
		set("dbt_valid_from", &req.Columns.ValidFrom)
		set("dbt_valid_to", &req.Columns.ValidTo)
		set("dbt_is_deleted", &req.Columns.IsDeleted)
	}
	warning := r.snapshotTimeTypes(ctx, req)
	if warning != nil && r.opts.WarnsError != nil && r.opts.WarnsError(warning.Event()) {
		// dbt's warn_or_error raises it, before the snapshot's statement.
		return adapters.RunResult{}, compilationErrorf("%s", warning.String())
	}
	rr, err := sn.Snapshot(ctx, req)
	if warning != nil {
		rr.Warnings = append([]adapters.Warning{warning}, rr.Warnings...)
	}
	return rr, err
}

// customSnapshotStrategy calls the snapshot's strategy macro, as dbt's
// snapshot materialization does before it builds anything, and puts
// what it returned in req: the key, the expressions, and hard_deletes
// (the dict's, which the materialization reads, not the config's).
func (r *Runner) customSnapshotStrategy(ctx context.Context, n *compiler.Node, req *adapters.Snapshot) error {
	kind, err := r.a.RelationKind(ctx, req.Relation)
	if err != nil {
		return err
	}
	st, err := r.m.SnapshotStrategy(ctx, n.UniqueID, kind != adapters.KindNone)
	if err != nil {
		return err
	}
	req.UniqueKey, req.UniqueKeyList = st.UniqueKey, st.UniqueKeyList
	req.UpdatedAt = ""
	req.CheckCols, req.CheckAll = nil, false
	req.Custom = &adapters.SnapshotExprs{UpdatedAt: st.UpdatedAt, RowChanged: st.RowChanged, ScdID: st.ScdID}
	switch st.HardDeletes {
	case adapters.HardDeletesInvalidate, adapters.HardDeletesNewRecord:
		req.HardDeletes = st.HardDeletes
	default:
		// dbt's staging query handles deletions only for these two.
		req.HardDeletes = adapters.HardDeletesIgnore
	}
	return nil
}

// partialError marks a microbatch run in which some batches landed.
type partialError struct{ error }

func (e *partialError) Unwrap() error { return e.error }

// incrementalPredicates are a model's predicates, else its
// incremental_predicates, as dbt's incremental materialization reads them.
func incrementalPredicates(cfg map[string]any) []string {
	if p := stringList(cfg, "predicates"); len(p) > 0 {
		return p
	}
	return stringList(cfg, "incremental_predicates")
}
