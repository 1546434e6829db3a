// Package lazyre compiles a package's regular expressions on first use.
//
// Go initializes every linked package before main, so a package-level
// regexp.MustCompile runs at every start of every command, whether the
// pattern is used or not (the module's 72 of them cost 14 ms of a 69 ms
// `elt --version`). A pattern declared with New is compiled the first
// time it is asked for, once.
package lazyre

import (
	"regexp"
	"sync"
)

// New returns the regular expression of pattern, compiled on the first
// call (and panicking then, as regexp.MustCompile, if it does not
// compile). Safe for concurrent use.
func New(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}
