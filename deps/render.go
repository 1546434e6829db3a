package deps

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/internal/secrets"
	"github.com/elt-dev/elt/jinja"
)

// renderer renders packages.yml values the way dbt's PackageRenderer does,
// with elt's one Jinja engine and the functions dbt offers there: env_var
// (secret variables allowed) and var (command-line --vars only).
type renderer struct {
	env  func(string) (string, bool)
	vars map[string]any
	// secrets collects the values of DBT_ENV_SECRET_* variables rendered, so
	// that messages can be scrubbed of them.
	secrets *secrets.Set
	jenv    *jinja.Env
}

// renderError is a problem in one template, with the byte offset inside it.
type renderError struct {
	offset int
	msg    string
	hint   string
}

func (e *renderError) Error() string { return e.msg }

const renderHintText = "packages.yml values may use env_var('NAME'), env_var('NAME', 'default') and var('name')"

// render returns the rendered value. A value that is exactly one {{ }}
// keeps the type of what it returns (var() may return a number); several
// pieces are joined into a string which, as dbt's native rendering does, is
// read back as a Python literal when it is one (a number, True, False, None).
func (r *renderer) render(s string) (any, error) {
	if !strings.Contains(s, "{{") && !strings.Contains(s, "{%") && !strings.Contains(s, "{#") {
		return s, nil
	}
	if r.jenv == nil {
		r.jenv = jinja.New(jinja.Options{})
	}
	t, err := r.jenv.Parse("packages.yml", s)
	if err != nil {
		return nil, templateError(s, err)
	}
	parts, err := t.RenderParts(context.Background(), map[string]any{
		"env_var": jinja.Func(r.envVar),
		"var":     jinja.Func(r.varFunc),
	})
	if err != nil {
		return nil, templateError(s, err)
	}
	if len(parts) == 1 {
		return plain(parts[0]), nil
	}
	var b strings.Builder
	for _, p := range parts {
		text, err := jinja.Str(p)
		if err != nil {
			return nil, templateError(s, err)
		}
		b.WriteString(text)
	}
	return pyLiteral(b.String()), nil
}

// plain turns the engine's values into the plain ones the packages code
// compares and writes (int rather than int64).
func plain(v any) any {
	switch x := v.(type) {
	case int64:
		return int(x)
	case jinja.Markup:
		return string(x)
	}
	return v
}

// templateError turns an engine error into a renderError at its byte
// offset within the value.
func templateError(src string, err error) error {
	var re *renderError
	if errors.As(err, &re) {
		return re
	}
	var je *jinja.Error
	if !errors.As(err, &je) {
		return &renderError{msg: err.Error(), hint: renderHintText}
	}
	if inner := errors.Unwrap(je); inner != nil && errors.As(inner, &re) {
		return re
	}
	off := 0
	for line := 1; line < je.Line && off < len(src); line++ {
		nl := strings.IndexByte(src[off:], '\n')
		if nl < 0 {
			break
		}
		off += nl + 1
	}
	off = min(off+max(je.Col-1, 0), len(src))
	return &renderError{offset: off, msg: je.Msg, hint: renderHintText}
}

func (r *renderer) envVar(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	key, def, hasDef, err := nameAndDefault("env_var", args, kw)
	if err != nil {
		return nil, err
	}
	if v, ok := r.env(key); ok {
		if secrets.IsSecretEnv(key) && r.secrets != nil {
			r.secrets.Add(v)
		}
		return v, nil
	}
	if hasDef && def != nil {
		return pyStr(def), nil
	}
	return nil, &renderError{msg: fmt.Sprintf("env var required but not provided: '%s'", key),
		hint: fmt.Sprintf("set the environment variable %s, or give env_var a default: env_var('%s', 'value')", key, key)}
}

func (r *renderer) varFunc(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	key, def, hasDef, err := nameAndDefault("var", args, kw)
	if err != nil {
		return nil, err
	}
	if v, ok := r.vars[key]; ok {
		return v, nil
	}
	if hasDef {
		return def, nil
	}
	return nil, &renderError{msg: fmt.Sprintf("required var '%s' not found: packages.yml sees only --vars", key),
		hint: fmt.Sprintf("pass it on the command line: --vars '{%s: value}', or give var a default", key)}
}

// nameAndDefault reads (name, default=...) as env_var() and var() take them.
func nameAndDefault(fn string, args []any, kw jinja.Kwargs) (string, any, bool, error) {
	def, hasDef := any(nil), false
	if kw != nil {
		def, hasDef = kw.Get("default")
	}
	if len(args) == 2 {
		def, hasDef = args[1], true
	}
	if len(args) < 1 || len(args) > 2 {
		return "", nil, false, &renderError{msg: fmt.Sprintf("%s() takes a name and an optional default, got %d arguments", fn, len(args)), hint: renderHintText}
	}
	key, ok := args[0].(string)
	if !ok {
		return "", nil, false, &renderError{msg: fmt.Sprintf("the name given to %s() must be a string", fn), hint: renderHintText}
	}
	return key, plain(def), hasDef, nil
}

// pyStr is Python's str() of a YAML value.
func pyStr(v any) string {
	s, err := jinja.Str(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return s
}

// pyLiteral reads s back as Python's literal_eval would for the simple
// literals a package value can become; anything else stays a string.
func pyLiteral(s string) any {
	t := strings.TrimSpace(s)
	switch t {
	case "True":
		return true
	case "False":
		return false
	case "None":
		return nil
	}
	if t == "" || strings.ContainsAny(t, "xXoObB") {
		return s
	}
	if n, err := strconv.ParseInt(strings.ReplaceAll(t, "_", ""), 10, 64); err == nil && !strings.HasPrefix(strings.TrimLeft(t, "+-"), "0") || t == "0" {
		return int(n)
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil && !strings.ContainsAny(t, "iInN") {
		return f
	}
	return s
}
