package adapters

import (
	"context"
	"strings"
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

// StatementsSince returns the statements the context's log recorded
// after the first from, and how many it holds; none without a log.
func StatementsSince(ctx context.Context, from int) ([]string, int) {
	if ctx == nil {
		return nil, 0
	}
	l, _ := ctx.Value(statementLogKey{}).(*StatementLog)
	if l == nil {
		return nil, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if from > len(l.stmts) {
		from = len(l.stmts)
	}
	return append([]string(nil), l.stmts[from:]...), len(l.stmts)
}

type statementObserverKey struct{}

// WithStatementObserver returns a context whose statements are also
// handed to fn as they are sent, with their query comment (dbt's
// SQLQuery event, which the CLI logs at debug level).
func WithStatementObserver(ctx context.Context, fn func(ctx context.Context, sql string)) context.Context {
	return context.WithValue(ctx, statementObserverKey{}, fn)
}

type connectionNameKey struct{}

// WithConnectionName names the connection statements of ctx are sent on,
// as dbt names its connections (a node's unique id, "macro_<name>").
func WithConnectionName(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, connectionNameKey{}, name)
}

// ConnectionName is the name WithConnectionName gave ctx; "" when none.
func ConnectionName(ctx context.Context) string {
	name, _ := ctx.Value(connectionNameKey{}).(string)
	return name
}

// LogStatement records sql in the context's statement log, if it has
// one, and hands it to the context's statement observer, if any.
func LogStatement(ctx context.Context, sql string) {
	if ctx == nil {
		return
	}
	if fn, _ := ctx.Value(statementObserverKey{}).(func(context.Context, string)); fn != nil {
		fn(ctx, CommentSQL(ctx, sql))
	}
	l, _ := ctx.Value(statementLogKey{}).(*StatementLog)
	if l == nil {
		return
	}
	l.mu.Lock()
	l.stmts = append(l.stmts, sql)
	l.mu.Unlock()
}

// QueryComment is the comment dbt's query-comment setting adds to every
// statement run for a node: prepended ("/* c */\n" + sql), or appended
// before a final semicolon when Append is set.
type QueryComment struct {
	Text   string
	Append bool
}

type queryCommentKey struct{}

// WithQueryComment returns a context whose statements carry c; an empty
// comment adds nothing.
func WithQueryComment(ctx context.Context, c QueryComment) context.Context {
	return context.WithValue(ctx, queryCommentKey{}, c)
}

// CommentSQL returns sql with the context's query comment, as dbt's
// query comment adds it; without one, sql unchanged. Adapters call it
// where they hand SQL to the driver.
func CommentSQL(ctx context.Context, sql string) string {
	if ctx == nil {
		return sql
	}
	c, _ := ctx.Value(queryCommentKey{}).(QueryComment)
	text := strings.TrimSpace(c.Text)
	if text == "" {
		return sql
	}
	if !c.Append {
		return "/* " + text + " */\n" + sql
	}
	sql = strings.TrimRight(sql, " \t\r\n")
	if s, ok := strings.CutSuffix(sql, ";"); ok {
		return s + "\n/* " + text + " */;"
	}
	return sql + "\n/* " + text + " */"
}

// UncommentSQL undoes CommentSQL, for statement logs, which hold the SQL
// as compiled (dbt's target/run files carry no query comment).
func UncommentSQL(ctx context.Context, sql string) string {
	if ctx == nil {
		return sql
	}
	c, _ := ctx.Value(queryCommentKey{}).(QueryComment)
	text := strings.TrimSpace(c.Text)
	if text == "" {
		return sql
	}
	if !c.Append {
		return strings.TrimPrefix(sql, "/* "+text+" */\n")
	}
	if s, ok := strings.CutSuffix(sql, "\n/* "+text+" */;"); ok {
		return s + ";"
	}
	return strings.TrimSuffix(sql, "\n/* "+text+" */")
}
