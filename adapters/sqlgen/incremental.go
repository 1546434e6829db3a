package sqlgen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
)

// Incremental applies inc's new rows (body, inc.SQL trimmed) to target, an
// existing table, the way dbt's incremental materialization does (merge as
// an update then an insert). inc must be resolved (adapters.ResolveIncremental).
// It runs inside tx, which the caller commits when it succeeds.
//
// The new rows are staged in a temporary table under a unique name, the
// schemas are compared and reconciled (on_schema_change), the keys are
// checked and the strategy is applied. Schema changes run before any row is
// written, so every later statement sees the final columns (and DuckDB
// refuses to commit a transaction that alters a table after modifying its
// rows).
func (w Warehouse) Incremental(ctx context.Context, tx Tx, inc adapters.Incremental, target adapters.Relation, body string) (adapters.RunResult, error) {
	r := &incrementalRun{w: w, ctx: ctx, tx: tx, inc: inc, target: target}
	return r.apply(body)
}

// incrementalRun is one Incremental call inside its transaction.
type incrementalRun struct {
	w      Warehouse
	ctx    context.Context
	tx     Tx
	inc    adapters.Incremental
	target adapters.Relation
	stage  adapters.Relation // temporary table holding the new rows

	targetCols, stageCols []adapters.Column
	// written are the columns copied from the new rows into the target,
	// in the target's order.
	written []columnPair
}

// columnPair is one column as the target and the new rows spell it. cast
// is the target's type when the new rows' type differs and the warehouse
// casts (Warehouse.CastToTarget). Strings are never cast: PostgreSQL's
// explicit cast to varchar(n) cuts a longer value short, where writing it
// uncast fails the run, as in dbt.
type columnPair struct{ target, source, cast string }

// sourceExpr is the new rows' value for c, read from alias, in the
// target's type.
func (c columnPair) sourceExpr(alias string) string {
	e := alias + "." + Quote(c.source)
	if c.cast != "" {
		return "cast(" + e + " as " + c.cast + ")"
	}
	return e
}

func (r *incrementalRun) exec(query string) (int64, error) {
	return r.tx.Exec(r.ctx, query)
}

