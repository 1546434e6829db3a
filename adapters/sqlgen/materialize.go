package sqlgen

import (
	"context"
	"errors"
	"fmt"

	"github.com/elt-dev/elt/adapters"
)

// Materialize builds m as rel, a table or a view, in one transaction that
// inTx begins and commits only if its function succeeds.
//
// The new table is created under a temporary name next to rel, the old
// relation dropped and the new one renamed into place (ReplaceRelation).
// A view is built the same way, or replaced in place where the warehouse
// says so (Warehouse.ReplaceViewsInPlace).
func (w Warehouse) Materialize(ctx context.Context, m adapters.Model, rel adapters.Relation, inTx func(func(Tx) error) error) (adapters.RunResult, error) {
	body := TrimStatement(m.SQL)
	if body == "" {
		return adapters.RunResult{}, errors.New("empty SQL")
	}
	switch m.Materialized {
	case "table":
		var rows int64
		err := inTx(func(tx Tx) error {
			var err error
			if m.Contract != nil {
				rows, err = w.replaceContracted(ctx, tx, rel, m.Contract, body, m.Config)
				return err
			}
			rows, err = w.ReplaceRelation(ctx, tx, rel, func(tmp string) string {
				return w.createTable(m.Config) + tmp + " as (\n" + body + "\n)"
			})
			return err
		})
		if err != nil {
			return adapters.RunResult{}, err
		}
		return w.result("table", rows, "OK"), nil
	case "view":
		err := inTx(func(tx Tx) error {
			if w.ReplaceViewsInPlace && adapters.RelationOpsOf(ctx).Drop != nil {
				// A project's drop_relation (adapters.RelationOps) drops
				// the old relation, as dbt's view materialization has it
				// drop it, then the view is created in its place.
				if err := tx.DropRelation(ctx, rel); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "create view "+RenderRelation(rel)+" as (\n"+body+"\n)")
				return err
			}
			if w.ReplaceViewsInPlace {
				return w.replaceView(ctx, tx, rel, body)
			}
			_, err := w.ReplaceRelation(ctx, tx, rel, func(tmp string) string {
				return "create view " + tmp + " as (\n" + body + "\n)"
			})
			return err
		})
		if err != nil {
			return adapters.RunResult{}, err
		}
		return w.result("view", -1, "OK"), nil
	default:
		return adapters.RunResult{}, fmt.Errorf("materialization %q is not supported (want table or view)", m.Materialized)
	}
}

// replaceView drops a table named rel, then creates or replaces the view.
func (w Warehouse) replaceView(ctx context.Context, tx Tx, rel adapters.Relation, body string) error {
	kind, err := tx.RelationKind(ctx, rel)
	if err != nil {
		return err
	}
	if kind == adapters.KindTable {
		if _, err := tx.Exec(ctx, "drop table "+RenderRelation(rel)); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, "create or replace view "+RenderRelation(rel)+" as (\n"+body+"\n)")
	return err
}

// ReplaceRelation creates a relation with build(tmpName) under a unique
// temporary name next to rel, drops whatever rel is (Tx.DropRelation), and
// renames the new relation to rel. It must run inside a transaction. It
// returns the new relation's rows: as the build statement reported them,
// or counted (Warehouse.CountCreatedRows).
func (w Warehouse) ReplaceRelation(ctx context.Context, tx Tx, rel adapters.Relation, build func(tmp string) string) (int64, error) {
	tmp := rel
	tmp.Identifier = w.TempName(rel.Identifier)
	rows, err := tx.Exec(ctx, build(RenderRelation(tmp)))
	if err != nil {
		return 0, err
	}
	if w.CountCreatedRows {
		if rows, err = tx.QueryInt(ctx, "select count(*) from "+RenderRelation(tmp)); err != nil {
			return 0, err
		}
	}
	if err := tx.DropRelation(ctx, rel); err != nil {
		return 0, err
	}
	// ALTER TABLE ... RENAME renames views too.
	if _, err := tx.Exec(ctx, "alter table "+RenderRelation(tmp)+" rename to "+Quote(rel.Identifier)); err != nil {
		return 0, err
	}
	return rows, nil
}
