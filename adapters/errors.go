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

// WarehouseError is an error the warehouse returned, as the adapter's dbt
// counterpart raises it: Kind is the dbt exception's kind ("Database" for
// DbtDatabaseError, "Runtime" for DbtRuntimeError) and Msg its message.
type WarehouseError struct {
	Kind string
	Msg  string
}

// WarehouseErrorer is implemented by adapters that can find their
// warehouse's error in an error's chain, so a failing node's message reads
// as dbt's does with that adapter.
type WarehouseErrorer interface {
	WarehouseError(err error) (WarehouseError, bool)
}

// DbtErrorKinder is an error that dbt raises outside the warehouse, as
// a CompilationError (a check its macros make with raise_compiler_error,
// say): DbtErrorKind is its kind, "Compilation".
type DbtErrorKinder interface {
	error
	DbtErrorKind() string
}

// HintError is an error with what to do about it, which elt says beside
// the warehouse's message (dbt's adapter says nothing of it).
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return fmt.Sprintf("%v (%s)", e.Err, e.Hint) }

func (e *HintError) Unwrap() error { return e.Err }
