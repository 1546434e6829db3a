package project

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/elt-dev/elt/internal/secrets"
	"gopkg.in/yaml.v3"
)

// This file holds the small Jinja dbt applies to YAML values while loading:
// `{{ expr }}` and `{% if %}…{% elif %}…{% else %}…{% endif %}` over literals,
// env_var(), var(), target, comparisons, `and/or/not`, `~`, arithmetic,
// inline `a if c else b`, and the filters dbt projects use in YAML
// (as_number, as_bool, as_native, as_text, int, float, string, lower, upper,
// trim, default, replace, length, join). Models and macros are rendered by
// package compiler, not here; a full Jinja engine would be overkill for YAML
// values and would not give dbt's native-type results (`| as_number`).

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
}

// jinjaError is a rendering failure. Unsupported marks constructs this small
// evaluator does not know (for example a macro call), so callers that can
// defer rendering to the compiler may keep the raw text.
type jinjaError struct {
	Msg         string
	Hint        string
	Unsupported bool
}

func (e *jinjaError) Error() string { return e.Msg }

func jerr(hint, format string, args ...any) error {
	return &jinjaError{Msg: fmt.Sprintf(format, args...), Hint: hint}
}

func unsupported(format string, args ...any) error {
	return &jinjaError{Msg: fmt.Sprintf(format, args...), Unsupported: true,
		Hint: "only env_var(), var(), target and simple expressions and filters are rendered in YAML values"}
}

