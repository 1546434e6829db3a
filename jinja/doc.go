// Package jinja is a Jinja2 template engine in pure Go, exact to Python's
// Jinja2 3.1 as dbt configures it: a SandboxedEnvironment with the "do"
// and "loopcontrols" extensions, autoescaping off, the default Undefined
// (or StrictUndefined / ChainableUndefined by policy), and one trailing
// newline of a template dropped.
//
// A template is parsed once (Env.Parse) into an AST that follows Jinja2's
// grammar rule for rule, then compiled into a tree of Go closures: every
// node becomes one func that calls its children's funcs directly, with
// its source offset captured so every error carries name:line:column and
// the chain of macro calls that led to it. Values are plain Go values in a
// type switch (int64, float64, string, bool, nil, *List, Tuple, *Dict,
// Markup, *Undefined, Func ...), with no reflection at render time.
// Templates are immutable after Parse and safe to render concurrently.
//
// Python semantics are reproduced where templates can observe them: int
// vs float arithmetic and floor division, float repr, str() and repr() of
// containers, comparison errors, string/list/dict methods, %-formatting and
// str.format, every builtin filter, test and global of Jinja2 3.1, and
// Jinja2's scoping (loop bodies, macros as closures, namespaces).
//
// The package knows nothing about dbt; an embedder adds its globals,
// filters and tests, and can call a template's macros from Go with its own
// globals (Template.Macros, Macro.Call), which is how dbt runs macros in a
// calling model's context. ReturnValue implements dbt's return().
//
// What it will not do:
//   - touch the file system, network or processes: include, import and
//     extends go through Options.Loader only;
//   - run unbounded: macro recursion and loop iterations are limited, and
//     the render's context is checked in loops and macro calls;
//   - autoescape by default (the {% autoescape %} tag works as in Jinja2:
//     output, ~, set and filter blocks, macro calls, and the filters that
//     read the eval context, join, replace, urlize and xmlattr), line
//     statements, custom delimiters, async rendering, i18n,
//     or Jinja2 extensions other than do and loopcontrols;
//   - reproduce Python exactly where it cannot be observed or costs too
//     much: integers are int64 and grow into math/big only when a result
//     overflows; there are no complex numbers (a negative float raised to
//     a fractional power is a ValueError, where Python returns a complex);
//     float ** float is Go's math.Pow, which can differ in the last bit
//     from the C library's pow() that CPython calls.
//
// Generators are lazy and one-shot as in Python (Iterator: what select,
// map, reverse ... return), float ** float runs glibc's pow() algorithm
// so results match Python's bit for bit, and Options.MacroTags lets an
// embedder accept block tags that define macros (dbt's {% test %}).
package jinja
