package main

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/docs"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/runner"
)

// operation is dbt's resource type of an on-run-start or on-run-end hook's
// node.
const operation = project.Operation

// hookResult is what one on-run-start or on-run-end hook did, as dbt's
// RunResult for the hook's node (task/run.py safe_run_hooks): it is listed
// in run_results.json and counted in the end-of-run summary.
type hookResult struct {
	// Result: Node is the hook's node; StartedAt..CompletedAt spans the
	// render and the statement, dbt's execution_time for a hook.
	runner.Result
	// statement is dbt's name for the hook in its log lines:
	// "<package>.<hook type>.<position among this type's hooks, from 0>".
	statement string
	// compile and execute are the timing entries (zero when skipped).
	compileStart, compileEnd time.Time
	execStart, execEnd       time.Time
}

// hookNode is the hook's operation node, as dbt's results hold its
// HookNode: a copy of the manifest's, for the run to fill in (its
// compiled code).
func hookNode(h compiler.ProjectHook) *compiler.Node {
	n := *h.Node
	return &n
}

// projectHooks renders and runs the on-run-start or on-run-end statements
// of every project (the root project first, then installed packages by
// name), each between dbt's LogHookStartLine and LogHookEndLine. on-run-end
// sees `results` (each with status, message, node, execution_time,
// failures) and `schemas`, as in dbt. A statement that fails is an error
// result and the hooks after it are skipped, as in dbt; the error returned
// is a hook that would not render, which ends the invocation (the results
// are those of the hooks before it).
func (s *session) projectHooks(ctx context.Context, which string, results []runner.Result) ([]hookResult, error) {
	if which == "on-run-end" && len(s.manifest.ProjectHooks(which)) > 0 {
		return s.projectHooksWith(ctx, which, s.onRunEndContext(results))
	}
	return s.projectHooksWith(ctx, which, map[string]any{})
}

// projectHooksWith runs the project's hooks of one kind with extra in
// their context (on-run-end's results and schemas).
func (s *session) projectHooksWith(ctx context.Context, which string, extra map[string]any) ([]hookResult, error) {
	hooks := s.manifest.ProjectHooks(which)
	if len(hooks) == 0 {
		return nil, nil
	}
	if which == "on-run-end" {
		// dbt: a blank line between the nodes' lines and the hooks'.
		s.log.info("Formatting", "", nil)
	}
	// dbt runs project hooks on its "master" connection, whose query
	// comment has no node.
	ctx, err := s.withConnectionQueryComment(ctx, "master")
	if err != nil {
		return nil, err
	}
	// All of them on that one connection.
	ctx, release, err := s.pinConnection(ctx, "master")
	if err != nil {
		return nil, err
	}
	defer release()
	out := make([]hookResult, 0, len(hooks))
	failed := false
	for i, h := range hooks {
		// As dbt's safe_run_hooks: the manifest's node takes its place
		// in the run (index, from 1), and its compiled code when it
		// renders, as the manifest written after the run shows.
		h.Node.RunIndex = i + 1
		hr := hookResult{
			Result:    runner.Result{UniqueID: h.UniqueID(which), Node: hookNode(h), ThreadID: "main"},
			statement: fmt.Sprintf("%s.%s.%d", h.Package, which, i),
		}
		if failed {
			hr.Status = runner.Skipped
			hr.Message = hr.statement + " skipped"
			hr.Failures = ptr(int64(1))
		} else if err := s.runHook(ctx, h, which, i, len(hooks), extra, &hr); err != nil {
			return out, err
		}
		failed = failed || hr.Status == runner.Error
		s.printHookEnd(hr, i+1, len(hooks))
		out = append(out, hr)
	}
	if which == "on-run-start" {
		s.log.info("Formatting", "", nil)
	}
	return out, nil
}

