package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/sqlgen"
)

// Materialize builds a model as a table or a view.
//
// PostgreSQL's DDL is transactional, so the whole build is one transaction:
// the new relation is created under a unique temporary name in the target's
// schema, the old relation (table or view) is dropped and the new one
// renamed into place, then the transaction commits. Other connections keep
// reading the old relation until the commit (they wait on its lock while
// the swap commits, never see it missing); any failure rolls everything
// back, the temporary relation included.
//
// The old relation is dropped with CASCADE, as dbt-postgres drops its
// backup relation: views that depend on a rebuilt table (and that are not
// rebuilt in the same run) go with it. Without CASCADE, PostgreSQL refuses
// to drop a table a view depends on, so any project with a view over a
// table could never rebuild that table.
func (a *Adapter) Materialize(ctx context.Context, m adapters.Model) (res adapters.RunResult, err error) {
	d := Dialect{}
	rel := a.qualify(m.Relation)
	defer func() {
		if err != nil {
			err = fmt.Errorf("postgres: materialize %s: %w", d.RenderRelation(rel), adapters.ContextError(ctx, err))
		}
	}()
	if m.Materialized == "materialized_view" {
		return a.materializedView(ctx, m, rel)
	}
	ixs, err := ParseIndexes(m.Config["indexes"])
	if err != nil {
		return res, err
	}
	res, err = warehouse().Materialize(ctx, m, rel, func(fn func(sqlgen.Tx) error) error {
		return a.inTx(ctx, func(tx pgx.Tx) error { return fn(pgTx{tx}) })
	})
	if err != nil || m.Materialized != "table" {
		return res, err
	}
	// dbt-postgres indexes a table model once it is built.
	for _, stmt := range indexStatements(rel, ixs, time.Now()) {
		if err := a.Exec(ctx, stmt); err != nil {
			return res, err
		}
	}
	return res, nil
}

// qualify fills in the adapter's database and schema where rel leaves them
// empty, so temporary names and renames stay in the intended schema.
func (a *Adapter) qualify(rel adapters.Relation) adapters.Relation {
	if rel.Database == "" {
		rel.Database = a.cfg.DBName
	}
	if rel.Schema == "" {
		rel.Schema = a.cfg.Schema
	}
	return rel
}

// replaceRelation creates a relation with build(tmpName) under a unique
// temporary name next to rel, drops whatever rel is (CASCADE), and renames
// the new relation to rel. It must run inside a transaction. It returns the
// rows the build statement reported (CREATE TABLE AS says how many).
func replaceRelation(ctx context.Context, tx pgx.Tx, rel adapters.Relation, build func(tmp string) string) (int64, error) {
	return warehouse().ReplaceRelation(ctx, pgTx{tx}, rel, build)
}

// dropExisting drops rel, whatever kind of relation it is, if it exists.
// A project's drop_relation (adapters.RelationOps) drops it instead.
func dropExisting(ctx context.Context, tx pgx.Tx, rel adapters.Relation) error {
	kind, keyword, err := relationKind(ctx, tx, rel)
	if err != nil || keyword == "" {
		return err
	}
	if drop := adapters.RelationOpsOf(ctx).Drop; drop != nil {
		if keyword == "materialized view" {
			kind = "materialized_view"
		}
		return drop(ctx, rel, kind)
	}
	_, err = tx.Exec(ctx, adapters.CommentSQL(ctx, "drop "+keyword+" "+Dialect{}.RenderRelation(rel)+" cascade"))
	return err
}

// materializedView builds a model as a PostgreSQL materialized view, as
// dbt-postgres does. A new materialized view, or one replacing a full
// refresh's or a table or view of the name, is built under a temporary
// name and swapped in within one transaction, then given the indexes the
// config lists. An existing materialized view whose indexes match the
// config is refreshed; otherwise on_configuration_change decides (see
// changeIndexes).
func (a *Adapter) materializedView(ctx context.Context, m adapters.Model, rel adapters.Relation) (adapters.RunResult, error) {
	body := sqlgen.TrimStatement(m.SQL)
	if body == "" {
		return adapters.RunResult{}, fmt.Errorf("empty SQL")
	}
	ixs, err := ParseIndexes(m.Config["indexes"])
	if err != nil {
		return adapters.RunResult{}, err
	}
	onChange := "apply" // dbt's default
	if v, ok := m.Config["on_configuration_change"].(string); ok && v != "" {
		onChange = v
	}
	var res adapters.RunResult
	err = a.inTx(ctx, func(tx pgx.Tx) error {
		_, keyword, err := relationKind(ctx, tx, rel)
		if err != nil {
			return err
		}
		if keyword == "materialized view" && !m.FullRefresh {
			res, err = changeIndexes(ctx, tx, rel, ixs, onChange)
			return err
		}
		rows, err := replaceRelation(ctx, tx, rel, func(tmp string) string {
			return "create materialized view " + tmp + " as (\n" + body + "\n)"
		})
		if err != nil {
			return err
		}
		res = adapters.RunResult{Message: "OK", RowsAffected: rows}
		for _, stmt := range indexStatements(rel, ixs, time.Now()) {
			if _, err := tx.Exec(ctx, adapters.CommentSQL(ctx, stmt)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return adapters.RunResult{}, err
	}
	return res, nil
}

var _ adapters.RelationDropper = (*Adapter)(nil)

// DropRelation drops rel, whatever kind of relation it is, if it exists
// (adapters.RelationDropper).
func (a *Adapter) DropRelation(ctx context.Context, rel adapters.Relation) error {
	if err := a.inTx(ctx, func(tx pgx.Tx) error { return dropExisting(ctx, tx, rel) }); err != nil {
		return fmt.Errorf("postgres: drop %s: %w", Dialect{}.RenderRelation(rel), err)
	}
	return nil
}