func (r *incrementalRun) apply(body string) (adapters.RunResult, error) {
	d := dialect{}
	kind, err := r.tx.RelationKind(r.ctx, r.target)
	if err != nil {
		return adapters.RunResult{}, err
	}
	switch kind {
	case adapters.KindNone:
		return adapters.RunResult{}, errors.New("the target table does not exist; build it first (a plain table build, as on a model's first run or with --full-refresh)")
	case adapters.KindView:
		return adapters.RunResult{}, errors.New("the target is a view, not a table; run with --full-refresh to rebuild it as a table")
	}

	r.stage = r.w.TempRelation(r.w.TempName(r.target.Identifier))
	if _, err := r.exec("create temp table " + d.Quote(r.stage.Identifier) + r.w.onCommit() + " as (\n" + body + "\n)"); err != nil {
		return adapters.RunResult{}, err
	}
	// Both are tables: the target's kind was read above, the stage was
	// just made.
	if r.stageCols, err = r.tx.TableColumns(r.ctx, r.stage); err != nil {
		return adapters.RunResult{}, err
	}
	if r.targetCols, err = r.tx.TableColumns(r.ctx, r.target); err != nil {
		return adapters.RunResult{}, err
	}
	if !r.inc.ContractEnforced {
		if err := r.expandStringColumns(); err != nil {
			return adapters.RunResult{}, err
		}
	}
	if err := r.reconcileSchema(); err != nil {
		return adapters.RunResult{}, err
	}
	if err := r.pairColumns(); err != nil {
		return adapters.RunResult{}, err
	}

	var res adapters.RunResult
	inc := r.inc
	if inc.Custom != nil {
		// The project's strategy, on the target's columns as they are now.
		cols, err := r.tx.TableColumns(r.ctx, r.target)
		if err != nil {
			return adapters.RunResult{}, err
		}
		q, err := inc.Custom(r.ctx, r.target, r.stage, cols)
		if err != nil {
			return adapters.RunResult{}, err
		}
		n, err := r.exec(q)
		if err != nil {
			return adapters.RunResult{}, fmt.Errorf("incremental_strategy %s: %w", inc.Strategy, err)
		}
		return r.w.result(lastStatementKind(q), n, "OK"), nil
	}
	switch {
	case inc.Strategy == adapters.StrategyAppend,
		inc.Strategy == adapters.StrategyMerge && len(inc.UniqueKey) == 0: // dbt: merge without a key appends
		n, err := r.insertAll()
		if err != nil {
			return adapters.RunResult{}, err
		}
		res = r.w.result("insert", n, fmt.Sprintf("INSERT %d", n))
	case inc.Strategy == adapters.StrategyMerge:
		var err error
		if res, err = r.mergeOnKey(); err != nil {
			return adapters.RunResult{}, err
		}
	case inc.Strategy == adapters.StrategyDeleteInsert:
		keys, err := r.keyColumns()
		if err != nil {
			return adapters.RunResult{}, err
		}
		if err := r.checkKeys(keys); err != nil {
			return adapters.RunResult{}, err
		}
		// dbt's delete: a predicate (incremental_predicates) stands
		// beside a one-column key's "in", where only the target is in
		// scope, and with the staged rows for a key of several columns.
		t, src := r.aliases()
		as := " as " + t
		if r.w.DeleteTargetAsDBTDuckDB {
			if len(keys) > 1 {
				t = "DBT_INCREMENTAL_TARGET"
				as = " as " + t
			} else {
				t, as = d.Quote(r.target.Identifier), ""
			}
		}
		inner, outer := keyMatchAs(keys, t, src), ""
		if preds := predicates(r.inc.Predicates); preds != "" {
			if len(keys) == 1 {
				outer = " and " + preds
			} else {
				inner += " and " + preds
			}
		}
		if _, err := r.exec("delete from " + d.RenderRelation(r.target) + as + " where exists (select 1 from " +
			d.RenderRelation(r.stage) + " as " + src + " where " + inner + ")" + outer); err != nil {
			return adapters.RunResult{}, err
		}
		n, err := r.insertAll()
		if err != nil {
			return adapters.RunResult{}, err
		}
		res = r.w.result("insert", n, fmt.Sprintf("DELETE+INSERT %d", n))
	case inc.Strategy == adapters.StrategyMicrobatch && !r.w.FilteredBatches:
		// dbt-postgres' postgres__get_incremental_microbatch_sql: each
		// batch merges on the unique_key, which it requires.
		if len(inc.UniqueKey) == 0 {
			return adapters.RunResult{}, adapters.IncrementalConfigError("the 'microbatch' strategy on PostgreSQL requires a unique_key config (as dbt-postgres: each batch merges on it)")
		}
		var err error
		if res, err = r.mergeOnKey(); err != nil {
			return adapters.RunResult{}, err
		}
	case inc.Strategy == adapters.StrategyMicrobatch:
		n, err := r.replaceBatch()
		if err != nil {
			return adapters.RunResult{}, err
		}
		res = r.w.result("insert", n, fmt.Sprintf("DELETE+INSERT %d", n))
	default: // ResolveIncremental let an unknown strategy through
		return adapters.RunResult{}, fmt.Errorf("incremental_strategy %q is not supported", inc.Strategy)
	}
	if !r.w.OnCommitDrop {
		if _, err := r.exec("drop table " + d.RenderRelation(r.stage)); err != nil {
			return adapters.RunResult{}, err
		}
	}
	return res, nil
}