// runHook renders one hook, prints its start line and runs its SQL (none
// when it renders blank: still a success, as dbt's), filling in hr.
func (s *session) runHook(ctx context.Context, h compiler.ProjectHook, which string, index, total int, extra map[string]any, hr *hookResult) error {
	hr.compileStart = time.Now()
	sql, err := s.manifest.RenderHook(ctx, h, which, extra)
	if err != nil {
		return fmt.Errorf("%s: %s hook %d: %w", h.File, which, h.Index+1, err)
	}
	hr.compileEnd = time.Now()
	n := hr.Node
	n.CompiledCode, n.Compiled = sql, true
	h.Node.CompiledCode, h.Node.Compiled = sql, true
	if sql != "" {
		if err := s.writeHookCompiled(n); err != nil {
			return err
		}
	}
	s.log.info("LogHookStartLine", fancyLine(fmt.Sprintf("%d of %d START hook: %s", index+1, total, hr.statement), "[RUN]", s.log.width, true),
		map[string]any{"statement": hr.statement, "index": index + 1, "total": total, "node_info": nodeInfo(n, "started", hr.compileStart, time.Time{})})
	hr.execStart = time.Now()
	var execErr error
	if strings.TrimSpace(sql) != "" {
		execErr = s.adapter.Exec(ctx, sql)
	}
	hr.execEnd = time.Now()
	hr.StartedAt, hr.CompletedAt = hr.compileStart, hr.execEnd
	if execErr != nil {
		hr.Status = runner.Error
		hr.Message = hr.statement + " failed, error:\n " + s.env.secrets.Scrub(hookErrorMessage(s.adapter, execErr))
		hr.Failures = ptr(int64(1))
		return nil
	}
	hr.Status = runner.Success
	hr.Message = hr.statement + " passed"
	hr.Failures = ptr(int64(0))
	return nil
}

// writeHookCompiled writes a rendered hook under target/compiled, as dbt
// does, so that a failed hook's "compiled code at" line names a file.
func (s *session) writeHookCompiled(n *compiler.Node) error {
	dir, err := s.targetFS()
	if err != nil {
		return err
	}
	name := path.Join("compiled", compiler.CompiledPath(n))
	if _, err := dir.WriteIfChanged(name, []byte(n.CompiledCode)); err != nil {
		return fmt.Errorf("write target/%s: %w", name, err)
	}
	return nil
}

// printHookEnd is dbt's LogHookEndLine: OK, ERROR or SKIP, with the time
// from the render to the statement's end (0.00s when skipped).
func (s *session) printHookEnd(hr hookResult, index, total int) {
	// dbt's event is at info level whatever the status.
	word, colour := "OK", ansiGreen
	switch hr.Status {
	case runner.Skipped:
		word, colour = "SKIP", ansiYellow
	case runner.Error:
		word, colour = "ERROR", ansiRed
	}
	secs := hr.Duration().Seconds()
	right := fmt.Sprintf("[%s in %.2fs]", s.log.paint(colour, word), secs)
	left := fmt.Sprintf("%d of %d %s hook: %s", index, total, word, hr.statement)
	s.log.info("LogHookEndLine", fancyLine(left, right, s.log.width, true), map[string]any{
		"statement": hr.statement, "status": string(hr.Status), "index": index, "total": total,
		"execution_time": float32(secs), "node_info": nodeInfo(hr.Node, string(hr.Status), hr.StartedAt, hr.CompletedAt),
	})
}

// resultNodeObject is a result's node as dbt's RunResult holds it: a
// model run in batches uncompiled (MicrobatchModelRunner compiles
// nothing; each batch compiles a copy).
func resultNodeObject(m *compiler.Manifest, r runner.Result) any {
	if len(r.Batches) > 0 {
		return m.UncompiledNodeObject(r.Node)
	}
	return m.NodeObject(r.Node)
}

