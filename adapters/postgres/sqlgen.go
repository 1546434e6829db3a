package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/sqlgen"
)

// warehouse is how PostgreSQL's SQL differs from the other warehouses that
// package sqlgen serves.
func warehouse() sqlgen.Warehouse {
	return sqlgen.Warehouse{
		// A temporary table is private to the connection and dropped when
		// the transaction ends, however it ends.
		TempRelation: func(ident string) adapters.Relation {
			return adapters.Relation{Schema: "pg_temp", Identifier: ident}
		},
		MaxIdentLen:     maxIdentLen,
		OnCommitDrop:    true,
		ExprType:        tempTableType,
		TypedValidTo:    true,
		CastToTarget:    true,
		QuotedKeysExact: true,
		AlterTypeUsing:  true,
		OrderByPosition: true,
		CommandTags:     true,
		Unlogged:        true,
		WithTimeZone: func(dataType string) bool {
			typ := strings.ToLower(dataType)
			return strings.HasPrefix(typ, "timestamp") && strings.HasSuffix(typ, "with time zone") && !strings.Contains(typ, "without")
		},
	}
}

// maxIdentLen is PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1);
// longer names are silently truncated.
const maxIdentLen = 63

// tempTableType reads query's one column type from an empty temporary
// table made from it (pg_typeof needs a row).
func tempTableType(ctx context.Context, tx sqlgen.Tx, expr, query string, temp func(string) (adapters.Relation, error)) (string, error) {
	rel, err := temp(query + " limit 0")
	if err != nil {
		return "", err
	}
	cols, err := tx.Columns(ctx, rel)
	if err != nil {
		return "", err
	}
	if len(cols) != 1 {
		return "", fmt.Errorf("type of %s: unexpected columns %v", expr, cols)
	}
	return cols[0].DataType, nil
}

// pgTx hands a transaction to package sqlgen.
type pgTx struct{ tx pgx.Tx }

func (t pgTx) Exec(ctx context.Context, query string) (int64, error) {
	sent := adapters.CommentSQL(ctx, query)
	tag, err := t.tx.Exec(ctx, sent)
	if err != nil {
		return 0, positioned(err, sent)
	}
	return tag.RowsAffected(), nil
}

func (t pgTx) QueryInt(ctx context.Context, query string) (int64, error) {
	var n int64
	sent := adapters.CommentSQL(ctx, query)
	err := t.tx.QueryRow(ctx, sent).Scan(&n)
	return n, positioned(err, sent)
}

func (t pgTx) Query(ctx context.Context, query string) (*adapters.Result, error) {
	sent := adapters.CommentSQL(ctx, query)
	res, err := queryAll(ctx, t.tx, sent)
	return res, positioned(err, sent)
}

func (t pgTx) Columns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error) {
	return columns(ctx, t.tx, rel)
}

// TableColumns is Columns: PostgreSQL finds a relation's columns through
// its catalog's indexes.
func (t pgTx) TableColumns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error) {
	return columns(ctx, t.tx, rel)
}

func (t pgTx) RelationKind(ctx context.Context, rel adapters.Relation) (adapters.RelationKind, error) {
	kind, _, err := relationKind(ctx, t.tx, rel)
	return kind, err
}

func (t pgTx) DropRelation(ctx context.Context, rel adapters.Relation) error {
	return dropExisting(ctx, t.tx, rel)
}
