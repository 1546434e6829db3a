package jinja

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

// escapeHTML is markupsafe.escape on a plain string.
func escapeHTML(s string) string {
	if !strings.ContainsAny(s, `&<>"'`) {
		return s
	}
	return htmlEscaper.Replace(s)
}

// percentFormat is Python's str % args.
func percentFormat(format string, arg any) (string, error) {
	var args []any
	var mapping *Dict
	single := false
	switch x := arg.(type) {
	case Tuple:
		args = x
	case *Dict:
		mapping = x
		args = []any{x}
		single = true
	case map[string]any:
		mapping = dictFromMap(x)
		args = []any{x}
		single = true
	default:
		args = []any{arg}
		single = true
	}
	// Python takes any argument with __getitem__ (but a tuple or str)
	// as the mapping for %(key)s, and then does not complain about
	// unused arguments.
	itemLike := false
	switch arg.(type) {
	case *List, []any, *Undefined:
		itemLike = true
	}
	var b strings.Builder
	ai := 0
	usedMapping := false
	next := func() (any, error) {
		if ai >= len(args) {
			return nil, typeErr("not enough arguments for format string")
		}
		v := args[ai]
		ai++
		return v, nil
	}
	i := 0
	for i < len(format) {
		c := format[i]
		if c != '%' {
			j := strings.IndexByte(format[i:], '%')
			if j < 0 {
				b.WriteString(format[i:])
				break
			}
			b.WriteString(format[i : i+j])
			i += j
			continue
		}
		i++
		if i >= len(format) {
			return "", newErr("ValueError", "incomplete format")
		}
		var val any
		haveVal := false
		if format[i] == '(' {
			j := strings.IndexByte(format[i:], ')')
			if j < 0 {
				return "", newErr("ValueError", "incomplete format key")
			}
			key := format[i+1 : i+j]
			i += j + 1
			if mapping == nil {
				switch x := arg.(type) {
				case *List, []any:
					return "", typeErr("list indices must be integers or slices, not str")
				case *Undefined:
					if !x.policy.chains() {
						return "", x.err()
					}
					mapping = &Dict{}
					mapping.Set(key, x)
				default:
					return "", typeErr("format requires a mapping")
				}
			}
			v, ok := mapping.Get(key)
			if !ok {
				return "", newErr("KeyError", pyRepr(key))
			}
			val, haveVal = v, true
			usedMapping = true
		}
		flags := ""
		for i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0 {
			flags += format[i : i+1]
			i++
		}
		width := ""
		if i < len(format) && format[i] == '*' {
			v, err := next()
			if err != nil {
				return "", err
			}
			n, ok := indexInt(v)
			if !ok {
				return "", typeErr("* wants int")
			}
			width = strconv.FormatInt(n, 10)
			i++
		} else {
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				width += format[i : i+1]
				i++
			}
		}
		prec := ""
		hasPrec := false
		if i < len(format) && format[i] == '.' {
			hasPrec = true
			i++
			if i < len(format) && format[i] == '*' {
				v, err := next()
				if err != nil {
					return "", err
				}
				n, _ := indexInt(v)
				prec = strconv.FormatInt(n, 10)
				i++
			} else {
				for i < len(format) && format[i] >= '0' && format[i] <= '9' {
					prec += format[i : i+1]
					i++
				}
			}
			if prec == "" {
				prec = "0"
			}
		}
		for i < len(format) && (format[i] == 'h' || format[i] == 'l' || format[i] == 'L') {
			i++
		}
		if i >= len(format) {
			return "", newErr("ValueError", "incomplete format")
		}
		conv := format[i]
		i++
		if conv == '%' {
			b.WriteByte('%')
			continue
		}
		if !haveVal {
			v, err := next()
			if err != nil {
				return "", err
			}
			val = v
		}
		spec := "%" + flags + width
		if hasPrec {
			spec += "." + prec
		}
		switch conv {
		case 's', 'r', 'a':
			var str string
			var err error
			if conv == 's' {
				str, err = toStr(val)
				if err != nil {
					return "", err
				}
			} else {
				str = repr(val)
			}
			sspec := "%" + strings.ReplaceAll(flags, "0", "") + width
			if hasPrec {
				sspec += "." + prec
			}
			b.WriteString(fmt.Sprintf(sspec+"s", str))
		case 'd', 'i', 'u':
			if bv, ok := val.(*big.Int); ok {
				b.WriteString(fmt.Sprintf(spec+"d", bv))
				continue
			}
			if f, ok := val.(float64); ok && !math.IsInf(f, 0) && !math.IsNaN(f) && math.Abs(f) >= 9e18 {
				b.WriteString(fmt.Sprintf(spec+"d", floatToInt(f)))
				continue
			}
			n, err := toIntForFormat(val, conv)
			if err != nil {
				return "", err
			}
			b.WriteString(fmt.Sprintf(spec+"d", n))
		case 'x', 'X', 'o':
			var n any = val
			if _, isBig := val.(*big.Int); !isBig {
				iv, ok := indexInt(val)
				if !ok {
					return "", typeErr("%%%c format: an integer is required, not %s", conv, typeName(val))
				}
				n = iv
			}
			out := fmt.Sprintf(spec+string(conv), n)
			if conv == 'o' && strings.Contains(flags, "#") {
				out = strings.Replace(out, "0", "0o", 1)
			}
			b.WriteString(out)
		case 'e', 'E', 'f', 'F', 'g', 'G':
			if bv, isB := val.(*big.Int); isB {
				f, err := toFloat(bv)
				if err != nil {
					return "", err
				}
				val = f
			}
			_, f, isInt, ok := numeric(val)
			if !ok {
				if u, isU := val.(*Undefined); isU {
					return "", u.err()
				}
				return "", typeErr("must be real number, not %s", typeName(val))
			}
			if isInt {
				n, _ := indexInt(val)
				if bv, isB := val.(bool); isB {
					n = 0
					if bv {
						n = 1
					}
				}
				f = float64(n)
			}
			if !hasPrec {
				spec += ".6"
			}
			if math.IsInf(f, 0) || math.IsNaN(f) {
				s := floatRepr(f)
				if conv >= 'A' && conv <= 'Z' {
					s = strings.ToUpper(s)
				}
				b.WriteString(fmt.Sprintf("%"+strings.ReplaceAll(flags, "0", "")+width+"s", s))
				continue
			}
			gc := conv
			if gc == 'F' {
				gc = 'f'
			}
			b.WriteString(fmt.Sprintf(spec+string(gc), f))
		case 'c':
			switch x := val.(type) {
			case string:
				if utf8.RuneCountInString(x) != 1 {
					return "", typeErr("%%c requires int or char")
				}
				b.WriteString(fmt.Sprintf(spec+"s", x))
			default:
				n, ok := indexInt(val)
				if !ok {
					return "", typeErr("%%c requires int or char")
				}
				b.WriteString(fmt.Sprintf(spec+"c", rune(n)))
			}
		default:
			return "", errorf("ValueError", "unsupported format character '%c' (0x%x) at index %d", conv, conv, i-1)
		}
	}
	if ai < len(args) && !(single && (mapping != nil || usedMapping || itemLike)) {
		if !(single && mapping != nil) {
			return "", typeErr("not all arguments converted during string formatting")
		}
	}
	return b.String(), nil
}