// hasJinja reports whether s holds any Jinja syntax worth rendering.
func hasJinja(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

// render renders src. A template that is a single `{{ expr }}` keeps the
// expression's type (dbt's native rendering); anything else becomes a string.
func (j *yamlJinja) render(src string) (any, error) {
	nodes, err := parseTemplate(src)
	if err != nil {
		return nil, err
	}
	if len(nodes) == 1 {
		if e, ok := nodes[0].(exprNode); ok {
			v, err := e.e.eval(j)
			if err != nil {
				return nil, err
			}
			return nativeResult(v)
		}
	}
	var b strings.Builder
	if err := j.exec(nodes, &b); err != nil {
		return nil, err
	}
	return b.String(), nil
}

func (j *yamlJinja) exec(nodes []tmplNode, b *strings.Builder) error {
	for _, n := range nodes {
		switch n := n.(type) {
		case textNode:
			b.WriteString(string(n))
		case exprNode:
			v, err := n.e.eval(j)
			if err != nil {
				return err
			}
			s, err := pyStr(v)
			if err != nil {
				return err
			}
			b.WriteString(s)
		case *ifNode:
			done := false
			for i, c := range n.conds {
				v, err := c.eval(j)
				if err != nil {
					return err
				}
				if truthy(v) {
					if err := j.exec(n.bodies[i], b); err != nil {
						return err
					}
					done = true
					break
				}
			}
			if !done {
				if err := j.exec(n.els, b); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// nativeMarker is the result of as_number / as_bool / as_native: the text is
// converted to a typed value when it is the whole template.
type nativeMarker struct {
	s    string
	kind string // "number", "bool", "native"
}

// undefined is a name or attribute that does not exist.
type undefined struct{ name string }

type callable func(args []any, kwargs map[string]any) (any, error)

func nativeResult(v any) (any, error) {
	switch v := v.(type) {
	case undefined:
		return nil, jerr("check the spelling, or give a default", "'%s' is undefined", v.name)
	case nativeMarker:
		return literalValue(v)
	}
	return v, nil
}

func literalValue(m nativeMarker) (any, error) {
	s := strings.TrimSpace(m.s)
	switch m.kind {
	case "number":
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return int(i), nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, nil
		}
		return nil, jerr("the value must be a number", "could not convert value '%s' into type 'number'", m.s)
	case "bool":
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, jerr("the value must be true or false", "could not convert value '%s' into type 'bool'", m.s)
	}
	switch s {
	case "True", "true":
		return true, nil
	case "False", "false":
		return false, nil
	case "None":
		return nil, nil
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return int(i), nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, nil
	}
	if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{") {
		var v any
		if err := yaml.Unmarshal([]byte(s), &v); err == nil {
			return v, nil
		}
	}
	return m.s, nil
}

// ---- values ----

func truthy(v any) bool {
	switch v := v.(type) {
	case nil, undefined:
		return false
	case bool:
		return v
	case int:
		return v != 0
	case float64:
		return v != 0
	case string:
		return v != ""
	case nativeMarker:
		return v.s != ""
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return true
}

// pyStr prints a value the way Python's str() does, as Jinja does.
func pyStr(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case undefined:
		return "", jerr("check the spelling, or give a default", "'%s' is undefined", v.name)
	case nativeMarker:
		return v.s, nil
	}
	return pyRepr(v, false), nil
}

func pyRepr(v any, quote bool) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(v)
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return strconv.FormatFloat(v, 'g', -1, 64)
		}
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		return s
	case string:
		if quote {
			return "'" + strings.ReplaceAll(v, "'", "\\'") + "'"
		}
		return v
	case nativeMarker:
		return v.s
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = pyRepr(x, true)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k, true) + ": " + pyRepr(v[k], true)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case undefined:
		return ""
	}
	return fmt.Sprint(v)
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case float64:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func valuesEqual(a, b any) bool {
	if fa, ok := toFloat(a); ok {
		if fb, ok := toFloat(b); ok {
			return fa == fb
		}
		return false
	}
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case undefined:
		_, ok := b.(undefined)
		return ok
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !valuesEqual(a[i], bl[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// ---- template parsing ----

type tmplNode interface{}

type textNode string

type exprNode struct{ e expr }

type ifNode struct {
	conds  []expr
	bodies [][]tmplNode
	els    []tmplNode
}

func parseTemplate(src string) ([]tmplNode, error) {
	p := &tmplParser{src: src}
	nodes, end, err := p.parseBody()
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, jerr("remove it or add the matching {% if %}", "unexpected {%% %s %%}", end)
	}
	return nodes, nil
}

type tmplParser struct {
	src      string
	pos      int
	trimNext bool    // the previous tag ended with "-": strip leading whitespace of the next text
	stmtToks []token // the tokens after the keyword of the block tag that ended parseBody
}

// parseBody reads nodes until the end of input or a block tag (elif, else, endif);
// it returns that tag's keyword and leaves p.stmtToks holding the rest of the tag.
func (p *tmplParser) parseBody() ([]tmplNode, string, error) {
	var nodes []tmplNode
	for p.pos < len(p.src) {
		i := indexTagStart(p.src, p.pos)
		text := p.src[p.pos:]
		if i >= 0 {
			text = p.src[p.pos:i]
		}
		if p.trimNext {
			text = strings.TrimLeftFunc(text, unicode.IsSpace)
			p.trimNext = false
		}
		if i < 0 {
			if text != "" {
				nodes = append(nodes, textNode(text))
			}
			p.pos = len(p.src)
			break
		}
		open := p.src[i : i+2]
		start := i + 2
		if start < len(p.src) && p.src[start] == '-' {
			text = strings.TrimRightFunc(text, unicode.IsSpace)
			start++
		}
		if text != "" {
			nodes = append(nodes, textNode(text))
		}
		switch open {
		case "{#":
			end := strings.Index(p.src[start:], "#}")
			if end < 0 {
				return nil, "", jerr("close the comment with #}", "unclosed Jinja comment")
			}
			if end > 0 && p.src[start+end-1] == '-' {
				p.trimNext = true
			}
			p.pos = start + end + 2
		case "{{":
			lx := &lexer{src: p.src, pos: start, close: "}}"}
			toks, err := lx.all()
			if err != nil {
				return nil, "", err
			}
			p.pos, p.trimNext = lx.pos, lx.trim
			ep := &exprParser{toks: toks}
			e, err := ep.parseTop()
			if err != nil {
				return nil, "", err
			}
			nodes = append(nodes, exprNode{e})
		case "{%":
			lx := &lexer{src: p.src, pos: start, close: "%}"}
			toks, err := lx.all()
			if err != nil {
				return nil, "", err
			}
			p.pos, p.trimNext = lx.pos, lx.trim
			if len(toks) == 0 || toks[0].kind != tokName {
				return nil, "", jerr("", "empty or invalid {%% %%} tag")
			}
			switch kw := toks[0].val; kw {
			case "if":
				n, err := p.parseIf(toks[1:])
				if err != nil {
					return nil, "", err
				}
				nodes = append(nodes, n)
			case "elif", "else", "endif":
				p.stmtToks = toks[1:]
				return nodes, kw, nil
			default:
				return nil, "", unsupported("{%% %s %%} is not supported in YAML values", kw)
			}
		}
	}
	return nodes, "", nil
}

func (p *tmplParser) parseIf(cond []token) (*ifNode, error) {
	n := &ifNode{}
	for {
		ep := &exprParser{toks: cond}
		c, err := ep.parseTop()
		if err != nil {
			return nil, err
		}
		body, end, err := p.parseBody()
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, c)
		n.bodies = append(n.bodies, body)
		switch end {
		case "elif":
			cond = p.stmtToks
			continue
		case "else":
			els, end, err := p.parseBody()
			if err != nil {
				return nil, err
			}
			if end != "endif" {
				return nil, jerr("close the block with {% endif %}", "{%% if %%} without {%% endif %%}")
			}
			n.els = els
			return n, nil
		case "endif":
			return n, nil
		default:
			return nil, jerr("close the block with {% endif %}", "{%% if %%} without {%% endif %%}")
		}
	}
}

func indexTagStart(s string, from int) int {
	for i := from; i+1 < len(s); i++ {
		if s[i] == '{' && (s[i+1] == '{' || s[i+1] == '%' || s[i+1] == '#') {
			return i
		}
	}
	return -1
}

// ---- lexer ----

type tokKind int

const (
	tokName tokKind = iota
	tokString
	tokInt
	tokFloat
	tokOp
)

type token struct {
	kind tokKind
	val  string
}

type lexer struct {
	src   string
	pos   int
	close string // "}}" or "%}"
	trim  bool   // the closing delimiter had a "-"
}

func (l *lexer) all() ([]token, error) {
	var toks []token
	for {
		for l.pos < len(l.src) && unicode.IsSpace(rune(l.src[l.pos])) {
			l.pos++
		}
		if l.pos >= len(l.src) {
			return nil, jerr("close the tag with "+l.close, "unclosed Jinja tag: expected %q", l.close)
		}
		rest := l.src[l.pos:]
		if strings.HasPrefix(rest, "-"+l.close) {
			l.pos += 3
			l.trim = true
			return toks, nil
		}
		if strings.HasPrefix(rest, l.close) {
			l.pos += 2
			return toks, nil
		}
		c := rest[0]
		switch {
		case c == '_' || unicode.IsLetter(rune(c)):
			i := 1
			for i < len(rest) && (rest[i] == '_' || unicode.IsLetter(rune(rest[i])) || unicode.IsDigit(rune(rest[i]))) {
				i++
			}
			toks = append(toks, token{tokName, rest[:i]})
			l.pos += i
		case unicode.IsDigit(rune(c)):
			i, float := 1, false
			for i < len(rest) && (unicode.IsDigit(rune(rest[i])) || rest[i] == '_' ||
				(rest[i] == '.' && !float && i+1 < len(rest) && unicode.IsDigit(rune(rest[i+1])))) {
				if rest[i] == '.' {
					float = true
				}
				i++
			}
			kind := tokInt
			if float {
				kind = tokFloat
			}
			toks = append(toks, token{kind, strings.ReplaceAll(rest[:i], "_", "")})
			l.pos += i
		case c == '\'' || c == '"':
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != c; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
					switch rest[i] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					default:
						b.WriteByte(rest[i])
					}
					continue
				}
				b.WriteByte(rest[i])
			}
			if i >= len(rest) {
				return nil, jerr("close the string with a matching quote", "unterminated string in Jinja expression")
			}
			toks = append(toks, token{tokString, b.String()})
			l.pos += i + 1
		default:
			op := ""
			for _, o := range []string{"==", "!=", "<=", ">=", "//", "**"} {
				if strings.HasPrefix(rest, o) {
					op = o
					break
				}
			}
			if op == "" {
				if !strings.ContainsRune("()[]{},.|~+-*/%<>=:", rune(c)) {
					return nil, jerr("", "unexpected character %q in Jinja expression", c)
				}
				op = string(c)
			}
			toks = append(toks, token{tokOp, op})
			l.pos += len(op)
		}
	}
}

