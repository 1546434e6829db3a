package jinja

import (
	"html"
	"math"
	"math/bits"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

var strMethods = setOf("capitalize", "casefold", "center", "count", "endswith", "find", "format", "index",
	"isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric", "isspace",
	"isprintable", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "partition", "removeprefix", "removesuffix",
	"replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split", "splitlines",
	"startswith", "strip", "swapcase", "title", "upper", "zfill", "expandtabs", "format_map", "maketrans", "translate")
var listMethods = setOf("append", "extend", "pop", "insert", "remove", "index", "count", "sort", "reverse", "copy", "clear")
var tupleMethods = setOf("index", "count")
var dictMethods = setOf("items", "keys", "values", "get", "update", "pop", "setdefault", "copy", "clear", "popitem", "fromkeys")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func hasBuiltinMethod(obj any, name string) bool {
	switch obj.(type) {
	case string:
		return strMethods[name]
	case Markup:
		return strMethods[name] || name == "unescape" || name == "striptags"
	case *List, []any:
		return listMethods[name]
	case Tuple:
		return tupleMethods[name]
	case *Dict, map[string]any:
		return dictMethods[name]
	case *cycler:
		return name == "next" || name == "reset"
	case int64:
		return name == "bit_length" || name == "conjugate"
	case float64:
		return name == "is_integer" || name == "conjugate"
	}
	return false
}

// argN checks a method's positional argument count.
func argN(name string, args []any, kw *Dict, min, max int) error {
	if kw.Len() > 0 {
		return typeErr("%s() takes no keyword arguments", name)
	}
	if len(args) < min || len(args) > max {
		if min == max {
			if min == 0 {
				return typeErr("%s() takes no arguments (%d given)", name, len(args))
			}
			return typeErr("%s() takes exactly one argument (%d given)", name, len(args))
		}
		if len(args) < min {
			return typeErr("%s expected at least %d argument(s), got %d", name, min, len(args))
		}
		return typeErr("%s expected at most %d arguments, got %d", name, max, len(args))
	}
	return nil
}

func strArg(method string, v any) (string, error) {
	if s, ok := asString(v); ok {
		return s, nil
	}
	if u, ok := v.(*Undefined); ok && u.policy == Strict {
		return "", u.err()
	}
	return "", typeErr("%s() argument must be str, not %s", method, typeName(v))
}

func optChars(method string, args []any) (string, bool, error) {
	if len(args) == 0 || args[0] == nil {
		return "", false, nil
	}
	s, ok := asString(args[0])
	if !ok {
		return "", false, typeErr("%s arg must be None or str", method)
	}
	return s, true, nil
}

// escapeStrArg is a str argument escaped, as markupsafe's wrappers do;
// other values are left as they are.
func escapeStrArg(v any) any {
	switch x := v.(type) {
	case string:
		return Markup(escapeHTML(x))
	case SubStr:
		return Markup(escapeHTML(x.S))
	}
	return v
}

func intArg(v any) (int64, bool) {
	i, ok := indexInt(v)
	return i, ok
}

func callMethod(s *State, obj any, name string, args []any, kw *Dict) (any, error) {
	switch x := obj.(type) {
	case string:
		return strMethod(s, x, name, args, kw)
	case Markup:
		switch name {
		case "unescape", "striptags":
			if err := argN(name, args, kw, 0, 0); err != nil {
				return nil, err
			}
			if name == "striptags" {
				return fStriptags(s, x, nil, nil)
			}
			return html.UnescapeString(string(x)), nil
		case "capitalize", "title", "lower", "upper", "replace", "ljust", "rjust", "lstrip", "rstrip",
			"center", "strip", "expandtabs", "swapcase", "zfill", "translate":
			// markupsafe escapes a Markup method's str arguments.
			esc := make([]any, len(args))
			for i, a := range args {
				esc[i] = escapeStrArg(a)
			}
			args = esc
		case "join":
			if len(args) == 1 {
				items, err := iterate(args[0])
				if err != nil {
					return nil, err
				}
				// join escapes every item: escape(1) is Markup('1').
				esc := make([]any, len(items))
				for i, it := range items {
					m, err := autoEscape(it)
					if err != nil {
						return nil, err
					}
					esc[i] = m
				}
				args = []any{&List{Items: esc}}
			}
		}
		v, err := strMethod(s, string(x), name, args, kw)
		if err != nil || name == "format" {
			return v, err
		}
		switch r := v.(type) {
		case string:
			return Markup(r), nil
		case *List:
			for i, it := range r.Items {
				if str, ok := it.(string); ok {
					r.Items[i] = Markup(str)
				}
			}
		case Tuple:
			for i, it := range r {
				if str, ok := it.(string); ok {
					r[i] = Markup(str)
				}
			}
		}
		return v, nil
	case *List:
		return listMethod(s, x, name, args, kw)
	case []any:
		l := &List{Items: x}
		return listMethod(s, l, name, args, kw)
	case Tuple:
		l := &List{Items: x}
		return listMethod(s, l, name, args, kw)
	case *Dict:
		return dictMethod(s, x, nil, name, args, kw)
	case map[string]any:
		return dictMethod(s, dictFromMap(x), x, name, args, kw)
	case int64:
		switch name {
		case "bit_length":
			return int64(bits.Len64(uint64(absI(x)))), nil
		case "conjugate":
			return x, nil
		}
	case float64:
		switch name {
		case "is_integer":
			return x == math.Trunc(x) && !math.IsInf(x, 0), nil
		case "conjugate":
			return x, nil
		}
	case *cycler:
		switch name {
		case "next":
			v := x.items[x.pos]
			x.pos = (x.pos + 1) % len(x.items)
			return v, nil
		case "reset":
			x.pos = 0
			return nil, nil
		}
	}
	return nil, typeErr("'%s' object has no attribute '%s'", typeName(obj), name)
}

func pyStrip(s, chars string, has bool, left, right bool) string {
	if !has {
		if left {
			s = strings.TrimLeftFunc(s, pyIsSpace)
		}
		if right {
			s = strings.TrimRightFunc(s, pyIsSpace)
		}
		return s
	}
	if left {
		s = strings.TrimLeft(s, chars)
	}
	if right {
		s = strings.TrimRight(s, chars)
	}
	return s
}

// pySplit is str.split / str.rsplit.
func pySplit(s string, sep string, hasSep bool, maxsplit int, right bool) []any {
	var parts []string
	if !hasSep {
		fields := strings.FieldsFunc(s, pyIsSpace)
		if maxsplit < 0 || maxsplit >= len(fields)-1 || len(fields) == 0 {
			parts = fields
		} else if !right {
			// keep the remainder after maxsplit fields verbatim (left-stripped)
			rest := s
			for i := 0; i < maxsplit; i++ {
				rest = strings.TrimLeftFunc(rest, pyIsSpace)
				j := strings.IndexFunc(rest, pyIsSpace)
				parts = append(parts, rest[:j])
				rest = rest[j:]
			}
			parts = append(parts, strings.TrimLeftFunc(rest, pyIsSpace))
		} else {
			rest := s
			var rev []string
			for i := 0; i < maxsplit; i++ {
				rest = strings.TrimRightFunc(rest, pyIsSpace)
				j := strings.LastIndexFunc(rest, pyIsSpace)
				rev = append(rev, rest[j+1:])
				rest = rest[:j+1]
			}
			parts = append(parts, strings.TrimRightFunc(rest, pyIsSpace))
			for i := len(rev) - 1; i >= 0; i-- {
				parts = append(parts, rev[i])
			}
		}
	} else if maxsplit < 0 {
		parts = strings.Split(s, sep)
	} else if !right {
		parts = strings.SplitN(s, sep, maxsplit+1)
	} else {
		var rev []string
		rest := s
		for i := 0; i < maxsplit; i++ {
			j := strings.LastIndex(rest, sep)
			if j < 0 {
				break
			}
			rev = append(rev, rest[j+len(sep):])
			rest = rest[:j]
		}
		parts = append(parts, rest)
		for i := len(rev) - 1; i >= 0; i-- {
			parts = append(parts, rev[i])
		}
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

func pad(s string, width int, fill string, align byte) string {
	n := runeLen(s)
	if width <= n {
		return s
	}
	total := width - n
	switch align {
	case '<':
		return s + strings.Repeat(fill, total)
	case '>':
		return strings.Repeat(fill, total) + s
	}
	left := total / 2
	if total%2 == 1 && width%2 == 1 {
		left++
	}
	return strings.Repeat(fill, left) + s + strings.Repeat(fill, total-left)
}

// runeIndex converts a byte offset to a character offset.
func runeIndex(s string, byteOff int) int {
	if byteOff < 0 {
		return byteOff
	}
	return utf8.RuneCountInString(s[:byteOff])
}

// subRange applies Python's optional start/end arguments of find/count.
func subRange(s string, args []any) (string, int, error) {
	if len(args) == 0 {
		return s, 0, nil
	}
	runes := []rune(s)
	sl := &sliceVal{start: args[0]}
	if len(args) > 1 {
		sl.stop = args[1]
	}
	idx, err := sliceIndices(len(runes), sl)
	if err != nil {
		return "", 0, err
	}
	if len(idx) == 0 {
		st, _, _ := sliceArg(sl.start)
		if st < 0 {
			st += int64(len(runes))
			if st < 0 {
				st = 0
			}
		}
		if st > int64(len(runes)) {
			return "", -1, nil
		}
		return "", int(st), nil
	}
	return string(runes[idx[0] : idx[len(idx)-1]+1]), idx[0], nil
}

func strMethod(s *State, str string, name string, args []any, kw *Dict) (any, error) {
	switch name {
	case "upper", "lower", "capitalize", "title", "swapcase", "casefold", "isalnum", "isalpha", "isascii",
		"isdecimal", "isdigit", "isidentifier", "islower", "isnumeric", "isspace", "istitle", "isupper",
		"isprintable":
		if err := argN(name, args, kw, 0, 0); err != nil {
			return nil, err
		}
		return strNoArg(str, name), nil
	case "strip", "lstrip", "rstrip":
		if err := argN(name, args, kw, 0, 1); err != nil {
			return nil, err
		}
		chars, has, err := optChars(name, args)
		if err != nil {
			return nil, err
		}
		return pyStrip(str, chars, has, name != "rstrip", name != "lstrip"), nil
	case "split", "rsplit":
		var sepV any
		maxsplit := int64(-1)
		if len(args) > 0 {
			sepV = args[0]
		}
		if len(args) > 1 {
			m, ok := intArg(args[1])
			if !ok {
				return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(args[1]))
			}
			maxsplit = m
		}
		if len(args) > 2 {
			return nil, typeErr("%s() takes at most 2 arguments (%d given)", name, len(args))
		}
		if kw != nil {
			for i, k := range kw.keys {
				switch k {
				case "sep":
					sepV = kw.vals[i]
				case "maxsplit":
					m, _ := intArg(kw.vals[i])
					maxsplit = m
				default:
					return nil, typeErr("%s() got an unexpected keyword argument %s", name, repr(k))
				}
			}
		}
		if sepV == nil {
			return &List{Items: pySplit(str, "", false, int(maxsplit), name == "rsplit")}, nil
		}
		sep, err := strArg(name, sepV)
		if err != nil {
			return nil, err
		}
		if sep == "" {
			return nil, newErr("ValueError", "empty separator")
		}
		return &List{Items: pySplit(str, sep, true, int(maxsplit), name == "rsplit")}, nil
	case "splitlines":
		keep := false
		if len(args) > 0 {
			keep = truthy(args[0])
		}
		if v, ok := kw.Get("keepends"); ok {
			keep = truthy(v)
		}
		var out []any
		rest := str
		for rest != "" {
			i := strings.IndexAny(rest, "\n\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029")
			if i < 0 {
				out = append(out, rest)
				break
			}
			_, w := utf8.DecodeRuneInString(rest[i:])
			end := i + w
			if rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n' {
				end++
			}
			if keep {
				out = append(out, rest[:end])
			} else {
				out = append(out, rest[:i])
			}
			rest = rest[end:]
		}
		if out == nil {
			out = []any{}
		}
		return &List{Items: out}, nil
	case "startswith", "endswith":
		if err := argN(name, args, kw, 1, 3); err != nil {
			return nil, err
		}
		sub, _, err := subRange(str, args[1:])
		if err != nil {
			return nil, err
		}
		if len(args) > 1 {
			str = sub
		}
		var prefixes []any
		if t, ok := args[0].(Tuple); ok {
			prefixes = t
		} else {
			prefixes = []any{args[0]}
		}
		for _, p := range prefixes {
			ps, ok := asString(p)
			if !ok {
				return nil, typeErr("%s first arg must be str or a tuple of str, not %s", name, typeName(p))
			}
			if name == "startswith" && strings.HasPrefix(str, ps) || name == "endswith" && strings.HasSuffix(str, ps) {
				return true, nil
			}
		}
		return false, nil
	case "replace":
		if err := argN(name, args, kw, 2, 3); err != nil {
			return nil, err
		}
		old, err := strArg("replace", args[0])
		if err != nil {
			return nil, err
		}
		nw, err := strArg("replace", args[1])
		if err != nil {
			return nil, err
		}
		n := -1
		if len(args) == 3 {
			c, _ := intArg(args[2])
			n = int(c)
		}
		return strings.Replace(str, old, nw, n), nil
	case "join":
		if err := argN(name, args, kw, 1, 1); err != nil {
			return nil, err
		}
		items, err := iterate(args[0])
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(items))
		for i, it := range items {
			ps, ok := asString(it)
			if !ok {
				return nil, typeErr("sequence item %d: expected str instance, %s found", i, typeName(it))
			}
			parts[i] = ps
		}
		return strings.Join(parts, str), nil
	case "find", "rfind", "index", "rindex", "count":
		if err := argN(name, args, kw, 1, 3); err != nil {
			return nil, err
		}
		sub, err := strArg(name, args[0])
		if err != nil {
			return nil, err
		}
		hay, off, err := subRange(str, args[1:])
		if err != nil {
			return nil, err
		}
		if off < 0 {
			if name == "count" {
				return int64(0), nil
			}
			if name == "index" || name == "rindex" {
				return nil, newErr("ValueError", "substring not found")
			}
			return int64(-1), nil
		}
		if name == "count" {
			if sub == "" {
				return int64(runeLen(hay) + 1), nil
			}
			return int64(strings.Count(hay, sub)), nil
		}
		var i int
		if name == "find" || name == "index" {
			i = strings.Index(hay, sub)
		} else {
			i = strings.LastIndex(hay, sub)
		}
		if i < 0 {
			if name == "index" || name == "rindex" {
				return nil, newErr("ValueError", "substring not found")
			}
			return int64(-1), nil
		}
		return int64(runeIndex(hay, i) + off), nil
	case "partition", "rpartition":
		if err := argN(name, args, kw, 1, 1); err != nil {
			return nil, err
		}
		sep, err := strArg(name, args[0])
		if err != nil {
			return nil, err
		}
		if sep == "" {
			return nil, newErr("ValueError", "empty separator")
		}
		var i int
		if name == "partition" {
			i = strings.Index(str, sep)
			if i < 0 {
				return Tuple{str, "", ""}, nil
			}
		} else {
			i = strings.LastIndex(str, sep)
			if i < 0 {
				return Tuple{"", "", str}, nil
			}
		}
		return Tuple{str[:i], sep, str[i+len(sep):]}, nil
	case "zfill":
		if err := argN(name, args, kw, 1, 1); err != nil {
			return nil, err
		}
		w, ok := intArg(args[0])
		if !ok {
			return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(args[0]))
		}
		n := runeLen(str)
		if int(w) <= n {
			return str, nil
		}
		fill := strings.Repeat("0", int(w)-n)
		if str != "" && (str[0] == '+' || str[0] == '-') {
			return str[:1] + fill + str[1:], nil
		}
		return fill + str, nil
	case "ljust", "rjust", "center":
		if err := argN(name, args, kw, 1, 2); err != nil {
			return nil, err
		}
		w, ok := intArg(args[0])
		if !ok {
			return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(args[0]))
		}
		fill := " "
		if len(args) > 1 {
			f, ok := asString(args[1])
			if !ok || runeLen(f) != 1 {
				return nil, typeErr("The fill character must be exactly one character long")
			}
			fill = f
		}
		align := map[string]byte{"ljust": '<', "rjust": '>', "center": '^'}[name]
		return pad(str, int(w), fill, align), nil
	case "removeprefix":
		if err := argN(name, args, kw, 1, 1); err != nil {
			return nil, err
		}
		p, err := strArg(name, args[0])
		if err != nil {
			return nil, err
		}
		return strings.TrimPrefix(str, p), nil
	case "removesuffix":
		if err := argN(name, args, kw, 1, 1); err != nil {
			return nil, err
		}
		p, err := strArg(name, args[0])
		if err != nil {
			return nil, err
		}
		return strings.TrimSuffix(str, p), nil
	case "expandtabs":
		size := int64(8)
		if len(args) > 0 {
			size, _ = intArg(args[0])
		}
		var b strings.Builder
		col := 0
		for _, r := range str {
			switch r {
			case '\t':
				if size > 0 {
					n := int(size) - col%int(size)
					b.WriteString(strings.Repeat(" ", n))
					col += n
				}
			case '\n', '\r':
				b.WriteRune(r)
				col = 0
			default:
				b.WriteRune(r)
				col++
			}
		}
		return b.String(), nil
	case "format":
		return pyFormat(s, str, args, kw)
	case "maketrans":
		return strMaketrans(args, kw)
	case "translate":
		if err := argN(name, args, kw, 1, 1); err != nil {
			return nil, err
		}
		return strTranslate(str, args[0])
	case "format_map":
		if err := argN(name, args, kw, 1, 1); err != nil {
			return nil, err
		}
		d, ok := toDict(args[0])
		if !ok {
			return nil, typeErr("format_map() argument must be a mapping")
		}
		return pyFormat(s, str, nil, d)
	}
	return nil, typeErr("'str' object has no attribute '%s'", name)
}

