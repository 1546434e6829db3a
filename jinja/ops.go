package jinja

import (
	"math"
	"math/big"
	"math/bits"
	"strings"
	"unsafe"
)

var binOps = map[string]func(a, b any) (any, error){
	"+":  withBig("+", add),
	"-":  withBig("-", sub),
	"*":  withBig("*", mul),
	"/":  withBig("/", div),
	"//": withBig("//", floorDiv),
	"%":  withBig("%", mod),
	"**": withBig("**", pow),
}

// escapeModArgs is what Markup's % formats: each argument escaped (a
// tuple's items, a dict's values), numbers as they are.
func escapeModArgs(b any) any {
	switch x := b.(type) {
	case Tuple:
		out := make(Tuple, len(x))
		for i, it := range x {
			out[i] = escapeArg(it)
		}
		return out
	case *Dict:
		out := &Dict{}
		for i, k := range x.keys {
			out.set(k, escapeArg(x.vals[i]))
		}
		return out
	}
	return escapeArg(b)
}

// escapeArg is markupsafe's escape of an argument, numbers left as they
// are so that %d and %f still take them.
func escapeArg(v any) any {
	switch v.(type) {
	case nil, bool, int64, float64, *big.Int:
		return v
	}
	m, err := autoEscape(v)
	if err != nil {
		return v
	}
	return m
}

// plusBig and modBig are Python's + and % on numbers of any size
// (sum's addition, the divisibleby, even and odd tests).
var (
	plusBig = withBig("+", add)
	modBig  = withBig("%", mod)
)

// withBig runs an int64 operation, switching to big integers when an
// operand is one or the result overflows.
func withBig(op string, f func(a, b any) (any, error)) func(a, b any) (any, error) {
	return func(a, b any) (any, error) {
		if isBig(a, b) {
			if _, s := asString(a); s && op == "%" {
				return f(a, b)
			}
			if v, ok, err := bigArith(op, a, b); ok {
				return v, err
			}
			return nil, opErr(op, a, b)
		}
		v, err := f(a, b)
		if err != nil {
			if v, ok, err := objBinary(op, a, b); ok {
				return v, err
			}
		}
		if e, ok := err.(*Error); ok && e.Kind == "OverflowError" && e.Msg == overflowMsg {
			if v, ok, err := bigArith(op, a, b); ok {
				return v, err
			}
		}
		return v, err
	}
}

// numeric classifies v for arithmetic: bools count as ints, as in Python.
func numeric(v any) (i int64, f float64, isInt, ok bool) {
	switch x := v.(type) {
	case int64:
		return x, 0, true, true
	case float64:
		return 0, x, false, true
	case bool:
		if x {
			return 1, 0, true, true
		}
		return 0, 0, true, true
	case int:
		return int64(x), 0, true, true
	}
	return 0, 0, false, false
}

func undefOperand(a, b any) error {
	if u, ok := a.(*Undefined); ok {
		return u.err()
	}
	if u, ok := b.(*Undefined); ok {
		return u.err()
	}
	return nil
}

func opErr(op string, a, b any) error {
	if err := undefOperand(a, b); err != nil {
		return err
	}
	return typeErr("unsupported operand type(s) for %s: '%s' and '%s'", op, typeName(a), typeName(b))
}

const overflowMsg = "integer overflow"

func overflow() error { return newErr("OverflowError", overflowMsg) }