// onRunEndContext is what dbt gives on-run-end hooks beside the usual
// context: results (dbt's RunResult objects, each with to_dict()), schemas
// and database_schemas.
func (s *session) onRunEndContext(results []runner.Result) map[string]any {
	var rs []any
	schemaSet := map[string]bool{}
	var schemas []string
	var dbSchemas []any
	for _, r := range results {
		n := r.Node
		var failures any
		if r.Failures != nil {
			failures = *r.Failures
		} else if len(r.Batches) > 0 {
			failures = int64(0) // a microbatch model's, as in run_results.json
		}
		// timing: compile, then execute, as in run_results.json.
		timing := []any{}
		if !s.compileStart.IsZero() {
			timing = append(timing, compiler.ObjectValue(map[string]any{"name": "compile",
				"started_at": compiler.TimeValue(s.compileStart), "completed_at": compiler.TimeValue(s.compileEnd)}))
		}
		if !r.StartedAt.IsZero() {
			timing = append(timing, compiler.ObjectValue(map[string]any{"name": "execute",
				"started_at": compiler.TimeValue(r.StartedAt), "completed_at": compiler.TimeValue(r.CompletedAt)}))
		}
		response := r.AdapterResponse
		switch {
		case n.ResourceType == operation:
			response = map[string]any{} // as a hook's in run_results.json
		case response == nil:
			response = s.adapterResponse(r)
		}
		// dbt's RunResult objects, with to_dict() (elementary
		// serialises each).
		rs = append(rs, compiler.ObjectValue(map[string]any{
			"status": string(r.Status), "message": s.env.secrets.Scrub(artifactMessage(r)), "execution_time": r.Duration().Seconds(),
			"failures": failures, "thread_id": r.ThreadID, "adapter_response": response,
			"timing": timing, "node": resultNodeObject(s.manifest, r),
		}))
		// As dbt: the schemas of the relations built, not of those that
		// errored or were skipped.
		built := r.Status != runner.Error && r.Status != runner.Fail && r.Status != runner.Skipped
		if built && n.Relation.Schema != "" && !schemaSet[n.Relation.Database+"."+n.Relation.Schema] &&
			(n.ResourceType == project.Model || n.ResourceType == project.Seed || n.ResourceType == project.Snapshot) {
			schemaSet[n.Relation.Database+"."+n.Relation.Schema] = true
			schemas = append(schemas, n.Relation.Schema)
			// As dbt: (database, schema) pairs.
			dbSchemas = append(dbSchemas, compiler.TupleValue(n.Relation.Database, n.Relation.Schema))
		}
	}
	return map[string]any{"results": rs, "schemas": schemas, "database_schemas": dbSchemas}
}

// onRunEndResults are the results on-run-end hooks see: the nodes', after
// the on-run-start hooks that failed (dbt leaves out the hooks that
// passed, whose thread is "main", as before hooks had results).
func onRunEndResults(start []hookResult, nodes []runner.Result) []runner.Result {
	var out []runner.Result
	for _, h := range start {
		if h.Status == runner.Error {
			out = append(out, h.Result)
		}
	}
	return append(out, nodes...)
}

// hookResults are the hooks' results, for the summary.
func hookResults(hooks []hookResult) []runner.Result {
	out := make([]runner.Result, len(hooks))
	for i, h := range hooks {
		out[i] = h.Result
	}
	return out
}

// failedHook is the first hook whose statement failed, as an error, or nil.
func failedHook(hooks []hookResult) error {
	for _, h := range hooks {
		if h.Status == runner.Error {
			return fmt.Errorf("%s", h.Message)
		}
	}
	return nil
}

// hookRunResults are the hooks' entries of run_results.json, as dbt writes
// a hook's: thread "main", an empty adapter_response, the rendered SQL as
// compiled_code, and no timing when skipped.
func (s *session) hookRunResults(hooks []hookResult) []docs.NodeResult {
	out := make([]docs.NodeResult, 0, len(hooks))
	for _, h := range hooks {
		nr := docs.NodeResult{
			UniqueID:           h.UniqueID,
			Status:             string(h.Status),
			Message:            s.env.secrets.Scrub(h.Message),
			ThreadID:           h.ThreadID,
			CompileStartedAt:   h.compileStart,
			CompileCompletedAt: h.compileEnd,
			StartedAt:          h.execStart,
			CompletedAt:        h.execEnd,
			ExecutionTime:      h.Duration(),
			CompiledCode:       h.Node.CompiledCode,
			Compiled:           h.Node.Compiled,
		}
		if h.Failures != nil {
			f := int(*h.Failures)
			nr.Failures = &f
		}
		out = append(out, nr)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// hookErrorMessage is what dbt's get_execution_status (task/run.py) says
// of a hook's failed statement: the adapter exception's msg, which is the
// warehouse's message alone (elt's context around it left out).
func hookErrorMessage(a adapters.Adapter, err error) string {
	if w, ok := a.(adapters.WarehouseErrorer); ok {
		if we, ok := w.WarehouseError(err); ok {
			return we.Msg
		}
	}
	return err.Error()
}