func strNoArg(str, name string) any {
	switch name {
	case "upper":
		return pyUpper(str)
	case "lower":
		return pyLower(str)
	case "casefold":
		return strings.ReplaceAll(pyLower(str), "ß", "ss")
	case "capitalize":
		return pyCapitalize(str)
	case "title":
		return pyTitle(str)
	case "swapcase":
		return pySwapcase(str)
	case "isascii":
		return isASCII(str)
	case "isidentifier":
		return pyIsIdentifier(str)
	case "islower":
		return pyIsLowerStr(str)
	case "isupper":
		return pyIsUpperStr(str)
	case "istitle":
		return pyIsTitleStr(str)
	case "isprintable":
		// Go's printable runes are Python's: L, M, N, P, S and the space.
		return strings.IndexFunc(str, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
	}
	if str == "" {
		return false
	}
	var pred func(rune) bool
	switch name {
	case "isalnum":
		pred = func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) }
	case "isalpha":
		pred = unicode.IsLetter
	case "isdecimal":
		pred = func(r rune) bool { return unicode.Is(unicode.Nd, r) }
	case "isdigit":
		pred = pyIsDigit
	case "isnumeric":
		pred = pyIsNumeric
	case "isspace":
		pred = pyIsSpace
	}
	for _, r := range str {
		if !pred(r) {
			return false
		}
	}
	return true
}