// reconcileSchema applies on_schema_change to the target, then reads its
// columns again.
func (r *incrementalRun) reconcileSchema() error {
	d := dialect{}
	diff := adapters.DiffColumns(r.targetCols, r.stageCols)
	if diff.Empty() {
		return nil
	}
	var alters []string
	target := d.RenderRelation(r.target)
	switch r.inc.OnSchemaChange {
	case adapters.SchemaChangeIgnore:
		return nil
	case adapters.SchemaChangeFail:
		return &adapters.SchemaChangeError{UniqueID: r.inc.UniqueID, Diff: diff}
	case adapters.SchemaChangeAppend:
		for _, c := range diff.Added {
			alters = append(alters, "alter table "+target+" add column "+d.Quote(c.Name)+" "+c.DataType)
		}
	case adapters.SchemaChangeSyncAll:
		for _, c := range diff.Added {
			alters = append(alters, "alter table "+target+" add column "+d.Quote(c.Name)+" "+c.DataType)
		}
		for _, c := range diff.Removed {
			alters = append(alters, "alter table "+target+" drop column "+d.Quote(c.Name))
		}
		for _, c := range diff.Changed {
			// Existing values are cast; one that does not fit fails the run.
			alter := "alter table " + target + " alter column " + d.Quote(c.Column) + " type " + c.To
			if r.w.AlterTypeUsing {
				alter += " using " + d.Quote(c.Column) + "::" + c.To
			}
			alters = append(alters, alter)
		}
	}
	for _, q := range alters {
		if _, err := r.exec(q); err != nil {
			return fmt.Errorf("on_schema_change %s: %w", r.inc.OnSchemaChange, err)
		}
	}
	var err error
	r.targetCols, err = r.tx.TableColumns(r.ctx, r.target)
	return err
}

// pairColumns decides which columns are written: the target's columns that
// the new rows have. The target's other columns get NULL in new rows, and
// the new rows' other columns are dropped (on_schema_change ignore).
func (r *incrementalRun) pairColumns() error {
	for _, t := range r.targetCols {
		if s, ok := adapters.FindColumn(r.stageCols, t.Name); ok {
			p := columnPair{target: t.Name, source: s.Name}
			if r.w.CastToTarget && !strings.EqualFold(t.DataType, s.DataType) && !(isStringType(t.DataType) && isStringType(s.DataType)) {
				p.cast = t.DataType
			}
			r.written = append(r.written, p)
		}
	}
	if len(r.written) == 0 {
		return fmt.Errorf("the new rows (%s) share no column with the target (%s)", names(r.stageCols), names(r.targetCols))
	}
	return nil
}

func names(cols []adapters.Column) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return strings.Join(out, ", ")
}

// keyColumns finds the unique_key columns on both sides.
func (r *incrementalRun) keyColumns() ([]columnPair, error) {
	keys := make([]columnPair, 0, len(r.inc.UniqueKey))
	for _, k := range r.inc.UniqueKey {
		t, inTarget := adapters.FindKeyColumn(r.targetCols, k, r.w.QuotedKeysExact)
		s, inStage := adapters.FindKeyColumn(r.stageCols, k, r.w.QuotedKeysExact)
		switch {
		case !inStage:
			return nil, adapters.IncrementalConfigError("unique_key column %q is not in the model's columns (%s)", k, names(r.stageCols))
		case !inTarget:
			return nil, adapters.IncrementalConfigError("unique_key column %q is not in the target table's columns (%s); run with --full-refresh", k, names(r.targetCols))
		}
		keys = append(keys, columnPair{target: t.Name, source: s.Name})
	}
	return keys, nil
}

