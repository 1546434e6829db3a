package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/runner"
)

// withConnectionQueryComment puts in ctx the query comment of statements
// sent outside any node on the connection dbt names connection.
func (s *session) withConnectionQueryComment(ctx context.Context, connection string) (context.Context, error) {
	text, appendIt, err := s.manifest.ConnectionQueryComment(ctx, connection)
	if err != nil {
		return ctx, err
	}
	ctx = adapters.WithConnectionName(ctx, connection)
	return adapters.WithQueryComment(ctx, adapters.QueryComment{Text: text, Append: appendIt}), nil
}

// pinConnection gives the statements run with the returned context one
// connection of the target, as dbt's connection_named does for a phase of
// project hooks ("master") or an operation ("macro_<name>"): a temporary
// table one run_query makes is there for the next, and the macro's
// run_query("begin") ... run_query("commit") is one transaction there
// (compiler.WithExplicitTransaction). release rolls back a transaction
// the macros began and did not end, as dbt's close of the connection
// does, and gives the connection back.
func (s *session) pinConnection(ctx context.Context, name string) (_ context.Context, release func(), _ error) {
	sess, ok := s.adapter.(adapters.Sessioner)
	if !ok {
		return ctx, func() {}, nil
	}
	ctx, give, err := sess.Session(ctx)
	if err != nil {
		return ctx, nil, fmt.Errorf("connection %q: %w", name, err)
	}
	ctx, tx := compiler.WithExplicitTransaction(ctx)
	return ctx, func() {
		defer give()
		if !tx.Open() {
			return
		}
		tx.Closed()
		if err := s.adapter.Exec(context.WithoutCancel(ctx), "rollback"); err != nil {
			// As dbt's RollbackFailed: logged, not an error of the run.
			s.log.debug("RollbackFailed", fmt.Sprintf("Failed to rollback '%s': %v", name, err), map[string]any{"conn_name": name})
		}
	}, nil
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
	defer s.close()
	s.logVersion()
	// As dbt's run-operation (@requires.manifest, write=True): the parsed
	// manifest is written before anything runs.
	if err := s.writeManifest(); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	// As dbt's RunOperationTask.run: the graph is compiled (and its
	// summary written) before the macro runs.
	s.writeGraphSummary()
	if err := s.connect(ctx); err != nil {
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitFailed {
			return err // a profile that cannot be used: a usage error
		}
		// dbt's run-operation opens its connection when the macro first
		// runs a statement, inside the operation (task/run_operation.py
		// _run_unsafe): a database that cannot be reached is the
		// operation's error, with its run_results.json.
		now := time.Now()
		s.log.errorf("RunningOperationCaughtError", fmt.Sprintf("Encountered an error while running operation: %v", err), map[string]any{"macro": macro})
		name := s.manifest.OperationMacro(macro)
		if werr := s.writeRunResults([]runner.Result{operationResult(s.manifest, name, err, now, now)}, nil, nil, nil, time.Since(s.startedAt), "run-operation"); werr != nil {
			return &exitError{code: exitFailed, err: werr}
		}
		return &exitError{code: exitFailed}
	}
	// dbt times its compile_manifest as the operation's "compile" step;
	// elt built its graph while loading, so this step is what remains
	// before the macro runs.
	s.compileStart = time.Now()
	// --defer: refs resolve to the --state run's relations where this
	// environment has none (nothing is selected).
	if err := s.applyDefer(ctx, nil); err != nil {
		return err
	}
	// dbt runs the macro on a connection named macro_<name>.
	ctx, err = s.withConnectionQueryComment(ctx, "macro_"+macro)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	ctx, release, err := s.pinConnection(ctx, "macro_"+macro)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	defer release()
	name := s.manifest.OperationMacro(macro)
	s.compileEnd = time.Now()
	start := time.Now()
	_, err = s.manifest.CallMacro(ctx, name, args)
	end := time.Now()
	var undefined *compiler.UndefinedMacroError
	if errors.As(err, &undefined) {
		return s.undefinedOperationMacro(name)
	}
	if err != nil {
		s.log.errorf("RunningOperationCaughtError", fmt.Sprintf("Encountered an error while running operation: %v", err), map[string]any{"macro": macro})
	}
	// As dbt's run-operation: run_results.json with the operation's
	// result, whether it succeeded or not.
	if werr := s.writeRunResults([]runner.Result{operationResult(s.manifest, name, err, start, end)}, nil, nil, nil, time.Since(s.startedAt), "run-operation"); werr != nil {
		return &exitError{code: exitFailed, err: werr}
	}
	if err != nil {
		return &exitError{code: exitFailed}
	}
	// As dbt, what the macro renders or returns is not printed: a macro
	// shows things with log() or print().
	return nil
}

// undefinedOperationMacro reports a run-operation of a macro no package
// defines as dbt's run-operation does: the attempt's error (the adapter's
// execute_macro), then UndefinedMacroError, which ends the command with
// exit 2 before run_results.json is written.
func (s *session) undefinedOperationMacro(name string) error {
	pkg, macro, qualified := strings.Cut(name, ".")
	where := "any package"
	if !qualified {
		macro = name
	} else {
		where = fmt.Sprintf("the %q package", pkg)
	}
	s.log.errorf("RunningOperationCaughtError", fmt.Sprintf("Encountered an error while running operation: Runtime Error\n  dbt could not find a macro with the name %q in %s", macro, where),
		map[string]any{"macro": name})
	return usageErr(fmt.Errorf("dbt could not find a macro with the name '%s' in any package", macro))
}

// operationResult is dbt's result of a run-operation: named by the
// macro's unique id, a success or an error (failures 0 or 1), on the main
// thread, with no message.
func operationResult(m *compiler.Manifest, name string, err error, start, end time.Time) runner.Result {
	pkg, macro, qualified := strings.Cut(name, ".")
	if !qualified {
		pkg, macro = m.Project.Config.Name, name
	}
	id := "macro." + pkg + "." + macro
	if _, ok := m.Macros[id]; !ok {
		// A macro dbt's global project defines.
		id = "macro.dbt." + macro
	}
	n := &compiler.Node{}
	n.UniqueID, n.Name, n.Package, n.ResourceType = id, macro, pkg, operation
	failures := int64(0)
	status := runner.Success
	if err != nil {
		status, failures = runner.Error, 1
	}
	return runner.Result{UniqueID: id, Node: n, Status: status, Failures: &failures, ThreadID: "MainThread", StartedAt: start, CompletedAt: end}
}