// ---- expressions ----

type expr interface {
	eval(j *yamlJinja) (any, error)
}

type exprParser struct {
	toks []token
	i    int
}

func (p *exprParser) peek() (token, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return token{}, false
}

func (p *exprParser) isOp(op string) bool {
	t, ok := p.peek()
	return ok && t.kind == tokOp && t.val == op
}

func (p *exprParser) isName(name string) bool {
	t, ok := p.peek()
	return ok && t.kind == tokName && t.val == name
}

func (p *exprParser) expectOp(op string) error {
	if !p.isOp(op) {
		return jerr("", "expected %q in Jinja expression", op)
	}
	p.i++
	return nil
}

func (p *exprParser) parseTop() (expr, error) {
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if t, ok := p.peek(); ok {
		return nil, jerr("", "unexpected %q in Jinja expression", t.val)
	}
	return e, nil
}

// parseExpr: a conditional expression `x if cond else y`.
func (p *exprParser) parseExpr() (expr, error) {
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	for p.isName("if") {
		p.i++
		cond, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		var els expr = literal{""}
		if p.isName("else") {
			p.i++
			if els, err = p.parseExpr(); err != nil {
				return nil, err
			}
		}
		e = condExpr{cond, e, els}
	}
	return e, nil
}

func (p *exprParser) parseOr() (expr, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isName("or") {
		p.i++
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = logicExpr{"or", l, r}
	}
	return l, nil
}