func listMethod(s *State, l *List, name string, args []any, kw *Dict) (any, error) {
	if l.rng != nil && name != "index" && name != "count" {
		return nil, errorf("AttributeError", "'range' object has no attribute %s", pyRepr(name))
	}
	switch name {
	case "append":
		if err := argN(name, args, kw, 1, 1); err != nil {
			return nil, err
		}
		l.Items = append(l.Items, args[0])
		return nil, nil
	case "extend":
		if err := argN(name, args, kw, 1, 1); err != nil {
			return nil, err
		}
		items, err := iterate(args[0])
		if err != nil {
			return nil, err
		}
		l.Items = append(l.Items, items...)
		return nil, nil
	case "pop":
		if err := argN(name, args, kw, 0, 1); err != nil {
			return nil, err
		}
		if len(l.Items) == 0 {
			return nil, newErr("IndexError", "pop from empty list")
		}
		i := int64(len(l.Items) - 1)
		if len(args) == 1 {
			var ok bool
			if i, ok = intArg(args[0]); !ok {
				return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(args[0]))
			}
			if i < 0 {
				i += int64(len(l.Items))
			}
			if i < 0 || i >= int64(len(l.Items)) {
				return nil, newErr("IndexError", "pop index out of range")
			}
		}
		v := l.Items[i]
		l.Items = append(l.Items[:i:i], l.Items[i+1:]...)
		return v, nil
	case "insert":
		if err := argN(name, args, kw, 2, 2); err != nil {
			return nil, err
		}
		i, ok := intArg(args[0])
		if !ok {
			return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(args[0]))
		}
		n := int64(len(l.Items))
		if i < 0 {
			i += n
			if i < 0 {
				i = 0
			}
		}
		if i > n {
			i = n
		}
		l.Items = append(l.Items, nil)
		copy(l.Items[i+1:], l.Items[i:])
		l.Items[i] = args[1]
		return nil, nil
	case "remove":
		if err := argN(name, args, kw, 1, 1); err != nil {
			return nil, err
		}
		for i, it := range l.Items {
			if equal(it, args[0]) {
				l.Items = append(l.Items[:i:i], l.Items[i+1:]...)
				return nil, nil
			}
		}
		return nil, newErr("ValueError", "list.remove(x): x not in list")
	case "index":
		if err := argN(name, args, kw, 1, 3); err != nil {
			return nil, err
		}
		for i, it := range l.Items {
			if equal(it, args[0]) {
				return int64(i), nil
			}
		}
		return nil, errorf("ValueError", "%s is not in list", repr(args[0]))
	case "count":
		if err := argN(name, args, kw, 1, 1); err != nil {
			return nil, err
		}
		n := 0
		for _, it := range l.Items {
			if equal(it, args[0]) {
				n++
			}
		}
		return int64(n), nil
	case "sort":
		if len(args) > 0 {
			return nil, typeErr("sort() takes no positional arguments")
		}
		reverse := false
		var key any
		if kw != nil {
			for i, k := range kw.keys {
				switch k {
				case "reverse":
					reverse = truthy(kw.vals[i])
				case "key":
					key = kw.vals[i]
				default:
					return nil, typeErr("sort() got an unexpected keyword argument %s", repr(k))
				}
			}
		}
		keys := l.Items
		if key != nil {
			keys = make([]any, len(l.Items))
			for i, it := range l.Items {
				k, err := callValue(s, key, []any{it}, nil, nil, 0)
				if err != nil {
					return nil, err
				}
				keys[i] = k
			}
		}
		if err := sortItems(l.Items, keys, reverse, func(a, b any) (int, error) { return compare(a, b, "<") }); err != nil {
			return nil, err
		}
		return nil, nil
	case "reverse":
		if err := argN(name, args, kw, 0, 0); err != nil {
			return nil, err
		}
		for i, j := 0, len(l.Items)-1; i < j; i, j = i+1, j-1 {
			l.Items[i], l.Items[j] = l.Items[j], l.Items[i]
		}
		return nil, nil
	case "copy":
		return &List{Items: append([]any{}, l.Items...)}, nil
	case "clear":
		l.Items = l.Items[:0]
		return nil, nil
	}
	return nil, typeErr("'list' object has no attribute '%s'", name)
}

