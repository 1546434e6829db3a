package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/sqlgen"
)

// Materialize builds a model as a table or a view.
//
// DuckDB's DDL is transactional, so the whole build is one transaction: the
// new table is created under a temporary name, the old relation (table or
// view) is dropped and the new one renamed into place, then the transaction
// commits. Other connections keep reading the old relation until the commit;
// on any failure the rollback discards the temporary table too, so nothing
// is left behind, not even after a crash (uncommitted work never reaches
// the file).
func (a *Adapter) Materialize(ctx context.Context, m adapters.Model) (res adapters.RunResult, err error) {
	d := Dialect{}
	rel := a.qualify(m.Relation)
	defer func() {
		if err != nil {
			err = fmt.Errorf("duckdb: materialize %s: %w", d.RenderRelation(rel), adapters.ContextError(ctx, err))
		}
	}()
	res, err = warehouse().Materialize(ctx, m, rel, func(fn func(sqlgen.Tx) error) error {
		return a.inCachedTx(ctx, func(t sqlTx) error { return fn(t) })
	})
	var kind adapters.RelationKind
	switch m.Materialized {
	case "table":
		kind = adapters.KindTable
	case "view":
		kind = adapters.KindView
	}
	a.settle(rel, kind, err)
	return res, err
}

// qualify fills in the adapter's database and schema where rel leaves them
// empty, so temporary names and renames stay in the intended schema.
func (a *Adapter) qualify(rel adapters.Relation) adapters.Relation {
	if rel.Database == "" {
		rel.Database = a.cfg.Database
	}
	if rel.Schema == "" {
		rel.Schema = a.cfg.Schema
	}
	return rel
}

// replaceTable creates a table with build(tmpName) under a unique temporary
// name next to rel, drops whatever rel is, and renames the new table to
// rel. It must run inside a transaction. It returns the new table's rows.
func replaceTable(ctx context.Context, t sqlTx, rel adapters.Relation, build func(tmp string) string) (int64, error) {
	return warehouse().ReplaceRelation(ctx, t, rel, build)
}

// inTx runs fn in a transaction, committing only if fn succeeds.
func (a *Adapter) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	return tx.Commit()
}
