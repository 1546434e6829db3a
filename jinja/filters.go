package jinja

import (
	"math"
	"math/big"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/elt-dev/elt/internal/lazyre"
)

// builtinFilters are Jinja2 3.1's filters. The map is never written.
var builtinFilters map[string]FilterFunc

func init() {
	builtinFilters = map[string]FilterFunc{
		"abs": fAbs, "attr": fAttr, "batch": fBatch, "capitalize": strFilter(pyCapitalize),
		"center": fCenter, "count": fLength, "d": fDefault, "default": fDefault, "dictsort": fDictsort,
		"e": fEscape, "escape": fEscape, "filesizeformat": fFilesize, "first": fFirst, "float": fFloat,
		"forceescape": fForceescape, "format": fFormat, "groupby": fGroupby, "indent": fIndent, "int": fInt,
		"items": fItems, "join": fJoin, "last": fLast, "length": fLength, "list": fList,
		"lower": strFilter(pyLower), "map": fMap, "max": fMax, "min": fMin, "pprint": fPprint,
		"random": fRandom, "reject": fReject, "rejectattr": fRejectattr, "replace": fReplace,
		"reverse": fReverse, "round": fRound, "safe": fSafe, "select": fSelect, "selectattr": fSelectattr,
		"slice": fSlice, "sort": fSort, "string": fString, "striptags": fStriptags, "sum": fSum,
		"title": fTitle, "tojson": fTojson, "trim": fTrim, "truncate": fTruncate,
		"unique": fUnique, "upper": strFilter(pyUpper), "urlencode": fUrlencode, "urlize": fUrlize,
		"wordcount": fWordcount, "wordwrap": fWordwrap, "xmlattr": fXmlattr,
	}
	// Filters that take the value alone: Python rejects any other
	// argument, with the message of the function Jinja2 calls (first and
	// last are also passed the environment).
	for name, py := range map[string]string{
		"count": "len", "length": "len", "e": "escape", "escape": "escape", "first": "sync_do_first",
		"forceescape": "do_forceescape", "items": "do_items", "last": "do_last", "list": "sync_do_list",
		"pprint": "do_pprint", "reverse": "do_reverse", "safe": "do_mark_safe", "string": "soft_str",
		"striptags": "do_striptags", "urlencode": "do_urlencode", "wordcount": "do_wordcount",
	} {
		builtinFilters[name] = valueOnly(py, builtinFilters[name])
	}
}

// valueOnly is f, a filter whose Python function takes only the value,
// failing as Python's call does when it is given more.
func valueOnly(py string, f FilterFunc) FilterFunc {
	params := 1
	if py == "sync_do_first" || py == "do_last" {
		params = 2
	}
	return func(s *State, v any, args []any, kw Kwargs) (any, error) {
		if len(args) == 0 && kw.Len() == 0 {
			return f(s, v, args, kw)
		}
		if py == "len" {
			if kw.Len() > 0 {
				return nil, typeErr("len() takes no keyword arguments")
			}
			return nil, typeErr("len() takes exactly one argument (%d given)", len(args)+1)
		}
		if kw.Len() > 0 {
			k, _ := Str(kw.Keys()[0])
			return nil, typeErr("%s() got an unexpected keyword argument '%s'", py, k)
		}
		plural := "s"
		if params == 1 {
			plural = ""
		}
		return nil, typeErr("%s() takes %d positional argument%s but %d were given", py, params, plural, len(args)+params)
	}
}

// softStr is Jinja2's soft_str: str(v), keeping Markup.
func softStr(v any) (string, error) { return toStr(v) }

func strFilter(f func(string) string) FilterFunc {
	return func(s *State, v any, args []any, kw Kwargs) (any, error) {
		if len(args) > 0 || kw.Len() > 0 {
			return nil, typeErr("filter takes 1 positional argument but %d were given", len(args)+kw.Len()+1)
		}
		str, err := softStr(v)
		if err != nil {
			return nil, err
		}
		if _, ok := v.(Markup); ok {
			return Markup(f(str)), nil
		}
		return f(str), nil
	}
}

var wordBeginningSplit = lazyre.New(`([-\s({\[<]+)`)

// jinjaTitle is the title filter (not str.title).
func jinjaTitle(s string) string {
	var b strings.Builder
	last := 0
	emit := func(item string) {
		if item == "" {
			return
		}
		r := []rune(item)
		b.WriteString(pyUpper(string(r[0])))
		b.WriteString(pyLower(string(r[1:])))
	}
	for _, m := range wordBeginningSplit().FindAllStringIndex(s, -1) {
		emit(s[last:m[0]])
		emit(s[m[0]:m[1]])
		last = m[1]
	}
	emit(s[last:])
	return b.String()
}

func fAbs(s *State, v any, args []any, kw Kwargs) (any, error) {
	switch x := v.(type) {
	case int64:
		if x < 0 {
			if x == math.MinInt64 {
				return new(big.Int).Neg(big.NewInt(x)), nil
			}
			return -x, nil
		}
		return x, nil
	case float64:
		return math.Abs(x), nil
	case *big.Int:
		return shrink(new(big.Int).Abs(x)), nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	}
	// Undefined has no __abs__: TypeError, not UndefinedError
	return nil, typeErr("bad operand type for abs(): '%s'", typeName(v))
}

func fAttr(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_attr", args, kw, []string{"name"}, []any{required})
	if err != nil {
		return nil, err
	}
	name, ok := p[0].(string)
	if !ok {
		return nil, typeErr("attribute name must be a string")
	}
	switch v.(type) {
	case *Dict, map[string]any:
		if !hasBuiltinMethod(v, name) {
			return undefAttr(s, v, name), nil
		}
	}
	return getAttr(s, v, name)
}

func toList(v any) ([]any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	return items, nil
}