// sortItems sorts items stably by keys (same length), like Python's sort.
func sortItems(items, keys []any, reverse bool, cmp func(a, b any) (int, error)) error {
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	var firstErr error
	sort.SliceStable(idx, func(i, j int) bool {
		a, b := keys[idx[i]], keys[idx[j]]
		if reverse {
			a, b = b, a
		}
		c, err := cmp(a, b)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return c < 0 && c != 2
	})
	if firstErr != nil {
		return firstErr
	}
	sortedItems := make([]any, len(items))
	sortedKeys := make([]any, len(keys))
	for i, j := range idx {
		sortedItems[i] = items[j]
		sortedKeys[i] = keys[j]
	}
	copy(items, sortedItems)
	if len(keys) > 0 && &keys[0] != &items[0] {
		copy(keys, sortedKeys)
	}
	return nil
}

func dictMethod(s *State, d *Dict, gomap map[string]any, name string, args []any, kw *Dict) (any, error) {
	switch name {
	case "items":
		if err := argN(name, args, kw, 0, 0); err != nil {
			return nil, err
		}
		items := make([]any, len(d.keys))
		for i := range d.keys {
			items[i] = Tuple{d.keys[i], d.vals[i]}
		}
		return &dictView{kind: "dict_items", items: items}, nil
	case "keys":
		if err := argN(name, args, kw, 0, 0); err != nil {
			return nil, err
		}
		return &dictView{kind: "dict_keys", items: d.Keys()}, nil
	case "values":
		if err := argN(name, args, kw, 0, 0); err != nil {
			return nil, err
		}
		return &dictView{kind: "dict_values", items: d.Values()}, nil
	case "get":
		if err := argN(name, args, kw, 1, 2); err != nil {
			return nil, err
		}
		i, err := d.find(args[0])
		if err != nil {
			return nil, err
		}
		if i >= 0 {
			return d.vals[i], nil
		}
		if len(args) == 2 {
			return args[1], nil
		}
		return nil, nil
	case "copy":
		if gomap != nil {
			return d, nil
		}
		return d.copy(), nil
	case "setdefault":
		if err := argN(name, args, kw, 1, 2); err != nil {
			return nil, err
		}
		i, err := d.find(args[0])
		if err != nil {
			return nil, err
		}
		if i >= 0 {
			return d.vals[i], nil
		}
		var v any
		if len(args) == 2 {
			v = args[1]
		}
		if err := dictStore(d, gomap, args[0], v); err != nil {
			return nil, err
		}
		return v, nil
	case "update":
		if len(args) > 1 {
			return nil, typeErr("update expected at most 1 argument, got %d", len(args))
		}
		if len(args) == 1 {
			if u, ok := args[0].(*Undefined); ok {
				// update() asks its argument for keys(): an undefined
				// value fails, whatever its policy.
				return nil, u.err()
			}
			if src, ok := toDict(args[0]); ok {
				for i, k := range src.keys {
					if err := dictStore(d, gomap, k, src.vals[i]); err != nil {
						return nil, err
					}
				}
			} else {
				items, err := iterate(args[0])
				if err != nil {
					return nil, err
				}
				for _, it := range items {
					pair, err := unpack(it, 2)
					if err != nil {
						return nil, typeErr("cannot convert dictionary update sequence element to a sequence")
					}
					if err := dictStore(d, gomap, pair[0], pair[1]); err != nil {
						return nil, err
					}
				}
			}
		}
		if kw != nil {
			for i, k := range kw.keys {
				if err := dictStore(d, gomap, k, kw.vals[i]); err != nil {
					return nil, err
				}
			}
		}
		return nil, nil
	case "pop":
		if err := argN(name, args, kw, 1, 2); err != nil {
			return nil, err
		}
		i, err := d.find(args[0])
		if err != nil {
			return nil, err
		}
		if i < 0 {
			if len(args) == 2 {
				return args[1], nil
			}
			return nil, newErr("KeyError", repr(args[0]))
		}
		v := d.vals[i]
		d.Delete(args[0])
		if gomap != nil {
			if k, ok := args[0].(string); ok {
				delete(gomap, k)
			}
		}
		return v, nil
	case "fromkeys":
		if err := argN(name, args, kw, 1, 2); err != nil {
			return nil, err
		}
		keys, err := iterate(args[0])
		if err != nil {
			return nil, err
		}
		var v any
		if len(args) == 2 {
			v = args[1]
		}
		nd := &Dict{}
		for _, k := range keys {
			if err := nd.set(k, v); err != nil {
				return nil, err
			}
		}
		return nd, nil
	case "popitem":
		if d.Len() == 0 {
			return nil, newErr("KeyError", "'popitem(): dictionary is empty'")
		}
		k, v := d.keys[len(d.keys)-1], d.vals[len(d.vals)-1]
		d.Delete(k)
		if gomap != nil {
			delete(gomap, k.(string))
		}
		return Tuple{k, v}, nil
	case "clear":
		d.keys, d.vals, d.idx = nil, nil, nil
		if gomap != nil {
			for k := range gomap {
				delete(gomap, k)
			}
		}
		return nil, nil
	}
	return nil, typeErr("'dict' object has no attribute '%s'", name)
}

