package adapters

import (
	"context"
	"errors"
	"fmt"
)

// SeedError is a problem with a seed's CSV file. It carries the file and,
// when the warehouse or the adapter could tell, the 1-based line, so the
// CLI can point at the row to fix.
type SeedError struct {
	Path string // the CSV file, as given in Seed.Path
	Line int    // 0 when unknown
	Err  error
}

func (e *SeedError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *SeedError) Unwrap() error { return e.Err }

// ContextError puts the context's error in err's chain when the context has
// ended, so callers can test errors.Is(err, context.Canceled) whatever the
// driver said about the interrupted query.
func ContextError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}