func (p *exprParser) parseAnd() (expr, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.isName("and") {
		p.i++
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = logicExpr{"and", l, r}
	}
	return l, nil
}

func (p *exprParser) parseNot() (expr, error) {
	if p.isName("not") {
		p.i++
		e, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return notExpr{e}, nil
	}
	return p.parseCompare()
}

func (p *exprParser) parseCompare() (expr, error) {
	l, err := p.parseMath1()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok {
			return l, nil
		}
		op := ""
		switch {
		case t.kind == tokOp && (t.val == "==" || t.val == "!=" || t.val == "<" || t.val == ">" || t.val == "<=" || t.val == ">="):
			op = t.val
			p.i++
		case t.kind == tokName && t.val == "in":
			op = "in"
			p.i++
		case t.kind == tokName && t.val == "not" && p.i+1 < len(p.toks) && p.toks[p.i+1].val == "in":
			op = "not in"
			p.i += 2
		case t.kind == tokName && t.val == "is":
			p.i++
			neg := false
			if p.isName("not") {
				neg = true
				p.i++
			}
			nt, ok := p.peek()
			if !ok || nt.kind != tokName {
				return nil, jerr("", "expected a test name after 'is'")
			}
			p.i++
			l = isExpr{l, nt.val, neg}
			continue
		default:
			return l, nil
		}
		r, err := p.parseMath1()
		if err != nil {
			return nil, err
		}
		l = binExpr{op, l, r}
	}
}

func (p *exprParser) parseMath1() (expr, error) {
	l, err := p.parseConcat()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		op := p.toks[p.i].val
		p.i++
		r, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		l = binExpr{op, l, r}
	}
	return l, nil
}

func (p *exprParser) parseConcat() (expr, error) {
	l, err := p.parseMath2()
	if err != nil {
		return nil, err
	}
	for p.isOp("~") {
		p.i++
		r, err := p.parseMath2()
		if err != nil {
			return nil, err
		}
		l = binExpr{"~", l, r}
	}
	return l, nil
}

func (p *exprParser) parseMath2() (expr, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%") {
		op := p.toks[p.i].val
		p.i++
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = binExpr{op, l, r}
	}
	return l, nil
}

func (p *exprParser) parseUnary() (expr, error) {
	if p.isOp("-") {
		p.i++
		e, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return binExpr{"-", literal{0}, e}, nil
	}
	e, err := p.parsePostfix()
	if err != nil {
		return nil, err
	}
	for p.isOp("|") {
		p.i++
		t, ok := p.peek()
		if !ok || t.kind != tokName {
			return nil, jerr("", "expected a filter name after '|'")
		}
		p.i++
		f := filterExpr{name: t.val, arg: e}
		if p.isOp("(") {
			if f.args, f.kwargs, err = p.parseArgs(); err != nil {
				return nil, err
			}
		}
		e = f
	}
	return e, nil
}

func (p *exprParser) parsePostfix() (expr, error) {
	e, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.isOp("."):
			p.i++
			t, ok := p.peek()
			if !ok || (t.kind != tokName && t.kind != tokInt) {
				return nil, jerr("", "expected an attribute name after '.'")
			}
			p.i++
			e = attrExpr{e, literal{t.val}}
		case p.isOp("["):
			p.i++
			k, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp("]"); err != nil {
				return nil, err
			}
			e = attrExpr{e, k}
		case p.isOp("("):
			args, kwargs, err := p.parseArgs()
			if err != nil {
				return nil, err
			}
			e = callExpr{e, args, kwargs}
		default:
			return e, nil
		}
	}
}