func fBatch(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_batch", args, kw, []string{"linecount", "fill_with"}, []any{required, nil})
	if err != nil {
		return nil, err
	}
	// Jinja2 never converts linecount: a batch ends when its length
	// equals it (so batch(2.5) is one batch), and the last batch is
	// filled while its length is less than linecount.
	n := p[0]
	return listGenerator("do_batch", func() ([]any, error) {
		items, err := toList(v)
		if err != nil {
			return nil, err
		}
		var out []any
		var tmp []any
		for _, it := range items {
			if equal(int64(len(tmp)), n) {
				out = append(out, &List{Items: tmp})
				tmp = nil
			}
			tmp = append(tmp, it)
		}
		if len(tmp) > 0 {
			if p[1] != nil {
				tmp, err = fillBatch(tmp, n, p[1])
				if err != nil {
					return nil, err
				}
			}
			out = append(out, &List{Items: tmp})
		}
		return out, nil
	}), nil
}

// fillBatch is tmp += [fill] * (linecount - len(tmp)) when
// len(tmp) < linecount, with Python's arithmetic on linecount.
func fillBatch(tmp []any, linecount, fill any) ([]any, error) {
	have := int64(len(tmp))
	if n, ok := linecount.(int64); ok {
		for i := have; i < n; i++ {
			tmp = append(tmp, fill)
		}
		return tmp, nil
	}
	c, err := compare(have, linecount, "<")
	if err != nil || c >= 0 {
		return tmp, err
	}
	missing, err := binOps["-"](linecount, have)
	if err != nil {
		return nil, err
	}
	more, err := binOps["*"](&List{Items: []any{fill}}, missing)
	if err != nil {
		return nil, err
	}
	items, _ := seqItems(more)
	return append(tmp, items...), nil
}

func orEmpty(items []any) []any {
	if items == nil {
		return []any{}
	}
	return items
}

func fCenter(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_center", args, kw, []string{"width"}, []any{int64(80)})
	if err != nil {
		return nil, err
	}
	if m, ok := v.(Markup); ok {
		return callMethod(s, m, "center", p, nil)
	}
	str, err := softStr(v)
	if err != nil {
		return nil, err
	}
	return strMethod(s, str, "center", p, nil)
}

func fLength(s *State, v any, args []any, kw Kwargs) (any, error) {
	n, err := length(v)
	if err != nil {
		return nil, err
	}
	return int64(n), nil
}

func fDefault(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_default", args, kw, []string{"default_value", "boolean"}, []any{"", false})
	if err != nil {
		return nil, err
	}
	if _, ok := v.(*Undefined); ok {
		return p[0], nil
	}
	if truthy(p[1]) && !truthy(v) {
		return p[0], nil
	}
	return v, nil
}

func lowerIfStr(v any) any {
	if s, ok := v.(string); ok {
		return pyLower(s)
	}
	if s, ok := v.(Markup); ok {
		return Markup(pyLower(string(s)))
	}
	return v
}

func fDictsort(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_dictsort", args, kw, []string{"case_sensitive", "by", "reverse"}, []any{false, "key", false})
	if err != nil {
		return nil, err
	}
	d, ok := toDict(v)
	if !ok {
		if u, isU := v.(*Undefined); isU {
			return nil, u.err()
		}
		return nil, errorf("AttributeError", "'%s' object has no attribute 'items'", typeName(v))
	}
	pos := 0
	switch p[1] {
	case "key":
	case "value":
		pos = 1
	default:
		return nil, newErr("FilterArgumentError", `You can only sort by either "key" or "value"`)
	}
	items := make([]any, d.Len())
	keys := make([]any, d.Len())
	for i := range d.keys {
		items[i] = Tuple{d.keys[i], d.vals[i]}
		k := items[i].(Tuple)[pos]
		if !truthy(p[0]) {
			k = lowerIfStr(k)
		}
		keys[i] = k
	}
	if err := sortItems(items, keys, truthy(p[2]), func(a, b any) (int, error) { return compare(a, b, "<") }); err != nil {
		return nil, err
	}
	return &List{Items: items}, nil
}

func fEscape(s *State, v any, args []any, kw Kwargs) (any, error) {
	if m, ok := v.(Markup); ok {
		return m, nil
	}
	if v == nil {
		return Markup("None"), nil
	}
	str, err := softStr(v)
	if err != nil {
		return nil, err
	}
	return Markup(escapeHTML(str)), nil
}

func fForceescape(s *State, v any, args []any, kw Kwargs) (any, error) {
	str, err := softStr(v)
	if err != nil {
		return nil, err
	}
	return Markup(escapeHTML(str)), nil
}

func fSafe(s *State, v any, args []any, kw Kwargs) (any, error) {
	str, err := softStr(v)
	if err != nil {
		return nil, err
	}
	return Markup(str), nil
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case string, Markup:
		str, _ := asString(x)
		f, ok := parsePyFloat(str)
		if !ok {
			return 0, errorf("ValueError", "could not convert string to float: %s", pyRepr(str))
		}
		return f, nil
	case *big.Int:
		f := bigFloat(x)
		if math.IsInf(f, 0) {
			return 0, newErr("OverflowError", "int too large to convert to float")
		}
		return f, nil
	case *Undefined:
		return 0, x.err()
	}
	return 0, typeErr("float() argument must be a string or a real number, not '%s'", typeName(v))
}

