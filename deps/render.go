package deps

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// renderer renders packages.yml values the way dbt's PackageRenderer does,
// for the only functions dbt offers there: env_var (secret variables
// allowed) and var (command-line --vars only). Anything else in {{ }} or any
// {% %} block is refused with the value's position.
type renderer struct {
	env  func(string) (string, bool)
	vars map[string]any
	// secrets collects the values of DBT_ENV_SECRET_* variables rendered, so
	// that messages can be scrubbed of them.
	secrets *secretSet
}

const secretPrefix = "DBT_ENV_SECRET_"

// renderError is a problem in one template, with the byte offset inside it.
type renderError struct {
	offset int
	msg    string
	hint   string
}

func (e *renderError) Error() string { return e.msg }

// render returns the rendered value. A value that is exactly one {{ }}
// keeps the type of what it returns (var() may return a number); several
// pieces are joined into a string which, as dbt's native rendering does, is
// read back as a Python literal when it is one (a number, True, False, None).
func (r *renderer) render(s string) (any, error) {
	if !strings.Contains(s, "{{") && !strings.Contains(s, "{%") && !strings.Contains(s, "{#") {
		return s, nil
	}
	var pieces []any
	i := 0
	for i < len(s) {
		j := nextTag(s, i)
		if j < 0 {
			pieces = append(pieces, s[i:])
			break
		}
		j -= i
		if j > 0 {
			pieces = append(pieces, s[i:i+j])
		}
		start := i + j
		switch s[start+1] {
		case '%', '#':
			return nil, &renderError{offset: start, msg: "only {{ env_var(...) }} and {{ var(...) }} are supported in package specifications",
				hint: "remove the Jinja block; packages.yml values may use env_var('NAME'), env_var('NAME', 'default') and var('name')"}
		}
		end := strings.Index(s[start:], "}}")
		if end < 0 {
			return nil, &renderError{offset: start, msg: "unclosed {{ in package specification", hint: "close the expression with }}"}
		}
		expr := s[start+2 : start+end]
		v, err := r.evalCall(expr, start+2)
		if err != nil {
			return nil, err
		}
		pieces = append(pieces, v)
		i = start + end + 2
	}
	if len(pieces) == 1 {
		return pieces[0], nil
	}
	var b strings.Builder
	for _, p := range pieces {
		b.WriteString(pyStr(p))
	}
	return pyLiteral(b.String()), nil
}

// nextTag finds the next "{{", "{%" or "{#" at or after from, or -1.
func nextTag(s string, from int) int {
	best := -1
	for _, tok := range []string{"{{", "{%", "{#"} {
		if k := strings.Index(s[from:], tok); k >= 0 && (best < 0 || k < best) {
			best = k
		}
	}
	if best < 0 {
		return -1
	}
	return from + best
}

