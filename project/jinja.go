package project

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/internal/secrets"
	"github.com/elt-dev/elt/jinja"
)

// This file renders the Jinja dbt applies to YAML values while loading
// (dbt_project.yml, profiles.yml, properties YAML) with package jinja, the
// engine that renders models and macros too. Only env_var(), var() and
// target are defined here; a value using anything else (a macro, doc())
// is "unsupported", so callers that can defer rendering to the compiler
// keep the raw text. Values are rendered natively as dbt does: a template
// that is one {{ expression }} keeps the expression's type, and
// | as_number, | as_bool and | as_native turn text into typed values.

// yamlJinja is the context a YAML value is rendered in.
type yamlJinja struct {
	env    func(string) (string, bool)
	vars   map[string]any // what var() sees; nil with varOK false means var() is not available
	varOK  bool
	target map[string]any // nil: `target` is undefined
	// secretsOK allows env_var() of DBT_ENV_SECRET_* variables: only in
	// profiles.yml (and packages.yml), as in dbt, so a secret never lands
	// in the manifest, compiled SQL or the warehouse.
	secretsOK bool
	// globals are Options.YAMLGlobals.
	globals map[string]any
	// projectName is project_name, which properties YAML sees: the root
	// project's name, in a package's files too (dbt's ConfiguredContext
	// takes it from the root project's config). "" leaves it undefined.
	projectName string

	jenv *jinja.Env // made on first use
}

// jinjaError is a rendering failure. Unsupported marks templates that use
// something only the compiler can render (for example a macro call), so
// callers that can defer rendering to the compiler may keep the raw text.
type jinjaError struct {
	Msg         string
	Hint        string
	Unsupported bool
	// Undefined is the name the template used and the context lacks.
	Undefined string
}

func (e *jinjaError) Error() string { return e.Msg }