func toIntForFormat(v any, conv byte) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case float64:
		if math.IsInf(x, 0) {
			return 0, newErr("OverflowError", "cannot convert float infinity to integer")
		}
		if math.IsNaN(x) {
			return 0, newErr("ValueError", "cannot convert float NaN to integer")
		}
		return int64(x), nil
	case *Undefined:
		return 0, x.err()
	}
	return 0, typeErr("%%%c format: a real number is required, not %s", conv, typeName(v))
}

// pyFormat is Python's str.format with the sandbox's attribute checks.
func pyFormat(s *State, format string, args []any, kw *Dict) (any, error) {
	var b strings.Builder
	auto := 0
	manual := false
	i := 0
	for i < len(format) {
		c := format[i]
		if c == '}' {
			if i+1 < len(format) && format[i+1] == '}' {
				b.WriteByte('}')
				i += 2
				continue
			}
			return nil, newErr("ValueError", "Single '}' encountered in format string")
		}
		if c != '{' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 < len(format) && format[i+1] == '{' {
			b.WriteByte('{')
			i += 2
			continue
		}
		// find the matching close brace (nested braces allowed in the spec)
		depth := 1
		j := i + 1
		for j < len(format) && depth > 0 {
			switch format[j] {
			case '{':
				depth++
			case '}':
				depth--
			}
			j++
		}
		if depth != 0 {
			return nil, newErr("ValueError", "expected '}' before end of string")
		}
		field := format[i+1 : j-1]
		i = j
		conv := byte(0)
		spec := ""
		if k := strings.IndexByte(field, ':'); k >= 0 {
			spec = field[k+1:]
			field = field[:k]
		}
		if k := strings.IndexByte(field, '!'); k >= 0 {
			if k+2 != len(field) {
				return nil, newErr("ValueError", "expected ':' after conversion specifier")
			}
			conv = field[k+1]
			field = field[:k]
		}
		if strings.Contains(spec, "{") {
			inner, err := pyFormat(s, spec, args, kw)
			if err != nil {
				return nil, err
			}
			spec = inner.(string)
		}
		// the first part of the field name
		k := strings.IndexAny(field, ".[")
		first, rest := field, ""
		if k >= 0 {
			first, rest = field[:k], field[k:]
		}
		var v any
		if first == "" {
			if manual {
				return nil, newErr("ValueError", "cannot switch from manual field specification to automatic field numbering")
			}
			if auto >= len(args) {
				return nil, newErr("IndexError", "Replacement index "+strconv.Itoa(auto)+" out of range for positional args tuple")
			}
			v = args[auto]
			auto++
		} else if n, err := strconv.Atoi(first); err == nil {
			if auto > 0 {
				return nil, newErr("ValueError", "cannot switch from automatic field numbering to manual field specification")
			}
			manual = true
			if n >= len(args) {
				return nil, newErr("IndexError", "Replacement index "+strconv.Itoa(n)+" out of range for positional args tuple")
			}
			v = args[n]
		} else {
			val, ok := kw.Get(first)
			if !ok {
				return nil, newErr("KeyError", pyRepr(first))
			}
			v = val
		}
		for rest != "" {
			if rest[0] == '.' {
				k := strings.IndexAny(rest[1:], ".[")
				name := rest[1:]
				if k >= 0 {
					name, rest = rest[1:k+1], rest[k+1:]
				} else {
					rest = ""
				}
				nv, err := getAttr(s, v, name)
				if err != nil {
					return nil, err
				}
				v = nv
			} else {
				k := strings.IndexByte(rest, ']')
				if k < 0 {
					return nil, newErr("ValueError", "Missing ']' in format string")
				}
				key := rest[1:k]
				rest = rest[k+1:]
				var kv any = key
				if n, err := strconv.Atoi(key); err == nil {
					kv = int64(n)
				}
				nv, err := getItem(s, v, kv)
				if err != nil {
					return nil, err
				}
				v = nv
			}
		}
		switch conv {
		case 'r', 'a':
			v = repr(v)
		case 's':
			str, err := toStr(v)
			if err != nil {
				return nil, err
			}
			v = str
		case 0:
		default:
			return nil, errorf("ValueError", "Unknown conversion specifier %c", conv)
		}
		out, err := formatSpec(v, spec)
		if err != nil {
			return nil, err
		}
		b.WriteString(out)
	}
	return b.String(), nil
}

