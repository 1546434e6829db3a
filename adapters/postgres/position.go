package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/elt-dev/elt/adapters"
)

// positioned adds the statement line a server error points at, as psql
// prints it ("LINE 3: select nme"), so callers can show users where in
// their model the error is. PostgreSQL reports a 1-based character position.
func positioned(err error, query string) error {
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) || pe.Position <= 0 {
		return err
	}
	if int(pe.Position)-1 >= len([]rune(query)) {
		return err
	}
	return &positionedError{err: err, query: query, pos: int(pe.Position)}
}

// positionedError is a server error with the statement it was sent.
type positionedError struct {
	err   error
	query string
	pos   int // 1-based, in characters
}

func (e *positionedError) Error() string {
	runes := []rune(e.query)
	before := string(runes[:e.pos-1])
	line := strings.Count(before, "\n") + 1
	start := strings.LastIndex(before, "\n") + 1
	rest := e.query[start:]
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	return fmt.Sprintf("%v\n\nLINE %d: %s", e.err, line, rest)
}

func (e *positionedError) Unwrap() error { return e.err }

var _ adapters.WarehouseErrorer = (*Adapter)(nil)

// WarehouseError finds the server's error in err's chain and words it as
// dbt-postgres does: its exception_handler raises a DbtDatabaseError of
// psycopg2's message, stripped, which is libpq's report without the
// severity: the message, the statement line and a caret under the
// position, then DETAIL, HINT, QUERY and CONTEXT.
func (a *Adapter) WarehouseError(err error) (adapters.WarehouseError, bool) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return adapters.WarehouseError{}, false
	}
	var b strings.Builder
	b.WriteString(pe.Message)
	b.WriteByte('\n')
	var withQuery *positionedError
	if errors.As(err, &withQuery) {
		b.WriteString(errorPosition(withQuery.query, withQuery.pos))
	}
	for _, f := range []struct{ label, val string }{
		{"DETAIL", pe.Detail}, {"HINT", pe.Hint}, {"QUERY", pe.InternalQuery}, {"CONTEXT", pe.Where},
	} {
		if f.val != "" {
			fmt.Fprintf(&b, "%s:  %s\n", f.label, f.val)
		}
	}
	return adapters.WarehouseError{Kind: "Database", Msg: strings.TrimSpace(b.String())}, true
}

// errorPosition is libpq's report of where in query the 1-based character
// position pos is (fe-protocol3.c, reportErrorPosition): "LINE n: " and
// the line, cut to 60 columns around the position with "..." where cut,
// then a caret under the position. Tabs show as spaces.
func errorPosition(query string, pos int) string {
	const displaySize, minRightCut = 60, 10
	runes := []rune(strings.ReplaceAll(query, "\t", " "))
	loc := pos - 1
	if loc < 0 || loc >= len(runes) {
		return ""
	}
	lineNo, begin := 1, 0
	for i := 0; i < loc; i++ {
		if runes[i] == '\n' || runes[i] == '\r' && (i+1 >= len(runes) || runes[i+1] != '\n') {
			lineNo++
			begin = i + 1
		}
	}
	end := begin
	for end < len(runes) && runes[end] != '\n' && runes[end] != '\r' {
		end++
	}
	// One screen column a character.
	beginCut, endCut := false, false
	if end-begin > displaySize {
		if begin+displaySize >= loc+minRightCut {
			end = begin + displaySize
			endCut = true
		} else {
			for loc+minRightCut < end {
				end--
				endCut = true
			}
			for end-begin > displaySize {
				begin++
				beginCut = true
			}
		}
	}
	prefix := fmt.Sprintf("LINE %d: ", lineNo)
	if beginCut {
		prefix += "..."
	}
	text := prefix + string(runes[begin:end])
	if endCut {
		text += "..."
	}
	return text + "\n" + strings.Repeat(" ", len(prefix)+loc-begin) + "^\n"
}
