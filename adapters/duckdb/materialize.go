package duckdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/adapters"
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
			err = fmt.Errorf("duckdb: materialize %s: %w", d.RenderRelation(rel), ctxErr(ctx, err))
		}
	}()
	body := trimStatement(m.SQL)
	if body == "" {
		return adapters.RunResult{}, errors.New("empty SQL")
	}
	switch m.Materialized {
	case "table":
		var rows int64
		err := a.inTx(ctx, func(tx *sql.Tx) error {
			var err error
			rows, err = replaceTable(ctx, tx, rel, func(tmp string) string {
				return "create table " + tmp + " as (\n" + body + "\n)"
			})
			return err
		})
		if err != nil {
			return adapters.RunResult{}, err
		}
		return adapters.RunResult{Message: "OK", RowsAffected: rows}, nil
	case "view":
		err := a.inTx(ctx, func(tx *sql.Tx) error {
			kind, err := relationKind(ctx, tx, rel)
			if err != nil {
				return err
			}
			if kind == adapters.KindTable {
				if _, err := tx.ExecContext(ctx, "drop table "+d.RenderRelation(rel)); err != nil {
					return err
				}
			}
			_, err = tx.ExecContext(ctx, "create or replace view "+d.RenderRelation(rel)+" as (\n"+body+"\n)")
			return err
		})
		if err != nil {
			return adapters.RunResult{}, err
		}
		return adapters.RunResult{Message: "OK", RowsAffected: -1}, nil
	default:
		return adapters.RunResult{}, fmt.Errorf("materialization %q is not supported (want table or view)", m.Materialized)
	}
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
func replaceTable(ctx context.Context, tx *sql.Tx, rel adapters.Relation, build func(tmp string) string) (int64, error) {
	d := Dialect{}
	tmp := rel
	tmp.Identifier = tempName(rel.Identifier)
	if _, err := tx.ExecContext(ctx, build(d.RenderRelation(tmp))); err != nil {
		return 0, err
	}
	var rows int64
	if err := tx.QueryRowContext(ctx, "select count(*) from "+d.RenderRelation(tmp)).Scan(&rows); err != nil {
		return 0, err
	}
	kind, err := relationKind(ctx, tx, rel)
	if err != nil {
		return 0, err
	}
	switch kind {
	case adapters.KindTable:
		_, err = tx.ExecContext(ctx, "drop table "+d.RenderRelation(rel))
	case adapters.KindView:
		_, err = tx.ExecContext(ctx, "drop view "+d.RenderRelation(rel))
	}
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "alter table "+d.RenderRelation(tmp)+" rename to "+d.Quote(rel.Identifier)); err != nil {
		return 0, err
	}
	return rows, nil
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

// tempName is unique per call, so concurrent runs and retries never collide.
func tempName(ident string) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return ident + "__elt_tmp_" + hex.EncodeToString(b[:])
}

// trimStatement drops trailing semicolons and blank space, so a model that
// ends in ";" can still be wrapped in create ... as ( ... ).
func trimStatement(sql string) string {
	return strings.TrimRight(strings.TrimSpace(sql), "; \t\r\n")
}
