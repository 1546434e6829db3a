package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/sqlgen"
)

// Materialize builds a model as a table or a view.
//
// A table over a table or over nothing is one CREATE OR REPLACE TABLE AS
// statement (replaceTableInPlace). Otherwise, DuckDB's DDL being
// transactional, the whole build is one transaction: the new table is
// created under a temporary name, the old relation (table or view) is
// dropped and the new one renamed into place, then the transaction
// commits. Either way other connections keep reading the old relation until
// the commit; on any failure nothing of the new one is left behind, not
// even after a crash (uncommitted work never reaches the file).
func (a *Adapter) Materialize(ctx context.Context, m adapters.Model) (res adapters.RunResult, err error) {
	d := Dialect{}
	rel := a.qualify(m.Relation)
	defer func() {
		if err != nil {
			err = fmt.Errorf("duckdb: materialize %s: %w", d.RenderRelation(rel), adapters.ContextError(ctx, err))
		}
	}()
	if m.Materialized == "table_function" {
		return a.tableFunction(ctx, m, rel)
	}
	var ixs []adapters.Index
	if m.Materialized == "table" {
		if ixs, err = parseIndexes(m.Config); err != nil {
			return res, err
		}
	}
	var inPlace bool
	if res, inPlace, err = a.replaceTableInPlace(ctx, m, rel); !inPlace {
		res, err = warehouse().Materialize(ctx, m, rel, func(fn func(sqlgen.Tx) error) error {
			return a.inCachedTx(ctx, func(t sqlTx) error { return fn(t) })
		})
	}
	var kind adapters.RelationKind
	switch m.Materialized {
	case "table":
		kind = adapters.KindTable
	case "view":
		kind = adapters.KindView
	}
	a.settle(rel, kind, err)
	if err != nil {
		return res, err
	}
	// dbt-duckdb's table materialization indexes the table it built (a
	// new one: the old one's indexes went with it).
	for _, stmt := range indexStatements(rel, ixs, time.Now()) {
		if err = a.Exec(ctx, stmt); err != nil {
			return res, err
		}
	}
	return res, nil
}

// replaceTableInPlace builds a table model whose relation is a table or
// absent with one statement, CREATE OR REPLACE TABLE ... AS, run on its
// own (DuckDB commits it alone): inPlace says it did. It does not when the
// model has an enforced contract (the table is created from the declared
// columns first), when the project's drop_relation must drop the old
// table (adapters.RelationOps), or when rel is a view, which must be dropped in the same
// transaction (Materialize's create, drop and rename then does the work).
//
// One statement is as safe as the transaction: DuckDB applies it whole or
// not at all, so a failure or a crash leaves the old table, and other
// connections read the old rows until it commits. It costs half as much:
// DuckDB spends as much again on a CREATE TABLE AS inside an explicit
// transaction as on the same statement alone. A relation the cache wrongly
// takes for a table or absent makes the statement fail ("existing object
// is of type View"), not replace a view.
func (a *Adapter) replaceTableInPlace(ctx context.Context, m adapters.Model, rel adapters.Relation) (adapters.RunResult, bool, error) {
	if m.Materialized != "table" || m.Contract != nil || adapters.RelationOpsOf(ctx).Drop != nil {
		// A project's drop_relation drops the old table, in the
		// transaction (adapters.RelationOps).
		return adapters.RunResult{}, false, nil
	}
	body := sqlgen.TrimStatement(m.SQL)
	if body == "" {
		return adapters.RunResult{}, false, nil // Materialize reports it
	}
	since := a.kinds.current()
	kind, ok, err := a.kinds.kind(ctx, a.db, since, rel)
	if err != nil {
		return adapters.RunResult{}, true, err
	}
	if !ok {
		if kind, err = relationKind(ctx, a.db, rel); err != nil {
			return adapters.RunResult{}, true, err
		}
		a.kinds.resolved(rel, kind, since)
	}
	if kind != adapters.KindNone && kind != adapters.KindTable {
		return adapters.RunResult{}, false, nil
	}
	var rows int64
	q := "create or replace table " + Dialect{}.RenderRelation(rel) + " as (\n" + body + "\n)"
	// DuckDB answers CREATE TABLE AS with one row: the rows written. On
	// the node's session when it has one, where its pre-hooks ran (SET).
	var run interface {
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	} = a.db
	if c := sessionConn(ctx); c != nil {
		run = c
	}
	if err := run.QueryRowContext(ctx, q).Scan(&rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return adapters.RunResult{}, true, err
	}
	return adapters.RunResult{Message: "OK", RowsAffected: rows}, true, nil
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

// inTx runs fn in a transaction, committing only if fn succeeds. Within
// a session the transaction is on its connection.
func (a *Adapter) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	begin := a.db.BeginTx
	if c := sessionConn(ctx); c != nil {
		begin = c.BeginTx
	}
	tx, err := begin(ctx, nil)
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

// tableFunction builds a table_function model as dbt-duckdb's
// materialization (1.10.1) does: a table macro of the model's name,
// created or replaced, whose parameters are the parameters config (a
// string, with commas or not, or a list of names); its query binds when
// it is called, so columns added upstream later show through.
func (a *Adapter) tableFunction(ctx context.Context, m adapters.Model, rel adapters.Relation) (adapters.RunResult, error) {
	body := sqlgen.TrimStatement(m.SQL)
	if body == "" {
		return adapters.RunResult{}, fmt.Errorf("empty SQL")
	}
	var params string
	switch p := m.Config["parameters"].(type) {
	case nil:
	case string:
		params = p
	case int, int64, float64:
		params = fmt.Sprint(p)
	case []any:
		names := make([]string, len(p))
		for i, x := range p {
			names[i] = fmt.Sprint(x)
		}
		params = strings.Join(names, ", ")
	default:
		return adapters.RunResult{}, fmt.Errorf("parameters must be a name, names separated by commas, or a list of names, not %T", p)
	}
	if err := a.Exec(ctx, "create or replace function "+Dialect{}.RenderRelation(rel)+"("+params+") as table (\n"+body+"\n)"); err != nil {
		return adapters.RunResult{}, err
	}
	return adapters.RunResult{Message: "OK"}, nil
}
