package snowflake

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	sf "github.com/snowflakedb/gosnowflake"

	"github.com/elt-dev/elt/adapters"
)

// Every operation runs its plan on one session (sql.Conn): temporary
// tables, transactions and the query tag belong to a session, and the pool
// would otherwise hand each statement to any of them.

// runStatements executes stmts in order. It returns the rows affected by
// the statements marked Counts, and on failure the failing statement's
// index. A transaction opened by a "begin" statement is rolled back on
// failure, so the session goes back to the pool clean.
func (a *Adapter) runStatements(ctx context.Context, conn *sql.Conn, stmts []Statement) (affected int64, failed int, err error) {
	inTx := false
	for i, s := range stmts {
		a.trace(ctx, s.SQL)
		res, err := conn.ExecContext(ctx, adapters.CommentSQL(ctx, s.SQL))
		if err != nil {
			err = adapters.ContextError(ctx, err)
			if inTx {
				a.trace(ctx, "rollback")
				if _, rbErr := conn.ExecContext(context.WithoutCancel(ctx), "rollback"); rbErr != nil {
					err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
				}
			}
			return affected, i, fmt.Errorf("%s: %w", s.Purpose, err)
		}
		switch strings.ToLower(s.SQL) {
		case "begin":
			inTx = true
		case "commit", "rollback":
			inTx = false
		}
		if s.Counts {
			if n, err := res.RowsAffected(); err == nil {
				affected += n
			}
		}
	}
	return affected, -1, nil
}

// runCleanup runs cleanup statements even when ctx has ended, and reports
// only the first failure (the operation's own error matters more).
func (a *Adapter) runCleanup(ctx context.Context, conn *sql.Conn, stmts []Statement) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var first error
	for _, s := range stmts {
		a.trace(ctx, s.SQL)
		if _, err := conn.ExecContext(cctx, adapters.CommentSQL(ctx, s.SQL)); err != nil && first == nil {
			first = fmt.Errorf("%s: %w", s.Purpose, err)
		}
	}
	return first
}

// withCleanup runs cleanup after an operation and folds its error in.
func (a *Adapter) withCleanup(ctx context.Context, conn *sql.Conn, stmts []Statement, err *error) {
	if cerr := a.runCleanup(ctx, conn, stmts); cerr != nil && *err == nil {
		*err = cerr
	}
}

func (a *Adapter) count(ctx context.Context, conn *sql.Conn, query string) ([]int64, error) {
	res, err := a.queryAll(ctx, conn, query)
	if err != nil {
		return nil, err
	}
	if len(res.Rows) != 1 {
		return nil, fmt.Errorf("%s: want one row, got %d", query, len(res.Rows))
	}
	out := make([]int64, len(res.Rows[0]))
	for i, v := range res.Rows[0] {
		n, ok := v.(int64)
		if !ok && v != nil {
			return nil, fmt.Errorf("%s: want a count, got %T", query, v)
		}
		out[i] = n
	}
	return out, nil
}

// Materialize builds a model as a table or a view (see Planner.Table and
// Planner.View for how each stays atomic).
func (a *Adapter) Materialize(ctx context.Context, m adapters.Model) (res adapters.RunResult, err error) {
	m.Relation = a.qualify(m.Relation)
	defer func() {
		if err != nil {
			err = fmt.Errorf("snowflake: materialize %s: %w", a.planner.Dialect.RenderRelation(m.Relation), err)
		}
	}()
	conn, err := a.db.Conn(ctx)
	if err != nil {
		return adapters.RunResult{}, adapters.ContextError(ctx, err)
	}
	defer conn.Close()
	kind, err := a.relationKind(ctx, conn, m.Relation)
	if err != nil {
		return adapters.RunResult{}, err
	}
	if m.Materialized == "dynamic_table" {
		return a.dynamicTable(ctx, conn, m, kind)
	}
	var plan ModelPlan
	switch m.Materialized {
	case "table":
		plan, err = a.planner.Table(m, kind, suffix())
	case "view":
		plan, err = a.planner.View(m, kind, suffix())
	default:
		return adapters.RunResult{}, fmt.Errorf("materialization %q is not supported (want table or view)", m.Materialized)
	}
	if err != nil {
		return adapters.RunResult{}, err
	}
	defer a.withCleanup(ctx, conn, plan.Cleanup, &err)
	if _, _, err := a.runStatements(ctx, conn, plan.Build); err != nil {
		return adapters.RunResult{}, err
	}
	if plan.CountRows == "" {
		return adapters.RunResult{Message: "OK", RowsAffected: -1}, nil
	}
	n, err := a.count(ctx, conn, plan.CountRows)
	if err != nil {
		return adapters.RunResult{}, err
	}
	return adapters.RunResult{Message: "OK", RowsAffected: n[0]}, nil
}