// formatSpec is Python's format(v, spec).
func formatSpec(v any, spec string) (string, error) {
	if spec == "" {
		return toStr(v)
	}
	// [[fill]align][sign][z][#][0][width][grouping][.precision][type]
	fill, align := " ", byte(0)
	i := 0
	if r, n := utf8.DecodeRuneInString(spec); n > 0 && n < len(spec) && strings.IndexByte("<>=^", spec[n]) >= 0 {
		fill, align = string(r), spec[n]
		i = n + 1
	} else if len(spec) > 0 && strings.IndexByte("<>=^", spec[0]) >= 0 {
		align = spec[0]
		i = 1
	}
	sign := byte('-')
	if i < len(spec) && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ') {
		sign = spec[i]
		i++
	}
	if i < len(spec) && spec[i] == 'z' {
		i++
	}
	alt := false
	if i < len(spec) && spec[i] == '#' {
		alt = true
		i++
	}
	if i < len(spec) && spec[i] == '0' {
		if align == 0 {
			fill, align = "0", '='
		}
		i++
	}
	width := 0
	for i < len(spec) && spec[i] >= '0' && spec[i] <= '9' {
		width = width*10 + int(spec[i]-'0')
		i++
	}
	group := byte(0)
	if i < len(spec) && (spec[i] == ',' || spec[i] == '_') {
		group = spec[i]
		i++
	}
	prec := -1
	if i < len(spec) && spec[i] == '.' {
		i++
		prec = 0
		for i < len(spec) && spec[i] >= '0' && spec[i] <= '9' {
			prec = prec*10 + int(spec[i]-'0')
			i++
		}
	}
	typ := byte(0)
	if i < len(spec) {
		typ = spec[i]
		i++
	}
	if i != len(spec) {
		return "", newErr("ValueError", "Invalid format specifier")
	}
	var body, signStr string
	numeric := false
	if b, ok := v.(*big.Int); ok {
		if typ != 0 && strings.IndexByte("dboxXn", typ) < 0 {
			// A float presentation type formats float(v).
			f, err := toFloat(b)
			if err != nil {
				return "", err
			}
			v = f
		} else {
			if prec >= 0 {
				return "", newErr("ValueError", "Precision not allowed in integer format specifier")
			}
			a := new(big.Int).Abs(b)
			switch {
			case b.Sign() < 0:
				signStr = "-"
			case sign == '+':
				signStr = "+"
			case sign == ' ':
				signStr = " "
			}
			base, prefix := 10, ""
			switch typ {
			case 'b':
				base, prefix = 2, "0b"
			case 'o':
				base, prefix = 8, "0o"
			case 'x':
				base, prefix = 16, "0x"
			case 'X':
				base, prefix = 16, "0X"
			}
			body = a.Text(base)
			if typ == 'X' {
				body = strings.ToUpper(body)
			}
			if alt {
				signStr += prefix
			}
			if group != 0 {
				body = groupDigits(body, group)
			}
			if align == 0 {
				align = '>'
			}
			return padFormatted(signStr, body, fill, align, width)
		}
	}
	switch x := v.(type) {
	case string, Markup:
		str, _ := asString(x)
		if typ != 0 && typ != 's' {
			return "", errorf("ValueError", "Unknown format code '%c' for object of type 'str'", typ)
		}
		if prec >= 0 && runeLen(str) > prec {
			str = string([]rune(str)[:prec])
		}
		body = str
		if align == 0 {
			align = '<'
		}
	case int64, bool, float64:
		numeric = true
		iv, fv, isInt, _ := numeric2(x)
		if isInt && (typ == 0 || strings.IndexByte("dboxXnc", typ) >= 0) {
			if prec >= 0 {
				return "", newErr("ValueError", "Precision not allowed in integer format specifier")
			}
			if iv < 0 {
				signStr = "-"
				iv = -iv
			} else if sign == '+' {
				signStr = "+"
			} else if sign == ' ' {
				signStr = " "
			}
			switch typ {
			case 'b':
				body = strconv.FormatInt(iv, 2)
				if alt {
					signStr += "0b"
				}
			case 'o':
				body = strconv.FormatInt(iv, 8)
				if alt {
					signStr += "0o"
				}
			case 'x':
				body = strconv.FormatInt(iv, 16)
				if alt {
					signStr += "0x"
				}
			case 'X':
				body = strings.ToUpper(strconv.FormatInt(iv, 16))
				if alt {
					signStr += "0X"
				}
			case 'c':
				body = string(rune(iv))
			default:
				body = strconv.FormatInt(iv, 10)
			}
			if group != 0 {
				body = groupDigits(body, group)
			}
		} else {
			f := fv
			if isInt {
				f = float64(iv)
			}
			if math.Signbit(f) && !math.IsNaN(f) {
				signStr = "-"
				f = -f
			} else if sign == '+' {
				signStr = "+"
			} else if sign == ' ' {
				signStr = " "
			}
			p := prec
			if p < 0 {
				p = 6
			}
			switch typ {
			case 'f', 'F':
				body = strconv.FormatFloat(f, 'f', p, 64)
			case 'e', 'E':
				body = fmt.Sprintf("%."+strconv.Itoa(p)+"e", f)
			case 'g', 'G':
				if p == 0 {
					p = 1
				}
				body = fmt.Sprintf("%."+strconv.Itoa(p)+"g", f)
				if alt {
					body = fmt.Sprintf("%#."+strconv.Itoa(p)+"g", f)
				}
			case '%':
				body = strconv.FormatFloat(f*100, 'f', p, 64) + "%"
			case 0:
				if prec < 0 {
					body = floatRepr(f)
				} else {
					body = formatNoType(f, prec)
				}
			default:
				return "", errorf("ValueError", "Unknown format code '%c' for object of type '%s'", typ, typeName(v))
			}
			if math.IsInf(f, 0) {
				body = "inf"
			} else if math.IsNaN(f) {
				body = "nan"
			}
			if typ >= 'A' && typ <= 'Z' {
				body = strings.ToUpper(body)
			}
			if group != 0 {
				intPart, frac, _ := strings.Cut(body, ".")
				body = groupDigits(intPart, group)
				if frac != "" {
					body += "." + frac
				}
			}
		}
		if align == 0 {
			align = '>'
		}
	default:
		if u, ok := v.(*Undefined); ok && u.policy == Strict {
			return "", u.err()
		}
		return "", typeErr("unsupported format string passed to %s.__format__", typeName(v))
	}
	_ = numeric
	return padFormatted(signStr, body, fill, align, width)
}

