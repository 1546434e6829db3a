package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// positioned adds the statement line a server error points at, as psql
// prints it ("LINE 3: select nme"), so callers can show users where in
// their model the error is. PostgreSQL reports a 1-based character position.
func positioned(err error, query string) error {
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) || pe.Position <= 0 {
		return err
	}
	runes := []rune(query)
	pos := int(pe.Position) - 1
	if pos >= len(runes) {
		return err
	}
	before := string(runes[:pos])
	line := strings.Count(before, "\n") + 1
	start := strings.LastIndex(before, "\n") + 1
	rest := query[start:]
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	return fmt.Errorf("%w\n\nLINE %d: %s", err, line, rest)
}