// checkKeys fails when a new row has a NULL key part or a key appears in
// more than one new row.
func (r *incrementalRun) checkKeys(keys []columnPair) error {
	d := dialect{}
	stage := d.RenderRelation(r.stage)
	keyList := make([]string, len(keys))
	nullTests := make([]string, len(keys))
	for i, k := range keys {
		keyList[i] = d.Quote(k.source)
		nullTests[i] = d.Quote(k.source) + " is null"
	}
	cols := strings.Join(keyList, ", ")
	order, subqueryAlias := "all", ""
	if r.w.OrderByPosition {
		positions := make([]string, len(keys))
		for i := range keys {
			positions[i] = fmt.Sprint(i + 1)
		}
		order, subqueryAlias = strings.Join(positions, ", "), " as repeated"
	}
	limit := fmt.Sprintf(" order by %s limit %d", order, adapters.MaxKeySamples)
	anyNull := strings.Join(nullTests, " or ")
	repeated := "select " + cols + " from " + stage + " group by " + cols + " having count(*) > 1"
	// Both counts in one statement: a round trip per model is most of
	// what the checks cost when the new rows are few.
	res, err := r.tx.Query(r.ctx, "select (select count(*) from "+stage+" where "+anyNull+"), (select count(*) from ("+repeated+")"+subqueryAlias+")")
	if err != nil {
		return err
	}
	if len(res.Rows) != 1 || len(res.Rows[0]) != 2 {
		return fmt.Errorf("checking unique_key: %d rows from the key counts", len(res.Rows))
	}
	nulls, err := adapters.Count(res.Rows[0][0])
	if err != nil {
		return err
	}
	repeats, err := adapters.Count(res.Rows[0][1])
	if err != nil {
		return err
	}
	problem, n, sample := adapters.KeyNull, nulls, "select "+cols+" from "+stage+" where "+anyNull+limit
	switch {
	case nulls > 0:
	case repeats > 0:
		problem, n, sample = adapters.KeyRepeated, repeats, repeated+limit
	default:
		return nil
	}
	samples, err := r.tx.Query(r.ctx, sample)
	if err != nil {
		return err
	}
	return &adapters.UniqueKeyError{UniqueID: r.inc.UniqueID, Key: r.inc.UniqueKey, Problem: problem, Count: n, Samples: samples.Rows}
}

// keyMatchAs is the join condition between the target, aliased t, and
// the staged rows, aliased s. Keys are never NULL in s (checkKeys), so =
// is the right test.
func keyMatchAs(keys []columnPair, t, s string) string {
	d := dialect{}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = t + "." + d.Quote(k.target) + " = " + k.sourceExpr(s)
	}
	return strings.Join(parts, " and ")
}

// aliases are the target's and the staged rows' aliases in a merge or
// delete: dbt's DBT_INTERNAL_DEST and DBT_INTERNAL_SOURCE when the model
// has incremental_predicates, which name them; else t and s.
func (r *incrementalRun) aliases() (t, s string) {
	if len(r.inc.Predicates) > 0 {
		return "DBT_INTERNAL_DEST", "DBT_INTERNAL_SOURCE"
	}
	return "t", "s"
}

// predicates joins a model's incremental_predicates with and.
func predicates(list []string) string {
	parts := make([]string, 0, len(list))
	for _, p := range list {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, "("+p+")")
		}
	}
	return strings.Join(parts, " and ")
}

// insertSQL inserts the staged rows (all, or those matching where) into the
// target, columns matched by name.
func (r *incrementalRun) insertSQL(where string) string {
	d := dialect{}
	_, src := r.aliases()
	targetCols := make([]string, len(r.written))
	sourceCols := make([]string, len(r.written))
	for i, c := range r.written {
		targetCols[i] = d.Quote(c.target)
		sourceCols[i] = c.sourceExpr(src)
	}
	q := "insert into " + d.RenderRelation(r.target) + " (" + strings.Join(targetCols, ", ") + ")\nselect " +
		strings.Join(sourceCols, ", ") + " from " + d.RenderRelation(r.stage) + " as " + src
	if where != "" {
		q += " where " + where
	}
	return q
}

func (r *incrementalRun) insertAll() (int64, error) { return r.exec(r.insertSQL("")) }

// mergeOnKey merges the new rows on the unique_key, checked first.
func (r *incrementalRun) mergeOnKey() (adapters.RunResult, error) {
	keys, err := r.keyColumns()
	if err != nil {
		return adapters.RunResult{}, err
	}
	if err := r.checkKeys(keys); err != nil {
		return adapters.RunResult{}, err
	}
	n, err := r.merge(keys)
	if err != nil {
		return adapters.RunResult{}, err
	}
	return r.w.result("merge", n, fmt.Sprintf("MERGE %d", n)), nil
}