func add(a, b any) (any, error) {
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			s := x + y
			if (s > x) != (y > 0) {
				return nil, overflow()
			}
			return s, nil
		}
	}
	if x, ok := a.(string); ok {
		if y, ok := b.(string); ok {
			return x + y, nil
		}
	}
	ai, af, aInt, aok := numeric(a)
	bi, bf, bInt, bok := numeric(b)
	if aok && bok {
		if aInt && bInt {
			return add(ai, bi)
		}
		return toF(ai, af, aInt) + toF(bi, bf, bInt), nil
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(Markup); ok {
			return Markup(escapeHTML(x)) + y, nil
		}
		if err := undefOperand(a, b); err != nil {
			return nil, err
		}
		return nil, typeErr("can only concatenate str (not \"%s\") to str", typeName(b))
	case Markup:
		if y, ok := asString(b); ok {
			if _, isM := b.(Markup); isM {
				return x + Markup(y), nil
			}
			return x + Markup(escapeHTML(y)), nil
		}
	case *List, []any:
		xs, _ := seqItems(x)
		switch y := b.(type) {
		case *List, []any:
			ys, _ := seqItems(y)
			out := make([]any, 0, len(xs)+len(ys))
			return &List{Items: append(append(out, xs...), ys...)}, nil
		}
		if err := undefOperand(a, b); err != nil {
			return nil, err
		}
		return nil, typeErr("can only concatenate list (not \"%s\") to list", typeName(b))
	case Tuple:
		if y, ok := b.(Tuple); ok {
			out := make(Tuple, 0, len(x)+len(y))
			return append(append(out, x...), y...), nil
		}
		if err := undefOperand(a, b); err != nil {
			return nil, err
		}
		return nil, typeErr("can only concatenate tuple (not \"%s\") to tuple", typeName(b))
	}
	return nil, opErr("+", a, b)
}

func toF(i int64, f float64, isInt bool) float64 {
	if isInt {
		return float64(i)
	}
	return f
}

func sub(a, b any) (any, error) {
	ai, af, aInt, aok := numeric(a)
	bi, bf, bInt, bok := numeric(b)
	if aok && bok {
		if aInt && bInt {
			d := ai - bi
			if (d < ai) != (bi > 0) {
				return nil, overflow()
			}
			return d, nil
		}
		return toF(ai, af, aInt) - toF(bi, bf, bInt), nil
	}
	return nil, opErr("-", a, b)
}

func mulInt(x, y int64) (int64, error) {
	if x == 0 || y == 0 {
		return 0, nil
	}
	hi, lo := bits.Mul64(uint64(absI(x)), uint64(absI(y)))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, overflow()
	}
	r := int64(lo)
	if (x < 0) != (y < 0) {
		r = -r
	}
	return r, nil
}

