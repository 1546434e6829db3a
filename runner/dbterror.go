package runner

import (
	"errors"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// failure words err, why node n failed, as dbt's str() of the exception
// it raises (dbt-common's DbtRuntimeError.__str__): "<Kind> Error in
// <resource type> <name> (<file>)", then each line of the message indented
// by two spaces, then the macros a CompilationError passed through and
// the node ("> in macro ...", "> called by ..."). The kind is the
// warehouse's as the adapter's dbt counterpart raises it ("Database" for dbt-postgres, "Runtime" for
// dbt-duckdb), else "Compilation" for a render's error (rendering, or a
// Jinja error raised while the node ran), else "Runtime". detail is what
// elt adds and dbt does not say (where in the file, what to do): the
// console shows it after the message; run_results.json has the message
// alone, as dbt's.
func (r *Runner) failure(n *compiler.Node, err error, rendering bool) (msg, detail string) {
	kind, body := "Runtime", err.Error()
	var where, hint []string
	var le *locatedError
	if errors.As(err, &le) {
		where = append(where, le.location())
		body = le.err.Error()
	}
	// A diagnostic (a render's): its summary is the message, its place
	// and hint the detail. elt's own findings (a static check's list)
	// have no dbt counterpart and keep their whole text.
	summary := ""
	var d diag.Diagnostic
	if errors.As(err, &d) {
		if loc := d.Location(); loc != "" && le == nil {
			where = append(where, loc)
		}
		if d.Hint != "" {
			hint = append(hint, d.Hint)
		}
		body, summary = d.Summary, d.Summary
	}
	var he *adapters.HintError
	if errors.As(err, &he) {
		hint = append(hint, he.Hint)
	}
	var we adapters.WarehouseError
	weOK := false
	if w, ok := r.a.(adapters.WarehouseErrorer); ok {
		we, weOK = w.WarehouseError(err)
	}
	var kinded adapters.DbtErrorKinder
	switch m, isRender := compiler.DbtMessage(err); {
	case weOK:
		kind, body = we.Kind, we.Msg
	case isRender:
		kind, body = "Compilation", m
	case rendering:
		kind = "Compilation"
	case errors.As(err, &kinded):
		// The check's own words, without the adapter's context.
		kind, body = kinded.DbtErrorKind(), kinded.Error()
	}
	name := n.Name
	if n.ResourceType == project.UnitTestType {
		name = compiler.UnitTestRunName(n)
	}
	node := fmt.Sprintf("%s %s (%s)", n.ResourceType, name, n.OriginalFilePath)
	if stack := compiler.DbtMacroStack(err); len(stack) > 0 {
		// dbt's process_stack: the macros the error left, innermost
		// first, then the node.
		body += "\n\n> in " + stack[0]
		for _, m := range stack[1:] {
			body += "\n> called by " + m
		}
		body += "\n> called by " + node
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s Error in %s", kind, node)
	for _, line := range strings.Split(body, "\n") {
		b.WriteString("\n  ")
		b.WriteString(line)
	}
	var extra []string
	if len(where) > 0 {
		at := "at " + strings.Join(where, ", ")
		if summary != "" && !strings.Contains(body, summary) {
			// elt's own words say more (the macro calls that led there,
			// what is missing): keep them beside the place.
			at += ": " + summary
		}
		extra = append(extra, at)
	}
	for _, h := range hint {
		extra = append(extra, "hint: "+h)
	}
	return b.String(), strings.Join(extra, "\n")
}

// compilationError is a check of the node that dbt makes in a macro and
// fails with a CompilationError (a contract's, raise_contract_error).
type compilationError struct{ msg string }

func (e *compilationError) Error() string { return e.msg }

// DbtErrorKind is the kind of dbt's exception.
func (e *compilationError) DbtErrorKind() string { return "Compilation" }

func compilationErrorf(format string, args ...any) error {
	return &compilationError{msg: fmt.Sprintf(format, args...)}
}