func parsePyFloat(str string) (float64, bool) {
	t := strings.TrimSpace(asciiDigits(str))
	if strings.Contains(t, "__") || strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") {
		return 0, false
	}
	t = strings.ReplaceAll(t, "_", "")
	switch strings.ToLower(strings.TrimLeft(t, "+-")) {
	case "inf", "infinity":
		if strings.HasPrefix(t, "-") {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case "nan":
		return math.NaN(), true
	}
	if t == "" || strings.ContainsAny(t, "xXpP") {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

func fFloat(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_float", args, kw, []string{"default"}, []any{0.0})
	if err != nil {
		return nil, err
	}
	f, err := toFloat(v)
	if err != nil {
		if e, ok := err.(*Error); ok && (e.Kind == "UndefinedError" || e.Kind == "OverflowError") {
			return nil, err
		}
		return p[0], nil
	}
	return f, nil
}

// parsePyInt is Python's int(str, base).
func parsePyInt(str string, base int64) (any, bool) {
	t := strings.TrimSpace(asciiDigits(str))
	neg := false
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		neg = t[0] == '-'
		t = t[1:]
	}
	lower := strings.ToLower(t)
	if len(lower) > 2 && lower[0] == '0' {
		prefixBase := map[byte]int64{'x': 16, 'o': 8, 'b': 2}[lower[1]]
		if prefixBase != 0 && (base == prefixBase || base == 0) {
			t = t[2:]
			base = prefixBase
			if strings.HasPrefix(t, "_") {
				t = t[1:]
			}
		}
	}
	if base == 0 {
		base = 10
		if len(t) > 1 && t[0] == '0' && strings.Trim(t, "0_") != "" {
			return 0, false
		}
	}
	if t == "" || strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") || strings.Contains(t, "__") {
		return 0, false
	}
	if base < 2 || base > 36 {
		return 0, false // ValueError: int() base must be >= 2 and <= 36, or 0
	}
	t = strings.ReplaceAll(t, "_", "")
	n, err := strconv.ParseInt(t, int(base), 64)
	if err != nil {
		// Python's ints have no bound.
		b, ok := new(big.Int).SetString(t, int(base))
		if !ok || strings.HasPrefix(t, "+") || strings.HasPrefix(t, "-") {
			return 0, false
		}
		if neg {
			b.Neg(b)
		}
		return shrink(b), true
	}
	if neg {
		n = -n
	}
	return n, true
}

func fInt(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_int", args, kw, []string{"default", "base"}, []any{int64(0), int64(10)})
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case int64:
		return x, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case *big.Int:
		return x, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return p[0], nil
		}
		return floatToInt(x), nil
	case string, Markup:
		str, _ := asString(x)
		base, _ := indexInt(p[1])
		if n, ok := parsePyInt(str, base); ok {
			return n, nil
		}
		if f, ok := parsePyFloat(str); ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return floatToInt(f), nil
		}
		return p[0], nil
	case *Undefined:
		return nil, x.err() // int(Undefined) fails for every policy
	}
	return p[0], nil
}

func fFilesize(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_filesizeformat", args, kw, []string{"binary"}, []any{false})
	if err != nil {
		return nil, err
	}
	b, err := toFloat(v)
	if err != nil {
		return nil, err
	}
	binary := truthy(p[0])
	base := 1000.0
	prefixes := []string{"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}
	if binary {
		base = 1024
		prefixes = []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
	}
	if b == 1 {
		return "1 Byte", nil
	}
	if b < base {
		return strconv.FormatInt(int64(b), 10) + " Bytes", nil
	}
	var unit float64
	var prefix string
	for i, pre := range prefixes {
		unit = math.Pow(base, float64(i+2))
		prefix = pre
		if b < unit {
			break
		}
	}
	return strconv.FormatFloat(base*b/unit, 'f', 1, 64) + " " + prefix, nil
}

func fFirst(s *State, v any, args []any, kw Kwargs) (any, error) {
	if it, ok := v.(*Iterator); ok {
		x, ok, err := it.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return s.undef("No first item, sequence was empty."), nil
		}
		return x, nil
	}
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return s.undef("No first item, sequence was empty."), nil
	}
	return items[0], nil
}

func fLast(s *State, v any, args []any, kw Kwargs) (any, error) {
	// reversed() takes dicts and their views (Python 3.8), not generators.
	if _, ok := v.(*Iterator); ok {
		return nil, typeErr("'%s' object is not reversible", typeName(v))
	}
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return s.undef("No last item, sequence was empty."), nil
	}
	return items[len(items)-1], nil
}

func fFormat(s *State, v any, args []any, kw Kwargs) (any, error) {
	if len(args) > 0 && kw.Len() > 0 {
		return nil, newErr("FilterArgumentError", "can't handle positional and keyword arguments at the same time")
	}
	str, err := softStr(v)
	if err != nil {
		return nil, err
	}
	if kw.Len() > 0 {
		return mod(str, kw)
	}
	return mod(str, Tuple(args))
}

// attrGetter is Jinja2's make_attrgetter: "a.b.0" walks items.
func attrGetter(s *State, attribute any, lower bool, def any) func(any) (any, error) {
	var parts []any
	switch a := attribute.(type) {
	case nil:
	case string:
		for _, p := range strings.Split(a, ".") {
			if p != "" && strings.Trim(p, "0123456789") == "" {
				n, _ := strconv.ParseInt(p, 10, 64)
				parts = append(parts, n)
			} else {
				parts = append(parts, p)
			}
		}
	default:
		parts = []any{a}
	}
	return func(item any) (any, error) {
		for _, p := range parts {
			v, err := getItem(s, item, p)
			if err != nil {
				return nil, err
			}
			item = v
			if def != nil {
				if _, ok := item.(*Undefined); ok {
					item = def
				}
			}
		}
		if lower {
			item = lowerIfStr(item)
		}
		return item, nil
	}
}