func absI(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func repeatSeq(items []any, n int64) []any {
	if n <= 0 {
		return []any{}
	}
	out := make([]any, 0, len(items)*int(n))
	for i := int64(0); i < n; i++ {
		out = append(out, items...)
	}
	return out
}

func mul(a, b any) (any, error) {
	ai, af, aInt, aok := numeric(a)
	bi, bf, bInt, bok := numeric(b)
	if aok && bok {
		if aInt && bInt {
			return mulInt(ai, bi)
		}
		return toF(ai, af, aInt) * toF(bi, bf, bInt), nil
	}
	// sequence * int, either order
	seq, n := a, b
	if aok {
		seq, n = b, a
	}
	ni, _, nInt, nok := numeric(n)
	if err := undefOperand(a, b); err != nil {
		return nil, err
	}
	isSeq := false
	switch seq.(type) {
	case string, Markup, *List, []any, Tuple:
		isSeq = true
	}
	if isSeq && !(nok && nInt) {
		return nil, typeErr("can't multiply sequence by non-int of type '%s'", typeName(n))
	}
	if !isSeq {
		return nil, opErr("*", a, b)
	}
	if ni > 1<<24 {
		if l, _ := length(seq); l > 0 {
			return nil, newErr("MemoryError", "repetition result is too large")
		}
	}
	switch x := seq.(type) {
	case string:
		if ni <= 0 {
			return "", nil
		}
		return strings.Repeat(x, int(ni)), nil
	case Markup:
		if ni <= 0 {
			return Markup(""), nil
		}
		return Markup(strings.Repeat(string(x), int(ni))), nil
	case *List:
		return &List{Items: repeatSeq(x.Items, ni)}, nil
	case []any:
		return &List{Items: repeatSeq(x, ni)}, nil
	case Tuple:
		return Tuple(repeatSeq(x, ni)), nil
	}
	return nil, opErr("*", a, b)
}

func div(a, b any) (any, error) {
	ai, af, aInt, aok := numeric(a)
	bi, bf, bInt, bok := numeric(b)
	if aok && bok {
		y := toF(bi, bf, bInt)
		if y == 0 {
			if aInt && bInt {
				return nil, newErr("ZeroDivisionError", "division by zero")
			}
			return nil, newErr("ZeroDivisionError", "float division by zero")
		}
		return toF(ai, af, aInt) / y, nil
	}
	return nil, opErr("/", a, b)
}

func floorDiv(a, b any) (any, error) {
	ai, af, aInt, aok := numeric(a)
	bi, bf, bInt, bok := numeric(b)
	if aok && bok {
		if aInt && bInt {
			if bi == 0 {
				return nil, newErr("ZeroDivisionError", "integer division or modulo by zero")
			}
			if ai == math.MinInt64 && bi == -1 {
				return nil, overflow()
			}
			q := ai / bi
			if (ai%bi != 0) && ((ai < 0) != (bi < 0)) {
				q--
			}
			return q, nil
		}
		y := toF(bi, bf, bInt)
		if y == 0 {
			return nil, newErr("ZeroDivisionError", "float floor division by zero")
		}
		return pyFloorDiv(toF(ai, af, aInt), y), nil
	}
	return nil, opErr("//", a, b)
}

// pyFloorDiv is Python's float //, which is not floor(x / y): it divides
// x minus its remainder, so 2.5 // (2.5 / 3) is 2.0 where the rounded
// quotient 3.0 would say 3.0.
func pyFloorDiv(x, y float64) float64 {
	m := math.Mod(x, y)
	div := (x - m) / y
	if m != 0 && (y < 0) != (m < 0) {
		div -= 1
	}
	if div == 0 {
		return math.Copysign(0, x/y)
	}
	fl := math.Floor(div)
	if div-fl > 0.5 {
		fl++
	}
	return fl
}

func mod(a, b any) (any, error) {
	if s, ok := asString(a); ok {
		_, isM := a.(Markup)
		if isM {
			b = escapeModArgs(b)
		}
		r, err := percentFormat(s, b)
		if err != nil {
			return nil, err
		}
		if isM {
			return Markup(r), nil
		}
		return r, nil
	}
	ai, af, aInt, aok := numeric(a)
	bi, bf, bInt, bok := numeric(b)
	if aok && bok {
		if aInt && bInt {
			if bi == 0 {
				return nil, newErr("ZeroDivisionError", "integer modulo by zero")
			}
			if bi == -1 {
				return int64(0), nil
			}
			m := ai % bi
			if m != 0 && ((m < 0) != (bi < 0)) {
				m += bi
			}
			return m, nil
		}
		y := toF(bi, bf, bInt)
		if y == 0 {
			return nil, newErr("ZeroDivisionError", "float modulo")
		}
		return pyFmod(toF(ai, af, aInt), y), nil
	}
	return nil, opErr("%", a, b)
}

func pyFmod(x, y float64) float64 {
	m := math.Mod(x, y)
	if m != 0 {
		if (m < 0) != (y < 0) {
			m += y
		}
	} else {
		m = math.Copysign(0, y)
	}
	return m
}

func pow(a, b any) (any, error) {
	ai, af, aInt, aok := numeric(a)
	bi, bf, bInt, bok := numeric(b)
	if aok && bok {
		if aInt && bInt {
			if bi < 0 {
				// int ** negative int is float ** float in Python
				r, err := floatPow(float64(ai), float64(bi))
				if err != nil {
					return nil, err
				}
				return r, nil
			}
			result := int64(1)
			base := ai
			e := bi
			for e > 0 {
				if e&1 == 1 {
					r, err := mulInt(result, base)
					if err != nil {
						return nil, err
					}
					result = r
				}
				e >>= 1
				if e > 0 {
					nb, err := mulInt(base, base)
					if err != nil {
						return nil, err
					}
					base = nb
				}
			}
			return result, nil
		}
		r, err := floatPow(toF(ai, af, aInt), toF(bi, bf, bInt))
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	return nil, opErr("** or pow()", a, b)
}

func negate(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		if x == math.MinInt64 {
			return shrink(new(big.Int).Neg(big.NewInt(x))), nil
		}
		return -x, nil
	case *big.Int:
		return shrink(new(big.Int).Neg(x)), nil
	case float64:
		return -x, nil
	case bool:
		if x {
			return int64(-1), nil
		}
		return int64(0), nil
	case *Undefined:
		return nil, x.err()
	}
	return nil, typeErr("bad operand type for unary -: '%s'", typeName(v))
}

func unaryPlus(v any) (any, error) {
	switch x := v.(type) {
	case int64, float64, *big.Int:
		return x, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case *Undefined:
		return nil, x.err()
	}
	return nil, typeErr("bad operand type for unary +: '%s'", typeName(v))
}

// equal is Python's ==.
func equal(a, b any) bool {
	if isBig(a, b) {
		x, ok1 := toBig(a)
		y, ok2 := toBig(b)
		if ok1 && ok2 {
			return x.Cmp(y) == 0
		}
		if f, ok := b.(float64); ok && ok1 {
			return cmpIntFloat(x, f) == 0
		}
		if f, ok := a.(float64); ok && ok2 {
			return cmpIntFloat(y, f) == 0
		}
		return false
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return x == y
		}
		if y, ok := b.(Markup); ok {
			return x == string(y)
		}
		return false
	case int64:
		if y, ok := b.(int64); ok {
			return x == y
		}
	case nil:
		return b == nil
	}
	ai, af, aInt, aok := numeric(a)
	bi, bf, bInt, bok := numeric(b)
	if aok && bok {
		if aInt && bInt {
			return ai == bi
		}
		if aInt && !exactFloat(ai) {
			return cmpIntFloat(ai, bf) == 0
		}
		if bInt && !exactFloat(bi) {
			return cmpIntFloat(bi, af) == 0
		}
		return toF(ai, af, aInt) == toF(bi, bf, bInt)
	}
	if aok || bok {
		// a number and an object that may compare with numbers
		c, ok := objCompare(a, b)
		return ok && c == 0
	}
	switch x := a.(type) {
	case Markup:
		y, ok := asString(b)
		return ok && string(x) == y
	case *List, []any:
		xs, _ := seqItems(x)
		if xl, ok := x.(*List); ok {
			if yl, ok := b.(*List); ok && (xl.rng == nil) != (yl.rng == nil) {
				return false
			}
		}
		switch b.(type) {
		case *List, []any:
			ys, _ := seqItems(b)
			return seqEqual(xs, ys)
		}
		return false
	case Tuple:
		y, ok := b.(Tuple)
		return ok && seqEqual(x, y)
	case *Dict, map[string]any:
		dx, _ := toDict(x)
		dy, ok := toDict(b)
		if !ok || dx.Len() != dy.Len() {
			return false
		}
		for i, k := range dx.keys {
			v, ok := dy.Get(k)
			if !ok || !equal(dx.vals[i], v) {
				return false
			}
		}
		return true
	case *Undefined:
		_, ok := b.(*Undefined)
		return ok
	case *dictView:
		y, ok := b.(*dictView)
		return ok && x.kind == y.kind && seqEqual(x.items, y.items)
	}
	if c, ok := objCompare(a, b); ok {
		return c == 0
	}
	if fa, ok := a.(Func); ok {
		fb, ok := b.(Func)
		return ok && sameFunc(fa, fb)
	}
	defer func() { _ = recover() }() // uncomparable Go values
	return a == b
}