// merge updates the target rows whose key matches a new row, then inserts
// the new rows whose key is not in the target. It returns both counts'
// sum.
func (r *incrementalRun) merge(keys []columnPair) (int64, error) {
	d := dialect{}
	update, err := r.updateColumns(keys)
	if err != nil {
		return 0, err
	}
	// As dbt's merge: incremental_predicates join the key in the match,
	// so a target row they leave out is not updated, and the new row
	// with its key is inserted.
	t, src := r.aliases()
	match := keyMatchAs(keys, t, src)
	if preds := predicates(r.inc.Predicates); preds != "" {
		match += " and " + preds
	}
	var updated int64
	if len(update) > 0 {
		sets := make([]string, len(update))
		for i, c := range update {
			sets[i] = d.Quote(c.target) + " = " + c.sourceExpr(src)
		}
		updated, err = r.exec("update " + d.RenderRelation(r.target) + " as " + t + " set " + strings.Join(sets, ", ") +
			" from " + d.RenderRelation(r.stage) + " as " + src + " where " + match)
		if err != nil {
			return 0, err
		}
	}
	inserted, err := r.exec(r.insertSQL("not exists (select 1 from " + d.RenderRelation(r.target) + " as " + t + " where " + match + ")"))
	if err != nil {
		return 0, err
	}
	return updated + inserted, nil
}

// updateColumns are the columns a merge updates: merge_update_columns, or
// every written column but the key and merge_exclude_columns.
func (r *incrementalRun) updateColumns(keys []columnPair) ([]columnPair, error) {
	idx, err := adapters.MergeUpdateColumns(r.inc, pairTargets(r.written), pairTargets(keys), r.targetCols, r.stageCols)
	if err != nil {
		return nil, err
	}
	out := make([]columnPair, len(idx))
	for i, j := range idx {
		out[i] = r.written[j]
	}
	return out, nil
}

// pairTargets lists the target column names of cols.
func pairTargets(cols []columnPair) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.target
	}
	return out
}

// replaceBatch deletes the target's rows in [BatchStart, BatchEnd) by
// event_time and inserts the new rows.
func (r *incrementalRun) replaceBatch() (int64, error) {
	d := dialect{}
	col, ok := adapters.FindColumn(r.targetCols, r.inc.EventTime)
	if !ok {
		return 0, adapters.IncrementalConfigError("event_time column %q is not in the target table's columns (%s)", r.inc.EventTime, names(r.targetCols))
	}
	if _, ok := adapters.FindColumn(r.stageCols, r.inc.EventTime); !ok {
		return 0, adapters.IncrementalConfigError("event_time column %q is not in the model's columns (%s)", r.inc.EventTime, names(r.stageCols))
	}
	withZone := r.w.WithTimeZone(col.DataType)
	start, end := batchBound(r.inc.BatchStart, withZone), batchBound(r.inc.BatchEnd, withZone)
	evt := d.Quote(col.Name)
	window := evt + " >= " + start + " and " + evt + " < " + end
	if !r.w.FilteredBatches {
		if _, err := r.exec("delete from " + d.RenderRelation(r.target) + " where " + window); err != nil {
			return 0, err
		}
		return r.insertAll()
	}
	del := "delete from " + d.RenderRelation(r.target) + " where " + window
	for _, p := range r.inc.Predicates {
		if p = strings.TrimSpace(p); p != "" {
			del += " and (" + p + ")"
		}
	}
	if _, err := r.exec(del); err != nil {
		return 0, err
	}
	return r.exec(r.insertSQL(window))
}

// batchBound renders a batch bound as a literal comparable with the
// event_time column: an instant for a column with a time zone, UTC wall
// time otherwise (DATE columns compare as midnight).
func batchBound(t time.Time, withZone bool) string {
	s := t.UTC().Format("2006-01-02 15:04:05.999999")
	if withZone {
		return Literal(s+"+00") + "::timestamptz"
	}
	return Literal(s) + "::timestamp"
}

// lastStatementKind is the kind of result (Warehouse.result) of the last
// statement in q, a custom strategy's SQL, by its first word: its command
// tag is the one a warehouse reports for the whole text.
func lastStatementKind(q string) string {
	stmts := strings.Split(strings.TrimRight(strings.TrimSpace(q), ";"), ";")
	last := strings.Fields(stmts[len(stmts)-1])
	if len(last) == 0 {
		return ""
	}
	switch strings.ToLower(last[0]) {
	case "insert":
		return "insert"
	case "merge":
		return "merge"
	}
	return ""
}