func fGroupby(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_groupby", args, kw, []string{"attribute", "default", "case_sensitive"}, []any{required, nil, false})
	if err != nil {
		return nil, err
	}
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	cs := truthy(p[2])
	key := attrGetter(s, p[0], !cs, p[1])
	keys := make([]any, len(items))
	for i, it := range items {
		if keys[i], err = key(it); err != nil {
			return nil, err
		}
	}
	sorted := append([]any{}, items...)
	if err := sortItems(sorted, keys, false, func(a, b any) (int, error) { return compare(a, b, "<") }); err != nil {
		return nil, err
	}
	out := []any{}
	var cur []any
	var curKey any
	orig := attrGetter(s, p[0], false, p[1])
	flush := func() error {
		if cur == nil {
			return nil
		}
		k := curKey
		if !cs {
			var err error
			if k, err = orig(cur[0]); err != nil {
				return err
			}
		}
		out = append(out, Tuple{k, &List{Items: cur}})
		return nil
	}
	for i, it := range sorted {
		if cur != nil && equal(keys[i], curKey) {
			cur = append(cur, it)
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		cur, curKey = []any{it}, keys[i]
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return &List{Items: out}, nil
}

func fIndent(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_indent", args, kw, []string{"width", "first", "blank"}, []any{int64(4), false, false})
	if err != nil {
		return nil, err
	}
	// As Python's do_indent: the indentation first, then `s += "\n"`,
	// which only a string survives (a list takes the newline as an item
	// and then has no splitlines).
	var ind string
	if w, ok := asString(p[0]); ok {
		ind = w
	} else if n, ok := indexInt(p[0]); ok {
		if n > 0 {
			ind = strings.Repeat(" ", int(n))
		}
	} else {
		return nil, typeErr("can't multiply sequence by non-int of type '%s'", typeName(p[0]))
	}
	var str string
	switch x := v.(type) {
	case string:
		str = x
	case Markup:
		str = string(x)
	case *Undefined:
		return nil, x.err()
	case []any:
		return nil, errorf("AttributeError", "'list' object has no attribute 'splitlines'")
	case *List:
		if x.rng == nil {
			return nil, errorf("AttributeError", "'list' object has no attribute 'splitlines'")
		}
		return nil, typeErr("unsupported operand type(s) for +=: 'range' and 'str'")
	case Tuple:
		return nil, typeErr("can only concatenate tuple (not \"str\") to tuple")
	default:
		return nil, typeErr("unsupported operand type(s) for +=: '%s' and 'str'", typeName(v))
	}
	str += "\n"
	linesV, _ := strMethod(s, str, "splitlines", nil, nil)
	lines := linesV.(*List).Items
	var rv string
	if truthy(p[2]) {
		parts := make([]string, len(lines))
		for i, l := range lines {
			parts[i] = l.(string)
		}
		rv = strings.Join(parts, "\n"+ind)
	} else {
		rv = lines[0].(string)
		if len(lines) > 1 {
			parts := make([]string, 0, len(lines)-1)
			for _, l := range lines[1:] {
				ls := l.(string)
				if ls != "" {
					ls = ind + ls
				}
				parts = append(parts, ls)
			}
			rv += "\n" + strings.Join(parts, "\n")
		}
	}
	if truthy(p[1]) {
		rv = ind + rv
	}
	if _, ok := v.(Markup); ok {
		return Markup(rv), nil
	}
	return rv, nil
}

func fItems(s *State, v any, args []any, kw Kwargs) (any, error) {
	return listGenerator("do_items", func() ([]any, error) {
		if _, ok := v.(*Undefined); ok {
			return nil, nil
		}
		d, ok := toDict(v)
		if !ok {
			return nil, typeErr("Can only get item pairs from a mapping.")
		}
		items := make([]any, d.Len())
		for i := range d.keys {
			items[i] = Tuple{d.keys[i], d.vals[i]}
		}
		return items, nil
	}), nil
}

func fJoin(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_join", args, kw, []string{"d", "attribute"}, []any{"", nil})
	if err != nil {
		return nil, err
	}
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	sep, err := softStr(p[0])
	if err != nil {
		return nil, err
	}
	var get func(any) (any, error)
	if p[1] != nil {
		get = attrGetter(s, p[1], false, nil)
	}
	if s.r.filterEsc {
		return joinEscaped(items, p[0], sep, get)
	}
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(sep)
		}
		if get != nil {
			if it, err = get(it); err != nil {
				return nil, err
			}
		}
		str, err := softStr(it)
		if err != nil {
			return nil, err
		}
		b.WriteString(str)
	}
	return b.String(), nil
}

// joinEscaped is Jinja2's do_join in autoescaped code: when the
// separator or any item is Markup, the result is Markup, with the
// separator and every other item escaped; otherwise a plain join.
func joinEscaped(items []any, d any, sep string, get func(any) (any, error)) (any, error) {
	_, html := d.(Markup)
	strs := make([]string, len(items))
	isHTML := make([]bool, len(items))
	for i, it := range items {
		if get != nil {
			var err error
			if it, err = get(it); err != nil {
				return nil, err
			}
		}
		if m, ok := it.(Markup); ok {
			strs[i], isHTML[i], html = string(m), true, true
			continue
		}
		str, err := toStr(it)
		if err != nil {
			return nil, err
		}
		strs[i] = str
	}
	if !html {
		return strings.Join(strs, sep), nil
	}
	if _, ok := d.(Markup); !ok {
		sep = escapeHTML(sep)
	}
	for i := range strs {
		if !isHTML[i] {
			strs[i] = escapeHTML(strs[i])
		}
	}
	return Markup(strings.Join(strs, sep)), nil
}

func fList(s *State, v any, args []any, kw Kwargs) (any, error) {
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	return &List{Items: append([]any{}, items...)}, nil
}

// fMap is Jinja2's do_map, a generator.
func fMap(s *State, v any, args []any, kw Kwargs) (any, error) {
	return newGenerator("sync_do_map", func() (func() (any, bool, error), error) {
		t, err := truth(v)
		if err != nil {
			return nil, err
		}
		if !t {
			return itemsNext(nil), nil
		}
		fn, err := mapFunc(s, args, kw)
		if err != nil {
			return nil, err
		}
		src, err := iterNext(v)
		if err != nil {
			return nil, err
		}
		return func() (any, bool, error) {
			it, ok, err := src()
			if err != nil || !ok {
				return nil, false, err
			}
			r, err := fn(it)
			if err != nil {
				return nil, false, err
			}
			return r, true, nil
		}, nil
	}), nil
}

