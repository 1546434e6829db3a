package main

import (
	"context"
	"fmt"
	"io"

	"github.com/elt-dev/elt/adapters"
)

// withConnectionQueryComment puts in ctx the query comment of statements
// sent outside any node on the connection dbt names connection.
func (s *session) withConnectionQueryComment(ctx context.Context, connection string) (context.Context, error) {
	text, appendIt, err := s.manifest.ConnectionQueryComment(ctx, connection)
	if err != nil {
		return ctx, err
	}
	return adapters.WithQueryComment(ctx, adapters.QueryComment{Text: text, Append: appendIt}), nil
}

// runOperationCommand runs one macro with --args, as `dbt run-operation`.
// Statements the macro issues (run_query, statement blocks) run on the
// target's connection.
func runOperationCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer, macro string) error {
	args, err := parseDictFlag("--args", f.macroArgs)
	if err != nil {
		return usageErr(err)
	}
	s, err := load(ctx, f, env, stdout, true)
	if err != nil {
		return err
	}
	if err := s.connect(ctx); err != nil {
		return err
	}
	defer s.close()
	s.logVersion()
	// dbt runs the macro on a connection named macro_<name>.
	ctx, err = s.withConnectionQueryComment(ctx, "macro_"+macro)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	_, err = s.manifest.CallMacro(ctx, s.manifest.OperationMacro(macro), args)
	if err != nil {
		s.log.errorf("RunningOperationCaughtError", fmt.Sprintf("Encountered an error while running operation: %v", err), map[string]any{"macro": macro})
		return &exitError{code: exitFailed}
	}
	// As dbt, what the macro renders or returns is not printed: a macro
	// shows things with log() or print().
	return nil
}