func (p *exprParser) parseArgs() ([]expr, map[string]expr, error) {
	if err := p.expectOp("("); err != nil {
		return nil, nil, err
	}
	var args []expr
	var kwargs map[string]expr
	for !p.isOp(")") {
		if t, ok := p.peek(); ok && t.kind == tokName && p.i+1 < len(p.toks) && p.toks[p.i+1].val == "=" && p.toks[p.i+1].kind == tokOp {
			p.i += 2
			v, err := p.parseExpr()
			if err != nil {
				return nil, nil, err
			}
			if kwargs == nil {
				kwargs = map[string]expr{}
			}
			kwargs[t.val] = v
		} else {
			v, err := p.parseExpr()
			if err != nil {
				return nil, nil, err
			}
			args = append(args, v)
		}
		if p.isOp(",") {
			p.i++
			continue
		}
		if !p.isOp(")") {
			return nil, nil, jerr("", "expected ',' or ')' in call arguments")
		}
	}
	p.i++
	return args, kwargs, nil
}

func (p *exprParser) parsePrimary() (expr, error) {
	t, ok := p.peek()
	if !ok {
		return nil, jerr("", "unexpected end of Jinja expression")
	}
	p.i++
	switch t.kind {
	case tokString:
		s := t.val
		// Adjacent string literals concatenate, as in Python.
		for {
			n, ok := p.peek()
			if !ok || n.kind != tokString {
				break
			}
			s += n.val
			p.i++
		}
		return literal{s}, nil
	case tokInt:
		i, err := strconv.Atoi(t.val)
		if err != nil {
			return nil, jerr("", "invalid number %q", t.val)
		}
		return literal{i}, nil
	case tokFloat:
		f, err := strconv.ParseFloat(t.val, 64)
		if err != nil {
			return nil, jerr("", "invalid number %q", t.val)
		}
		return literal{f}, nil
	case tokName:
		switch t.val {
		case "true", "True":
			return literal{true}, nil
		case "false", "False":
			return literal{false}, nil
		case "none", "None":
			return literal{nil}, nil
		}
		return nameExpr{t.val}, nil
	}
	switch t.val {
	case "(":
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if p.isOp(",") { // a tuple, kept as a list
			items := []expr{e}
			for p.isOp(",") {
				p.i++
				if p.isOp(")") {
					break
				}
				x, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				items = append(items, x)
			}
			e = listExpr{items}
		}
		return e, p.expectOp(")")
	case "[":
		var items []expr
		for !p.isOp("]") {
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			items = append(items, x)
			if p.isOp(",") {
				p.i++
			} else if !p.isOp("]") {
				return nil, jerr("", "expected ',' or ']' in list")
			}
		}
		p.i++
		return listExpr{items}, nil
	case "{":
		var keys, vals []expr
		for !p.isOp("}") {
			k, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(":"); err != nil {
				return nil, err
			}
			v, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			keys, vals = append(keys, k), append(vals, v)
			if p.isOp(",") {
				p.i++
			} else if !p.isOp("}") {
				return nil, jerr("", "expected ',' or '}' in dict")
			}
		}
		p.i++
		return dictExpr{keys, vals}, nil
	}
	return nil, jerr("", "unexpected %q in Jinja expression", t.val)
}

type literal struct{ v any }

func (e literal) eval(*yamlJinja) (any, error) { return e.v, nil }

type nameExpr struct{ name string }

func (e nameExpr) eval(j *yamlJinja) (any, error) {
	switch e.name {
	case "env_var":
		return callable(j.envVar), nil
	case "var":
		if !j.varOK {
			return nil, unsupported("var() is not available here")
		}
		return callable(j.varFunc), nil
	case "target":
		if j.target == nil {
			return undefined{"target"}, nil
		}
		return j.target, nil
	}
	return undefined{e.name}, nil
}

func (j *yamlJinja) envVar(args []any, kwargs map[string]any) (any, error) {
	if len(args) == 0 {
		return nil, jerr("write env_var('NAME') or env_var('NAME', 'default')", "env_var() needs the variable name")
	}
	name, _ := pyStr(args[0])
	if secrets.IsSecretEnv(name) && !j.secretsOK {
		return nil, jerr("read secrets only in profiles.yml (or packages.yml), e.g. password: \"{{ env_var('"+name+"') }}\"",
			"Secret env vars are allowed only in profiles.yml or packages.yml: env_var('%s')", name)
	}
	if j.env != nil {
		if v, ok := j.env(name); ok {
			return v, nil
		}
	}
	def, hasDef := kwargs["default"]
	if len(args) > 1 {
		def, hasDef = args[1], true
	}
	if hasDef && def != nil {
		return def, nil
	}
	return nil, jerr(fmt.Sprintf("set %s in the environment, or give a default: env_var('%s', 'default')", name, name),
		"Env var required but not provided: '%s'", name)
}