// mapFunc is Jinja2's prepare_map.
func mapFunc(s *State, args []any, kw Kwargs) (func(any) (any, error), error) {
	var fn func(any) (any, error)
	if len(args) == 0 && kw != nil {
		if attr, ok := kw.Get("attribute"); ok {
			def, _ := kw.Get("default")
			for _, k := range kw.keys {
				if k != "attribute" && k != "default" {
					return nil, newErr("FilterArgumentError", "Unexpected keyword argument "+repr(k))
				}
			}
			fn = attrGetter(s, attr, false, def)
		}
	}
	if fn == nil {
		if len(args) == 0 {
			return nil, newErr("FilterArgumentError", "map requires a filter argument")
		}
		name, _ := args[0].(string)
		rest := args[1:]
		fn = func(it any) (any, error) {
			f := s.r.env.lookupFilter(name)
			if f == nil {
				return nil, newErr("TemplateRuntimeError", "No filter named "+pyRepr(name)+".")
			}
			r, err := f(s, it, rest, kw)
			return norm(r), err
		}
	}
	return fn, nil
}

func minMax(s *State, v any, args []any, kw Kwargs, name string, wantMax bool) (any, error) {
	p, err := bindArgs(name, args, kw, []string{"case_sensitive", "attribute"}, []any{false, nil})
	if err != nil {
		return nil, err
	}
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return s.undef("No aggregated item, sequence was empty."), nil
	}
	key := attrGetter(s, p[1], !truthy(p[0]), nil)
	best := items[0]
	bestKey, err := key(best)
	if err != nil {
		return nil, err
	}
	for _, it := range items[1:] {
		k, err := key(it)
		if err != nil {
			return nil, err
		}
		op := "<"
		if wantMax {
			op = ">"
		}
		c, err := compare(k, bestKey, op)
		if err != nil {
			return nil, err
		}
		if (wantMax && c == 1) || (!wantMax && c == -1) {
			best, bestKey = it, k
		}
	}
	return best, nil
}

func fMax(s *State, v any, args []any, kw Kwargs) (any, error) {
	return minMax(s, v, args, kw, "do_max", true)
}

func fMin(s *State, v any, args []any, kw Kwargs) (any, error) {
	return minMax(s, v, args, kw, "do_min", false)
}

func fPprint(s *State, v any, args []any, kw Kwargs) (any, error) {
	return pformat(v, 0), nil
}

func fRandom(s *State, v any, args []any, kw Kwargs) (any, error) {
	if _, ok := v.(*Iterator); ok {
		return nil, typeErr("object of type '%s' has no len()", typeName(v))
	}
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return s.undef("No random item, sequence was empty."), nil
	}
	return items[rand.IntN(len(items))], nil
}

// selectReject is Jinja2's select_or_reject: a generator whose body
// (the argument checks included) runs as items are taken.
func selectReject(s *State, v any, args []any, kw Kwargs, keep bool, lookupAttr bool) (any, error) {
	return newGenerator("select_or_reject", func() (func() (any, bool, error), error) {
		t, err := truth(v)
		if err != nil {
			return nil, err
		}
		if !t {
			return itemsNext(nil), nil
		}
		trans := func(x any) (any, error) { return x, nil }
		off := 0
		if lookupAttr {
			if len(args) == 0 {
				return nil, newErr("FilterArgumentError", "Missing parameter for attribute name")
			}
			trans = attrGetter(s, args[0], false, nil)
			off = 1
		}
		var test func(any) (bool, error)
		if len(args) > off {
			name, _ := args[off].(string)
			rest := args[off+1:]
			if kw.Len() > 0 {
				rest = append(append([]any{}, rest...), kw.vals...)
			}
			test = func(x any) (bool, error) {
				tf := s.r.env.lookupTest(name)
				if tf == nil {
					return false, newErr("TemplateRuntimeError", "No test named "+pyRepr(name)+".")
				}
				return tf(s, x, rest)
			}
		} else {
			test = truth
		}
		src, err := iterNext(v)
		if err != nil {
			return nil, err
		}
		return func() (any, bool, error) {
			for {
				it, ok, err := src()
				if err != nil || !ok {
					return nil, false, err
				}
				x, err := trans(it)
				if err != nil {
					return nil, false, err
				}
				r, err := test(x)
				if err != nil {
					return nil, false, err
				}
				if r == keep {
					return it, true, nil
				}
			}
		}, nil
	}), nil
}

func fSelect(s *State, v any, a []any, kw Kwargs) (any, error) {
	return selectReject(s, v, a, kw, true, false)
}
func fReject(s *State, v any, a []any, kw Kwargs) (any, error) {
	return selectReject(s, v, a, kw, false, false)
}
func fSelectattr(s *State, v any, a []any, kw Kwargs) (any, error) {
	return selectReject(s, v, a, kw, true, true)
}
func fRejectattr(s *State, v any, a []any, kw Kwargs) (any, error) {
	return selectReject(s, v, a, kw, false, true)
}

func fReplace(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_replace", args, kw, []string{"old", "new", "count"}, []any{required, required, nil})
	if err != nil {
		return nil, err
	}
	str, err := softStr(v)
	if err != nil {
		return nil, err
	}
	old, err := softStr(p[0])
	if err != nil {
		return nil, err
	}
	nw, err := softStr(p[1])
	if err != nil {
		return nil, err
	}
	n := -1
	if p[2] != nil {
		c, _ := indexInt(p[2])
		n = int(c)
	}
	if n < 0 {
		n = -1
	}
	if !s.r.filterEsc {
		return strings.Replace(str, old, nw, n), nil
	}
	// Autoescaped (Jinja2's do_replace with eval_ctx.autoescape): a
	// Markup old, or a Markup new in a plain string, escapes the string
	// first; replacing in Markup escapes what is not Markup.
	_, vHTML := v.(Markup)
	_, oldHTML := p[0].(Markup)
	_, newHTML := p[1].(Markup)
	if !oldHTML && !newHTML && !vHTML {
		return strings.Replace(str, old, nw, n), nil
	}
	if !vHTML {
		str = escapeHTML(str)
	}
	if !oldHTML {
		old = escapeHTML(old)
	}
	if !newHTML {
		nw = escapeHTML(nw)
	}
	return Markup(strings.Replace(str, old, nw, n)), nil
}

