package adapters

import (
	"context"
	"sync"
)

// StatementLog collects the statements an adapter runs on behalf of one
// node, so that target/run holds what was actually executed. The runner
// puts one in the context of each node; adapters call LogStatement where
// they hand SQL to the driver.
type StatementLog struct {
	mu    sync.Mutex
	stmts []string
}

// Statements returns the statements logged so far, in the order they ran.
func (l *StatementLog) Statements() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.stmts...)
}

type statementLogKey struct{}

// WithStatementLog returns a context whose statements are logged to l.
func WithStatementLog(ctx context.Context, l *StatementLog) context.Context {
	return context.WithValue(ctx, statementLogKey{}, l)
}

// LogStatement records sql in the context's statement log, if it has one.
func LogStatement(ctx context.Context, sql string) {
	if ctx == nil {
		return
	}
	l, _ := ctx.Value(statementLogKey{}).(*StatementLog)
	if l == nil {
		return
	}
	l.mu.Lock()
	l.stmts = append(l.stmts, sql)
	l.mu.Unlock()
}
