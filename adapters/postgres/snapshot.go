package postgres

import (
	"context"
	"fmt"
	"github.com/elt-dev/elt/internal/asciifold"
	"time"

	"github.com/jackc/pgx/v5"

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
			err = fmt.Errorf("postgres: snapshot %s into %s: %w", s.UniqueID, Dialect{}.RenderRelation(rel), adapters.ContextError(ctx, err))
		}
	}()
	if s, err = s.Normalize(); err != nil {
		return adapters.RunResult{}, err
	}
	// dbt writes the meta columns' names unquoted, which PostgreSQL
	// folds to lower case (snapshot_meta_column_names: TEST_VALID_TO).
	for _, p := range []*string{&s.Columns.ScdID, &s.Columns.UpdatedAt, &s.Columns.ValidFrom, &s.Columns.ValidTo, &s.Columns.IsDeleted} {
		*p = asciifold.Lower(*p)
	}
	body := sqlgen.TrimStatement(s.SQL)
	if body == "" {
		return adapters.RunResult{}, fmt.Errorf("%w: empty SQL", adapters.ErrSnapshotConfig)
	}
	ixs, err := ParseIndexes(s.Config["indexes"])
	if err != nil {
		return adapters.RunResult{}, err
	}
	created := false
	err = a.inTx(ctx, func(tx pgx.Tx) error {
		if len(ixs) > 0 {
			kind, _, err := relationKind(ctx, tx, rel)
			if err != nil {
				return err
			}
			created = kind == adapters.KindNone
		}
		var err error
		res, err = warehouse().Snapshot(ctx, pgTx{tx}, s, rel, body)
		return err
	})
	if err != nil {
		return adapters.RunResult{}, err
	}
	if created {
		// As dbt-postgres's snapshot: indexes when the table is created.
		for _, stmt := range indexStatements(rel, ixs, time.Now()) {
			if err := a.Exec(ctx, stmt); err != nil {
				return adapters.RunResult{}, err
			}
		}
	}
	return res, nil
}