// sameFunc reports whether a and b are one function value. Python compares
// functions (and dbt's macros, one object each in a render's context) by
// identity; Go does not compare func values at all, and reflect gives only
// the code pointer, which every closure of one function literal shares. A
// func value is a pointer to its closure, which is what is compared here.
func sameFunc(a, b Func) bool {
	return *(*unsafe.Pointer)(unsafe.Pointer(&a)) == *(*unsafe.Pointer)(unsafe.Pointer(&b))
}

func seqEqual(x, y []any) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !equal(x[i], y[i]) {
			return false
		}
	}
	return true
}

var opSymbols = map[string]string{"lt": "<", "lteq": "<=", "gt": ">", "gteq": ">="}

// compare orders a and b like Python; op is for the error message.
func compare(a, b any, op string) (int, error) {
	if isBig(a, b) {
		x, ok1 := toBig(a)
		y, ok2 := toBig(b)
		if ok1 && ok2 {
			return x.Cmp(y), nil
		}
		if f, ok := b.(float64); ok && ok1 {
			return cmpIntFloat(x, f), nil
		}
		if f, ok := a.(float64); ok && ok2 {
			return flipCmp(cmpIntFloat(y, f)), nil
		}
	}
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			switch {
			case x < y:
				return -1, nil
			case x > y:
				return 1, nil
			}
			return 0, nil
		}
	case string:
		if y, ok := asString(b); ok {
			return strings.Compare(x, y), nil
		}
	}
	ai, af, aInt, aok := numeric(a)
	bi, bf, bInt, bok := numeric(b)
	if aok && bok {
		if aInt && bInt {
			switch {
			case ai < bi:
				return -1, nil
			case ai > bi:
				return 1, nil
			}
			return 0, nil
		}
		if aInt && !exactFloat(ai) {
			return cmpIntFloat(ai, bf), nil
		}
		if bInt && !exactFloat(bi) {
			return flipCmp(cmpIntFloat(bi, af)), nil
		}
		x, y := toF(ai, af, aInt), toF(bi, bf, bInt)
		switch {
		case x < y:
			return -1, nil
		case x > y:
			return 1, nil
		case x == y:
			return 0, nil
		}
		return 2, nil // NaN: every comparison is false
	}
	if err := undefOperand(a, b); err != nil {
		return 0, err
	}
	if x, ok := asString(a); ok {
		if y, ok := asString(b); ok {
			return strings.Compare(x, y), nil
		}
	}
	xs, xok := seqItems(a)
	ys, yok := seqItems(b)
	_, xt := a.(Tuple)
	_, yt := b.(Tuple)
	if xok && yok && xt == yt {
		for i := 0; i < len(xs) && i < len(ys); i++ {
			if equal(xs[i], ys[i]) {
				continue
			}
			return compare(xs[i], ys[i], op)
		}
		switch {
		case len(xs) < len(ys):
			return -1, nil
		case len(xs) > len(ys):
			return 1, nil
		}
		return 0, nil
	}
	if c, ok := objCompare(a, b); ok {
		return c, nil
	}
	return 0, typeErr("'%s' not supported between instances of '%s' and '%s'", op, typeName(a), typeName(b))
}

