package compiler

import (
	"errors"
	"fmt"

	"github.com/elt-dev/elt/jinja"
)

// undefinedMacroAdvice is what dbt-common's UndefinedMacroError adds to
// Jinja's "'x' is undefined" (dbt_common/exceptions/macros.py).
const undefinedMacroAdvice = `. This can happen when calling a macro that does not exist. Check for typos and/or install package dependencies with "dbt deps".`

// DbtMessage is the message of the CompilationError dbt raises for err, a
// render's error, without the "Compilation Error in ..." line its str()
// starts with: what raise_compiler_error or elt's builtin said, or Jinja's
// message (dbt-common's catch_jinja: an undefined name is an
// UndefinedMacroError, whose message ends with its advice, unless a macro
// raised it: macrostack.go). ok is false when err holds no render error.
func DbtMessage(err error) (msg string, ok bool) {
	var ce *compilationError
	if errors.As(err, &ce) {
		return ce.msg, true
	}
	var ee *jinjaError
	if errors.As(err, &ee) {
		return ee.msg, true
	}
	var je *jinja.Error
	if !errors.As(err, &je) {
		return "", false
	}
	var ms *macroStack
	if errors.As(err, &ms) && ms.caught {
		return je.Msg, true // CaughtMacroErrorWithNodeError: str() of Jinja's
	}
	if je.Kind == "UndefinedError" {
		return je.Msg + undefinedMacroAdvice, true
	}
	return je.Msg, true
}

// compilationError is an error dbt raises as a CompilationError outside
// Jinja (a materialization's return value, task/run.py), with its message.
type compilationError struct{ msg string }

func (e *compilationError) Error() string { return e.msg }

func compilationErrorf(format string, args ...any) error {
	return &compilationError{msg: fmt.Sprintf(format, args...)}
}

// runtimeError is an error dbt raises as a DbtRuntimeError, with its
// message (a materialization that never ran main, task/run.py).
type runtimeError struct{ msg string }

func (e *runtimeError) Error() string { return e.msg }

// DbtErrorKind is the kind of dbt's exception (adapters.DbtErrorKinder).
func (e *runtimeError) DbtErrorKind() string { return "Runtime" }