// padFormatted pads a formatted sign and body to width with fill, as
// align says.
func padFormatted(signStr, body, fill string, align byte, width int) (string, error) {
	n := runeLen(signStr) + runeLen(body)
	if width <= n {
		return signStr + body, nil
	}
	padN := width - n
	switch align {
	case '<':
		return signStr + body + strings.Repeat(fill, padN), nil
	case '>':
		return strings.Repeat(fill, padN) + signStr + body, nil
	case '=':
		return signStr + strings.Repeat(fill, padN) + body, nil
	}
	left := padN / 2
	return strings.Repeat(fill, left) + signStr + body + strings.Repeat(fill, padN-left), nil
}

func numeric2(v any) (int64, float64, bool, bool) {
	i, f, isInt, ok := numeric(v)
	return i, f, isInt, ok
}

// formatNoType is Python's float.__format__ with a precision and no
// presentation type: 'g' to prec significant digits, except that the
// exponent form starts one digit earlier, where the digits would leave
// no room for the ".0" a fixed-point result gets when it has no point
// ('{:.4}'.format(253.01) is 253.0, '{:.4}'.format(5329.0) 5.329e+03).
func formatNoType(f float64, prec int) string {
	if prec == 0 {
		prec = 1
	}
	if math.IsInf(f, 0) || math.IsNaN(f) || f == 0 {
		if f == 0 {
			return "0.0"
		}
		return floatRepr(f)
	}
	e := strconv.FormatFloat(f, 'e', prec-1, 64) // d.ddde±XX, rounded
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	decpt := x + 1
	if decpt <= -4 || decpt > prec-1 {
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		sign := "+"
		if x < 0 {
			sign, x = "-", -x
		}
		return fmt.Sprintf("%se%s%02d", mant, sign, x)
	}
	body := strconv.FormatFloat(f, 'f', prec-decpt, 64)
	if strings.Contains(body, ".") {
		body = strings.TrimRight(strings.TrimRight(body, "0"), ".")
	}
	if !strings.Contains(body, ".") {
		body += ".0"
	}
	return body
}

func groupDigits(s string, sep byte) string {
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(sep)
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