// LoadSeed loads a CSV file (see Planner.Seed).
func (a *Adapter) LoadSeed(ctx context.Context, s adapters.Seed) (res adapters.RunResult, err error) {
	s.Relation = a.qualify(s.Relation)
	defer func() {
		if err != nil {
			err = fmt.Errorf("snowflake: load seed %s: %w", a.planner.Dialect.RenderRelation(s.Relation), err)
		}
	}()
	data, err := ReadSeed(s.Path, s.Delimiter)
	if err != nil {
		return adapters.RunResult{}, err
	}
	conn, err := a.db.Conn(ctx)
	if err != nil {
		return adapters.RunResult{}, adapters.ContextError(ctx, err)
	}
	defer conn.Close()
	kind, err := a.relationKind(ctx, conn, s.Relation)
	if err != nil {
		return adapters.RunResult{}, err
	}
	var cols []adapters.Column
	if kind == adapters.KindTable && !s.FullRefresh {
		if cols, err = a.describe(ctx, conn, s.Relation); err != nil {
			return adapters.RunResult{}, err
		}
	}
	plan, err := a.planner.Seed(s, data, kind, cols, suffix())
	if err != nil {
		return adapters.RunResult{}, err
	}
	defer a.withCleanup(ctx, conn, plan.Cleanup, &err)
	if _, failed, err := a.runStatements(ctx, conn, plan.Statements); err != nil {
		if lines, ok := plan.Batches[failed]; ok && ctx.Err() == nil {
			// A value the column's type rejects: point at the batch.
			line := 0
			if lines[0] == lines[1] {
				line = lines[0]
			}
			return adapters.RunResult{}, &adapters.SeedError{Path: s.Path, Line: line, Err: fmt.Errorf("a row on lines %d-%d: %w", lines[0], lines[1], err)}
		}
		return adapters.RunResult{}, err
	}
	return adapters.RunResult{Message: fmt.Sprintf("INSERT %d", plan.Rows), RowsAffected: plan.Rows}, nil
}

// Incremental applies an incremental model's new rows to its existing
// target, the way dbt-snowflake does, except that where dbt would silently
// write duplicates (a NULL or repeated unique_key in the new rows of a merge
// or delete+insert) it fails with an *adapters.UniqueKeyError.
//
// The new rows are staged in a temporary table, the key checks run, the
// schema changes are applied (DDL: each commits on its own on Snowflake, as
// in dbt-snowflake), and the rows are written in one transaction. A failing
// select or key check changes nothing; a failure while writing rows rolls
// them all back but keeps columns that on_schema_change already added.
func (a *Adapter) Incremental(ctx context.Context, inc adapters.Incremental) (res adapters.RunResult, err error) {
	if inc.Custom != nil {
		return adapters.RunResult{}, fmt.Errorf("elt does not run a project's incremental strategy (%s) on this warehouse yet", inc.Strategy)
	}
	if len(inc.Predicates) > 0 {
		return adapters.RunResult{}, errors.New("elt does not apply incremental_predicates on this warehouse yet; remove them, or filter the model's new rows instead")
	}
	inc.Relation = a.qualify(inc.Relation)
	defer func() {
		if err != nil {
			err = fmt.Errorf("snowflake: incremental %s: %w", a.planner.Dialect.RenderRelation(inc.Relation), err)
		}
	}()
	if inc, err = ResolveIncremental(inc); err != nil {
		return adapters.RunResult{}, err
	}
	conn, err := a.db.Conn(ctx)
	if err != nil {
		return adapters.RunResult{}, adapters.ContextError(ctx, err)
	}
	defer conn.Close()
	kind, err := a.relationKind(ctx, conn, inc.Relation)
	if err != nil {
		return adapters.RunResult{}, err
	}
	switch kind {
	case adapters.KindNone:
		return adapters.RunResult{}, errors.New("the target table does not exist; build it first (a plain table build, as on a model's first run or with --full-refresh)")
	case adapters.KindView:
		return adapters.RunResult{}, errors.New("the target is a view, not a table; run with --full-refresh to rebuild it as a table")
	}
	sfx := suffix()
	stage, stageStmts, err := a.planner.IncrementalStage(inc, sfx)
	if err != nil {
		return adapters.RunResult{}, err
	}
	defer a.withCleanup(ctx, conn, a.planner.incrementalCleanup(inc, stage), &err)
	if _, _, err := a.runStatements(ctx, conn, stageStmts); err != nil {
		return adapters.RunResult{}, err
	}
	targetCols, err := a.describe(ctx, conn, inc.Relation)
	if err != nil {
		return adapters.RunResult{}, err
	}
	stageCols, err := a.describe(ctx, conn, stage)
	if err != nil {
		return adapters.RunResult{}, err
	}
	plan, err := a.planner.Incremental(inc, stage, targetCols, stageCols, sfx)
	if err != nil {
		return adapters.RunResult{}, err
	}
	if len(plan.KeyChecks) > 0 {
		counts, err := a.count(ctx, conn, plan.KeyCounts)
		if err == nil && len(counts) != len(plan.KeyChecks) {
			err = fmt.Errorf("%d counts for %d key checks", len(counts), len(plan.KeyChecks))
		}
		if err != nil {
			return adapters.RunResult{}, fmt.Errorf("checking unique_key: %w", err)
		}
		for i, kc := range plan.KeyChecks {
			if counts[i] == 0 {
				continue
			}
			samples, err := a.queryAll(ctx, conn, kc.Samples)
			if err != nil {
				return adapters.RunResult{}, fmt.Errorf("checking unique_key: %w", err)
			}
			return adapters.RunResult{}, &adapters.UniqueKeyError{UniqueID: inc.UniqueID, Key: inc.UniqueKey, Problem: kc.Problem, Count: counts[i], Samples: samples.Rows}
		}
	}
	if _, _, err := a.runStatements(ctx, conn, plan.SchemaChanges); err != nil {
		return adapters.RunResult{}, fmt.Errorf("on_schema_change %s: %w", inc.OnSchemaChange, err)
	}
	n, _, err := a.runStatements(ctx, conn, plan.Apply)
	if err != nil {
		return adapters.RunResult{}, err
	}
	return adapters.RunResult{Message: fmt.Sprintf("%s %d", plan.Verb, n), RowsAffected: n}, nil
}

