package jinja

import (
	"math/big"
	"strings"
	"unicode/utf8"
)

// Module is what {% import %} binds: a template's exported names.
type Module struct {
	name string
	vars *scope
	body string // what the template wrote: str() of the module
}

func undefAttr(s *State, obj any, name any) *Undefined {
	return &Undefined{policy: s.r.undefined, obj: obj, hasObj: true, name: name}
}

func isDunder(name string) bool {
	return len(name) > 4 && strings.HasPrefix(name, "__") && strings.HasSuffix(name, "__")
}

func unsafeAttr(s *State, obj any, name string) *Undefined {
	return &Undefined{
		policy: s.r.undefined,
		hint:   "access to attribute " + pyRepr(name) + " of " + pyRepr(typeName(obj)) + " object is unsafe.",
		obj:    obj, hasObj: true, name: name, kind: "SecurityError",
	}
}

// getAttr implements x.name as Jinja2's sandboxed getattr does: the
// attribute first, then the item, then undefined.
func getAttr(s *State, obj any, name string) (any, error) {
	switch x := obj.(type) {
	case *Undefined:
		if isDunder(name) && pyDunders["Undefined"][name] {
			return unsafeAttr(s, obj, name), nil
		}
		if x.policy.chains() {
			return x, nil
		}
		return nil, x.err()
	case *Dict:
		if hasBuiltinMethod(x, name) {
			return &boundMethod{x, name}, nil
		}
		if i, _ := x.find(name); i >= 0 {
			return x.vals[i], nil
		}
		if x.missingNone && !isDunder(name) {
			return nil, nil
		}
	case map[string]any:
		if hasBuiltinMethod(x, name) {
			return &boundMethod{x, name}, nil
		}
		if v, ok := x[name]; ok {
			return norm(v), nil
		}
	case *Namespace:
		if v, ok := x.d.Get(name); ok {
			return v, nil
		}
	case *loopCtx:
		if v, ok := x.attr(s, name); ok {
			return v, nil
		}
	case *macroValue:
		switch name {
		case "name":
			if x.m.anonymous {
				return nil, nil
			}
			return x.m.name, nil
		case "arguments":
			t := make(Tuple, len(x.m.params))
			for i, p := range x.m.params {
				t[i] = p
			}
			return t, nil
		case "catch_kwargs":
			return x.m.kwargs, nil
		case "catch_varargs":
			return x.m.varargs, nil
		case "caller":
			return x.m.caller, nil
		}
	case *Module:
		if v, ok := x.vars.get(name); ok && !strings.HasPrefix(name, "_") {
			return v, nil
		}
	case *cycler:
		switch name {
		case "current":
			return x.items[x.pos], nil
		case "items":
			return Tuple(x.items), nil
		case "next", "reset":
			return &boundMethod{x, name}, nil
		}
	case Tuple:
		if len(x) == 2 { // groupby's (grouper, list) named tuples
			switch name {
			case "grouper":
				return x[0], nil
			case "list":
				return x[1], nil
			}
		}
		if hasBuiltinMethod(obj, name) {
			return &boundMethod{obj, name}, nil
		}
	case float64:
		switch name {
		case "real":
			return x, nil
		case "imag":
			return 0.0, nil
		}
	case int64:
		switch name {
		case "real", "numerator":
			return x, nil
		case "imag":
			return int64(0), nil
		case "denominator":
			return int64(1), nil
		}
	case Object:
		if v, ok := x.GetAttr(name); ok {
			return norm(v), nil
		}
		if g, ok := obj.(itemGetter); ok {
			if v, ok := g.GetItem(name); ok {
				return norm(v), nil
			}
		}
		return undefAttr(s, obj, name), nil
	default:
		if hasBuiltinMethod(obj, name) {
			return &boundMethod{obj, name}, nil
		}
	}
	if isDunder(name) {
		if ds, ok := pyDunders[typeName(obj)]; ok && !ds[name] {
			// no such attribute in Python: an undefined value
			return undefAttr(s, obj, name), nil
		}
		return unsafeAttr(s, obj, name), nil
	}
	return undefAttr(s, obj, name), nil
}

