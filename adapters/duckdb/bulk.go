package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/elt-dev/elt/adapters"
)

var _ adapters.Bulk = (*Adapter)(nil)

// BeginBulk opens a transaction on one connection for a loader. Rows
// appended through it use DuckDB's Appender, which writes within the
// connection's open transaction.
func (a *Adapter) BeginBulk(ctx context.Context) (adapters.BulkTx, error) {
	conn, err := a.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("duckdb: bulk: %w", adapters.ContextError(ctx, err))
	}
	if _, err := conn.ExecContext(ctx, "begin transaction"); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("duckdb: bulk: begin: %w", adapters.ContextError(ctx, err))
	}
	return &bulkTx{a: a, conn: conn}, nil
}

type bulkTx struct {
	a    *Adapter
	conn *sql.Conn
	done bool
	// changes are what the transaction's statements do to the cached
	// relation kinds, applied once it commits (kindChangeOf); forget is
	// set by a statement the cache cannot follow.
	changes []kindChange
	forget  bool
}

// note records what query does to the relation kinds once committed.
func (t *bulkTx) note(query string) {
	switch ch := kindChangeOf(query); ch.op {
	case changeKeep:
	case changeForget:
		t.forget = true
	default:
		t.changes = append(t.changes, ch)
	}
}

func (t *bulkTx) Exec(ctx context.Context, query string) error {
	t.note(query)
	if _, err := t.conn.ExecContext(ctx, query); err != nil {
		return fmt.Errorf("duckdb: exec: %w", adapters.ContextError(ctx, err))
	}
	return nil
}

func (t *bulkTx) Query(ctx context.Context, query string) (*adapters.Result, error) {
	t.note(query)
	res, err := queryAll(ctx, t.conn, query)
	if err != nil {
		return nil, fmt.Errorf("duckdb: query: %w", err)
	}
	return res, nil
}

func (t *bulkTx) Append(ctx context.Context, rel adapters.Relation, columns []string, rows adapters.RowSource) (int64, error) {
	var n int64
	err := t.conn.Raw(func(dc any) error {
		conn := dc.(driver.Conn)
		if tc, ok := conn.(*traceConn); ok {
			conn = tc.conn
		}
		app, err := duckdbdriver.NewAppenderWithColumns(conn, rel.Database, rel.Schema, rel.Identifier, columns)
		if err != nil {
			return err
		}
		vals := make([]driver.Value, len(columns))
		for rows.Next() {
			if n%2048 == 0 && ctx.Err() != nil {
				_ = app.Close()
				return ctx.Err()
			}
			row, err := rows.Values()
			if err != nil {
				_ = app.Close()
				return err
			}
			for i, v := range row {
				vals[i] = v
			}
			if err := app.AppendRow(vals...); err != nil {
				_ = app.Close()
				return err
			}
			n++
		}
		if err := rows.Err(); err != nil {
			_ = app.Close()
			return err
		}
		return app.Close()
	})
	if err != nil {
		return 0, fmt.Errorf("duckdb: append to %s: %w", t.a.Dialect().RenderRelation(rel), adapters.ContextError(ctx, err))
	}
	return n, nil
}

func (t *bulkTx) Commit(ctx context.Context) error {
	if t.done {
		return errors.New("duckdb: bulk: transaction already closed")
	}
	t.done = true
	defer t.conn.Close()
	if _, err := t.conn.ExecContext(ctx, "commit"); err != nil {
		_, _ = t.conn.ExecContext(context.WithoutCancel(ctx), "rollback")
		// Whether the commit took effect is unknown.
		t.a.kinds.forget()
		return fmt.Errorf("duckdb: bulk: commit: %w", adapters.ContextError(ctx, err))
	}
	// What the loader's statements created, dropped or altered, in order.
	if t.forget {
		t.a.kinds.forget()
		return nil
	}
	for _, ch := range t.changes {
		t.a.kinds.apply(ch, nil)
	}
	return nil
}

func (t *bulkTx) Rollback(ctx context.Context) error {
	if t.done {
		return nil
	}
	t.done = true
	defer t.conn.Close()
	if _, err := t.conn.ExecContext(context.WithoutCancel(ctx), "rollback"); err != nil {
		return fmt.Errorf("duckdb: bulk: rollback: %w", err)
	}
	return nil
}