func dictStore(d *Dict, gomap map[string]any, k, v any) error {
	if gomap != nil {
		ks, ok := k.(string)
		if !ok {
			return typeErr("this dict was passed in from Go and only takes string keys")
		}
		gomap[ks] = v
	}
	return d.set(k, v)
}

// strMaketrans is Python's str.maketrans: one dict whose keys (characters
// or their code points) become code points, or two strings of equal length
// mapped character to character, and a third string of characters mapped
// to None (deleted by translate).
func strMaketrans(args []any, kw *Dict) (any, error) {
	if err := argN("maketrans", args, kw, 1, 3); err != nil {
		return nil, err
	}
	table := NewDict()
	if len(args) == 1 {
		d, ok := args[0].(*Dict)
		if !ok {
			return nil, typeErr("if you give only one argument to maketrans it must be a dict")
		}
		for k, v := range d.All() {
			if c, ok := asString(k); ok {
				if runeLen(c) != 1 {
					return nil, newErr("ValueError", "string keys in translate table must be of length 1")
				}
				r, _ := utf8.DecodeRuneInString(c)
				table.Set(int64(r), v)
				continue
			}
			if i, ok := indexInt(k); ok {
				table.Set(i, v)
				continue
			}
			return nil, typeErr("keys in translate table must be strings or integers")
		}
		return table, nil
	}
	from, ok := asString(args[0])
	if !ok {
		return nil, typeErr("first maketrans argument must be a string if there is a second argument")
	}
	to, ok := asString(args[1])
	if !ok {
		return nil, typeErr("maketrans() argument 2 must be str, not %s", typeName(args[1]))
	}
	fromRunes, toRunes := []rune(from), []rune(to)
	if len(fromRunes) != len(toRunes) {
		return nil, newErr("ValueError", "the first two maketrans arguments must have equal length")
	}
	for i, r := range fromRunes {
		table.Set(int64(r), int64(toRunes[i]))
	}
	if len(args) == 3 {
		del, ok := asString(args[2])
		if !ok {
			return nil, typeErr("maketrans() argument 3 must be str, not %s", typeName(args[2]))
		}
		for _, r := range del {
			table.Set(int64(r), nil)
		}
	}
	return table, nil
}