func fReverse(s *State, v any, args []any, kw Kwargs) (any, error) {
	if str, ok := asString(v); ok {
		r := []rune(str)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return wrapLike(v, string(r)), nil
	}
	// reversed(value), else a reversed copy of list(value)
	if it := reversedIter(v); it != nil {
		return it, nil
	}
	items, err := toList(v)
	if err != nil {
		return nil, newErr("FilterArgumentError", "argument must be iterable")
	}
	out := make([]any, len(items))
	for i, it := range items {
		out[len(items)-1-i] = it
	}
	return &List{Items: out}, nil
}

// reversedIter is Python's reversed(v) for the values that support it, or nil.
func reversedIter(v any) *Iterator {
	kind := "reversed"
	var get func() []any
	switch x := v.(type) {
	case *List:
		kind = "list_reverseiterator"
		if x.rng != nil {
			kind = "range_iterator"
		}
		get = func() []any { return x.Items }
	case []any:
		kind = "list_reverseiterator"
		get = func() []any { return x }
	case Tuple:
		get = func() []any { return x }
	case *Dict:
		kind = "dict_reversekeyiterator"
		get = func() []any { return x.keys }
	case *Undefined:
		get = func() []any { return nil }
	default:
		return nil
	}
	i := len(get()) - 1
	return &Iterator{kind: kind, next: func() (any, bool, error) {
		items := get()
		if i < 0 || i >= len(items) {
			return nil, false, nil
		}
		i--
		return items[i+1], true, nil
	}}
}

func pyRound(x float64, ndigits int64) float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	if ndigits > 300 {
		return x
	}
	if ndigits >= 0 {
		r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', int(ndigits), 64), 64)
		return r
	}
	p := math.Pow(10, float64(-ndigits))
	return math.RoundToEven(x/p) * p
}

func fRound(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_round", args, kw, []string{"precision", "method"}, []any{int64(0), "common"})
	if err != nil {
		return nil, err
	}
	prec, ok := indexInt(p[0])
	if !ok {
		return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(p[0]))
	}
	method, _ := p[1].(string)
	if method != "common" && method != "ceil" && method != "floor" {
		return nil, newErr("FilterArgumentError", "method must be common, ceil or floor")
	}
	if b, ok := v.(*big.Int); ok && method == "common" {
		return roundBig(b, prec), nil
	}
	if u, ok := v.(*Undefined); ok && method != "common" {
		// value * 10**precision fails; round(Undefined) is a TypeError below
		return nil, u.err()
	}
	i, f, isInt, okN := numeric(v)
	if !okN {
		if method == "common" {
			return nil, typeErr("type %s doesn't define __round__ method", typeName(v))
		}
		return nil, typeErr("unsupported operand type(s) for *: '%s' and 'int'", typeName(v))
	}
	if method == "common" {
		if isInt {
			if prec >= 0 {
				return i, nil
			}
			pw := int64(math.Pow(10, float64(-prec)))
			q := float64(i) / float64(pw)
			return int64(math.RoundToEven(q)) * pw, nil
		}
		return pyRound(f, prec), nil
	}
	// math.ceil/floor return an int, so -0.0 becomes 0 before dividing
	x := toF(i, f, isInt)
	pw := math.Pow(10, float64(prec))
	r := x * pw
	if math.IsInf(r, 0) {
		return nil, newErr("OverflowError", "cannot convert float infinity to integer")
	}
	if math.IsNaN(r) {
		return nil, newErr("ValueError", "cannot convert float NaN to integer")
	}
	if method == "ceil" {
		r = math.Ceil(r)
	} else {
		r = math.Floor(r)
	}
	if r == 0 {
		r = 0
	}
	return r / pw, nil
}

func fSlice(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_slice", args, kw, []string{"slices", "fill_with"}, []any{required, nil})
	if err != nil {
		return nil, err
	}
	n, ok := indexInt(p[0])
	if !ok || n == 0 {
		if ok {
			return nil, newErr("ZeroDivisionError", "integer division or modulo by zero")
		}
		return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(p[0]))
	}
	return listGenerator("sync_do_slice", func() ([]any, error) {
		seq, err := toList(v)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			// range(slices) is empty.
			return []any{}, nil
		}
		ln := int64(len(seq))
		per := ln / n
		extra := ln % n
		offset := int64(0)
		out := []any{}
		for i := int64(0); i < n; i++ {
			start := offset + i*per
			if i < extra {
				offset++
			}
			end := offset + (i+1)*per
			tmp := append([]any{}, seq[start:end]...)
			if p[1] != nil && i >= extra {
				tmp = append(tmp, p[1])
			}
			out = append(out, &List{Items: tmp})
		}
		return out, nil
	}), nil
}

