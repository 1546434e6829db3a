package jinja

import (
	"math/big"
	"strings"
)

// nativeConcat is jinja2.nativetypes.native_concat.
func nativeConcat(parts []any) (any, error) {
	if len(parts) == 0 {
		return nil, nil
	}
	var raw string
	if len(parts) == 1 {
		s, ok := parts[0].(string)
		if !ok {
			if m, isM := parts[0].(Markup); isM {
				s = string(m)
			} else {
				return parts[0], nil
			}
		}
		raw = s
	} else {
		var b strings.Builder
		for _, p := range parts {
			s, err := toStr(p)
			if err != nil {
				return nil, err
			}
			b.WriteString(s)
		}
		raw = b.String()
	}
	if v, ok := literalEval(raw); ok {
		return v, nil
	}
	return raw, nil
}

// safeRepr is Jinja2's has_safe_repr: whether v is a constant its code
// generator may write into the compiled template (None, bools, numbers,
// strings, and tuples, lists and dicts of them).
func safeRepr(v any) bool {
	switch x := v.(type) {
	case nil, bool, int64, float64, *big.Int, string, Markup:
		return true
	case Tuple:
		return allSafeRepr(x)
	case *List:
		return allSafeRepr(x.Items)
	case *Dict:
		return allSafeRepr(x.Keys()) && allSafeRepr(x.Values())
	}
	return false
}

func allSafeRepr(items []any) bool {
	for _, it := range items {
		if !safeRepr(it) {
			return false
		}
	}
	return true
}

// LiteralEval is Python's ast.literal_eval(src) on a str: src without
// its leading spaces and tabs read as a Python literal (numbers, strings,
// True/False/None, lists, tuples, dicts, and a sign on a number). ok is
// false where Python raises ValueError or SyntaxError.
func LiteralEval(src string) (v any, ok bool) {
	return literalEval(strings.TrimLeft(src, " \t"))
}

// literalEval parses a Python literal (ast.literal_eval on parse(raw,
// mode="eval")): numbers, strings, True/False/None, lists, tuples, dicts
// and unary minus/plus on numbers.
func literalEval(src string) (any, bool) {
	// leading whitespace is an IndentationError for Python's parser
	if src == "" || src[0] == ' ' || src[0] == '\t' {
		return nil, false
	}
	// The spaces keep a leading or trailing "-" an operator: next to the
	// delimiters it would be whitespace control ("{{-1}}" is 1).
	toks, err := tokenize("<native>", "{{ "+src+" }}")
	if err != nil || len(toks) < 3 {
		return nil, false
	}
	if strings.ContainsAny(src, "\n") {
		// the lexer would treat newlines as whitespace; Python only allows
		// them inside brackets, which literalEval approximates by allowing
		// them anywhere but at the top level.
		trimmed := strings.TrimRight(src, " \t\n\r\f\v")
		depth := 0
		for _, c := range trimmed {
			switch c {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth--
			case '\n':
				if depth == 0 {
					return nil, false
				}
			}
		}
	}
	le := &litParser{toks: toks[1 : len(toks)-2]}
	if len(le.toks) == 0 || toks[len(toks)-2].kind != tVarEnd {
		return nil, false
	}
	v, ok := le.value()
	if !ok || le.i != len(le.toks) {
		return nil, false
	}
	return v, true
}

type litParser struct {
	toks []token
	i    int
	// signed is set when the last value parsed was a sign applied to a
	// number: literal_eval takes a sign only on a number itself, so
	// "--1" and "-(-1)" are not literals.
	signed bool
}

func (p *litParser) peek() (token, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return token{}, false
}

func (p *litParser) isOp(op string) bool {
	t, ok := p.peek()
	return ok && t.kind == tOp && t.val == op
}

func (p *litParser) value() (any, bool) {
	first, ok := p.single()
	if !ok {
		return nil, false
	}
	if !p.isOp(",") {
		return first, true
	}
	items := Tuple{first}
	for p.isOp(",") {
		p.i++
		if _, more := p.peek(); !more || p.isOp(")") {
			break // a trailing comma: (1,) and 1,
		}
		v, ok := p.single()
		if !ok {
			return nil, false
		}
		items = append(items, v)
	}
	return items, true
}

func (p *litParser) single() (any, bool) {
	t, ok := p.peek()
	if !ok {
		return nil, false
	}
	p.i++
	p.signed = false
	switch t.kind {
	case tInt, tFloat:
		return t.number(), true
	case tString:
		s := t.val
		for {
			n, ok := p.peek()
			if !ok || n.kind != tString {
				break
			}
			s += n.val
			p.i++
		}
		return s, true
	case tName:
		switch t.val {
		case "True":
			return true, true
		case "False":
			return false, true
		case "None":
			return nil, true
		}
		return nil, false
	case tOp:
		switch t.val {
		case "-", "+":
			v, ok := p.single()
			if !ok || p.signed {
				return nil, false
			}
			p.signed = true
			switch x := v.(type) {
			case *big.Int:
				if t.val == "-" {
					return shrink(new(big.Int).Neg(x)), true
				}
				return x, true
			case int64:
				if t.val == "-" {
					return -x, true
				}
				return x, true
			case float64:
				if t.val == "-" {
					return -x, true
				}
				return x, true
			}
			return nil, false
		case "(":
			if p.isOp(")") {
				p.i++
				return Tuple{}, true
			}
			v, ok := p.value()
			if !ok || !p.isOp(")") {
				return nil, false
			}
			p.i++
			return v, true
		case "[":
			l := &List{Items: []any{}}
			for !p.isOp("]") {
				v, ok := p.single()
				if !ok {
					return nil, false
				}
				l.Items = append(l.Items, v)
				if p.isOp(",") {
					p.i++
				} else if !p.isOp("]") {
					return nil, false
				}
			}
			p.i++
			return l, true
		case "{":
			d := &Dict{}
			for !p.isOp("}") {
				k, ok := p.single()
				if !ok || !p.isOp(":") {
					return nil, false
				}
				p.i++
				v, ok := p.single()
				if !ok {
					return nil, false
				}
				if d.set(k, v) != nil {
					return nil, false
				}
				if p.isOp(",") {
					p.i++
				} else if !p.isOp("}") {
					return nil, false
				}
			}
			p.i++
			return d, true
		}
	}
	return nil, false
}