// strTranslate is Python's str.translate: each character's code point is
// looked up in table; a missing one (LookupError) keeps the character, None
// deletes it, an integer is a code point and a string replaces it.
func strTranslate(str string, table any) (any, error) {
	lookup := func(r rune) (any, bool) {
		switch t := table.(type) {
		case *Dict:
			return t.Get(int64(r))
		case *List:
			if int(r) < len(t.Items) {
				return t.Items[r], true
			}
		case Tuple:
			if int(r) < len(t) {
				return t[r], true
			}
		case string, Markup, SubStr:
			s, _ := asString(t)
			if runes := []rune(s); int(r) < len(runes) {
				return string(runes[r]), true
			}
		}
		return nil, false
	}
	switch table.(type) {
	case *Dict, *List, Tuple, string, Markup, SubStr:
	default:
		return nil, typeErr("'%s' object is not subscriptable", typeName(table))
	}
	var b strings.Builder
	for _, r := range str {
		v, ok := lookup(r)
		if !ok {
			b.WriteRune(r)
			continue
		}
		if v == nil {
			continue
		}
		if c, ok := asString(v); ok {
			b.WriteString(c)
			continue
		}
		i, ok := indexInt(v)
		if !ok {
			return nil, typeErr("character mapping must return integer, None or str")
		}
		if i < 0 || i > unicode.MaxRune {
			return nil, newErr("ValueError", "character mapping must be in range(0x110000)")
		}
		b.WriteRune(rune(i))
	}
	return b.String(), nil
}