func fSort(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_sort", args, kw, []string{"reverse", "case_sensitive", "attribute"}, []any{false, false, nil})
	if err != nil {
		return nil, err
	}
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	items = append([]any{}, items...)
	var getters []func(any) (any, error)
	lower := !truthy(p[1])
	if a, ok := p[2].(string); ok {
		for _, part := range strings.Split(a, ",") {
			getters = append(getters, attrGetter(s, part, lower, nil))
		}
	} else {
		getters = append(getters, attrGetter(s, p[2], lower, nil))
	}
	keys := make([]any, len(items))
	for i, it := range items {
		k := make([]any, len(getters))
		for j, g := range getters {
			if k[j], err = g(it); err != nil {
				return nil, err
			}
		}
		keys[i] = &List{Items: k}
	}
	if err := sortItems(items, keys, truthy(p[0]), func(a, b any) (int, error) { return compare(a, b, "<") }); err != nil {
		return nil, err
	}
	return &List{Items: items}, nil
}

func fString(s *State, v any, args []any, kw Kwargs) (any, error) {
	if m, ok := v.(Markup); ok {
		return m, nil
	}
	return softStr(v)
}

var (
	commentRe = lazyre.New(`(?s)<!--.*?-->`)
	tagRe     = lazyre.New(`(?s)<.*?>`)
)

func fStriptags(s *State, v any, args []any, kw Kwargs) (any, error) {
	str, err := softStr(v)
	if err != nil {
		return nil, err
	}
	str = commentRe().ReplaceAllString(str, "")
	str = tagRe().ReplaceAllString(str, "")
	str = strings.Join(strings.Fields(str), " ")
	return htmlUnescape(str), nil
}

func fSum(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_sum", args, kw, []string{"attribute", "start"}, []any{nil, int64(0)})
	if err != nil {
		return nil, err
	}
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	if _, ok := asString(p[1]); ok {
		return nil, typeErr("sum() can't sum strings [use ''.join(seq) instead]")
	}
	get := attrGetter(s, p[0], false, nil)
	total := p[1]
	for _, it := range items {
		x, err := get(it)
		if err != nil {
			return nil, err
		}
		if _, ok := asString(x); ok {
			if _, ok := asString(total); !ok {
				return nil, typeErr("unsupported operand type(s) for +: '%s' and 'str'", typeName(total))
			}
		}
		if total, err = plusBig(total, x); err != nil {
			return nil, err
		}
	}
	return total, nil
}

func fTrim(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_trim", args, kw, []string{"chars"}, []any{nil})
	if err != nil {
		return nil, err
	}
	if m, ok := v.(Markup); ok {
		return callMethod(s, m, "strip", p, nil)
	}
	str, err := softStr(v)
	if err != nil {
		return nil, err
	}
	return strMethod(s, str, "strip", p, nil)
}

func fTruncate(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_truncate", args, kw, []string{"length", "killwords", "end", "leeway"}, []any{int64(255), false, "...", nil})
	if err != nil {
		return nil, err
	}
	ln, _ := indexInt(p[0])
	if _, isStr := asString(v); !isStr {
		// Jinja2 takes len() of the value itself
		n, err := length(v)
		if err != nil {
			return nil, err
		}
		if int64(n) <= ln+5 {
			return v, nil
		}
	}
	str, err := softStr(v)
	if err != nil {
		return nil, err
	}
	end, _ := softStr(p[2])
	leeway := int64(5)
	if p[3] != nil {
		leeway, _ = indexInt(p[3])
	}
	if ln < int64(runeLen(end)) {
		return nil, newErr("AssertionError", "expected length >= "+itoa(runeLen(end))+", got "+strconv.FormatInt(ln, 10))
	}
	if leeway < 0 {
		return nil, newErr("AssertionError", "expected leeway >= 0, got "+strconv.FormatInt(leeway, 10))
	}
	r := []rune(str)
	if int64(len(r)) <= ln+leeway {
		return v, nil
	}
	cut := string(r[:ln-int64(runeLen(end))])
	if !truthy(p[1]) {
		if i := strings.LastIndex(cut, " "); i >= 0 {
			cut = cut[:i]
		}
	}
	if _, ok := v.(Markup); ok {
		// Markup slices are Markup, and Markup + str escapes the str
		if _, ok := p[2].(Markup); !ok {
			end = escapeHTML(end)
		}
		return Markup(cut + end), nil
	}
	return cut + end, nil
}

func fUnique(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_unique", args, kw, []string{"case_sensitive", "attribute"}, []any{false, nil})
	if err != nil {
		return nil, err
	}
	return newGenerator("do_unique", func() (func() (any, bool, error), error) {
		get := attrGetter(s, p[1], !truthy(p[0]), nil)
		seen := &Dict{}
		src, err := iterNext(v)
		if err != nil {
			return nil, err
		}
		return func() (any, bool, error) {
			for {
				it, ok, err := src()
				if err != nil || !ok {
					return nil, false, err
				}
				k, err := get(it)
				if err != nil {
					return nil, false, err
				}
				i, err := seen.find(k)
				if err != nil {
					return nil, false, err
				}
				if i < 0 {
					seen.set(k, true)
					return it, true, nil
				}
			}
		}, nil
	}), nil
}

func urlQuote(v any, forQS bool) (string, error) {
	var str string
	if b, ok := v.(string); ok {
		str = b
	} else {
		var err error
		if str, err = toStr(v); err != nil {
			return "", err
		}
	}
	safe := "/"
	if forQS {
		safe = ""
	}
	var b strings.Builder
	for i := 0; i < len(str); i++ {
		c := str[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-~", c) >= 0 || strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
		} else if forQS && c == ' ' {
			b.WriteByte('+')
		} else {
			b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)>>4, 16)) + strings.ToUpper(strconv.FormatInt(int64(c)&15, 16)))
		}
	}
	return b.String(), nil
}