func jerr(hint, format string, args ...any) error {
	return &jinjaError{Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// hasJinja reports whether s holds any Jinja syntax worth rendering.
func hasJinja(s string) bool {
	// One scan for "{" rather than one per delimiter: most values
	// (every value of most properties files) have none.
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 || i+1 >= len(s) {
			return false
		}
		switch s[i+1] {
		case '{', '%', '#':
			return true
		}
		s = s[i+1:]
	}
}

// A native marker is the result of as_number / as_bool / as_native: a
// jinja.SubStr tagged with its kind ("number", "bool", "native"), whose text
// is converted to a typed value when it is the whole template (dbt's
// NumberMarker, BoolMarker and NativeMarker, str subclasses: in
// {{ target.type == 'x' | as_bool }} the filter applies to 'x' and == compares
// two strings).

// engine returns the Jinja environment of YAML values, with dbt's native
// filters and, as dbt, Jinja2's default Undefined: `target.missing` is
// false and prints as nothing; calling an unknown name (a macro, doc())
// is an error that callers treat as "render later".
func (j *yamlJinja) engine() *jinja.Env {
	if j.jenv != nil {
		return j.jenv
	}
	e := jinja.New(jinja.Options{})
	for name, f := range NativeFilters() {
		e.AddFilter(name, f)
	}
	e.AddFilter("is_list", func(_ *jinja.State, v any, _ []any, _ jinja.Kwargs) (any, error) {
		return jinja.IsList(v), nil
	})
	j.jenv = e
	return e
}

// render renders src. A template that is a single `{{ expr }}` keeps the
// expression's type (dbt's native rendering); anything else becomes a string.
func (j *yamlJinja) render(src string) (any, error) { return j.renderWith(src, nil) }

// parses says whether src is a template Jinja can parse.
func (j *yamlJinja) parses(src string) bool {
	_, err := j.engine().Parse("<yaml>", src)
	return err == nil
}

// renderWith is render with extra names (a description's doc()).
func (j *yamlJinja) renderWith(src string, extra map[string]any) (any, error) {
	t, err := j.engine().Parse("<yaml>", src)
	if err != nil {
		return nil, yamlError(err)
	}
	vars := make(map[string]any, len(j.globals)+4)
	for k, v := range j.globals {
		vars[k] = v
	}
	vars["env_var"] = jinja.Func(j.envVar)
	if j.varOK {
		vars["var"] = jinja.Func(j.varFunc)
	}
	if j.target != nil {
		vars["target"] = j.target
	}
	if j.projectName != "" {
		vars["project_name"] = j.projectName
	}
	for k, v := range extra {
		vars[k] = v
	}
	parts, err := t.RenderParts(context.Background(), vars)
	if err != nil {
		return nil, yamlError(err)
	}
	return nativeConcat(parts)
}

// NativeFilters are the filters of dbt's native environment (its
// NATIVE_FILTERS), where YAML values and generic tests' arguments render:
// as_text, as_bool, as_number and as_native give their input's text marked
// as dbt's TextMarker, BoolMarker, NumberMarker and NativeMarker (str
// subclasses), which QuotedNativeConcat reads.
func NativeFilters() map[string]jinja.FilterFunc {
	marker := func(tag string) jinja.FilterFunc {
		return func(_ *jinja.State, in any, _ []any, _ jinja.Kwargs) (any, error) {
			s, err := jinja.Str(in)
			if err != nil {
				return nil, err
			}
			return jinja.SubStr{S: s, Tag: tag}, nil
		}
	}
	return map[string]jinja.FilterFunc{
		"as_text":   marker("text"),
		"as_bool":   marker("bool"),
		"as_number": marker("number"),
		"as_native": marker("native"),
	}
}

// nativeConcat is QuotedNativeConcat, its value as YAML decoding gives
// values (plainValue).
func nativeConcat(parts []any) (any, error) {
	v, err := QuotedNativeConcat(parts)
	if err != nil {
		return nil, jerr("as_bool needs True or False, as_number a number", "%v", err)
	}
	return plainValue(v), nil
}

// QuotedNativeConcat is dbt-common's quoted_native_concat, which joins
// what a native template yields: nothing is "", several items are their
// text joined (a str, never read as a literal), and one item is itself,
// unless it is a marker: as_text's is its text, and as_native's,
// as_number's and as_bool's text is read as a Python literal (kept as
// text when it is not one), which as_number requires to be a number and
// as_bool a boolean. A lone str is not read: "{{ '-10' }}" is '-10'.
func QuotedNativeConcat(parts []any) (any, error) {
	switch len(parts) {
	case 0:
		return "", nil
	case 1:
	default:
		var b strings.Builder
		for _, p := range parts {
			s, err := jinja.Str(p)
			if err != nil {
				return nil, err
			}
			b.WriteString(s)
		}
		return b.String(), nil
	}
	m, ok := parts[0].(jinja.SubStr)
	if !ok {
		return parts[0], nil
	}
	switch m.Tag {
	case "text":
		return m.S, nil
	case "native", "number", "bool":
	default:
		return m, nil
	}
	v, ok := jinja.LiteralEval(m.S)
	if !ok {
		v = m.S
	}
	switch m.Tag {
	case "bool":
		if _, isBool := v.(bool); !isBool {
			return nil, fmt.Errorf("Could not convert value '%s' into type 'bool'", m.S)
		}
	case "number":
		switch v.(type) {
		case int64, float64, *big.Int:
		default:
			return nil, fmt.Errorf("Could not convert value '%s' into type 'number'", m.S)
		}
	}
	return v, nil
}

var undefinedNameRe = lazyre.New(`^'([A-Za-z_][A-Za-z0-9_]*)' is undefined$`)

// yamlError turns an engine error into a *jinjaError. The YAML scalar
// carries the position, so the template's own line and column are left
// out unless the value spans several lines.
func yamlError(err error) error {
	var je *jinjaError
	if errors.As(err, &je) {
		return je
	}
	var e *jinja.Error
	if !errors.As(err, &e) {
		return &jinjaError{Msg: err.Error()}
	}
	at := ""
	if e.Line > 1 {
		at = fmt.Sprintf(" (line %d of the value)", e.Line)
	}
	switch e.Kind {
	case "TemplateSyntaxError":
		return &jinjaError{Msg: syntaxMessage(e.Msg) + at, Hint: "check the {{ }} and {% %} tags of the value"}
	case "UndefinedError":
		if m := undefinedNameRe().FindStringSubmatch(e.Msg); m != nil {
			switch m[1] {
			case "env_var", "var", "target":
				return &jinjaError{Msg: e.Msg + at, Hint: "check the spelling, or give a default"}
			}
			return &jinjaError{Msg: fmt.Sprintf("'%s' is not available in YAML values: names other than dbt's base context (env_var, var, target, run_started_at, invocation_id, modules, tojson...) are not supported there", m[1]),
				Hint: "only dbt's base context and simple expressions and filters are rendered in YAML values", Unsupported: true, Undefined: m[1]}
		}
		return &jinjaError{Msg: e.Msg + at, Hint: "check the spelling, or add | default(...)"}
	case "TemplateAssertionError":
		// an unknown filter or test: the compiler may know it
		return &jinjaError{Msg: e.Msg + at, Unsupported: true,
			Hint: "only env_var(), var(), target and simple expressions and filters are rendered in YAML values"}
	}
	return &jinjaError{Msg: e.Msg + at}
}

var blockRe = lazyre.New(`innermost block that needs to be closed is '([a-z]+)'`)

// syntaxMessage says what is wrong in the terms a YAML author thinks in.
func syntaxMessage(msg string) string {
	if m := blockRe().FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("{%% %s %%} without {%% end%s %%}", m[1], m[1])
	}
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "end of print statement") && strings.Contains(lower, "end of template"):
		return `unclosed Jinja tag: expected "}}"`
	case strings.Contains(lower, "end of statement block") && strings.Contains(lower, "end of template"):
		return `unclosed Jinja tag: expected "%}"`
	case strings.Contains(lower, "missing end of comment tag"):
		return "unclosed Jinja comment"
	}
	return "Jinja syntax error: " + msg
}