// getItem implements x[key] as Jinja2's getitem does: the item first,
// then (for string keys) the attribute, then undefined.
func getItem(s *State, obj any, key any) (any, error) {
	if sl, ok := key.(*sliceVal); ok {
		return sliceValue(s, obj, sl)
	}
	switch x := obj.(type) {
	case *Undefined:
		if x.policy.chains() {
			return x, nil
		}
		return nil, x.err()
	case *Dict:
		if i, _ := x.find(key); i >= 0 {
			return x.vals[i], nil
		}
		if _, ok := key.(string); ok && x.missingNone {
			return nil, nil
		}
	case map[string]any:
		if k, ok := key.(string); ok {
			if v, ok := x[k]; ok {
				return norm(v), nil
			}
		}
	case *List, []any, Tuple:
		items, _ := seqItems(x)
		if i, ok := indexInt(key); ok {
			if i < 0 {
				i += int64(len(items))
			}
			if i >= 0 && i < int64(len(items)) {
				return items[i], nil
			}
		}
	case string:
		if i, ok := indexInt(key); ok {
			return strIndex(s, x, i, obj, key), nil
		}
	case Markup:
		if i, ok := indexInt(key); ok {
			v := strIndex(s, string(x), i, obj, key)
			if str, ok := v.(string); ok {
				return Markup(str), nil
			}
			return v, nil
		}
	case itemGetter:
		if v, ok := x.GetItem(key); ok {
			return norm(v), nil
		}
	}
	if name, ok := key.(string); ok {
		return getAttr(s, obj, name)
	}
	return undefAttr(s, obj, key), nil
}

func indexInt(k any) (int64, bool) {
	switch x := k.(type) {
	case int64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int:
		return int64(x), true
	}
	return 0, false
}

