package compiler

import (
	"context"
	"strings"
)

// Transaction is dbt's transaction on a materialization block's
// connection: the first statement the block runs opens it ("begin", as
// dbt's connection does with auto_begin), adapter.commit() commits it and
// a later statement opens the next one. The runner commits what is still
// open when the block returns, and rolls it back when the block fails, so
// a failing statement leaves no half-built relation behind.
type Transaction struct {
	open bool
	// explicitOnly: only the macro's own "begin" opens it (run_query
	// or a statement block on a project hook's or an operation's
	// connection), never a statement's auto_begin.
	explicitOnly bool
}

type transactionKey struct{}

// WithTransaction marks ctx's statements (run on one connection, see
// adapters.Sessioner) as a materialization block's, in a transaction.
func WithTransaction(ctx context.Context) (context.Context, *Transaction) {
	t := &Transaction{}
	return context.WithValue(ctx, transactionKey{}, t), t
}

// WithExplicitTransaction marks ctx's statements (run on one connection)
// as a project hook's or an operation's: dbt clears the connection's
// transaction before them (clear_transaction), so each statement commits
// as it runs, a "begin" the macro sends opens a real transaction that its
// "commit" or "rollback" ends, and the caller rolls back one still open
// when the connection is released, as dbt's close does.
func WithExplicitTransaction(ctx context.Context) (context.Context, *Transaction) {
	t := &Transaction{explicitOnly: true}
	return context.WithValue(ctx, transactionKey{}, t), t
}

// Open says whether a transaction is open: the runner then commits or
// rolls it back.
func (t *Transaction) Open() bool { return t.open }

// Closed records that the runner ended the transaction.
func (t *Transaction) Closed() { t.open = false }

func transactionOf(ctx context.Context) *Transaction {
	if ctx == nil {
		return nil
	}
	t, _ := ctx.Value(transactionKey{}).(*Transaction)
	return t
}

// transactionVerb is the statement's transaction keyword ("begin",
// "commit", "rollback"), or "" for any other statement.
func transactionVerb(sql string) string {
	s := strings.ToLower(strings.TrimSpace(sql))
	s = strings.TrimSpace(strings.TrimSuffix(s, ";"))
	switch s {
	case "begin", "begin transaction", "start transaction":
		return "begin"
	case "commit", "commit transaction", "end":
		return "commit"
	case "rollback", "rollback transaction":
		return "rollback"
	}
	return ""
}

// beforeStatement opens the transaction before sql runs (when autoBegin),
// or records that sql begins or ends one; skip is set for a commit or
// rollback with nothing open, which some warehouses (DuckDB) refuse.
func (st *renderState) beforeStatement(sql string, autoBegin bool) (skip bool, err error) {
	t := transactionOf(st.ctx)
	if t == nil {
		// No transaction is kept (each statement commits as it runs): a
		// commit has nothing to end, as run_hooks' before outside hooks.
		return transactionVerb(sql) == "commit", nil
	}
	switch transactionVerb(sql) {
	case "begin":
		t.open = true
		return false, nil
	case "commit", "rollback":
		if !t.open {
			return true, nil
		}
		t.open = false
		return false, nil
	}
	if t.open || !autoBegin || t.explicitOnly {
		return false, nil
	}
	if _, err := st.engine.opts.Query(st.ctx, "begin"); err != nil {
		return false, err
	}
	t.open = true
	return false, nil
}

// commit is adapter.commit(): it commits the open transaction, if any.
func (st *renderState) commit() error {
	t := transactionOf(st.ctx)
	if t == nil || !t.open || st.engine.opts.Query == nil {
		return nil
	}
	if _, err := st.engine.opts.Query(st.ctx, "commit"); err != nil {
		return err
	}
	t.open = false
	return nil
}