// evalCall evaluates `env_var('X')`, `env_var('X', 'default')`, `var('x')`
// or `var('x', default)`.
func (r *renderer) evalCall(expr string, offset int) (any, error) {
	p := &callParser{s: expr, base: offset}
	p.space()
	name := p.ident()
	if name != "env_var" && name != "var" {
		return nil, &renderError{offset: offset, msg: fmt.Sprintf("unsupported expression {{%s}} in package specification", expr),
			hint: "packages.yml values may use only env_var('NAME'), env_var('NAME', 'default') and var('name')"}
	}
	p.space()
	if !p.eat('(') {
		return nil, p.fail("expected ( after " + name)
	}
	var args []any
	for {
		p.space()
		if p.eat(')') {
			break
		}
		if len(args) > 0 {
			if !p.eat(',') {
				return nil, p.fail("expected , or ) in " + name + "(...)")
			}
			p.space()
		}
		v, ok := p.literal()
		if !ok {
			return nil, p.fail("arguments of " + name + "() must be quoted strings or numbers")
		}
		args = append(args, v)
	}
	p.space()
	if p.i != len(p.s) {
		return nil, p.fail("unexpected text after " + name + "(...): filters and operators are not supported here")
	}
	if len(args) < 1 || len(args) > 2 {
		return nil, &renderError{offset: offset, msg: fmt.Sprintf("%s() takes a name and an optional default, got %d arguments", name, len(args))}
	}
	key, ok := args[0].(string)
	if !ok {
		return nil, &renderError{offset: offset, msg: fmt.Sprintf("the name given to %s() must be a string", name)}
	}
	if name == "env_var" {
		if v, ok := r.env(key); ok {
			if strings.HasPrefix(key, secretPrefix) && r.secrets != nil {
				r.secrets.add(v)
			}
			return v, nil
		}
		if len(args) == 2 && args[1] != nil {
			return pyStr(args[1]), nil
		}
		return nil, &renderError{offset: offset, msg: fmt.Sprintf("env var required but not provided: '%s'", key),
			hint: fmt.Sprintf("set the environment variable %s, or give env_var a default: env_var('%s', 'value')", key, key)}
	}
	if v, ok := r.vars[key]; ok {
		return v, nil
	}
	if len(args) == 2 {
		return args[1], nil
	}
	return nil, &renderError{offset: offset, msg: fmt.Sprintf("required var '%s' not found: packages.yml sees only --vars", key),
		hint: fmt.Sprintf("pass it on the command line: --vars '{%s: value}', or give var a default", key)}
}

type callParser struct {
	s    string
	i    int
	base int
}

func (p *callParser) fail(msg string) error {
	return &renderError{offset: p.base + p.i, msg: msg, hint: "write {{ env_var('NAME') }}, {{ env_var('NAME', 'default') }} or {{ var('name') }}"}
}

func (p *callParser) space() {
	for p.i < len(p.s) && strings.ContainsRune(" \t\r\n", rune(p.s[p.i])) {
		p.i++
	}
}

func (p *callParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *callParser) ident() string {
	st := p.i
	for p.i < len(p.s) && (p.s[p.i] == '_' || p.s[p.i] >= 'a' && p.s[p.i] <= 'z' || p.s[p.i] >= 'A' && p.s[p.i] <= 'Z' || p.i > st && p.s[p.i] >= '0' && p.s[p.i] <= '9') {
		p.i++
	}
	return p.s[st:p.i]
}

func (p *callParser) literal() (any, bool) {
	if p.i >= len(p.s) {
		return nil, false
	}
	if q := p.s[p.i]; q == '\'' || q == '"' {
		var b strings.Builder
		for j := p.i + 1; j < len(p.s); j++ {
			c := p.s[j]
			if c == '\\' && j+1 < len(p.s) {
				j++
				switch p.s[j] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(p.s[j])
				}
				continue
			}
			if c == q {
				p.i = j + 1
				return b.String(), true
			}
			b.WriteByte(c)
		}
		return nil, false
	}
	st := p.i
	for p.i < len(p.s) && strings.ContainsRune("+-.0123456789eE_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", rune(p.s[p.i])) {
		p.i++
	}
	word := p.s[st:p.i]
	switch word {
	case "none", "None":
		return nil, true
	case "true", "True":
		return true, true
	case "false", "False":
		return false, true
	}
	if n, err := strconv.ParseInt(word, 10, 64); err == nil {
		return int(n), true
	}
	if f, err := strconv.ParseFloat(word, 64); err == nil {
		return f, true
	}
	p.i = st
	return nil, false
}

// pyStr is Python's str() of a YAML value.
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case float64:
		return pyFloat(x)
	default:
		return fmt.Sprint(x)
	}
}

// pyFloat is Python's repr() of a float.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-4 || abs >= 1e16) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Python writes at least two exponent digits: 1e-05, 1e+16.
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		digits := exp[1:]
		if len(digits) < 2 {
			digits = "0" + digits
		}
		return mant + "e" + string(sign) + digits
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
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
