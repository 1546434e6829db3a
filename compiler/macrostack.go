package compiler

import (
	"errors"

	"github.com/elt-dev/elt/jinja"
)

// macroStack is dbt's macro stack of a CompilationError raised while a
// project's, package's or dbt's macro ran (dbt-common's
// CallableMacroGenerator.exception_handler, clients/jinja.py): each macro
// the error leaves appends itself, so macros runs from the innermost
// out. A TypeError or TemplateRuntimeError of Jinja's (an undefined
// name's UndefinedError among them) becomes a CaughtMacroErrorWithNodeError
// in the macro that raised it: its message is Jinja's, without the
// advice of an UndefinedMacroError, and dbt keeps neither that macro nor
// any node for it (CompilationError's __init__ sets node to None), so the
// stack starts with the macro that called it.
type macroStack struct {
	macros []*Macro
	caught bool  // Jinja's own error, caught in a macro
	err    error // what the stack annotates; nil for Jinja's own error
}

func (m *macroStack) Error() string {
	if m.err == nil {
		return "macro stack"
	}
	return m.err.Error()
}

func (m *macroStack) Unwrap() error { return m.err }

// jinjaCaught are the kinds of Jinja's errors dbt's macro wrapper
// catches: Python's TypeError and jinja2's TemplateRuntimeError with its
// subclasses (UndefinedError, SecurityError, FilterArgumentError).
var jinjaCaught = map[string]bool{
	"TypeError":            true,
	"TemplateRuntimeError": true,
	"UndefinedError":       true,
	"SecurityError":        true,
	"FilterArgumentError":  true,
}

// leaveMacro is err, raised by a call of macro m, as dbt's macro
// wrapper passes it on: a CompilationError gets m on its stack, Jinja's
// TypeError or TemplateRuntimeError becomes a CompilationError with an
// empty one, any other error (a warehouse's, Python's others) passes
// unchanged. The stack rides in the *jinja.Error's Err, since the engine
// passes on that error itself rather than a wrapper of it; a render's
// error is its own, so changing it in place is safe.
func leaveMacro(err error, m *Macro) error {
	if _, ok := jinja.Returned(err); ok {
		return err
	}
	var ms *macroStack
	if errors.As(err, &ms) {
		ms.macros = append(ms.macros, m)
		return err
	}
	var je *jinja.Error
	isJinja := errors.As(err, &je)
	switch {
	case isDbtCompilationError(err):
		ms = &macroStack{macros: []*Macro{m}}
	case isJinja && jinjaCaught[je.Kind]:
		ms = &macroStack{caught: true}
	default:
		return err
	}
	if isJinja {
		ms.err, je.Err = je.Err, ms
		return err
	}
	ms.err = err
	return ms
}

// isDbtCompilationError reports whether dbt raises err as a
// CompilationError: raise_compiler_error and elt's own render errors
// (dbt's are CompilationErrors: a ref to nothing, a bad config call...),
// and the checks whose kind is "Compilation".
func isDbtCompilationError(err error) bool {
	var ee *jinjaError
	var ce *compilationError
	if errors.As(err, &ee) || errors.As(err, &ce) {
		return true
	}
	// adapters.DbtErrorKinder, which this package cannot import.
	var k interface{ DbtErrorKind() string }
	return errors.As(err, &k) && k.DbtErrorKind() == "Compilation"
}

// DbtMacroStack is the macros dbt names under a failing node's message
// (DbtRuntimeError.process_stack): each as "macro <name> (<file>)", the
// innermost first; the node itself comes last, after them. It is empty
// when err passed through no macro as a CompilationError.
func DbtMacroStack(err error) []string {
	var ms *macroStack
	if !errors.As(err, &ms) {
		return nil
	}
	out := make([]string, 0, len(ms.macros))
	for _, m := range ms.macros {
		out = append(out, "macro "+m.Name+" ("+m.OriginalFilePath+")")
	}
	return out
}