func (j *yamlJinja) varFunc(args []any, kwargs map[string]any) (any, error) {
	if len(args) == 0 {
		return nil, jerr("write var('name') or var('name', 'default')", "var() needs the variable name")
	}
	name, _ := pyStr(args[0])
	if v, ok := j.vars[name]; ok {
		return v, nil
	}
	if len(args) > 1 {
		return args[1], nil
	}
	if d, ok := kwargs["default"]; ok {
		return d, nil
	}
	return nil, jerr(fmt.Sprintf("pass it with --vars '{%s: ...}', or give a default: var('%s', 'default')", name, name),
		"Required var '%s' not found in config", name)
}

type attrExpr struct {
	obj expr
	key expr
}

func (e attrExpr) eval(j *yamlJinja) (any, error) {
	o, err := e.obj.eval(j)
	if err != nil {
		return nil, err
	}
	k, err := e.key.eval(j)
	if err != nil {
		return nil, err
	}
	switch o := o.(type) {
	case map[string]any:
		ks, _ := pyStr(k)
		if v, ok := o[ks]; ok {
			return v, nil
		}
		if ks == "get" {
			return callable(func(args []any, _ map[string]any) (any, error) {
				if len(args) == 0 {
					return nil, jerr("", "get() needs a key")
				}
				ks, _ := pyStr(args[0])
				if v, ok := o[ks]; ok {
					return v, nil
				}
				if len(args) > 1 {
					return args[1], nil
				}
				return nil, nil
			}), nil
		}
		return undefined{ks}, nil
	case []any:
		if i, ok := k.(int); ok {
			if i < 0 {
				i += len(o)
			}
			if i >= 0 && i < len(o) {
				return o[i], nil
			}
		}
		return undefined{pyRepr(k, true)}, nil
	case string:
		if name, ok := k.(string); ok {
			if m := stringMethod(o, name); m != nil {
				return m, nil
			}
		}
		return undefined{pyRepr(k, false)}, nil
	case undefined:
		return nil, jerr("check the spelling", "'%s' is undefined", o.name)
	}
	return undefined{pyRepr(k, false)}, nil
}

func stringMethod(s, name string) callable {
	str := func(args []any, i int) string {
		if i < len(args) {
			v, _ := pyStr(args[i])
			return v
		}
		return ""
	}
	switch name {
	case "upper":
		return func([]any, map[string]any) (any, error) { return strings.ToUpper(s), nil }
	case "lower":
		return func([]any, map[string]any) (any, error) { return strings.ToLower(s), nil }
	case "strip":
		return func([]any, map[string]any) (any, error) { return strings.TrimSpace(s), nil }
	case "replace":
		return func(a []any, _ map[string]any) (any, error) { return strings.ReplaceAll(s, str(a, 0), str(a, 1)), nil }
	case "startswith":
		return func(a []any, _ map[string]any) (any, error) { return strings.HasPrefix(s, str(a, 0)), nil }
	case "endswith":
		return func(a []any, _ map[string]any) (any, error) { return strings.HasSuffix(s, str(a, 0)), nil }
	case "split":
		return func(a []any, _ map[string]any) (any, error) {
			var parts []string
			if len(a) == 0 {
				parts = strings.Fields(s)
			} else {
				parts = strings.Split(s, str(a, 0))
			}
			out := make([]any, len(parts))
			for i, p := range parts {
				out[i] = p
			}
			return out, nil
		}
	}
	return nil
}

type callExpr struct {
	fn     expr
	args   []expr
	kwargs map[string]expr
}

func (e callExpr) eval(j *yamlJinja) (any, error) {
	f, err := e.fn.eval(j)
	if err != nil {
		return nil, err
	}
	fn, ok := f.(callable)
	if !ok {
		if u, isU := f.(undefined); isU {
			return nil, unsupported("'%s' is not available in YAML values", u.name)
		}
		return nil, jerr("", "value is not callable")
	}
	args := make([]any, len(e.args))
	for i, a := range e.args {
		if args[i], err = a.eval(j); err != nil {
			return nil, err
		}
	}
	var kwargs map[string]any
	if len(e.kwargs) > 0 {
		kwargs = make(map[string]any, len(e.kwargs))
		for k, a := range e.kwargs {
			if kwargs[k], err = a.eval(j); err != nil {
				return nil, err
			}
		}
	}
	return fn(args, kwargs)
}

