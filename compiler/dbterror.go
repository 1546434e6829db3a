package compiler

import (
	"errors"

	"github.com/elt-dev/elt/jinja"
)

// undefinedMacroAdvice is what dbt-common's UndefinedMacroError adds to
// Jinja's "'x' is undefined" (dbt_common/exceptions/macros.py).
const undefinedMacroAdvice = `. This can happen when calling a macro that does not exist. Check for typos and/or install package dependencies with "dbt deps".`

// DbtMessage is the message of the CompilationError dbt raises for err, a
// render's error, without the "Compilation Error in ..." line its str()
// starts with: what raise_compiler_error or elt's builtin said, or Jinja's
// message (dbt-common's catch_jinja: an undefined name is an
// UndefinedMacroError, whose message ends with its advice). ok is false
// when err holds no render error.
func DbtMessage(err error) (msg string, ok bool) {
	var ee *jinjaError
	if errors.As(err, &ee) {
		return ee.msg, true
	}
	var je *jinja.Error
	if !errors.As(err, &je) {
		return "", false
	}
	if je.Kind == "UndefinedError" {
		return je.Msg + undefinedMacroAdvice, true
	}
	return je.Msg, true
}
