package compiler

import (
	"strings"

	"github.com/elt-dev/elt/project"
)

// unrenderedCall is a node's config() call values with every argument
// that is not a literal replaced by its source text.
func unrenderedCall(n *Node, rendered project.Config) project.Config {
	if isPython(n) {
		return rendered
	}
	exprs := configCallExpressions(n.RawCode)
	if len(exprs) == 0 {
		return rendered
	}
	out := copyConfig(rendered)
	for k, text := range exprs {
		if _, ok := out[k]; ok {
			out[k] = text
		}
	}
	return out
}

// configCallExpressions finds the first config(...) call inside a Jinja
// tag of a model's raw code and returns, for each keyword argument whose
// value is not a literal (a call such as env_var('X') or var('x'), a name,
// an expression), its source text with runs of white space made one
// space. It is the config as written, which dbt 1.9's
// state_modified_compare_more_unrendered_values records (dbt keeps the
// argument's Jinja AST as text; elt keeps the source text), so that a
// value rendered per environment is no change to state:modified. Literal
// values are left out: their rendered value is what was written.
func configCallExpressions(raw string) map[string]string {
	if !strings.Contains(raw, "config(") {
		return nil
	}
	for off := 0; off < len(raw); {
		open := strings.Index(raw[off:], "{{")
		openStmt := strings.Index(raw[off:], "{%")
		if open < 0 || (openStmt >= 0 && openStmt < open) {
			open = openStmt
		}
		if open < 0 {
			return nil
		}
		start := off + open + 2
		end := strings.Index(raw[start:], "}}")
		if endStmt := strings.Index(raw[start:], "%}"); end < 0 || (endStmt >= 0 && endStmt < end) {
			end = endStmt
		}
		if end < 0 {
			return nil
		}
		tag := raw[start : start+end]
		if args, ok := configCallArgs(tag); ok {
			return args
		}
		off = start + end + 2
	}
	return nil
}

// configCallArgs reads config(key=expr, ...) in a tag's text.
func configCallArgs(tag string) (map[string]string, bool) {
	i := 0
	for {
		k := strings.Index(tag[i:], "config(")
		if k < 0 {
			return nil, false
		}
		k += i
		if k == 0 || !isIdentByte(tag[k-1]) && tag[k-1] != '.' {
			i = k + len("config(")
			break
		}
		i = k + len("config(")
	}
	out := map[string]string{}
	for _, arg := range splitTopLevel(tag[i:]) {
		key, expr, ok := strings.Cut(arg, "=")
		key, expr = strings.TrimSpace(key), strings.TrimSpace(expr)
		if !ok || !isIdent(key) || strings.HasPrefix(expr, "=") {
			continue // a positional dict, **kwargs or a comparison: left rendered
		}
		if !isLiteral(expr) {
			out[key] = strings.Join(strings.Fields(expr), " ")
		}
	}
	return out, true
}

func isIdent(s string) bool {
	if s == "" || isDigitByte(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i]) {
			return false
		}
	}
	return true
}

func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

// isLiteral says whether expr holds only constants: strings, numbers,
// true/false/none and brackets of them, no names or calls.
func isLiteral(expr string) bool {
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(expr) && expr[j] != c {
				if expr[j] == '\\' {
					j++
				}
				j++
			}
			i = j
		case isIdentByte(c) && !isDigitByte(c):
			j := i
			for j < len(expr) && isIdentByte(expr[j]) {
				j++
			}
			switch expr[i:j] {
			case "true", "false", "none", "True", "False", "None":
			default:
				return false
			}
			i = j - 1
		case isIdentByte(c): // a number
			for i+1 < len(expr) && (isIdentByte(expr[i+1]) || expr[i+1] == '.') {
				i++
			}
		case strings.IndexByte("[]{}:,.- \t\r\n", c) >= 0:
		default:
			return false // an operator: ~, +, |, (...)
		}
	}
	return true
}
