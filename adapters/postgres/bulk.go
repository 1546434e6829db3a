package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/elt-dev/elt/adapters"
)

var _ adapters.Bulk = (*Adapter)(nil)

// BeginBulk opens a transaction on one pooled connection for a loader.
// Rows appended through it use COPY FROM STDIN (pgx CopyFrom), inside
// the transaction.
func (a *Adapter) BeginBulk(ctx context.Context) (adapters.BulkTx, error) {
	conn, err := a.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: bulk: %w", adapters.ContextError(ctx, err))
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		conn.Release()
		return nil, fmt.Errorf("postgres: bulk: begin: %w", adapters.ContextError(ctx, err))
	}
	return &bulkTx{a: a, conn: conn, tx: tx}, nil
}

type bulkTx struct {
	a    *Adapter
	conn *pgxpool.Conn
	tx   pgx.Tx
	done bool
}

func (t *bulkTx) Exec(ctx context.Context, query string) error {
	sent := adapters.CommentSQL(ctx, query)
	if _, err := t.tx.Exec(ctx, sent); err != nil {
		return fmt.Errorf("postgres: exec: %w", positioned(adapters.ContextError(ctx, err), sent))
	}
	return nil
}

func (t *bulkTx) Query(ctx context.Context, query string) (*adapters.Result, error) {
	sent := adapters.CommentSQL(ctx, query)
	res, err := queryAll(ctx, t.tx, sent)
	if err != nil {
		return nil, fmt.Errorf("postgres: query: %w", positioned(err, sent))
	}
	return res, nil
}

func (t *bulkTx) Append(ctx context.Context, rel adapters.Relation, columns []string, rows adapters.RowSource) (int64, error) {
	t.a.trace(ctx, "copy "+Dialect{}.RenderRelation(rel)+" from stdin")
	n, err := t.tx.CopyFrom(ctx, pgx.Identifier{rel.Schema, rel.Identifier}, columns, rows)
	if err != nil {
		return n, fmt.Errorf("postgres: copy into %s: %w", Dialect{}.RenderRelation(rel), adapters.ContextError(ctx, err))
	}
	return n, nil
}

func (t *bulkTx) Commit(ctx context.Context) error {
	if t.done {
		return errors.New("postgres: bulk: transaction already closed")
	}
	t.done = true
	defer t.conn.Release()
	if err := t.tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: bulk: commit: %w", adapters.ContextError(ctx, err))
	}
	return nil
}

func (t *bulkTx) Rollback(ctx context.Context) error {
	if t.done {
		return nil
	}
	t.done = true
	defer t.conn.Release()
	if err := t.tx.Rollback(context.WithoutCancel(ctx)); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("postgres: bulk: rollback: %w", err)
	}
	return nil
}