func (j *yamlJinja) envVar(_ *jinja.State, args []any, kwargs jinja.Kwargs) (any, error) {
	if len(args) == 0 {
		return nil, jerr("write env_var('NAME') or env_var('NAME', 'default')", "env_var() needs the variable name")
	}
	name, _ := jinja.Str(args[0])
	if secrets.IsSecretEnv(name) && !j.secretsOK {
		return nil, jerr("read secrets only in profiles.yml (or packages.yml), e.g. password: \"{{ env_var('"+name+"') }}\"",
			"Secret env vars are allowed only in profiles.yml or packages.yml: env_var('%s')", name)
	}
	if j.env != nil {
		if v, ok := j.env(name); ok {
			return v, nil
		}
	}
	def, hasDef := kwargs.Get("default")
	if len(args) > 1 {
		def, hasDef = args[1], true
	}
	if hasDef && def != nil {
		return def, nil
	}
	return nil, jerr(fmt.Sprintf("set %s in the environment, or give a default: env_var('%s', 'default')", name, name),
		"Env var required but not provided: '%s'", name)
}

func (j *yamlJinja) varFunc(_ *jinja.State, args []any, kwargs jinja.Kwargs) (any, error) {
	if len(args) == 0 {
		return nil, jerr("write var('name') or var('name', 'default')", "var() needs the variable name")
	}
	name, _ := jinja.Str(args[0])
	if v, ok := j.vars[name]; ok {
		return v, nil
	}
	if len(args) > 1 {
		return args[1], nil
	}
	if d, ok := kwargs.Get("default"); ok {
		return d, nil
	}
	return nil, jerr(fmt.Sprintf("pass it with --vars '{%s: ...}', or give a default: var('%s', 'default')", name, name),
		"Required var '%s' not found in config", name)
}

// plainValue turns a template value into the plain Go values YAML
// decoding gives: int, float64, string, bool, nil, []any, map[string]any.
func plainValue(v any) any {
	return jinja.Plain(v, func(x any) (any, bool) {
		if m, ok := x.(jinja.SubStr); ok {
			return m.S, true
		}
		return nil, false
	})
}

// asJinjaError extracts a *jinjaError.
func asJinjaError(err error) (*jinjaError, bool) {
	var je *jinjaError
	ok := errors.As(err, &je)
	return je, ok
}

// pyStr is Python's str(v), as Jinja prints v.
func pyStr(v any) string {
	s, err := jinja.Str(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return s
}
