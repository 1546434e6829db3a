package duckdb

import (
	"context"
	"fmt"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/sqlgen"
)

var _ adapters.Snapshotter = (*Adapter)(nil)

// Snapshot records the current state of s.SQL's rows in a type-2 slowly
// changing dimension table, the way dbt (1.9 and later) does.
//
// The first run creates the table from the source rows plus the meta
// columns. Later runs close the current version of every row that changed
// (dbt_valid_to = the new version's dbt_valid_from) and insert the new
// version, insert rows whose key is new, and handle keys missing from the
// source as s.HardDeletes says. Source columns the table lacks are added.
//
// Everything happens in one transaction: the source is read once into a
// temporary table, so every statement sees the same rows, and a failure
// leaves the snapshot table as it was.
func (a *Adapter) Snapshot(ctx context.Context, s adapters.Snapshot) (res adapters.RunResult, err error) {
	rel := a.qualify(s.Relation)
	defer func() {
		if err != nil {
			err = fmt.Errorf("duckdb: snapshot %s into %s: %w", s.UniqueID, Dialect{}.RenderRelation(rel), adapters.ContextError(ctx, err))
		}
	}()
	if s, err = s.Normalize(); err != nil {
		return adapters.RunResult{}, err
	}
	body := sqlgen.TrimStatement(s.SQL)
	if body == "" {
		return adapters.RunResult{}, fmt.Errorf("%w: empty SQL", adapters.ErrSnapshotConfig)
	}
	ixs, err := parseIndexes(s.Config)
	if err != nil {
		return adapters.RunResult{}, err
	}
	err = a.inCachedTx(ctx, func(tx sqlTx) error {
		// As dbt's snapshot materialization: indexes when it creates the
		// table.
		created := false
		if len(ixs) > 0 {
			kind, err := tx.RelationKind(ctx, rel)
			if err != nil {
				return err
			}
			created = kind == adapters.KindNone
		}
		var err error
		if res, err = warehouse().Snapshot(ctx, tx, s, rel, body); err != nil || !created {
			return err
		}
		for _, stmt := range indexStatements(rel, ixs, time.Now()) {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	a.settle(rel, adapters.KindTable, err)
	if err != nil {
		return adapters.RunResult{}, err
	}
	return res, nil
}