// Snapshot records the current state of s.SQL's rows in a type-2 slowly
// changing dimension table, the way dbt (1.9 and later) does (see
// SnapshotPlan for the statements and what is atomic).
func (a *Adapter) Snapshot(ctx context.Context, s adapters.Snapshot) (res adapters.RunResult, err error) {
	s.Relation = a.qualify(s.Relation)
	defer func() {
		if err != nil {
			err = fmt.Errorf("snowflake: snapshot %s into %s: %w", s.UniqueID, a.planner.Dialect.RenderRelation(s.Relation), err)
		}
	}()
	if s, err = s.Normalize(); err != nil {
		return adapters.RunResult{}, err
	}
	if s.Custom != nil {
		// The plan builds dbt's timestamp and check strategies only.
		return adapters.RunResult{}, fmt.Errorf("%w: strategy %q is a macro (a custom strategy, or the project's replacement of dbt's); elt runs strategy macros on DuckDB and PostgreSQL only", adapters.ErrSnapshotConfig, s.Strategy)
	}
	conn, err := a.db.Conn(ctx)
	if err != nil {
		return adapters.RunResult{}, adapters.ContextError(ctx, err)
	}
	defer conn.Close()
	sfx := suffix()
	src, create := a.planner.SnapshotSource(s, sfx)
	cleanup := []Statement{{Purpose: "drop the source rows", SQL: "drop table if exists " + a.planner.Dialect.RenderRelation(src)}}
	defer func() { a.withCleanup(ctx, conn, cleanup, &err) }()
	if _, _, err := a.runStatements(ctx, conn, []Statement{create}); err != nil {
		return adapters.RunResult{}, fmt.Errorf("source query: %w", err)
	}
	srcCols, err := a.describe(ctx, conn, src)
	if err != nil {
		return adapters.RunResult{}, err
	}
	kind, err := a.relationKind(ctx, conn, s.Relation)
	if err != nil {
		return adapters.RunResult{}, err
	}
	var targetCols []adapters.Column
	if kind == adapters.KindTable {
		if targetCols, err = a.describe(ctx, conn, s.Relation); err != nil {
			return adapters.RunResult{}, err
		}
	}
	plan, err := a.planner.Snapshot(s, src, srcCols, kind, targetCols, sfx)
	cleanup = plan.Cleanup
	if err != nil {
		return adapters.RunResult{}, err
	}
	dups, err := a.queryAll(ctx, conn, plan.DuplicateKeys)
	if err != nil {
		return adapters.RunResult{}, fmt.Errorf("checking unique_key: %w", err)
	}
	// dbt does not check the key; neither do we, beyond warning.
	var warnings []adapters.Warning
	var dup *adapters.DuplicateKeyWarning
	if len(dups.Rows) > 0 {
		dup = &adapters.DuplicateKeyWarning{Snapshot: s.UniqueID, Key: s.UniqueKey, Samples: adapters.DuplicateKeySamples(s.UniqueKey, dups.Rows)}
		warnings = append(warnings, dup)
	}
	if len(plan.Create) > 0 {
		if _, _, err := a.runStatements(ctx, conn, plan.Create); err != nil {
			return adapters.RunResult{}, err
		}
		n, err := a.count(ctx, conn, plan.Counts)
		if err != nil {
			return adapters.RunResult{}, err
		}
		return adapters.RunResult{Message: fmt.Sprintf("INSERT %d", n[0]), RowsAffected: n[0], Warnings: warnings}, nil
	}
	if _, _, err := a.runStatements(ctx, conn, plan.SchemaChanges); err != nil {
		return adapters.RunResult{}, err
	}
	if _, _, err := a.runStatements(ctx, conn, plan.Stage); err != nil {
		return adapters.RunResult{}, fmt.Errorf("comparing the source with the snapshot: %w", err)
	}
	n, err := a.count(ctx, conn, plan.Counts)
	if err != nil {
		return adapters.RunResult{}, err
	}
	if _, _, err := a.runStatements(ctx, conn, plan.Apply); err != nil {
		return adapters.RunResult{}, duplicateKeyHint(err, dup)
	}
	res = snapshotResult(s.HardDeletes, n[0], n[1], n[2])
	res.Warnings = warnings
	return res, nil
}