func strIndex(s *State, str string, i int64, obj, key any) any {
	if i < 0 {
		i += int64(utf8.RuneCountInString(str))
	}
	if i >= 0 {
		if isASCII(str) {
			if i < int64(len(str)) {
				return str[i : i+1]
			}
		} else {
			n := int64(0)
			for _, r := range str {
				if n == i {
					return string(r)
				}
				n++
			}
		}
	}
	return undefAttr(s, obj, key)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func sliceArg(v any) (int64, bool, error) {
	if v == nil {
		return 0, false, nil
	}
	if i, ok := indexInt(v); ok {
		return i, true, nil
	}
	if b, ok := v.(*big.Int); ok {
		// Beyond any length: a slice clamps it, as Python's does. 2**62
		// keeps index + step from overflowing.
		if b.Sign() < 0 {
			return -1 << 62, true, nil
		}
		return 1 << 62, true, nil
	}
	return 0, false, typeErr("slice indices must be integers or None or have an __index__ method")
}

// sliceIndices returns the indices a Python slice selects from n items.
func sliceIndices(n int, sl *sliceVal) ([]int, error) {
	step, hasStep, err := sliceArg(sl.step)
	if err != nil {
		return nil, err
	}
	if !hasStep {
		step = 1
	}
	if step == 0 {
		return nil, newErr("ValueError", "slice step cannot be zero")
	}
	start, hasStart, err := sliceArg(sl.start)
	if err != nil {
		return nil, err
	}
	stop, hasStop, err := sliceArg(sl.stop)
	if err != nil {
		return nil, err
	}
	N := int64(n)
	clamp := func(v int64, lo, hi int64) int64 {
		if v < 0 {
			v += N
			if v < lo {
				v = lo
			}
		} else if v > hi {
			v = hi
		}
		return v
	}
	var out []int
	if step > 0 {
		if !hasStart {
			start = 0
		} else {
			start = clamp(start, 0, N)
		}
		if !hasStop {
			stop = N
		} else {
			stop = clamp(stop, 0, N)
		}
		for i := start; i < stop; i += step {
			out = append(out, int(i))
		}
	} else {
		if !hasStart {
			start = N - 1
		} else {
			start = clamp(start, -1, N-1)
		}
		if !hasStop {
			stop = -1
		} else {
			stop = clamp(stop, -1, N-1)
		}
		for i := start; i > stop; i += step {
			out = append(out, int(i))
		}
	}
	return out, nil
}

func sliceValue(s *State, obj any, sl *sliceVal) (any, error) {
	switch x := obj.(type) {
	case string, Markup:
		str, _ := asString(x)
		var runes []rune
		ascii := isASCII(str)
		n := len(str)
		if !ascii {
			runes = []rune(str)
			n = len(runes)
		}
		idx, err := sliceIndices(n, sl)
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		if ascii {
			sl1, _, _ := sliceArg(sl.step)
			if sl.step == nil || sl1 == 1 {
				if len(idx) == 0 {
					return wrapLike(obj, ""), nil
				}
				return wrapLike(obj, str[idx[0]:idx[len(idx)-1]+1]), nil
			}
			for _, i := range idx {
				b.WriteByte(str[i])
			}
		} else {
			for _, i := range idx {
				b.WriteRune(runes[i])
			}
		}
		return wrapLike(obj, b.String()), nil
	case *List, []any, Tuple:
		items, _ := seqItems(x)
		if l, ok := x.(*List); ok && l.rng != nil {
			return sliceRange(l, sl)
		}
		idx, err := sliceIndices(len(items), sl)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(idx))
		for j, i := range idx {
			out[j] = items[i]
		}
		if _, ok := x.(Tuple); ok {
			return Tuple(out), nil
		}
		return &List{Items: out}, nil
	case *Undefined:
		if x.policy.chains() {
			return x, nil
		}
		return nil, x.err()
	case *Dict, map[string]any:
		return nil, typeErr("unhashable type: 'slice'")
	case nil, bool, int64, float64, *big.Int, *Namespace, *macroValue, Func, *boundMethod,
		*loopCtx, *cycler, *joiner, *dictView, *Module, *Iterator:
		// Jinja2 compiles a slice to a plain Python subscript, so this
		// raises instead of giving an undefined value.
		return nil, typeErr("'%s' object is not subscriptable", typeName(obj))
	}
	return undefAttr(s, obj, nil), nil
}

func wrapLike(orig any, s string) any {
	if _, ok := orig.(Markup); ok {
		return Markup(s)
	}
	return s
}

// sliceRange is range(...)[a:b:c], which is again a range.
func sliceRange(l *List, sl *sliceVal) (any, error) {
	idx, err := sliceIndices(len(l.Items), sl)
	if err != nil {
		return nil, err
	}
	step, hasStep, _ := sliceArg(sl.step)
	if !hasStep {
		step = 1
	}
	start, stop := sliceBounds(int64(len(l.Items)), sl, step)
	out := make([]any, len(idx))
	for j, i := range idx {
		out[j] = l.Items[i]
	}
	// The bounds are computed exactly: they may be beyond int64.
	r0, _ := toBig(l.rng[0])
	r2, _ := toBig(l.rng[2])
	at := func(i int64) any {
		v := new(big.Int).Mul(big.NewInt(i), r2)
		return shrink(v.Add(v, r0))
	}
	return &List{Items: out, rng: []any{at(start), at(stop), shrink(new(big.Int).Mul(r2, big.NewInt(step)))}}, nil
}

// sliceBounds is the start and stop of Python's slice.indices(n).
func sliceBounds(n int64, sl *sliceVal, step int64) (int64, int64) {
	lower, upper := int64(0), n
	if step < 0 {
		lower, upper = -1, n-1
	}
	adjust := func(v any, def int64) int64 {
		i, ok, _ := sliceArg(v)
		if !ok {
			return def
		}
		if i < 0 {
			i += n
			if i < lower {
				i = lower
			}
		} else if i > upper {
			i = upper
		}
		return i
	}
	if step < 0 {
		return adjust(sl.start, upper), adjust(sl.stop, lower)
	}
	return adjust(sl.start, lower), adjust(sl.stop, upper)
}