func fUrlencode(s *State, v any, args []any, kw Kwargs) (any, error) {
	var pairs []any
	switch x := v.(type) {
	case string, Markup:
		return urlQuote(x, false)
	case *Dict, map[string]any:
		d, _ := toDict(x)
		for i := range d.keys {
			pairs = append(pairs, Tuple{d.keys[i], d.vals[i]})
		}
	default:
		items, err := iterate(v)
		if err != nil {
			return urlQuote(v, false)
		}
		pairs = items
	}
	parts := make([]string, 0, len(pairs))
	for _, p := range pairs {
		kv, err := unpack(p, 2)
		if err != nil {
			return nil, err
		}
		k, err := urlQuote(kv[0], true)
		if err != nil {
			return nil, err
		}
		val, err := urlQuote(kv[1], true)
		if err != nil {
			return nil, err
		}
		parts = append(parts, k+"="+val)
	}
	return strings.Join(parts, "&"), nil
}

var wordRe = lazyre.New(`[\p{L}\p{N}_]+`)

func fWordcount(s *State, v any, args []any, kw Kwargs) (any, error) {
	str, err := softStr(v)
	if err != nil {
		return nil, err
	}
	return int64(len(wordRe().FindAllStringIndex(str, -1))), nil
}

func fXmlattr(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_xmlattr", args, kw, []string{"autospace"}, []any{true})
	if err != nil {
		return nil, err
	}
	d, ok := toDict(v)
	if !ok {
		return nil, errorf("AttributeError", "'%s' object has no attribute 'items'", typeName(v))
	}
	var parts []string
	for i, k := range d.keys {
		val := d.vals[i]
		if val == nil {
			continue
		}
		if _, ok := val.(*Undefined); ok {
			continue
		}
		ks, err := toStr(k)
		if err != nil {
			return nil, err
		}
		if strings.IndexFunc(ks, func(r rune) bool { return r < 128 && (unicode.IsSpace(r) || r == '/' || r == '>' || r == '=') }) >= 0 {
			return nil, errorf("ValueError", "Invalid character in attribute name: %s", repr(k))
		}
		vs, err := fEscape(s, val, nil, nil)
		if err != nil {
			return nil, err
		}
		parts = append(parts, escapeHTML(ks)+`="`+string(vs.(Markup))+`"`)
	}
	rv := strings.Join(parts, " ")
	if truthy(p[0]) && rv != "" {
		rv = " " + rv
	}
	if s.r.filterEsc {
		return Markup(rv), nil
	}
	return rv, nil
}

// uriSchemeRe is a valid extra_schemes prefix for urlize (Jinja2's
// _uri_scheme_re).
var uriSchemeRe = lazyre.New(`^[\w.+-]{2,}:/{0,2}$`)

func fUrlize(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_urlize", args, kw, []string{"trim_url_limit", "nofollow", "target", "rel", "extra_schemes"}, []any{nil, false, nil, nil, nil})
	if err != nil {
		return nil, err
	}
	str, err := softStr(v)
	if err != nil {
		return nil, err
	}
	var limit int64 = -1
	if p[0] != nil {
		limit, _ = indexInt(p[0])
	}
	rels := map[string]bool{}
	var relOrder []string
	if r, ok := p[3].(string); ok {
		for _, x := range strings.Fields(r) {
			if !rels[x] {
				rels[x] = true
				relOrder = append(relOrder, x)
			}
		}
	}
	if truthy(p[1]) && !rels["nofollow"] {
		rels["nofollow"] = true
		relOrder = append(relOrder, "nofollow")
	}
	if !rels["noopener"] {
		relOrder = append(relOrder, "noopener")
	}
	sortStrings(relOrder)
	relAttr := ` rel="` + escapeHTML(strings.Join(relOrder, " ")) + `"`
	targetAttr := ""
	if t, ok := p[2].(string); ok && t != "" {
		targetAttr = ` target="` + escapeHTML(t) + `"`
	}
	var schemes []string
	if p[4] != nil {
		items, err := iterate(p[4])
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			sc, _ := asString(it)
			if !uriSchemeRe().MatchString(sc) {
				return nil, newErr("FilterArgumentError", pyRepr(sc)+" is not a valid URI scheme prefix.")
			}
			schemes = append(schemes, sc)
		}
	}
	_, escaped := v.(Markup)
	rv := urlize(str, escaped, limit, relAttr, targetAttr, schemes)
	if s.r.filterEsc {
		return Markup(rv), nil
	}
	return rv, nil
}

func fWordwrap(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_wordwrap", args, kw, []string{"width", "break_long_words", "wrapstring", "break_on_hyphens"}, []any{int64(79), true, nil, true})
	if err != nil {
		return nil, err
	}
	str, ok := asString(v)
	if !ok {
		if u, isU := v.(*Undefined); isU {
			return nil, u.err()
		}
		return nil, errorf("AttributeError", "'%s' object has no attribute 'splitlines'", typeName(v))
	}
	width, _ := indexInt(p[0])
	if width <= 0 {
		return nil, errorf("ValueError", "invalid width %d (must be > 0)", width)
	}
	wrap := "\n"
	if p[2] != nil {
		wrap, _ = softStr(p[2])
	}
	linesV, _ := strMethod(s, str, "splitlines", nil, nil)
	var out []string
	for _, l := range linesV.(*List).Items {
		out = append(out, strings.Join(textWrap(l.(string), int(width), truthy(p[1]), truthy(p[3])), wrap))
	}
	return strings.Join(out, wrap), nil
}

func fTojson(s *State, v any, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("do_tojson", args, kw, []string{"indent"}, []any{nil})
	if err != nil {
		return nil, err
	}
	out, err := htmlSafeJSON(v, p[0])
	if err != nil {
		return nil, err
	}
	return Markup(out), nil
}

func url2(u string) bool { _, err := url.Parse(u); return err == nil }

// fTitle is do_title: "".join of the words, a plain str even for Markup.
func fTitle(s *State, v any, args []any, kw Kwargs) (any, error) {
	if len(args) > 0 || kw.Len() > 0 {
		return nil, typeErr("filter takes 1 positional argument but %d were given", len(args)+kw.Len()+1)
	}
	str, err := softStr(v)
	if err != nil {
		return nil, err
	}
	return jinjaTitle(str), nil
}