// duplicateKeyHint says why the MERGE failed when the source repeats the
// unique_key: two staged rows closing one version make Snowflake's MERGE
// nondeterministic, which it refuses ("Duplicate row detected during DML
// action"), exactly as it does under dbt-snowflake.
func duplicateKeyHint(err error, dup *adapters.DuplicateKeyWarning) error {
	var se *sf.SnowflakeError
	if dup == nil || !errors.As(err, &se) || se.Number != errDuplicateRowInDML {
		return err
	}
	return fmt.Errorf("%w (the source repeats unique_key (%s), e.g. %s; Snowflake's MERGE cannot close one version with two rows, and fails the same way under dbt-snowflake: make the key unique)",
		err, strings.Join(dup.Key, ", "), strings.Join(dup.Samples, ", "))
}

// dynamicTable builds a dynamic_table model (Planner.DynamicTable), reading
// an existing dynamic table's settings with SHOW DYNAMIC TABLES.
func (a *Adapter) dynamicTable(ctx context.Context, conn *sql.Conn, m adapters.Model, kind adapters.RelationKind) (res adapters.RunResult, err error) {
	var state *DynamicTableState
	if kind != adapters.KindNone {
		shown, err := a.queryAll(ctx, conn, a.planner.ShowDynamicTableQuery(m.Relation))
		if err != nil {
			return adapters.RunResult{}, err
		}
		if len(shown.Rows) > 0 {
			col := func(name string) string {
				for i, c := range shown.Columns {
					if strings.EqualFold(c, name) && shown.Rows[0][i] != nil {
						return fmt.Sprint(shown.Rows[0][i])
					}
				}
				return ""
			}
			state = &DynamicTableState{TargetLag: col("target_lag"), Warehouse: col("warehouse"), RefreshMode: col("refresh_mode")}
		}
	}
	plan, warnings, err := a.planner.DynamicTable(m, kind, state)
	if err != nil {
		return adapters.RunResult{}, err
	}
	defer a.withCleanup(ctx, conn, plan.Cleanup, &err)
	if _, _, err := a.runStatements(ctx, conn, plan.Build); err != nil {
		return adapters.RunResult{}, err
	}
	res = adapters.RunResult{Message: "OK", RowsAffected: -1}
	for _, w := range warnings {
		res.Warnings = append(res.Warnings, dynamicTableWarning(w))
	}
	return res, nil
}

// dynamicTableWarning is a configuration change left unapplied
// (on_configuration_change: continue).
type dynamicTableWarning string

func (w dynamicTableWarning) Event() string  { return "ConfigurationChangeNotApplied" }
func (w dynamicTableWarning) String() string { return string(w) }
