package main

import (
	"context"
	"fmt"
	"io"
)

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
	s.log.info("MainReportVersion", fmt.Sprintf("Running with elt=%s (dbt-core %s compatible)", version, dbtVersion), nil)
	_, err = s.manifest.CallMacro(ctx, s.manifest.OperationMacro(macro), args)
	if err != nil {
		s.log.errorf("RunningOperationCaughtError", fmt.Sprintf("Encountered an error while running operation: %v", err), map[string]any{"macro": macro})
		return &exitError{code: exitFailed}
	}
	// As dbt, what the macro renders or returns is not printed: a macro
	// shows things with log() or print().
	return nil
}