func strictOperand(a, b any) error {
	if u, ok := a.(*Undefined); ok && u.policy == Strict {
		return u.err()
	}
	if u, ok := b.(*Undefined); ok && u.policy == Strict {
		return u.err()
	}
	return nil
}

func compareOp2(op string, a, b any) (bool, error) {
	switch op {
	case "eq", "ne":
		if err := strictOperand(a, b); err != nil {
			return false, err
		}
	}
	switch op {
	case "eq":
		return equal(a, b), nil
	case "ne":
		return !equal(a, b), nil
	case "in":
		return contains(b, a)
	case "notin":
		r, err := contains(b, a)
		return !r, err
	}
	c, err := compare(a, b, opSymbols[op])
	if err != nil {
		return false, err
	}
	if c == 2 {
		return false, nil
	}
	switch op {
	case "lt":
		return c < 0, nil
	case "lteq":
		return c <= 0, nil
	case "gt":
		return c > 0, nil
	}
	return c >= 0, nil
}

// contains is Python's item in container.
func contains(container, item any) (bool, error) {
	switch x := container.(type) {
	case string, Markup:
		s, _ := asString(x)
		sub, ok := asString(item)
		if !ok {
			if u, isU := item.(*Undefined); isU && u.policy == Strict {
				return false, u.err()
			}
			return false, typeErr("'in <string>' requires string as left operand, not %s", typeName(item))
		}
		return strings.Contains(s, sub), nil
	case *Dict:
		i, err := x.find(item)
		return i >= 0, err
	case map[string]any:
		s, ok := item.(string)
		if !ok {
			if _, err := hashKey(item); err != nil {
				return false, err
			}
			return false, nil
		}
		_, found := x[s]
		return found, nil
	case *Undefined:
		if x.policy == Strict {
			return false, x.err()
		}
		return false, nil
	case interface{ GetItem(any) (any, bool) }:
		if _, isIter := container.(interface{ Iter() []any }); !isIter {
			_, ok := x.GetItem(item)
			return ok, nil
		}
	}
	if it, ok := container.(*Iterator); ok {
		// stops at the first match, leaving the rest to be taken
		for {
			v, ok, err := it.Next()
			if err != nil || !ok {
				return false, err
			}
			if equal(v, item) {
				return true, nil
			}
		}
	}
	items, err := iterate(container)
	if err != nil {
		return false, typeErr("argument of type '%s' is not iterable", typeName(container))
	}
	for _, it := range items {
		if equal(it, item) {
			return true, nil
		}
	}
	return false, nil
}