type listExpr struct{ items []expr }

func (e listExpr) eval(j *yamlJinja) (any, error) {
	out := make([]any, len(e.items))
	for i, x := range e.items {
		v, err := x.eval(j)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

type dictExpr struct{ keys, vals []expr }

func (e dictExpr) eval(j *yamlJinja) (any, error) {
	out := make(map[string]any, len(e.keys))
	for i := range e.keys {
		k, err := e.keys[i].eval(j)
		if err != nil {
			return nil, err
		}
		v, err := e.vals[i].eval(j)
		if err != nil {
			return nil, err
		}
		ks, _ := pyStr(k)
		out[ks] = v
	}
	return out, nil
}

type condExpr struct{ cond, then, els expr }

func (e condExpr) eval(j *yamlJinja) (any, error) {
	c, err := e.cond.eval(j)
	if err != nil {
		return nil, err
	}
	if truthy(c) {
		return e.then.eval(j)
	}
	return e.els.eval(j)
}

type logicExpr struct {
	op   string
	l, r expr
}

func (e logicExpr) eval(j *yamlJinja) (any, error) {
	l, err := e.l.eval(j)
	if err != nil {
		return nil, err
	}
	if (e.op == "or") == truthy(l) {
		return l, nil
	}
	return e.r.eval(j)
}

type notExpr struct{ e expr }

func (e notExpr) eval(j *yamlJinja) (any, error) {
	v, err := e.e.eval(j)
	if err != nil {
		return nil, err
	}
	return !truthy(v), nil
}

type isExpr struct {
	e    expr
	test string
	neg  bool
}

func (e isExpr) eval(j *yamlJinja) (any, error) {
	v, err := e.e.eval(j)
	if err != nil {
		return nil, err
	}
	var r bool
	switch e.test {
	case "defined":
		_, u := v.(undefined)
		r = !u
	case "undefined":
		_, r = v.(undefined)
	case "none":
		r = v == nil
	case "string":
		_, r = v.(string)
	case "number":
		_, r = toFloat(v)
		if _, b := v.(bool); b {
			r = false
		}
	case "mapping":
		_, r = v.(map[string]any)
	case "sequence", "iterable":
		switch v.(type) {
		case []any, string, map[string]any:
			r = true
		}
	case "true":
		r = v == true
	case "false":
		r = v == false
	default:
		return nil, unsupported("the Jinja test %q is not supported in YAML values", e.test)
	}
	return r != e.neg, nil
}

type binExpr struct {
	op   string
	l, r expr
}

func (e binExpr) eval(j *yamlJinja) (any, error) {
	l, err := e.l.eval(j)
	if err != nil {
		return nil, err
	}
	r, err := e.r.eval(j)
	if err != nil {
		return nil, err
	}
	switch e.op {
	case "~":
		ls, err := pyStr(l)
		if err != nil {
			return nil, err
		}
		rs, err := pyStr(r)
		if err != nil {
			return nil, err
		}
		return ls + rs, nil
	case "==":
		return valuesEqual(l, r), nil
	case "!=":
		return !valuesEqual(l, r), nil
	case "in", "not in":
		var found bool
		switch c := r.(type) {
		case string:
			s, _ := pyStr(l)
			found = strings.Contains(c, s)
		case []any:
			for _, x := range c {
				if valuesEqual(l, x) {
					found = true
					break
				}
			}
		case map[string]any:
			s, _ := pyStr(l)
			_, found = c[s]
		default:
			return nil, jerr("", "'in' needs a string, list or mapping on its right")
		}
		return found == (e.op == "in"), nil
	}
	if ls, ok := l.(string); ok {
		if rs, ok := r.(string); ok {
			switch e.op {
			case "+":
				return ls + rs, nil
			case "<":
				return ls < rs, nil
			case ">":
				return ls > rs, nil
			case "<=":
				return ls <= rs, nil
			case ">=":
				return ls >= rs, nil
			}
		}
	}
	if ll, ok := l.([]any); ok && e.op == "+" {
		if rl, ok := r.([]any); ok {
			return append(append([]any{}, ll...), rl...), nil
		}
	}
	lf, lok := toFloat(l)
	rf, rok := toFloat(r)
	if !lok || !rok {
		return nil, jerr("", "unsupported operand types for %s: %s and %s", e.op, pyRepr(l, true), pyRepr(r, true))
	}
	_, li := l.(int)
	_, ri := r.(int)
	ints := li && ri
	num := func(f float64) any {
		if ints {
			return int(f)
		}
		return f
	}
	switch e.op {
	case "+":
		return num(lf + rf), nil
	case "-":
		return num(lf - rf), nil
	case "*":
		return num(lf * rf), nil
	case "/":
		if rf == 0 {
			return nil, jerr("", "division by zero")
		}
		return lf / rf, nil
	case "//":
		if rf == 0 {
			return nil, jerr("", "division by zero")
		}
		return num(math.Floor(lf / rf)), nil
	case "%":
		if rf == 0 {
			return nil, jerr("", "division by zero")
		}
		return num(lf - rf*math.Floor(lf/rf)), nil
	case "<":
		return lf < rf, nil
	case ">":
		return lf > rf, nil
	case "<=":
		return lf <= rf, nil
	case ">=":
		return lf >= rf, nil
	}
	return nil, jerr("", "unsupported operator %s", e.op)
}

type filterExpr struct {
	name   string
	arg    expr
	args   []expr
	kwargs map[string]expr
}

func (e filterExpr) eval(j *yamlJinja) (any, error) {
	v, err := e.arg.eval(j)
	if err != nil {
		return nil, err
	}
	args := make([]any, len(e.args))
	for i, a := range e.args {
		if args[i], err = a.eval(j); err != nil {
			return nil, err
		}
	}
	if e.name == "default" || e.name == "d" {
		_, isU := v.(undefined)
		boolean := len(args) > 1 && truthy(args[1])
		if b, ok := e.kwargs["boolean"]; ok {
			bv, err := b.eval(j)
			if err != nil {
				return nil, err
			}
			boolean = truthy(bv)
		}
		if isU || (boolean && !truthy(v)) {
			if len(args) > 0 {
				return args[0], nil
			}
			return "", nil
		}
		return v, nil
	}
	if u, ok := v.(undefined); ok {
		return nil, jerr("check the spelling, or add | default(...)", "'%s' is undefined", u.name)
	}
	s := func() string { x, _ := pyStr(v); return x }
	switch e.name {
	case "as_number":
		return nativeMarker{s(), "number"}, nil
	case "as_bool":
		return nativeMarker{s(), "bool"}, nil
	case "as_native":
		return nativeMarker{s(), "native"}, nil
	case "as_text", "string":
		return s(), nil
	case "int":
		if f, ok := toFloat(v); ok {
			return int(f), nil
		}
		str := strings.TrimSpace(s())
		if i, err := strconv.ParseInt(str, 0, 64); err == nil {
			return int(i), nil
		}
		if f, err := strconv.ParseFloat(str, 64); err == nil {
			return int(f), nil
		}
		if len(args) > 0 {
			return args[0], nil
		}
		return 0, nil
	case "float":
		if f, ok := toFloat(v); ok {
			return f, nil
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(s()), 64); err == nil {
			return f, nil
		}
		if len(args) > 0 {
			return args[0], nil
		}
		return 0.0, nil
	case "lower":
		return strings.ToLower(s()), nil
	case "upper":
		return strings.ToUpper(s()), nil
	case "trim", "strip":
		return strings.TrimSpace(s()), nil
	case "replace":
		if len(args) < 2 {
			return nil, jerr("", "replace needs two arguments")
		}
		a, _ := pyStr(args[0])
		b, _ := pyStr(args[1])
		return strings.ReplaceAll(s(), a, b), nil
	case "length", "count":
		switch v := v.(type) {
		case string:
			return len([]rune(v)), nil
		case []any:
			return len(v), nil
		case map[string]any:
			return len(v), nil
		}
		return nil, jerr("", "length needs a string, list or mapping")
	case "join":
		l, ok := v.([]any)
		if !ok {
			return nil, jerr("", "join needs a list")
		}
		sep := ""
		if len(args) > 0 {
			sep, _ = pyStr(args[0])
		}
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i], _ = pyStr(x)
		}
		return strings.Join(parts, sep), nil
	}
	return nil, unsupported("the filter %q is not supported in YAML values", e.name)
}

// asJinjaError extracts a *jinjaError.
func asJinjaError(err error) (*jinjaError, bool) {
	var je *jinjaError
	ok := errors.As(err, &je)
	return je, ok
}
