package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/sqlgen"
	"github.com/elt-dev/elt/internal/lazyre"
)

// warehouse is how DuckDB's SQL differs from the other warehouses that
// package sqlgen serves.
func warehouse() sqlgen.Warehouse {
	return sqlgen.Warehouse{
		// Temporary tables live in DuckDB's "temp" catalog, private to the
		// connection, and go away with the transaction if it rolls back.
		TempRelation: func(ident string) adapters.Relation {
			return adapters.Relation{Database: "temp", Schema: "main", Identifier: ident}
		},
		QualifiedSnapshotTemps:  true,
		ReplaceViewsInPlace:     true,
		FilteredBatches:         true,
		DeleteTargetAsDBTDuckDB: true,
		ExprType:                describeType,
		WithTimeZone: func(dataType string) bool {
			typ := strings.ToUpper(dataType)
			return typ == "TIMESTAMP WITH TIME ZONE" || typ == "TIMESTAMPTZ"
		},
	}
}

// describeType reads query's one column type with DESCRIBE.
func describeType(ctx context.Context, tx sqlgen.Tx, expr, query string, _ func(string) (adapters.Relation, error)) (string, error) {
	res, err := tx.Query(ctx, "describe "+query)
	if err != nil {
		return "", err
	}
	if len(res.Rows) != 1 || len(res.Rows[0]) < 2 {
		return "", fmt.Errorf("describe %s: unexpected result", expr)
	}
	t, ok := res.Rows[0][1].(string)
	if !ok || t == "" {
		return "", fmt.Errorf("describe %s: no type", expr)
	}
	return t, nil
}

// createTable matches CREATE TABLE statements; DuckDB answers those with
// AS with the count of rows written, and the others with no row or 0.
var createTable = lazyre.New(`(?i)^\s*create\s+(or\s+replace\s+)?((temp|temporary)\s+)?table\s`)

// sqlTx hands a transaction to package sqlgen. Relation kinds come from
// the adapter's cache (a) where it can answer, except for relations this
// transaction dropped: only the transaction itself sees those.
type sqlTx struct {
	tx      *sql.Tx
	a       *Adapter
	since   uint64 // a.kinds.current() before tx began
	dropped map[adapters.Relation]bool
}

// inCachedTx is inTx for a build that asks for relation kinds.
func (a *Adapter) inCachedTx(ctx context.Context, fn func(t sqlTx) error) error {
	since := a.kinds.current()
	return a.inTx(ctx, func(tx *sql.Tx) error {
		return fn(sqlTx{tx: tx, a: a, since: since, dropped: map[adapters.Relation]bool{}})
	})
}

func (t sqlTx) Exec(ctx context.Context, query string) (int64, error) {
	if createTable().MatchString(query) {
		// DuckDB answers CREATE TABLE AS with a one-row result holding the
		// rows written, and reports none as rows affected: reading the
		// result spares counting the new table again.
		var n int64
		err := t.tx.QueryRowContext(ctx, query).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return n, err
	}
	res, err := t.tx.ExecContext(ctx, query)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t sqlTx) QueryInt(ctx context.Context, query string) (int64, error) {
	var n int64
	err := t.tx.QueryRowContext(ctx, query).Scan(&n)
	return n, err
}

func (t sqlTx) Query(ctx context.Context, query string) (*adapters.Result, error) {
	return queryAll(ctx, t.tx, query)
}

func (t sqlTx) Columns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error) {
	return columns(ctx, t.tx, rel)
}

// TableColumns reads the columns of rel, a table the transaction knows
// exists, by name (pragma_table_info), where Columns reads duckdb_columns(),
// which lists every column of every relation: an incremental model's run
// asks for its new rows' and its table's columns, and at 2,000 tables
// each call took 15 ms. Column comments are left empty.
func (t sqlTx) TableColumns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error) {
	if !byNameOK(rel) {
		return uncommentedColumns(ctx, t.tx, rel)
	}
	return tableInfo(ctx, t.tx, rel)
}

func (t sqlTx) RelationKind(ctx context.Context, rel adapters.Relation) (adapters.RelationKind, error) {
	if t.a != nil && !t.dropped[rel] {
		if kind, ok, err := t.a.kinds.kind(ctx, t.tx, t.since, rel); ok || err != nil {
			return kind, err
		}
	}
	return relationKind(ctx, t.tx, rel)
}

func (t sqlTx) DropRelation(ctx context.Context, rel adapters.Relation) error {
	kind, err := t.RelationKind(ctx, rel)
	if err != nil {
		return err
	}
	if t.dropped != nil {
		t.dropped[rel] = true
	}
	if drop := adapters.RelationOpsOf(ctx).Drop; drop != nil && kind != adapters.KindNone {
		// A project's drop_relation, as dbt's materializations run it.
		return drop(ctx, rel, kind)
	}
	switch kind {
	case adapters.KindTable:
		_, err = t.tx.ExecContext(ctx, "drop table "+Dialect{}.RenderRelation(rel))
	case adapters.KindView:
		_, err = t.tx.ExecContext(ctx, "drop view "+Dialect{}.RenderRelation(rel))
	}
	return err
}
