package duckdb

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/elt-dev/elt/adapters"
)

// traceConnector wraps the DuckDB connector so that Config.Trace (when set)
// sees every statement run on its connections, and begin, commit and
// rollback, and the node's statement log (adapters.LogStatement) sees the
// statements, without touching the code that runs them.
type traceConnector struct {
	driver.Connector
	trace func(string)
}

func (c traceConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &traceConn{conn: conn, trace: c.trace}, nil
}

// Close closes the wrapped connector (sql.DB closes a connector that has Close).
func (c traceConnector) Close() error {
	if cl, ok := c.Connector.(interface{ Close() error }); ok {
		return cl.Close()
	}
	return nil
}

// traceConn forwards to the DuckDB connection, tracing statements.
type traceConn struct {
	conn  driver.Conn
	trace func(string)
}

var (
	_ driver.ExecerContext      = (*traceConn)(nil)
	_ driver.QueryerContext     = (*traceConn)(nil)
	_ driver.ConnPrepareContext = (*traceConn)(nil)
	_ driver.ConnBeginTx        = (*traceConn)(nil)
	_ driver.NamedValueChecker  = (*traceConn)(nil)
)

func (c *traceConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *traceConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.record(ctx, query, 0)
	query = adapters.CommentSQL(ctx, query)
	if p, ok := c.conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.conn.Prepare(query)
}

func (c *traceConn) Close() error { return c.conn.Close() }

// record hands a statement to the trace hook and the node's statement log.
// Statements with bound arguments are the adapter's catalog look-ups, not
// work done for the node, and are left out of the log.
func (c *traceConn) record(ctx context.Context, query string, nargs int) {
	if c.trace != nil {
		c.trace(query)
	}
	if nargs == 0 {
		adapters.LogStatement(ctx, query)
	}
}

func (c *traceConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *traceConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	b, ok := c.conn.(driver.ConnBeginTx)
	if !ok {
		return nil, errors.New("duckdb: connection does not support BeginTx")
	}
	if c.trace != nil {
		c.trace("begin")
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return traceTx{tx: tx, trace: c.trace}, nil
}

func (c *traceConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.record(ctx, query, len(args))
	return e.ExecContext(ctx, adapters.CommentSQL(ctx, query), args)
}

func (c *traceConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.record(ctx, query, len(args))
	return q.QueryContext(ctx, adapters.CommentSQL(ctx, query), args)
}

func (c *traceConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type traceTx struct {
	tx    driver.Tx
	trace func(string)
}

func (t traceTx) Commit() error {
	if t.trace != nil {
		t.trace("commit")
	}
	return t.tx.Commit()
}

func (t traceTx) Rollback() error {
	if t.trace != nil {
		t.trace("rollback")
	}
	return t.tx.Rollback()
}
